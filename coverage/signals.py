"""Coverage's own reaction to what happens below it (bookkeeping only: each receiver enqueues a
task of coverage.tasks, which a worker runs; the work is in coverage.services). classrooms
announces sessions ended and closures changed (classrooms.events); model signals cover one-off
sessions, starts, cancellations, attendance overrides and deleted classes. Dashboards only read.

On the database backend the task is queued in the transaction of the change itself, so a
change cannot commit without its rollup being queued (jobs.queue.enqueue)."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from classrooms.events import closure_changed, session_ended
from classrooms.models import AttendanceChange, Classroom, LiveSession
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
