"""A closure's fan-out through the real queue: the request answers before any notice is
written, workers write each notice and e-mail once even when a chunk runs again, a failed
e-mail is retried and finally reported, a later change replaces the earlier notice, and the
closure page shows the progress."""

import datetime
import os
import smtplib
import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notice
from classrooms.closures.tasks import closure_emails_send, closure_fanout, closure_fanout_chunk
from classrooms.models import Closure, ClosureEmail, FanoutChunk, LiveSession, TimetableSlot
from jobs.queue import MAX_ATTEMPTS
from jobs.testing import durable_tasks, queued, run_queued
from tests.clock import MONDAY, at
from tests.factories import (
    ClassroomFactory,
    DistrictOfficerFactory,
    EnrollmentFactory,
    GuardianshipFactory,
    SchoolAdminFactory,
    SchoolFactory,
    SubjectFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday_morning(time_machine):
    time_machine.move_to(at(MONDAY, 10), tick=False)


@pytest.fixture
def school():
    school = SchoolFactory()
    teacher = TeacherFactory(school=school)
    for name in ("9A", "9B"):
        classroom = ClassroomFactory(school=school, name=name)
        for _ in range(3):
            student = EnrollmentFactory(classroom=classroom).student
            GuardianshipFactory(student=student)
        for weekday in range(5):
            TimetableSlot.objects.create(
                classroom=classroom, weekday=weekday, period=1, starts_at=datetime.time(7),
                subject=SubjectFactory(), teacher=teacher,
            )  # fmt: skip
    return school


def _declare(client, school, **extra):
    client.force_login(SchoolAdminFactory(school=school))
    today = timezone.localdate()
    data = {
        "scope": "school", "school": school.pk, "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=4)).isoformat(), "reason": "storm",
    }  # fmt: skip
    data.update(extra)
    response = client.post("/closures/new/", data)
    assert response.status_code == 302
    return Closure.objects.latest("pk")


@durable_tasks()
def test_the_request_answers_at_once_and_workers_notify_everyone_once(client, school):
    closure = _declare(client, school)
    # Committed with the closure: its fan-out and the coverage rollup, nothing done yet.
    assert queued("classrooms.closures.tasks.closure_fanout") == 1
    assert not Notice.objects.exists() and not LiveSession.objects.exists()
    page = client.get(f"/closures/{closure.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waiting for a background worker" in page
    run_queued()
    people = 12  # 6 students and their 6 guardians
    assert Notice.objects.filter(kind="closure", key=f"closure:{closure.pk}").count() == people
    assert len(mail.outbox) == people
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == people
    # The e-mail points students to saving the closure days' lessons for offline use.
    assert all("lưu các bài học của những ngày này" in m.body for m in mail.outbox)
    assert LiveSession.objects.filter(classroom__school=school).count() == 2 * 5
    progress = client.get(reverse("classrooms:closure_progress", args=[closure.pk])).json()
    [change] = progress["changes"]
    assert change["finished"] and (change["classes_done"], change["classes_total"]) == (2, 2)
    assert (change["notified"], change["recipients"], change["emails_sent"]) == (12, 12, 12)
    page = client.get(f"/closures/{closure.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Notices written: 12/12" in page and "E-mails sent: 12, failed: 0" in page


@durable_tasks()
def test_a_chunk_run_again_after_a_crash_writes_and_sends_nothing_twice(client, school):
    closure = _declare(client, school)
    run_queued()
    change = closure.changes.get()
    # As if the worker died after the work but before recording it, and the whole fan-out
    # was queued again by the worker that took over.
    FanoutChunk.objects.filter(change=change).update(done_at=None)
    closure_fanout.enqueue(change.pk, sessions=True, notify=True)
    for chunk in FanoutChunk.objects.filter(change=change):
        closure_fanout_chunk.enqueue(chunk.pk)
    run_queued()
    assert Notice.objects.filter(kind="closure").count() == 12
    assert ClosureEmail.objects.filter(change=change).count() == 12
    assert len(mail.outbox) == 12
    assert LiveSession.objects.filter(classroom__school=school).count() == 10


class SlowBackend(LocmemBackend):
    """A mail server that takes a moment per message, so that two workers overlap."""

    def send_messages(self, messages):
        time.sleep(0.05)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_a_chunk_s_emails_queued_twice_are_sent_once_by_two_workers(client, school, settings):
    """Two workers run the same chunk's e-mails at the same moment (a duplicate enqueue): each
    e-mail is claimed by one of them. Needs PostgreSQL's row locks and real concurrent
    connections, so it runs in CI's PostgreSQL pass."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail("DATABASE_URL names PostgreSQL but the suite is not using it.")
        pytest.skip("needs PostgreSQL row locks: runs when DATABASE_URL points at PostgreSQL")
    with durable_tasks():
        closure = _declare(client, school)
        run_queued()
    change = closure.changes.get()
    # Back to before the e-mails went out, with the chunk's e-mail task queued twice.
    ClosureEmail.objects.filter(change=change).update(status="pending", attempts=0)
    mail.outbox.clear()
    settings.EMAIL_BACKEND = "tests.classrooms.closures.test_fanout.SlowBackend"
    barrier = threading.Barrier(2)
    sent, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            sent.append(closure_emails_send.call(change.pk, 0))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert len(recipients) == 12 and len(set(recipients)) == 12
    assert sum(sent) == 12 and min(sent) > 0  # both workers sent, never the same e-mail
    assert set(ClosureEmail.objects.filter(change=change).values_list("status", "attempts")) == {
        ("sent", 1)
    }


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_failed_email_is_retried_then_reported_on_the_closure_page(
    client, school, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.classrooms.closures.test_fanout.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        closure = _declare(client, school)
    emails = ClosureEmail.objects.filter(change__closure=closure)
    assert emails.count() == 12
    assert set(emails.values_list("status", "attempts")) == {("failed", MAX_ATTEMPTS)}
    assert "Connection unexpectedly closed" in emails.first().error
    # Everyone still has the in-app notice; the page says which part failed.
    assert Notice.objects.filter(kind="closure").count() == 12
    page = client.get(f"/closures/{closure.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "E-mails sent: 0, failed: 12" in page
    assert "could not be sent after several tries" in page


def test_a_later_change_replaces_the_earlier_notice(
    client, school, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        closure = _declare(client, school)
    later = (timezone.localdate() + datetime.timedelta(days=6)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/closures/{closure.pk}/edit/", {
            "starts_on": timezone.localdate().isoformat(), "ends_on": later, "reason": "storm",
        })  # fmt: skip
    guardian = GuardianshipFactory._meta.model.objects.first().guardian
    unread = Notice.objects.filter(user=guardian, kind="closure", read_at__isnull=True)
    assert unread.count() == 1
    assert (timezone.localdate() + datetime.timedelta(days=6)).strftime("%d/%m/%Y") in unread[
        0
    ].text
    assert Notice.objects.filter(user=guardian, kind="closure").count() == 2
    # On the guardian's start page: one closure notice, with the new last day only.
    client.force_login(guardian)
    page = client.get("/").content.decode()
    notices = page[page.index('id="notices-title"') :].split("</section>")[0]
    assert notices.count("<li>") == 1
    assert (timezone.localdate() + datetime.timedelta(days=6)).strftime("%d/%m/%Y") in notices
    old_end = (timezone.localdate() + datetime.timedelta(days=4)).strftime("%d/%m/%Y")
    assert old_end not in notices


def test_history_names_the_reason_in_the_reader_s_language(
    client, school, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        closure = _declare(client, school)
        client.post(f"/closures/{closure.pk}/edit/", {
            "starts_on": timezone.localdate().isoformat(),
            "ends_on": timezone.localdate().isoformat(), "reason": "flood",
        })  # fmt: skip
    page = client.get(f"/closures/{closure.pk}/").content.decode()
    history = page[page.index('id="history-title"') :]
    assert "Bão" in history and "Lũ lụt" in history
    assert ", storm" not in history and ", flood" not in history


def test_progress_of_another_district_s_closure_is_404(client, school):
    today = timezone.localdate()
    closure = Closure.objects.create(
        scope="school", school=school, starts_on=today, ends_on=today, reason="flood"
    )
    client.force_login(DistrictOfficerFactory())  # another district
    assert client.get(reverse("classrooms:closure_progress", args=[closure.pk])).status_code == 404


def test_an_earlier_change_running_last_does_not_bring_back_its_dates(
    client, school, django_capture_on_commit_callbacks
):
    """Two workers: the edit's chunks can run before the declaration's. The guardian still
    ends with the edit's dates as the one unread notice, and no e-mail with the old dates."""
    closure = _declare(client, school)  # queued on commit, which a test transaction never does
    today = timezone.localdate()
    later = today + datetime.timedelta(days=9)
    client.post(f"/closures/{closure.pk}/edit/", {
        "starts_on": today.isoformat(), "ends_on": later.isoformat(), "reason": "storm",
    })  # fmt: skip
    declared, edited = closure.changes.order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        closure_fanout.call(edited.pk, sessions=True, notify=True)
    with django_capture_on_commit_callbacks(execute=True):
        closure_fanout.call(declared.pk, sessions=True, notify=True)
    guardian = GuardianshipFactory._meta.model.objects.first().guardian
    unread = Notice.objects.filter(user=guardian, kind="closure", read_at__isnull=True)
    assert [later.strftime("%d/%m/%Y") in n.text for n in unread] == [True]
    assert len(mail.outbox) == 12
    assert all(later.strftime("%d/%m/%Y") in m.body for m in mail.outbox)


@durable_tasks()
def test_the_closure_page_says_when_the_fan_out_finished(client, school, time_machine):
    closure = _declare(client, school)
    url = reverse("classrooms:closure_progress", args=[closure.pk])
    assert client.get(url).json()["changes"][0]["finished_at"] is None
    time_machine.move_to(at(MONDAY, 10, 7), tick=False)
    run_queued()
    [change] = client.get(url).json()["changes"]
    assert change["finished"]
    assert datetime.datetime.fromisoformat(change["finished_at"]) == at(MONDAY, 10, 7)
    page = client.get(f"/closures/{closure.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Xong</span>" in page and "10:07:00" in page


@durable_tasks()
def test_a_change_with_nobody_to_tell_shows_as_done(client):
    empty = ClassroomFactory()  # no student enrolled yet
    client.force_login(SchoolAdminFactory(school=empty.school))
    today = timezone.localdate()
    client.post("/closures/new/", {
        "scope": "classroom", "classroom": empty.pk, "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=4)).isoformat(), "reason": "other",
    })  # fmt: skip
    closure = Closure.objects.get()
    client.post(f"/closures/{closure.pk}/cancel/")
    run_queued()
    changes = client.get(reverse("classrooms:closure_progress", args=[closure.pk])).json()
    assert [c["finished"] for c in changes["changes"]] == [True, True]
    page = client.get(f"/closures/{closure.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waiting for a background worker" not in page
    assert 'data-finished="0"' not in page
