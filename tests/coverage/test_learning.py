"""Learning done asynchronously reaches the rollup through the event path (courses.events →
coverage.signals → a coverage.tasks task run by a worker), online or synced later from a phone,
on the day it was done; no GET is involved (docs/coverage.md "Learned asynchronously")."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classrooms.models import Closure
from courses.services import lesson_assign
from coverage.models import DailyCoverage
from coverage.services import rollup
from jobs.testing import durable_tasks, queued, run_queued
from tests.clock import MONDAY, THURSDAY, WEDNESDAY, at
from tests.courses.conftest import add_lesson, world  # noqa: F401 - fixture
from tests.courses.test_h5p_storage import media  # noqa: F401 - fixture
from tests.courses.test_h5p_views import activity, post_xapi, statement  # noqa: F401
from tests.courses.test_offline import client_for, send, xapi_item
from tests.factories import ClassroomFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + datetime.timedelta(days=1)
TASK = "coverage.tasks.rollup_classes_on"
WRITES = ("INSERT", "UPDATE", "DELETE")


def learners(classroom, day) -> int:
    return DailyCoverage.objects.get(classroom=classroom, date=day).async_learners


@pytest.fixture
def closed(world, activity, time_machine):  # noqa: F811
    """School A is closed from Tuesday to Thursday; it is Wednesday afternoon and the rollup
    has run (Monday to Wednesday)."""
    time_machine.move_to(at(WEDNESDAY, 15), tick=False)
    Closure.objects.create(
        scope="school", school=world.school_a, starts_on=TUESDAY, ends_on=THURSDAY,
        reason="flood", declared_by=world.officer,
    )  # fmt: skip
    rollup(since=MONDAY)
    package, lesson = activity
    return world, package, lesson  # the lesson world, the activity and its lesson


def test_an_answer_done_offline_on_a_closed_day_counts_on_that_day_once_synced(closed):
    scene, package, lesson = closed
    with durable_tasks():
        # Answered on the phone on Tuesday evening, synced on Wednesday afternoon.
        response = send(client_for(scene.student), xapi_item(package, lesson, at(TUESDAY, 20)))
        assert response.json()["status"] == "saved"
        assert queued(TASK) == 1
        assert learners(scene.classroom, TUESDAY) == 0  # the worker has not run yet
        run_queued()
    assert learners(scene.classroom, TUESDAY) == 1
    assert learners(scene.classroom, WEDNESDAY) == 0  # the day it was done, not the day it came


def test_more_work_of_the_same_student_and_day_queues_nothing_more(closed):
    scene, package, lesson = closed
    client = client_for(scene.student)
    with durable_tasks():
        send(client, xapi_item(package, lesson, at(TUESDAY, 20)))
        run_queued()
        send(client, xapi_item(package, lesson, at(TUESDAY, 21)))
        assert queued() == 0
    assert learners(scene.classroom, TUESDAY) == 1


def test_work_on_a_day_that_was_not_closed_does_not_count(closed):
    scene, package, lesson = closed
    with durable_tasks():
        send(client_for(scene.student), xapi_item(package, lesson, at(MONDAY, 20)))
        assert queued() == 0
        run_queued()
    assert learners(scene.classroom, MONDAY) == 0
    rollup(since=MONDAY)  # a rebuild from the source agrees
    assert [learners(scene.classroom, d) for d in (MONDAY, TUESDAY)] == [0, 0]


def test_online_answers_and_completions_count_for_the_students_own_class(closed):
    scene, package, lesson = closed
    # Another class of the closed school, with a lesson of its own.
    other_class = ClassroomFactory(school=scene.school_a, name="9B")
    other = EnrollmentFactory(classroom=other_class).student
    own = add_lesson(scene.course, "Bài của 9B")
    lesson_assign(lesson=own, classrooms=[other_class], by=scene.teacher)
    rollup(since=MONDAY)
    with durable_tasks():
        answered = post_xapi(client_for(scene.student), package, lesson, statement())
        assert answered.json()["recorded"] is True
        done = client_for(other).post(reverse("courses:lesson_complete", args=[own.pk]))
        assert done.status_code in (200, 302)
        assert queued(TASK) == 2
        run_queued()
    assert learners(scene.classroom, WEDNESDAY) == 1  # 9A: its student, not 9B's
    assert learners(other_class, WEDNESDAY) == 1


def test_a_completion_synced_with_an_earlier_time_moves_to_its_day(closed):
    scene, _package, _lesson = closed
    lesson_assign(lesson=scene.lesson, classrooms=[scene.classroom], by=scene.teacher)
    client = client_for(scene.student)
    with durable_tasks():
        client.post(reverse("courses:lesson_complete", args=[scene.lesson.pk]))  # Wednesday
        run_queued()
        assert learners(scene.classroom, WEDNESDAY) == 1
        # The phone had completed it on Tuesday evening and sends it only now.
        item = {
            "id": "phone-completion-1", "kind": "complete", "lesson": scene.lesson.pk,
            "occurred_at": at(TUESDAY, 20).isoformat(),
        }  # fmt: skip
        send(client, item)
        run_queued()
    assert [learners(scene.classroom, d) for d in (TUESDAY, WEDNESDAY)] == [1, 0]


def test_the_pages_only_read_the_figure_the_worker_wrote(closed, client):
    scene, package, lesson = closed
    client.force_login(scene.officer)
    pages = [
        reverse("coverage:dashboard"),
        reverse("coverage:school", args=[scene.school_a.pk]),
        reverse("coverage:classroom", args=[scene.classroom.pk]),
        reverse("coverage_api:summary"),
    ]
    with durable_tasks():
        send(client_for(scene.student), xapi_item(package, lesson, at(TUESDAY, 20)))
        with CaptureQueriesContext(connection) as queries:
            for url in pages:
                assert client.get(url).status_code == 200, url
        writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
        assert writes == []
        assert learners(scene.classroom, TUESDAY) == 0
        run_queued()
    assert learners(scene.classroom, TUESDAY) == 1
    summary = client.get(reverse("coverage_api:summary"), {"start": MONDAY, "end": WEDNESDAY})
    assert summary.json()["async_learners"] == 1
