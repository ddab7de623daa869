"""Websocket smoke tests through the real lms.asgi.application stack: the live room's route
(`/ws/sessions/<id>/`) behind the origin check, the session cookie and the members' check."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from classrooms.live.room import session_group
from lms.asgi import application
from tests.factories import EnrollmentFactory, LiveSessionFactory, StudentFactory

ORIGIN = (b"origin", b"http://testserver")


@sync_to_async
def make_member_and_outsider():
    session = LiveSessionFactory(status="live", started_at=timezone.now())
    member = EnrollmentFactory(classroom=session.classroom).student
    return session.pk, member, StudentFactory()


@sync_to_async
def session_cookie_for(user) -> bytes:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode()


def communicator(path, *headers):
    return WebsocketCommunicator(application, path, headers=list(headers))


async def receive_of(ws, kind: str) -> dict:
    """The next message of this type; others (the member's own presence.join) are skipped."""
    while True:
        message = await ws.receive_json_from()
        if message["type"] == kind:
            return message


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_anonymous_socket_is_refused_with_4403():
    session_id, _member, _outsider = await make_member_and_outsider()
    ws = communicator(f"/ws/sessions/{session_id}/", ORIGIN)
    connected, code = await ws.connect()
    assert not connected
    assert code == 4403


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_foreign_origin_is_refused_even_for_a_member():
    session_id, member, _ = await make_member_and_outsider()
    cookie = await session_cookie_for(member)
    ws = communicator(
        f"/ws/sessions/{session_id}/", (b"origin", b"http://evil.example"), (b"cookie", cookie)
    )
    connected, _ = await ws.connect()
    assert not connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_member_is_accepted_and_outsider_refused():
    session_id, member, outsider = await make_member_and_outsider()

    ws = communicator(
        f"/ws/sessions/{session_id}/", ORIGIN, (b"cookie", await session_cookie_for(member))
    )
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["type"] == "presence.state"
    await ws.send_json_to({"type": "heartbeat"})
    assert await receive_of(ws, "heartbeat") == {"type": "heartbeat"}
    # Bad input gets an error message and the socket stays open.
    await ws.send_to(text_data="not json")
    # On Redis a presence event of the room may come first: read up to the error.
    assert (await receive_of(ws, "error"))["code"] == "bad_json"
    await ws.send_json_to({"type": "poll.open", "question": "?", "options": ["a", "b"]})
    assert (await receive_of(ws, "error"))["code"] == "forbidden"
    await ws.send_json_to({"type": "heartbeat"})
    assert await receive_of(ws, "heartbeat") == {"type": "heartbeat"}
    await ws.disconnect()

    ws = communicator(
        f"/ws/sessions/{session_id}/", ORIGIN, (b"cookie", await session_cookie_for(outsider))
    )
    connected, code = await ws.connect()
    assert not connected
    assert code == 4403


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_members_receive_room_events_through_the_channel_layer():
    session_id, member, _ = await make_member_and_outsider()
    ws = communicator(
        f"/ws/sessions/{session_id}/", ORIGIN, (b"cookie", await session_cookie_for(member))
    )
    assert (await ws.connect())[0]
    await ws.receive_json_from()
    payload = {"type": "chat.deleted", "message": 1}
    await get_channel_layer().group_send(
        session_group(session_id),
        {"type": "room.event", "kind": payload["type"], "text": json.dumps(payload)},
    )
    assert await receive_of(ws, "chat.deleted") == payload
    await ws.disconnect()
