"""Personal iCal feeds: the right sessions per role, a secret URL, revoked by a new password."""

import datetime

import icalendar
import pytest
from django.utils import timezone

from classrooms.timetable import ical
from tests.factories import (
    EnrollmentFactory,
    GuardianshipFactory,
    LiveSessionFactory,
    SchoolAdminFactory,
)

pytestmark = pytest.mark.django_db


def fetch(client, user):
    client.force_login(user)
    url = client.get("/calendar/").context["feed_url"]
    client.logout()  # calendar apps fetch without a session
    return client.get(url.replace("http://testserver", ""))


def events(response):
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


@pytest.fixture
def sessions():
    tomorrow = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=1)
    ours = LiveSessionFactory(starts_at=tomorrow, ends_at=tomorrow + datetime.timedelta(minutes=45))
    cancelled = LiveSessionFactory(
        classroom=ours.classroom,
        teacher=ours.teacher,
        starts_at=tomorrow + datetime.timedelta(hours=2),
        ends_at=tomorrow + datetime.timedelta(hours=2, minutes=45),
        status="cancelled",
        cancelled_reason="Bão",
    )
    other = LiveSessionFactory(starts_at=tomorrow, ends_at=tomorrow + datetime.timedelta(hours=1))
    return ours, cancelled, other


def test_student_feed_has_their_class_sessions(client, sessions):
    ours, cancelled, other = sessions
    student = EnrollmentFactory(classroom=ours.classroom).student
    response = fetch(client, student)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    found = events(response)
    assert set(found) == {f"session-{ours.pk}@hoctiep", f"session-{cancelled.pk}@hoctiep"}
    event = found[f"session-{ours.pk}@hoctiep"]
    assert event.decoded("dtstart") == ours.starts_at
    assert event.decoded("dtend") == ours.ends_at
    assert ours.classroom.name in str(event["summary"])
    assert str(found[f"session-{cancelled.pk}@hoctiep"]["status"]) == "CANCELLED"


def test_teacher_and_guardian_feeds(client, sessions):
    ours, cancelled, other = sessions
    assert set(events(fetch(client, other.teacher))) == {f"session-{other.pk}@hoctiep"}
    child = EnrollmentFactory(classroom=ours.classroom).student
    guardian = GuardianshipFactory(student=child).guardian
    assert f"session-{ours.pk}@hoctiep" in events(fetch(client, guardian))
    assert events(fetch(client, SchoolAdminFactory())) == {}


def test_bad_or_revoked_tokens_are_404(client, sessions):
    student = EnrollmentFactory(classroom=sessions[0].classroom).student
    token = ical.token_for(student)
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    assert client.get(f"/calendar/{student.pk}-{'0' * 40}.ics").status_code == 404
    assert client.get("/calendar/nonsense.ics").status_code == 404
    other = EnrollmentFactory().student
    forged = f"{other.pk}-{token.partition('-')[2]}"
    assert client.get(f"/calendar/{forged}.ics").status_code == 404
    student.set_password("Mat-khau-moi-2026")
    student.save()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    student.is_active = False
    student.save()
    assert client.get(f"/calendar/{ical.token_for(student)}.ics").status_code == 404
