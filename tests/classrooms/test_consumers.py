"""Websocket smoke tests through the real lms.asgi.application stack."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from lms.asgi import application
from tests.factories import ClassroomFactory, EnrollmentFactory, StudentFactory

ORIGIN = (b"origin", b"http://testserver")


@sync_to_async
def make_member_and_outsider():
    enrollment = EnrollmentFactory()
    outsider = StudentFactory()
    return enrollment.classroom.pk, enrollment.student, outsider


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


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_anonymous_socket_is_refused_with_4403():
    classroom_id = (await sync_to_async(ClassroomFactory)()).pk
    ws = communicator(f"/ws/classes/{classroom_id}/", ORIGIN)
    connected, code = await ws.connect()
    assert not connected
    assert code == 4403


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_foreign_origin_is_refused_even_for_a_member():
    classroom_id, member, _ = await make_member_and_outsider()
    cookie = await session_cookie_for(member)
    ws = communicator(
        f"/ws/classes/{classroom_id}/", (b"origin", b"http://evil.example"), (b"cookie", cookie)
    )
    connected, _ = await ws.connect()
    assert not connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_member_is_accepted_and_outsider_refused():
    classroom_id, member, outsider = await make_member_and_outsider()

    ws = communicator(
        f"/ws/classes/{classroom_id}/", ORIGIN, (b"cookie", await session_cookie_for(member))
    )
    connected, _ = await ws.connect()
    assert connected
    assert await ws.receive_json_from() == {"type": "hello", "classroom": classroom_id}
    await ws.send_json_to({"type": "heartbeat"})
    assert await ws.receive_json_from() == {"type": "heartbeat"}
    # Bad input gets an error message and the socket stays open.
    await ws.send_to(text_data="not json")
    assert (await ws.receive_json_from())["type"] == "error"
    await ws.send_json_to({"type": "chat.send", "text": "xin chào"})
    assert (await ws.receive_json_from())["type"] == "error"
    await ws.send_json_to({"type": "heartbeat"})
    assert await ws.receive_json_from() == {"type": "heartbeat"}
    await ws.disconnect()

    ws = communicator(
        f"/ws/classes/{classroom_id}/", ORIGIN, (b"cookie", await session_cookie_for(outsider))
    )
    connected, code = await ws.connect()
    assert not connected
    assert code == 4403


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_members_receive_class_notices_through_the_channel_layer():
    from channels.layers import get_channel_layer

    from classrooms.consumers import classroom_group

    classroom_id, member, _ = await make_member_and_outsider()
    ws = communicator(
        f"/ws/classes/{classroom_id}/", ORIGIN, (b"cookie", await session_cookie_for(member))
    )
    assert (await ws.connect())[0]
    await ws.receive_json_from()
    await get_channel_layer().group_send(
        classroom_group(classroom_id), {"type": "classroom.notice", "text": "Lớp học trực tuyến"}
    )
    assert await ws.receive_json_from() == {"type": "notice", "text": "Lớp học trực tuyến"}
    await ws.disconnect()
