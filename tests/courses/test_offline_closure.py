"""The lessons of a closure's days, offered for saving (courses.offline.selectors.closure_offer,
docs/offline.md "Before and during a closure"): exactly the lessons of the student's closed class
due on the closure's days (school time), or undated and made available on one of them, that the
student can open now and has not completed; nothing for anyone else."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classrooms.closures.services import closure_cancel
from classrooms.models import Closure, ClosureReason, ClosureScope
from courses.models import LessonProgress
from courses.offline.selectors import CLOSURE_AHEAD_DAYS, closure_offer
from courses.services import lesson_assign
from tests.clock import MONDAY, SUNDAY, THURSDAY, at
from tests.courses.conftest import add_lesson
from tests.factories import GuardianshipFactory, SchoolAdminFactory

TUESDAY = MONDAY + datetime.timedelta(days=1)
FRIDAY = MONDAY + datetime.timedelta(days=4)
PREVIOUS_SUNDAY = MONDAY - datetime.timedelta(days=1)
CLOSURES = reverse("courses:offline_closure_bundles")


@pytest.fixture(autouse=True)
def monday_morning(time_machine):
    time_machine.move_to(at(MONDAY, 10), tick=False)


def closure_of(classroom, starts_on, ends_on, **extra) -> Closure:
    return Closure.objects.create(
        scope=ClosureScope.CLASSROOM, classroom=classroom, starts_on=starts_on, ends_on=ends_on,
        reason=ClosureReason.FLOOD, **extra,
    )  # fmt: skip


@pytest.fixture
def lessons(world):
    """Lessons of 9A around a closure from Monday to Thursday, named by whether they belong."""

    def assign(title, **dates):
        lesson = add_lesson(world.course, title, owner=world.teacher)
        lesson_assign(lesson=lesson, classrooms=[world.classroom], by=world.teacher, **dates)
        return lesson

    made = {
        "due tuesday": assign("Hạn thứ Ba", due_at=at(TUESDAY, 17)),
        # 23:30 school time is still Thursday (16:30 UTC); 00:30 on Friday is not.
        "due thursday night": assign("Hạn tối thứ Năm", due_at=at(THURSDAY, 23, 30)),
        "undated, available monday": assign("Mở sáng thứ Hai", available_from=at(MONDAY, 8)),
    }
    outside = {
        "due friday just after midnight": assign("Hạn rạng sáng thứ Sáu", due_at=at(FRIDAY, 0, 30)),
        "due before the closure": assign("Hạn Chủ nhật trước", due_at=at(PREVIOUS_SUNDAY, 20)),
        "no dates": assign("Không hạn"),
        "not available yet": assign(
            "Mở từ thứ Ba", available_from=at(TUESDAY, 7), due_at=at(THURSDAY, 17)
        ),
    }
    done = assign("Đã làm xong", due_at=at(TUESDAY, 9))
    LessonProgress.objects.create(
        student=world.student, lesson=done, opened_at=timezone.now(), completed_at=timezone.now()
    )
    outside["completed"] = done
    return made, outside


def titles(offer) -> set[str]:
    return {lesson.title for lesson in offer.lessons}


@pytest.mark.django_db
def test_offer_holds_exactly_the_lessons_of_the_closure_days(world, lessons):
    inside, outside = lessons
    closure = closure_of(world.classroom, MONDAY, THURSDAY)
    offer = closure_offer(user=world.student)
    assert titles(offer) == {lesson.title for lesson in inside.values()}
    assert [item["closure"] for item in offer.closures] == [closure]
    assert [c.name for c in offer.closures[0]["classrooms"]] == ["9A"]
    # A lesson that opens on Tuesday joins the offer on Tuesday, not before.
    with_tuesday = titles(offer) | {outside["not available yet"].title}
    with time_machine.travel(at(TUESDAY, 8), tick=False):
        assert titles(closure_offer(user=world.student)) == with_tuesday


@pytest.mark.django_db
def test_an_upcoming_closure_is_offered_a_week_ahead_but_not_cancelled_or_ended_ones(
    world, lessons
):
    inside, _outside = lessons
    week_ahead = MONDAY + datetime.timedelta(days=CLOSURE_AHEAD_DAYS)
    day = datetime.timedelta(days=1)
    closure_of(world.classroom, week_ahead + day, week_ahead + 3 * day)  # too far ahead
    ended = closure_of(world.classroom, MONDAY - datetime.timedelta(days=7), PREVIOUS_SUNDAY)
    assert closure_offer(user=world.student) is None
    cancelled = closure_of(world.classroom, TUESDAY, THURSDAY)
    closure_cancel(closure=cancelled, by=SchoolAdminFactory(school=world.school_a))
    assert closure_offer(user=world.student) is None

    soon = closure_of(world.classroom, week_ahead, week_ahead)
    offer = closure_offer(user=world.student)
    assert [item["closure"] for item in offer.closures] == [soon]
    assert offer.lessons == []  # nothing is due that day
    assert ended not in [item["closure"] for item in offer.closures]


@pytest.mark.django_db
def test_a_school_closure_covers_the_class_and_others_get_nothing(world, lessons):
    inside, _outside = lessons
    Closure.objects.create(
        scope=ClosureScope.SCHOOL, school=world.school_a, starts_on=MONDAY, ends_on=THURSDAY,
        reason=ClosureReason.STORM,
    )  # fmt: skip
    assert titles(closure_offer(user=world.student)) == {x.title for x in inside.values()}
    guardian = GuardianshipFactory(student=world.student).guardian
    for user in (world.other_student, world.teacher, guardian, world.officer):
        assert closure_offer(user=user) is None, user.role


@pytest.mark.django_db
def test_closure_bundles_list_the_offer_for_the_student_only(world, lessons):
    inside, _outside = lessons
    closure_of(world.classroom, MONDAY, THURSDAY)
    client = Client()
    client.force_login(world.student)
    response = client.get(CLOSURES)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert {b["lesson"] for b in data["lessons"]} == {x.pk for x in inside.values()}
    unique = {f["url"]: f["bytes"] for b in data["lessons"] for f in b["files"]}
    assert data["bytes"] == sum(unique.values()) > 0
    # Saving is not reading.
    assert not LessonProgress.objects.filter(student=world.student, completed_at=None).exists()

    guardian = GuardianshipFactory(student=world.student).guardian
    for user in (world.other_student, guardian, world.teacher):
        client.force_login(user)
        assert client.get(CLOSURES).json() == {"bytes": 0, "lessons": []}, user.role
    assert Client().get(CLOSURES).status_code == 401


@pytest.mark.django_db
def test_sunday_closure_day_counts_like_any_other(world):
    lesson = add_lesson(world.course, "Hạn Chủ nhật", owner=world.teacher)
    lesson_assign(
        lesson=lesson, classrooms=[world.classroom], by=world.teacher, due_at=at(SUNDAY, 20)
    )
    closure_of(world.classroom, FRIDAY, SUNDAY)
    assert titles(closure_offer(user=world.student)) == {"Hạn Chủ nhật"}
