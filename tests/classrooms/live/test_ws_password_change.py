"""An account that must still change its initial password opens no websocket (issue 18, item
6): the forced change holds for the live room as it does for pages."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import User
from lms.asgi import application
from tests.accounts.totp import totp_activate
from tests.classrooms.live.test_routing import ORIGIN, session_cookie_for
from tests.factories import EnrollmentFactory, LiveSessionFactory, UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@sync_to_async
def live_class():
    session = LiveSessionFactory(status="live")
    student = EnrollmentFactory(classroom=session.classroom).student
    return session, student


@sync_to_async
def must_change_password(user, value: bool):
    User.objects.filter(pk=user.pk).update(must_change_password=value)


async def connect(path, user):
    cookie = await session_cookie_for(user)
    ws = WebsocketCommunicator(application, path, headers=[ORIGIN, (b"cookie", cookie)])
    connected, code = await ws.connect(timeout=2)
    if connected:
        await ws.disconnect()
    return connected, code


async def test_an_account_with_its_initial_password_cannot_join_any_socket():
    session, student = await live_class()
    paths = [f"/ws/sessions/{session.pk}/"]
    await must_change_password(student, True)
    for path in paths:
        assert await connect(path, student) == (False, 4403), path
    await must_change_password(session.teacher, True)
    assert await connect(paths[0], session.teacher) == (False, 4403)

    # Once they have chosen their own password, they are members like before.
    await must_change_password(student, False)
    for path in paths:
        connected, _code = await connect(path, student)
        assert connected, path


totp_for = sync_to_async(totp_activate)


async def test_staff_who_must_set_up_an_authenticator_open_no_socket(settings):
    # An officer observing a live room is gated like on pages until the app is set up.
    settings.MFA_REQUIRED_ROLES = ["school_admin", "district_officer", "province_officer"]
    session, _student = await live_class()
    officer = await sync_to_async(UserFactory)(role="province_officer")
    path = f"/ws/sessions/{session.pk}/"
    assert await connect(path, officer) == (False, 4403)

    await totp_for(officer)
    connected, _code = await connect(path, officer)
    assert connected
