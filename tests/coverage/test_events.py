"""Coverage reacts to classrooms' events (classrooms.events → coverage.signals), not to GETs:
a closure declared and a session ended update the rollup at once, a new school day is rolled up
by the periodic ``rollup_coverage`` command, and the dashboards and the API never write."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classrooms.closures.services import closure_declare
from classrooms.live.services import session_end
from coverage.models import DailyCoverage, RollupRun
from tests.clock import THURSDAY, WEDNESDAY, at
from tests.factories import (
    AttendanceIntervalFactory,
    ClassroomFactory,
    EnrollmentFactory,
    LiveSessionFactory,
    SchoolAdminFactory,
)

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(autouse=True)
def wednesday_morning(time_machine):
    time_machine.move_to(at(WEDNESDAY, 10), tick=True)


@pytest.fixture
def klass():
    classroom = ClassroomFactory()
    for _ in range(3):
        EnrollmentFactory(classroom=classroom)
    return classroom


def row(classroom, day):
    return DailyCoverage.objects.filter(classroom=classroom, date=day).first()


def test_a_declared_closure_is_in_the_rollup_without_any_get(
    klass, django_capture_on_commit_callbacks, time_machine
):
    admin = SchoolAdminFactory(school=klass.school)
    with django_capture_on_commit_callbacks(execute=True):
        closure_declare(
            by=admin, scope="school", school=klass.school, starts_on=WEDNESDAY,
            ends_on=THURSDAY, reason="flood",
        )  # fmt: skip
    assert row(klass, WEDNESDAY).closed
    # Days after today are never rolled up: Thursday waits for Thursday's periodic run.
    assert row(klass, THURSDAY) is None
    call_command("rollup_coverage", stdout=io.StringIO())  # the first run: up to today
    time_machine.move_to(at(THURSDAY, 7), tick=True)
    call_command("rollup_coverage", stdout=io.StringIO())
    assert row(klass, THURSDAY).closed


def test_an_ended_session_is_in_the_rollup_without_any_get(
    klass, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        session = LiveSessionFactory(
            classroom=klass, status="live", starts_at=at(WEDNESDAY, 9, 30),
            ends_at=at(WEDNESDAY, 10, 15), started_at=at(WEDNESDAY, 9, 30),
        )  # fmt: skip
        student = klass.enrollments.first().student
        AttendanceIntervalFactory(session=session, student=student, last_seen_at=at(WEDNESDAY, 10))
    before = row(klass, WEDNESDAY)
    assert (before.taught, before.sessions_held) == (False, 0)
    runs = RollupRun.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        session_end(session=session, by=session.teacher)
    after = row(klass, WEDNESDAY)
    assert (after.taught, after.sessions_held, after.attendances, after.expected) == (True, 1, 1, 3)
    assert RollupRun.objects.count() > runs


@pytest.mark.parametrize(
    "url",
    [
        reverse("coverage:dashboard"),
        reverse("coverage_api:summary"),
        reverse("coverage_api:daily"),
    ],
)
def test_dashboards_and_api_never_write(klass, client, url):
    # Nothing rolled up yet: the GET still only reads.
    client.force_login(SchoolAdminFactory(school=klass.school))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []
    assert not DailyCoverage.objects.exists() and not RollupRun.objects.exists()
