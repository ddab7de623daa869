"""The student's start page offers the lessons of a closure's days for saving, and so does the
closure notice (docs/offline.md "Before and during a closure"); the guardian sees the notice
without the offer, and nobody sees it when no closure applies."""

import datetime

import pytest
from django.test import Client

from classrooms.closures.services import closure_cancel, closure_declare
from classrooms.models import ClosureReason, ClosureScope
from courses.services import lesson_assign
from tests.clock import MONDAY, THURSDAY, at
from tests.courses.conftest import add_lesson, world  # noqa: F401 - fixture
from tests.factories import GuardianshipFactory, SchoolAdminFactory

OFFER = "data-offline-closure"
NOTICE_OFFER = "data-closure-notice-offer"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday_morning(time_machine):
    time_machine.move_to(at(MONDAY, 10), tick=False)


@pytest.fixture
def lessons_due(world):  # noqa: F811 - fixture
    lesson_assign(
        lesson=world.lesson, classrooms=[world.classroom], by=world.teacher,
        due_at=at(MONDAY + datetime.timedelta(days=1), 17),
    )  # fmt: skip
    later = add_lesson(world.course, "Luyện tập cuối tuần", owner=world.teacher)
    lesson_assign(
        lesson=later, classrooms=[world.classroom], by=world.teacher,
        due_at=at(MONDAY + datetime.timedelta(days=14), 17),
    )  # fmt: skip


def declare(world, capture_on_commit, starts_on=MONDAY):  # noqa: F811 - the fixture's value
    with capture_on_commit(execute=True):  # the fan-out writes the notices
        return closure_declare(
            by=SchoolAdminFactory(school=world.school_a), scope=ClosureScope.CLASSROOM,
            classroom=world.classroom, starts_on=starts_on, ends_on=THURSDAY,
            reason=ClosureReason.FLOOD,
        )  # fmt: skip


def start_page(user, language="vi") -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.usefixtures("lessons_due")
def test_no_offer_without_a_closure(world):  # noqa: F811 - fixture
    page = start_page(world.student)
    assert OFFER not in page
    assert "Tải về các bài học của những ngày nghỉ" not in page


@pytest.mark.usefixtures("lessons_due")
def test_the_offer_and_the_notice_during_a_closure(
    world,  # noqa: F811 - fixture
    django_capture_on_commit_callbacks,
):
    declare(world, django_capture_on_commit_callbacks)
    page = start_page(world.student)
    offer = page[page.index(OFFER) :].split("</section>")[0]
    assert "Tải về các bài học của những ngày nghỉ" in offer
    assert "Lớp 9A nghỉ học từ 23/11 đến 26/11 (Lũ lụt)." in offer
    assert "1 bài học được giao cho những ngày này" in offer
    assert world.lesson.title in offer and "Luyện tập cuối tuần" not in offer
    # The closure's notice (written by the fan-out) links to the offer.
    notices = page[page.index('id="notices-title"') :].split("</section>")[0]
    assert "23/11/2026 đến 26/11/2026" in notices
    assert 'href="#closure-lessons"' in notices and 'id="closure-lessons"' in page

    # The guardian reads the same notice, without the offer: saving is for the child's phone.
    guardian = GuardianshipFactory(student=world.student).guardian
    declare(world, django_capture_on_commit_callbacks)  # a second closure reaches the guardian
    page = start_page(guardian)
    assert "23/11/2026 đến 26/11/2026" in page
    assert OFFER not in page and NOTICE_OFFER not in page


@pytest.mark.usefixtures("lessons_due")
def test_an_upcoming_closure_is_offered_already(
    world,  # noqa: F811 - fixture
    django_capture_on_commit_callbacks,
):
    declare(world, django_capture_on_commit_callbacks, starts_on=THURSDAY)
    page = start_page(world.student, language="en")
    assert OFFER in page and "Lessons for the days off" in page
    assert "Class 9A is closed from 26/11 to 26/11 (Flood)." in page
    assert "No lesson is assigned for these days yet." in page  # due Tuesday, before it
    assert "data-offline-save-closure" not in page
    assert NOTICE_OFFER not in page  # nothing to download yet


@pytest.mark.usefixtures("lessons_due")
def test_a_cancelled_closure_offers_nothing(
    world,  # noqa: F811 - fixture
    django_capture_on_commit_callbacks,
):
    closure = declare(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        closure_cancel(closure=closure, by=SchoolAdminFactory(school=world.school_a))
    page = start_page(world.student)
    assert OFFER not in page and NOTICE_OFFER not in page
    assert "notices-title" in page  # the cancellation is told, without an offer
