"""A class keeps its own meeting link (issue 19 item 17): its homeroom teacher or the school's
admin sets it on the class page, and the class's sessions use it when neither they nor their
timetable slot have one."""

import datetime

import pytest

from classrooms.live.services import session_meeting_url
from classrooms.models import Classroom, LiveSession
from classrooms.timetable.services import sessions_generate
from tests.factories import (
    ClassroomFactory,
    SchoolAdminFactory,
    TeacherFactory,
    TeachingAssignmentFactory,
    TimetableSlotFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 9, 7)


@pytest.fixture
def classroom():
    homeroom = TeacherFactory()
    return ClassroomFactory(school=homeroom.school, homeroom_teacher=homeroom)


def set_link(client, classroom, value):
    return client.post(f"/classes/{classroom.pk}/meeting/", {"meeting_url": value})


def test_the_homeroom_teacher_sets_the_link_without_https(client, classroom):
    client.force_login(classroom.homeroom_teacher)
    page = client.get(f"/classes/{classroom.pk}/").content.decode()
    assert f'action="/classes/{classroom.pk}/meeting/"' in page
    response = set_link(client, classroom, "  meet.jit.si/lop-9a ")
    assert response.status_code == 302
    classroom.refresh_from_db()
    assert classroom.meeting_url == "https://meet.jit.si/lop-9a"
    assert "https://meet.jit.si/lop-9a" in client.get(f"/classes/{classroom.pk}/").content.decode()
    # Emptied: no link of its own.
    set_link(client, classroom, "")
    classroom.refresh_from_db()
    assert classroom.meeting_url == ""


def test_a_bad_link_is_refused_and_what_was_typed_stays(client, classroom):
    client.force_login(classroom.homeroom_teacher)
    response = set_link(client, classroom, "không phải liên kết")
    assert response.status_code == 200
    html = response.content.decode()
    assert "meet.jit.si/lop-9a" in html  # the error shows an example of a good link
    assert 'value="không phải liên kết"' in html
    assert Classroom.objects.get(pk=classroom.pk).meeting_url == ""


def test_the_school_admin_may_and_a_subject_teacher_or_another_school_may_not(client, classroom):
    client.force_login(SchoolAdminFactory(school=classroom.school))
    assert set_link(client, classroom, "meet.jit.si/lop-9a").status_code == 302
    subject_teacher = TeachingAssignmentFactory(classroom=classroom).teacher
    for user in (subject_teacher, SchoolAdminFactory()):
        client.force_login(user)
        assert set_link(client, classroom, "meet.jit.si/khac").status_code == 404
        assert 'meeting/"' not in client.get(f"/classes/{classroom.pk}/").content.decode()
    assert Classroom.objects.get(pk=classroom.pk).meeting_url == "https://meet.jit.si/lop-9a"


def test_generated_sessions_use_the_class_link_when_their_slot_has_none(classroom, settings):
    settings.MEETING_URL_TEMPLATE = "https://meet.jit.si/hoctiep-{session}"
    plain = TimetableSlotFactory(classroom=classroom, weekday=0, period=1)
    own = TimetableSlotFactory(
        classroom=classroom, weekday=0, period=2, meeting_url="https://meet.jit.si/tiet-2"
    )
    sessions_generate(start=MONDAY, end=MONDAY, classrooms=[classroom])
    by_slot = {s.slot_id: s for s in LiveSession.objects.select_related("classroom")}
    # No class link yet: the province's default.
    assert (
        session_meeting_url(by_slot[plain.pk])
        == f"https://meet.jit.si/hoctiep-{by_slot[plain.pk].pk}"
    )

    classroom.meeting_url = "https://meet.jit.si/lop-9a"
    classroom.save()
    by_slot = {s.slot_id: s for s in LiveSession.objects.select_related("classroom")}
    assert session_meeting_url(by_slot[plain.pk]) == "https://meet.jit.si/lop-9a"
    assert session_meeting_url(by_slot[own.pk]) == "https://meet.jit.si/tiet-2"
