"""Keep the rollup current when sessions and attendance change (bookkeeping only: the work is
in coverage.services). Sessions ended through ``session_end`` are written with UPDATE and
bulk_create, which send no signals; ``rollup_pending`` picks those up by their ``ended_at``."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from classrooms.models import AttendanceChange, Classroom, LiveSession

from . import definitions


def _later(class_days) -> None:
    from .services import rollup_after_change

    class_days = {(c, d) for c, d in class_days if d <= timezone.localdate()}
    if class_days:
        transaction.on_commit(lambda: rollup_after_change(class_days))


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
    from .models import DailyCoverage

    instance._coverage_days = list(
        DailyCoverage.objects.filter(classroom=instance).values_list("date", flat=True)
    )


@receiver(post_delete, sender=Classroom, dispatch_uid="coverage_classroom_deleted")
def classroom_deleted(sender, instance: Classroom, **kwargs):
    from .services import rebuild_school_days

    days = getattr(instance, "_coverage_days", [])
    if days:
        rebuild_school_days({instance.school_id}, days)
