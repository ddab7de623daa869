"""Live classes on the start pages: status, Join when live, Start/End for the teacher."""

import datetime

import pytest
from django.utils import timezone, translation

from classrooms.models import LiveSession
from tests.clock import THURSDAY, WEDNESDAY, at
from tests.factories import (
    EnrollmentFactory,
    GuardianshipFactory,
    LiveSessionFactory,
    SchoolAdminFactory,
    TeachingAssignmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def start_page(client, user):
    client.force_login(user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response


@pytest.fixture(autouse=True)
def wednesday_morning(time_machine):
    """Today is local midnight to midnight: mid-morning, every session of the fixture but
    tomorrow's is today's. Midnight has its own tests below."""
    time_machine.move_to(at(WEDNESDAY, 10), tick=False)


@pytest.fixture
def today():
    return sessions_around_now()


def sessions_around_now():
    """A class with a session in ten minutes, one live for 20 minutes, one tomorrow and one
    cancelled in an hour."""
    assignment = TeachingAssignmentFactory()
    now = timezone.now().replace(second=0, microsecond=0)

    def make(start, **kwargs):
        return LiveSessionFactory(
            classroom=assignment.classroom,
            subject=assignment.subject,
            teacher=assignment.teacher,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=45),
            **kwargs,
        )

    return {
        "assignment": assignment,
        "soon": make(now + datetime.timedelta(minutes=10)),
        "live": make(now - datetime.timedelta(minutes=20), status="live", started_at=now),
        "tomorrow": make(now + datetime.timedelta(days=1)),
        "cancelled": make(
            now + datetime.timedelta(minutes=60), status="cancelled", cancelled_reason="Mất điện"
        ),
    }


def rows_by_session(response, key="sessions_today"):
    return {row["session"].pk: row for row in response.context[key]}


def test_student_sees_statuses_and_join_only_when_live(client, today):
    student = EnrollmentFactory(classroom=today["assignment"].classroom).student
    response = start_page(client, student)
    html = response.content.decode()
    todays = rows_by_session(response)
    assert set(todays) == {today["soon"].pk, today["live"].pk, today["cancelled"].pk}
    assert set(rows_by_session(response, "sessions_later")) == {today["tomorrow"].pk}
    assert todays[today["live"].pk]["can_join"]
    assert not any(r["can_start"] or r["can_end"] or r["can_cancel"] for r in todays.values())
    assert "Live" in html and "Mất điện" in html
    if "/sessions/" in html and "/live/" in html:  # the live room is installed
        assert f"/sessions/{today['live'].pk}/live/" in html
        assert f"/sessions/{today['soon'].pk}/live/" not in html
    assert "calendar" in html


def test_teacher_gets_start_and_end_buttons(client, today):
    teacher = today["assignment"].teacher
    response = start_page(client, teacher)
    rows = {**rows_by_session(response), **rows_by_session(response, "sessions_later")}
    assert rows[today["soon"].pk]["can_start"]
    assert not rows[today["tomorrow"].pk]["can_start"]  # too early
    assert rows[today["live"].pk]["can_end"]
    html = response.content.decode()
    assert f'action="/sessions/{today["soon"].pk}/start/"' in html
    assert f'action="/sessions/{today["live"].pk}/end/"' in html
    assert "csrfmiddlewaretoken" in html

    client.post(f"/sessions/{today['soon'].pk}/start/")
    assert LiveSession.objects.get(pk=today["soon"].pk).status == "live"
    response = client.post(f"/sessions/{today['live'].pk}/end/")
    assert response.status_code == 302
    assert response["Location"] == f"/sessions/{today['live'].pk}/attendance/"
    assert LiveSession.objects.get(pk=today["live"].pk).status == "ended"


def test_start_and_end_need_post_and_the_right_user(client, today):
    student = EnrollmentFactory(classroom=today["assignment"].classroom).student
    client.force_login(student)
    assert client.get(f"/sessions/{today['soon'].pk}/start/").status_code == 405
    assert client.post(f"/sessions/{today['soon'].pk}/start/").status_code == 404
    assert client.post(f"/sessions/{today['live'].pk}/end/").status_code == 404
    assert LiveSession.objects.get(pk=today["live"].pk).status == "live"
    client.force_login(SchoolAdminFactory())
    assert client.post(f"/sessions/{today['soon'].pk}/start/").status_code == 404


def test_teacher_cancels_with_a_reason(client, today):
    client.force_login(today["assignment"].teacher)
    url = f"/sessions/{today['tomorrow'].pk}/cancel/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert client.post(url, {"reason": "Giáo viên ốm"}).status_code == 302
    session = LiveSession.objects.get(pk=today["tomorrow"].pk)
    assert (session.status, session.cancelled_reason) == ("cancelled", "Giáo viên ốm")


def test_teacher_adds_a_one_off_session(client, today):
    assignment = today["assignment"]
    client.force_login(assignment.teacher)
    url = f"/classes/{assignment.classroom.pk}/sessions/add/"
    assert client.get(url).status_code == 200
    start = timezone.localtime() + datetime.timedelta(days=2)
    response = client.post(
        url,
        {
            "subject": assignment.subject.pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 30,
            "title": "Ôn tập",
        },
    )
    assert response.status_code == 302
    assert LiveSession.objects.filter(title="Ôn tập", slot=None).count() == 1


def test_school_admin_and_guardian_see_todays_sessions(client, today):
    classroom = today["assignment"].classroom
    response = start_page(client, SchoolAdminFactory(school=classroom.school))
    assert today["live"].pk in rows_by_session(response)
    html = response.content.decode()
    assert f"/schools/{classroom.school.pk}/timetable/" in html
    child = EnrollmentFactory(classroom=classroom).student
    response = start_page(client, GuardianshipFactory(student=child).guardian)
    assert today["live"].pk in rows_by_session(response)
    assert f"/children/{child.pk}/attendance/" in response.content.decode()


def test_just_before_midnight_a_session_in_ten_minutes_is_tomorrows(client, time_machine):
    time_machine.move_to(at(WEDNESDAY, 23, 55), tick=False)
    sessions = sessions_around_now()
    response = start_page(client, sessions["assignment"].teacher)
    assert set(rows_by_session(response)) == {sessions["live"].pk}
    later = rows_by_session(response, "sessions_later")
    assert list(later) == [sessions["soon"].pk, sessions["cancelled"].pk, sessions["tomorrow"].pk]
    assert later[sessions["soon"].pk]["can_start"]  # listed with tomorrow, startable now
    admin = SchoolAdminFactory(school=sessions["assignment"].classroom.school)
    assert start_page(client, admin).context["sessions_count"] == 1  # the live one


def test_just_after_midnight_a_session_live_since_yesterday_is_todays(client, time_machine):
    time_machine.move_to(at(THURSDAY, 0, 10), tick=False)
    sessions = sessions_around_now()  # live since 23:50 yesterday
    student = EnrollmentFactory(classroom=sessions["assignment"].classroom).student
    todays = rows_by_session(start_page(client, student))
    assert set(todays) == {sessions["soon"].pk, sessions["live"].pk, sessions["cancelled"].pk}
    assert todays[sessions["live"].pk]["can_join"]
    admin = SchoolAdminFactory(school=sessions["assignment"].classroom.school)
    assert start_page(client, admin).context["sessions_count"] == 3


def test_a_class_started_early_and_ended_before_midnight_is_not_coming_up(client, time_machine):
    time_machine.move_to(at(WEDNESDAY, 23, 55), tick=False)
    sessions = sessions_around_now()
    soon = sessions["soon"]  # 00:05 tomorrow, started early and already over
    soon.status, soon.started_at, soon.ended_at = "ended", timezone.now(), timezone.now()
    soon.save()
    student = EnrollmentFactory(classroom=sessions["assignment"].classroom).student
    response = start_page(client, student)
    assert soon.pk in rows_by_session(response)
    assert soon.pk not in rows_by_session(response, "sessions_later")


def test_status_endpoint_tells_the_student_a_class_went_live(client, today):
    student = EnrollmentFactory(classroom=today["assignment"].classroom).student
    client.force_login(student)
    html = start_page(client, student).content.decode()
    assert 'data-sessions-poll="/sessions/status/"' in html and "js/sessions-live.js" in html
    states = {s["id"]: s for s in client.get("/sessions/status/").json()["sessions"]}
    assert set(states) == {today["soon"].pk, today["live"].pk, today["cancelled"].pk}
    assert states[today["soon"].pk]["join_url"] is None
    assert states[today["live"].pk]["join_url"] == f"/sessions/{today['live'].pk}/live/"

    soon = today["soon"]
    soon.status, soon.started_at = "live", timezone.now()
    soon.save()
    states = {s["id"]: s for s in client.get("/sessions/status/").json()["sessions"]}
    assert states[soon.pk]["status"] == "live"
    assert states[soon.pk]["status_label"] == "Đang diễn ra"  # the site speaks Vietnamese
    assert states[soon.pk]["join_url"] == f"/sessions/{soon.pk}/live/"


def test_status_endpoint_is_scoped_to_the_user(client, today):
    outsider = EnrollmentFactory().student  # another class
    client.force_login(outsider)
    assert client.get("/sessions/status/").json() == {"sessions": []}
    client.logout()
    assert client.get("/sessions/status/").status_code == 302
