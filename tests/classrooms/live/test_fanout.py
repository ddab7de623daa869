"""Room events at full voice: nothing a member should see is dropped on the way (issue 17).

On the Redis layer all sockets of a worker share one queue; a group message is one entry in it,
and a full queue drops group messages ("channels over capacity in group ..."). The room sends
less per member (events of a room that wait behind a send in flight go out together,
`batching.RoomSends`) and the queue's capacity is sized for a worker's bursts
(lms/settings/base.py, docs/deployment.md).
"""

import asyncio
import json
import logging
import os

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from classrooms.live import room
from classrooms.live.batching import RoomSends
from lms.layers import RedisChannelLayer
from tests.classrooms.live.test_consumers import connect, join, make_room, send
from tests.factories import EnrollmentFactory
from tests.settings_probe import settings_output

CLASS_SIZE = 40
# Generous: a class of 40 connects at once through a deliberately slow layer, on a shared
# machine; a slow run waits longer, it does not pass with fewer messages.
TIMEOUT = 30

pytestmark = pytest.mark.asyncio


ROUND_TRIP = 0.2  # a slow layer: what is sent meanwhile waits behind the send in flight


class RecordingLayer:
    def __init__(self, fail: bool = False):
        self.sent: list[tuple[str, dict]] = []
        self.fail = fail

    async def group_send(self, group, message):
        await asyncio.sleep(ROUND_TRIP)
        if self.fail:
            raise ConnectionError("layer down")
        self.sent.append((group, message))


async def test_events_for_a_room_that_arrive_together_are_one_layer_message_in_order():
    layer = RecordingLayer()
    sends = RoomSends()
    events = [{"type": "room.event", "kind": "presence.join", "text": str(n)} for n in range(40)]
    await asyncio.gather(
        *(sends.send(layer, "session.1", e) for e in events),
        sends.send(layer, "session.2", {"type": "room.event", "text": "other room"}),
    )
    assert sorted(group for group, _ in layer.sent) == ["session.1", "session.2"]
    batch = next(message for group, message in layer.sent if group == "session.1")
    assert batch == {"type": "room.events", "events": events}
    lone = next(message for group, message in layer.sent if group == "session.2")
    assert lone == {"type": "room.event", "text": "other room"}  # a lone event goes as it is

    await sends.send(layer, "session.1", events[0])  # later sends start a new batch
    assert layer.sent[-1] == ("session.1", events[0])


async def test_events_sent_while_a_send_is_in_flight_go_together_after_it():
    layer = RecordingLayer()
    sends = RoomSends()
    first = asyncio.create_task(sends.send(layer, "session.1", {"n": 0}))
    await asyncio.sleep(ROUND_TRIP / 4)
    await asyncio.gather(first, *(sends.send(layer, "session.1", {"n": n}) for n in (1, 2)))
    assert [message for _, message in layer.sent] == [
        {"n": 0},
        {"type": "room.events", "events": [{"n": 1}, {"n": 2}]},
    ]


async def test_a_layer_failure_reaches_every_sender_of_the_batch():
    sends = RoomSends()
    results = await asyncio.gather(
        *(sends.send(RecordingLayer(fail=True), "session.1", {"n": n}) for n in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(r, ConnectionError) for r in results)


@sync_to_async
def _add_students(session, count):
    return [EnrollmentFactory(classroom=session.classroom).student for _ in range(count)]


@pytest.mark.django_db(transaction=True)
async def test_a_class_coming_in_at_once_is_announced_in_a_few_room_messages(monkeypatch):
    """Every member still gets one `presence.join` frame per classmate, but when the layer is
    slow the room sends them in a few group messages, not one per member (each is an entry in
    every worker's queue on Redis)."""
    r = await make_room()
    students = await _add_students(r.session, CLASS_SIZE)
    teacher, _ = await join(r.session, r.teacher)
    layer = get_channel_layer()
    group_sends = []
    real_group_send = layer.group_send

    async def counting_group_send(group, message):
        group_sends.append(message)
        await asyncio.sleep(ROUND_TRIP)
        await real_group_send(group, message)

    monkeypatch.setattr(layer, "group_send", counting_group_send)
    sockets = await asyncio.gather(*(connect(r.session, s, timeout=TIMEOUT) for s in students))
    assert all(connected for _, connected, _ in sockets)
    joined = set()
    while len(joined) < CLASS_SIZE:
        message = await teacher.receive_json_from(timeout=TIMEOUT)
        if message["type"] == "presence.join" and message["user"]["id"] != r.teacher.pk:
            assert message["user"]["id"] not in joined
            joined.add(message["user"]["id"])
    assert joined == {s.pk for s in students}
    presence_messages = [
        m for m in group_sends if m["type"] == "room.events" or m["kind"] == "presence.join"
    ]
    assert len(presence_messages) < CLASS_SIZE / 2

    # A chat message is one group message for the whole class, whatever its size.
    group_sends.clear()
    await send(teacher, type="chat.send", text="Chào cả lớp")
    for ws, _, _ in sockets:
        while (message := await ws.receive_json_from(timeout=TIMEOUT))["type"] != "chat.message":
            pass
        assert message["message"]["text"] == "Chào cả lớp"
    assert [m.get("kind") for m in group_sends] == ["chat.message"]
    for ws, _, _ in sockets:
        await ws.disconnect()
    await teacher.disconnect()


def _production_layer_config(redis_url: str) -> dict:
    """CHANNEL_LAYERS' config as the settings build it when REDIS_URL is set."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lms.settings.test", "REDIS_URL": redis_url}
    env.pop("CHANNEL_LAYER", None)
    layer = json.loads(settings_output("json.dumps(s.CHANNEL_LAYERS['default'])", env=env))
    assert layer["BACKEND"] == "lms.layers.RedisChannelLayer"
    return layer["CONFIG"]


async def test_a_worker_that_falls_behind_loses_no_room_event_on_redis(redis_url, caplog):
    """A class of 40 in one worker; 300 room events reach the worker's queue before it reads
    any (a reconnecting province's presence plus a few seconds of chat at full voice, on a
    loaded machine). With channels-redis's default capacity (100) the layer dropped two
    thirds of them and logged "channels over capacity"; the settings' capacity keeps them
    all, in order."""
    config = _production_layer_config(redis_url)
    layer = RedisChannelLayer(**{**config, "prefix": f"asgi-test-{os.getpid()}"})
    group = room.session_group(987654)
    channels = [await layer.new_channel() for _ in range(CLASS_SIZE)]
    try:
        for channel in channels:
            await layer.group_add(group, channel)
        caplog.set_level(logging.INFO, logger="channels_redis")
        for n in range(300):
            await layer.group_send(group, {"type": "room.event", "text": str(n)})
        assert "over capacity" not in caplog.text
        for channel in channels:
            received = [
                (await asyncio.wait_for(layer.receive(channel), TIMEOUT))["text"]
                for _ in range(300)
            ]
            assert received == [str(n) for n in range(300)]
    finally:
        await layer.flush()
