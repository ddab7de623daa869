"""The school admin's timetable page: a grid of days × periods per class, not one long list,
durations in minutes, and removing a lesson asks first."""

import datetime

import pytest
from django.utils import translation

from classrooms.models import TimetableSlot
from classrooms.timetable import services as timetable
from tests.factories import ClassroomFactory, SchoolAdminFactory, TeachingAssignmentFactory

pytestmark = pytest.mark.django_db


def add(assignment, weekday, period, minutes=45):
    return timetable.slot_create(
        classroom=assignment.classroom,
        weekday=weekday,
        period=period,
        starts_at=datetime.time(7 + period, 0),
        duration_minutes=minutes,
        subject=assignment.subject,
        teacher=assignment.teacher,
    )


def test_a_school_gets_one_week_grid_per_class_and_a_class_its_own(client):
    a = TeachingAssignmentFactory()
    other = ClassroomFactory(school=a.classroom.school, year=a.classroom.year, name="9B")
    b = TeachingAssignmentFactory(classroom=other, subject=a.subject, teacher=a.teacher)
    add(a, weekday=0, period=1)
    add(a, weekday=2, period=3, minutes=40)
    add(b, weekday=5, period=2)  # a Saturday lesson adds the Saturday column to 9B only
    client.force_login(SchoolAdminFactory(school=a.classroom.school))
    url = f"/schools/{a.classroom.school.pk}/timetable/"
    with translation.override("en"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    grids = {g["classroom"].pk: g for g in response.context["grids"]}
    assert set(grids) == {a.classroom.pk, other.pk}
    grid = grids[a.classroom.pk]
    assert [int(day) for day in grid["days"]] == [0, 1, 2, 3, 4]
    assert [row["period"] for row in grid["rows"]] == [1, 2, 3]
    assert grid["rows"][2]["cells"][2].duration_minutes == 40  # Wednesday, period 3
    assert grid["rows"][1]["cells"] == [None] * 5
    assert [int(day) for day in grids[other.pk]["days"]] == [0, 1, 2, 3, 4, 5]
    html = response.content.decode()
    assert html.count('class="timetable-grid"') == 2
    assert "40 minutes" in html

    one = client.get(url, {"class": other.pk})
    assert [g["classroom"].pk for g in one.context["grids"]] == [other.pk]


def test_duration_is_translated_as_minutes_not_accounts(client):
    a = TeachingAssignmentFactory()
    add(a, weekday=0, period=1)
    client.force_login(SchoolAdminFactory(school=a.classroom.school))
    html = client.get(f"/schools/{a.classroom.school.pk}/timetable/").content.decode()
    assert "tài khoản" not in html


def test_removing_a_lesson_is_a_confirmed_step(client):
    a = TeachingAssignmentFactory()
    slot = add(a, weekday=0, period=1)
    client.force_login(SchoolAdminFactory(school=a.classroom.school))
    html = client.get(f"/schools/{a.classroom.school.pk}/timetable/").content.decode()
    # The delete form sits behind a <details> summary: one tap opens it, a second removes.
    cell = html[html.index(f'data-slot="{slot.pk}"') :]
    assert cell.index("<details") < cell.index(f"/timetable/slots/{slot.pk}/delete/")
    assert client.post(f"/timetable/slots/{slot.pk}/delete/").status_code == 302
    assert not TimetableSlot.objects.exists()
