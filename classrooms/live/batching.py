"""Requests of one process done together (`lms.batching.ProcessBatch`): handshakes checked
and let in together, disconnects in one UPDATE, heartbeats in one UPDATE, chat messages in one
INSERT; and room events of one process sent together to their group (`RoomSends`)."""

import asyncio
import json
import logging

from django.core.exceptions import ValidationError

from lms.batching import PerLoop, ProcessBatch, settle

from . import actions, room

logger = logging.getLogger(__name__)

# Room events that change a member's state on every socket, not only what it is sent: they
# travel decoded as well as encoded (`room_event`).
STATEFUL_EVENTS = frozenset({"chat.mute", "lesson.changed", "room.flush"})


def room_event(payload: dict) -> dict:
    """The channel-layer message of a room event: the payload encoded once here, not once per
    receiving socket; only the events that change a member's state (`STATEFUL_EVENTS`) carry
    it decoded as well."""
    event = {"type": "room.event", "kind": payload["type"]}
    if payload["type"] in STATEFUL_EVENTS:
        event["payload"] = payload
    if payload["type"] != "room.flush":
        event["text"] = json.dumps(payload)
    return event


class AdmitBatch(ProcessBatch):
    """Handshakes that arrive while earlier ones are being checked are checked together
    (`room.room_members`: a room's students in three queries, however many), as when a class
    or a province reconnects at once after an outage. No added wait: a lone handshake is
    checked at once."""

    def write(self, requests: list[tuple[object, int]]) -> list[room.Member | None]:
        return room.room_members(requests)

    async def admit(self, user, session_id: int) -> room.Member | None:
        return await self.add((user, session_id))


class EnterBatch(ProcessBatch):
    """Members entering their rooms together: their presence in one write (students'
    intervals in one INSERT, `room.presence_connect_many`), then each room's state read once
    for all its newcomers (`room.room_states`). A member whose session is no longer live gets
    its ValidationError."""

    def write(self, conns: list[room.Connection]) -> list:
        firsts = room.presence_connect_many(conns)
        if room.presence_grace_seconds():  # back within the grace: not a join (LeaveAfterGrace)
            returning = [conn for conn, first in zip(conns, firsts, strict=True) if first is True]
            back = {
                id(conn)
                for conn, was in zip(returning, room.claim_leaving(returning), strict=True)
                if was
            }
            firsts = [
                False if id(conn) in back else first
                for conn, first in zip(conns, firsts, strict=True)
            ]
        entering = [
            conn
            for conn, first in zip(conns, firsts, strict=True)
            if not isinstance(first, ValidationError)
        ]
        states = iter(room.room_states([conn.member for conn in entering]))
        return [
            (first, None) if isinstance(first, ValidationError) else (first, next(states))
            for first in firsts
        ]

    async def enter(self, conn: room.Connection) -> tuple[bool, dict]:
        """(True on the user's first connection, the `presence.state` to send)."""
        first, state = await self.add(conn)
        if isinstance(first, ValidationError):
            raise first
        LeaveAfterGrace.for_loop().cancel(conn.member)
        return first, state


class LeaveBatch(ProcessBatch):
    """Sockets that close while earlier ones are being let go are let go together
    (`room.presence_disconnect_many`: the students' intervals closed in one UPDATE). When a
    class's network drops, its disconnects and its reconnects all queue on the process's one
    thread for database work; one call each made a disconnect wait behind the reconnects
    longer than Daphne waits for it (`--application-close-timeout`), and a killed disconnect
    leaves its interval open beside the new one until the reaper closes it."""

    def write(self, requests: list[tuple[room.Connection, bool]]) -> list[bool]:
        lasts = room.presence_disconnect_many([conn for conn, _graced in requests])
        room.presence_leaving(
            [conn for (conn, graced), last in zip(requests, lasts, strict=True) if last and graced]
        )
        return lasts

    async def leave(self, conn: room.Connection, *, graced: bool) -> bool:
        """True when the user has no connection left in the room; `graced`: they are marked
        as leaving (`LeaveAfterGrace` announces them), else the caller announces them now."""
        return await self.add((conn, graced))


