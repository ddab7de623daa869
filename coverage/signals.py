"""Coverage's own reaction to what happens below it (bookkeeping only: each receiver enqueues a
task of coverage.tasks, which a worker runs; the work is in coverage.services). classrooms
announces sessions ended and closures changed (classrooms.events); model signals cover one-off
sessions, starts, cancellations, attendance overrides and deleted classes; courses announces a
student's learning (courses.events), online or synced from a phone. Dashboards only read.

On the database backend the task is queued in the transaction of the change itself, so a
change cannot commit without its rollup being queued (jobs.queue.enqueue)."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from classrooms.events import closure_changed, session_ended
from classrooms.models import AttendanceChange, Classroom, LiveSession
from courses.events import learning_recorded
from jobs.queue import enqueue

from . import definitions, tasks
from .models import DailyCoverage


def _later(class_days) -> None:
    today = timezone.localdate()
    pairs = sorted({(c, d.isoformat()) for c, d in class_days if d <= today})
    if pairs:
        enqueue(tasks.rollup_class_days, [list(p) for p in pairs])


@receiver(session_ended, dispatch_uid="coverage_session_ended")
def session_was_ended(sender, session: LiveSession, **kwargs):
    # Sent after commit: its attendance records exist; later days' at-risk streaks move too.
    _later([(session.classroom_id, definitions.local_date(session.starts_at))])


@receiver(closure_changed, dispatch_uid="coverage_closure_changed")
def closure_was_changed(sender, classroom_ids, dates, **kwargs):
    enqueue(
        tasks.rollup_classes_on,
        sorted(classroom_ids),
        sorted(d.isoformat() for d in dates),
    )


@receiver(learning_recorded, dispatch_uid="coverage_learning_recorded")
def learning_was_recorded(sender, student_id, lesson_id, at, moved_from=None, **kwargs):
    """A lesson completed or an activity answered counts on the day it was done, for the
    student's classes that have the lesson and were closed that day. Their rows exist when the
    day was rolled up; a day rolled up later, or closed later, is counted by that rollup. Only
    the student's first piece of work of the day changes the count: later ones queue nothing.
    A completion moved back to an earlier day (``moved_from``) may leave its old day too."""
    day = definitions.local_date(at)
    classroom_ids = _closed_with_lesson(student_id, lesson_id, day)
    if classroom_ids:
        items = definitions.learning_items(
            student_id=student_id, classroom_ids=classroom_ids, day=day
        )
        first = sorted(c for c in classroom_ids if items.get(c, 0) <= 1)
        if first:
            enqueue(tasks.rollup_classes_on, first, [day.isoformat()])
    if moved_from is not None:
        old_day = definitions.local_date(moved_from)
        left = _closed_with_lesson(student_id, lesson_id, old_day)
        if left and old_day != day:
            enqueue(tasks.rollup_classes_on, sorted(left), [old_day.isoformat()])


def _closed_with_lesson(student_id: int, lesson_id: int, day) -> set[int]:
    """The student's classes, closed on that (rolled-up) day, that have the lesson."""
    if day > timezone.localdate():
        return set()
    return set(
        DailyCoverage.objects.filter(
            date=day, closed=True,
            classroom__enrollments__student_id=student_id, classroom__enrollments__active=True,
            classroom__lesson_assignments__lesson_id=lesson_id,
        ).values_list("classroom_id", flat=True)
    )  # fmt: skip


@receiver(post_save, sender=LiveSession, dispatch_uid="coverage_session_saved")
def session_saved(sender, instance: LiveSession, raw=False, **kwargs):
    # A one-off session added, a session started or cancelled: its day's counts change.
    if not raw:
        _later([(instance.classroom_id, definitions.local_date(instance.starts_at))])


@receiver(post_save, sender=AttendanceChange, dispatch_uid="coverage_record_overridden")
def record_overridden(sender, instance: AttendanceChange, raw=False, **kwargs):
    if not raw:
        session = instance.record.session
        _later([(session.classroom_id, definitions.local_date(session.starts_at))])


@receiver(pre_delete, sender=Classroom, dispatch_uid="coverage_classroom_deleting")
def classroom_deleting(sender, instance: Classroom, **kwargs):
    # Its class-days go with it (CASCADE); remember which school-days they counted in.
    instance._coverage_days = list(
        DailyCoverage.objects.filter(classroom=instance).values_list("date", flat=True)
    )


@receiver(post_delete, sender=Classroom, dispatch_uid="coverage_classroom_deleted")
def classroom_deleted(sender, instance: Classroom, **kwargs):
    days = getattr(instance, "_coverage_days", [])
    if days:
        enqueue(
            tasks.rebuild_school_days, [instance.school_id], sorted(d.isoformat() for d in days)
        )
