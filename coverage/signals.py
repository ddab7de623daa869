"""Coverage's own reaction to what happens below it (bookkeeping only: the work is in
coverage.services). classrooms announces sessions ended and closures changed
(classrooms.events); model signals cover one-off sessions, starts, cancellations, attendance
overrides and deleted classes. Dashboards only read."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from classrooms.events import closure_changed, session_ended
from classrooms.models import AttendanceChange, Classroom, LiveSession

from . import definitions
from .models import DailyCoverage
from .services import rebuild_school_days, rollup, rollup_after_change


def _later(class_days) -> None:
    class_days = {(c, d) for c, d in class_days if d <= timezone.localdate()}
    if class_days:
        transaction.on_commit(lambda: rollup_after_change(class_days))


@receiver(session_ended, dispatch_uid="coverage_session_ended")
def session_was_ended(sender, session: LiveSession, **kwargs):
    # Sent after commit: its attendance records exist; later days' at-risk streaks move too.
    _later([(session.classroom_id, definitions.local_date(session.starts_at))])


@receiver(closure_changed, dispatch_uid="coverage_closure_changed")
def closure_was_changed(sender, classroom_ids, dates, **kwargs):
    rollup(classroom_ids=classroom_ids, dates=dates)


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
        rebuild_school_days({instance.school_id}, days)