class LeaveAfterGrace(ProcessBatch):
    """Users whose last socket was lost (`room.presence_graced`: not closed by their page) are
    announced as gone (`presence.leave`) when `LIVE_PRESENCE_GRACE_SECONDS` have passed, unless
    they came back meanwhile, on any process
    (`room.claim_leaving`, claimed by EnterBatch at their return; a return through the same
    process also ends the timer there, `cancel`). A class coming back after a
    network blip, a deploy or a Redis restart then costs its room no leave and no join per
    member: in a 10,000-socket storm those were 20,000 room events, each delivered to a whole
    class, still arriving seconds after everyone was back (docs/benchmarks.md)."""

    def __init__(self):
        super().__init__()
        self.waiting: set[asyncio.Task] = set()
        # The timers still in their grace, by (session, user): one per user and process.
        self.sleeping: dict[tuple[int, int], asyncio.Task] = {}

    def write(self, conns: list[room.Connection]) -> list[bool]:
        return room.claim_leaving(conns)

    def schedule(self, layer, conn: room.Connection) -> None:
        self.cancel(conn.member)  # an earlier drop's timer would cut this grace short
        task = asyncio.create_task(self._after_grace(layer, conn))
        self.sleeping[conn.member.key] = task
        self.waiting.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self.waiting.discard)

    def cancel(self, member: room.Member) -> None:
        """The member is in the room again through this process: their timer here, if it is
        still in its grace, ends without claiming. Their return claimed the mark already (or
        found them still connected elsewhere); a claim at the end of the grace would be one
        more cache round trip per user on the process's one thread for database work, for every
        student of a storm (docs/benchmarks.md), and could take a later drop's mark early."""
        task = self.sleeping.pop(member.key, None)
        if task is not None:
            task.cancel()

    async def _after_grace(self, layer, conn: room.Connection) -> None:
        await asyncio.sleep(room.presence_grace_seconds())
        key = conn.member.key
        if self.sleeping.get(key) is asyncio.current_task():
            del self.sleeping[key]  # claiming now: a return from here on is the claim's rival
        try:
            if await self.add(conn):
                payload = {"type": "presence.leave", "user": conn.member.as_dict()}
                await RoomSends.for_loop().send(
                    layer, room.session_group(conn.member.session.pk), room_event(payload)
                )
        except Exception:  # the layer or the cache is down: the room's next state corrects it
            logger.warning("presence.leave after the grace failed", exc_info=True)


class HeartbeatBatch(ProcessBatch):
    """Heartbeats arriving within `room.HEARTBEAT_BATCH_SECONDS` are one UPDATE
    (`room.presence_heartbeats`); each socket gets its `heartbeat` answer once it is written."""

    window = room.HEARTBEAT_BATCH_SECONDS

    def write(self, conns: list[room.Connection]) -> list[None]:
        room.presence_heartbeats(conns)
        return [None] * len(conns)

    async def beat(self, conn: room.Connection) -> None:
        await self.add(conn)


class ChatBatch(ProcessBatch):
    """`chat.send`s that arrive while the previous ones are being stored are stored together
    (`actions.chat_send_many`: one rate-limit round trip, one INSERT). No added wait: a lone
    message is written at once, and a batch is as large as the load makes it. A message goes
    to the room only once it is stored, with its id."""

    def write(self, requests: list[tuple[room.Member, dict]]) -> list:
        return actions.chat_send_many(requests)

    async def send(self, member: room.Member, content: dict) -> list[room.Outgoing]:
        result = await self.add((member, content))
        if isinstance(result, room.RoomError):
            raise result
        return result


class RoomSends(PerLoop):
    """Room events of one process for one group, sent as one channel-layer message when several
    are waiting: those that arrive while the group's previous send is in flight (no added
    wait: a lone event goes at once, and a batch is as large as the load makes it, as for
    `ChatBatch`). A batch of more than one goes as `room.events` (the events in order), which
    each socket unpacks into the same frames as before; the protocol does not change.

    Why: on the Redis layer every group message is one entry in each receiving process's one
    queue, shared by all its sockets, and a process takes those entries one at a time (four
    Redis round trips each). A class joining or reconnecting at once sends one `presence.join`
    per member; one entry per member is what filled the queue until the layer dropped messages
    (docs/deployment.md, "Channel layer capacity")."""

    def __init__(self):
        self.pending: dict[str, list[tuple[dict, asyncio.Future]]] = {}
        self.tasks: dict[str, asyncio.Task] = {}

    async def send(self, layer, group: str, event: dict) -> None:
        """Send `event` to `group` (with others waiting for it); raises what the layer raised."""
        done = asyncio.get_running_loop().create_future()
        self.pending.setdefault(group, []).append((event, done))
        task = self.tasks.get(group)
        if task is None or task.done():
            self.tasks[group] = asyncio.create_task(self._flush(layer, group))
        await done

    async def _flush(self, layer, group: str):
        try:
            while self.pending.get(group):
                batch = self.pending.pop(group)
                events = [event for event, _ in batch]
                message = (
                    events[0] if len(events) == 1 else {"type": "room.events", "events": events}
                )
                try:
                    await layer.group_send(group, message)
                except Exception as exc:
                    for _, done in batch:
                        settle(done, exception=exc)
                else:
                    for _, done in batch:
                        settle(done)
        finally:
            self.tasks.pop(group, None)
