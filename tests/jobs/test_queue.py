"""Background work on the real database backend: what is queued commits with the change that
queued it, a worker runs it, coverage hears of closures and ended sessions through it, a task
of a killed worker comes back, and the periodic jobs are enqueued once each."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from classrooms.closures.services import closure_declare
from classrooms.live.services import session_end
from coverage.models import DailyCoverage
from jobs.models import WorkerHeartbeat
from jobs.scheduler import enqueue_due
from jobs.testing import durable_tasks, queued, run_queued
from jobs.worker import MAX_ABANDONED, requeue_abandoned
from tests.clock import THURSDAY, WEDNESDAY, at
from tests.factories import (
    AttendanceIntervalFactory,
    ClassroomFactory,
    EnrollmentFactory,
    LiveSessionFactory,
    SchoolAdminFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday_morning")]


@pytest.fixture
def wednesday_morning(time_machine):
    time_machine.move_to(at(WEDNESDAY, 10), tick=True)


@pytest.fixture
def klass():
    classroom = ClassroomFactory()
    for _ in range(3):
        EnrollmentFactory(classroom=classroom)
    return classroom


def _declare(klass):
    return closure_declare(
        by=SchoolAdminFactory(school=klass.school), scope="school", school=klass.school,
        starts_on=WEDNESDAY, ends_on=THURSDAY, reason="flood",
    )  # fmt: skip


@durable_tasks()
def test_a_closure_reaches_coverage_through_the_queue_and_a_worker(klass):
    _declare(klass)
    assert queued("coverage.tasks.rollup_classes_on") == 1
    assert not DailyCoverage.objects.filter(classroom=klass).exists()  # nothing inline
    assert run_queued() >= 1
    assert DailyCoverage.objects.get(classroom=klass, date=WEDNESDAY).closed
    assert queued() == 0


@durable_tasks()
def test_work_queued_by_a_change_that_rolls_back_is_gone_with_it(klass):
    with pytest.raises(RuntimeError), transaction.atomic():
        _declare(klass)
        assert queued("coverage.tasks.rollup_classes_on") == 1
        raise RuntimeError("the request failed after declaring")
    assert queued() == 0


@durable_tasks()
def test_an_ended_session_reaches_coverage_through_the_queue(klass):
    session = LiveSessionFactory(
        classroom=klass, status="live", starts_at=at(WEDNESDAY, 9, 30),
        ends_at=at(WEDNESDAY, 10, 15), started_at=at(WEDNESDAY, 9, 30),
    )  # fmt: skip
    student = klass.enrollments.first().student
    AttendanceIntervalFactory(session=session, student=student, last_seen_at=at(WEDNESDAY, 10))
    DBTaskResult.objects.all().delete()  # what creating the session queued
    session_end(session=session, by=session.teacher)
    assert queued("coverage.tasks.rollup_class_days") >= 1
    run_queued()
    day = DailyCoverage.objects.get(classroom=klass, date=WEDNESDAY)
    assert (day.taught, day.sessions_held, day.attendances, day.expected) == (True, 1, 1, 3)


def _running(worker_id, started_minutes_ago=5, attempts=1):
    result = DBTaskResult.objects.create(
        task_path="coverage.tasks.rollup_incremental",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(minutes=started_minutes_ago),
        worker_ids=[f"old-{i}" for i in range(attempts - 1)] + [worker_id],
    )
    return result


def _beat(worker_id, seconds_ago):
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="h", pid=1, started_at=now - datetime.timedelta(hours=1),
        seen_at=now - datetime.timedelta(seconds=seconds_ago),
    )  # fmt: skip


def test_the_task_of_a_killed_worker_goes_back_to_the_queue_and_runs():
    _beat("alive", seconds_ago=2)
    _beat("killed", seconds_ago=120)
    busy = _running("alive")
    lost = _running("killed")
    never_seen = _running("gone-before-first-beat")
    young = _running("killed", started_minutes_ago=0)  # claimed a moment ago: give it time
    assert requeue_abandoned() == 2
    status = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert status[busy.pk] == TaskResultStatus.RUNNING
    assert status[lost.pk] == TaskResultStatus.READY
    assert status[never_seen.pk] == TaskResultStatus.READY
    assert status[young.pk] == TaskResultStatus.RUNNING
    with durable_tasks():
        assert run_queued() == 2
    assert DBTaskResult.objects.get(pk=lost.pk).status == TaskResultStatus.SUCCESSFUL


def test_a_task_that_keeps_killing_its_worker_fails_instead_of_looping():
    poison = _running("killed", attempts=MAX_ABANDONED)
    requeue_abandoned()
    poison.refresh_from_db()
    assert poison.status == TaskResultStatus.FAILED
    assert "stopped 5 times" in poison.traceback


def test_each_periodic_job_is_enqueued_once_until_it_has_run(settings):
    settings.PERIODIC_TASKS = {"classrooms.live.tasks.close_stale_attendance": 60}
    # Inside the settings fixture's change, so that both are undone in order.
    with durable_tasks():
        due = {}
        assert enqueue_due(due, now=0) == ["classrooms.live.tasks.close_stale_attendance"]
        assert enqueue_due(due, now=30) == []  # not due yet
        assert enqueue_due(due, now=61) == []  # due, but the last one has not run
        run_queued()
        assert enqueue_due(due, now=122) == ["classrooms.live.tasks.close_stale_attendance"]


def test_every_periodic_job_names_a_task(settings):
    from django.utils.module_loading import import_string
    from django_tasks.base import Task

    for path in settings.PERIODIC_TASKS:
        assert isinstance(import_string(path), Task), path


@durable_tasks()
def test_tasks_status_reports_waiting_work_with_no_worker_as_unhealthy(klass):
    _declare(klass)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("tasks_status", stdout=out, stderr=err)
    assert exited.value.code == 1
    # The closure queued its fan-out and its coverage rollup.
    assert "Đang chờ: 2" in out.getvalue() or "Waiting: 2" in out.getvalue()
    _beat("w1", seconds_ago=1)
    call_command("tasks_status", stdout=io.StringIO(), stderr=io.StringIO())  # exits 0
