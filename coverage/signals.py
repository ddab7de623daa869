"""Keep the rollup current when sessions and attendance change (bookkeeping only: the work is
in coverage.services). Sessions ended through ``session_end`` are written with UPDATE and
bulk_create, which send no signals; ``rollup_pending`` picks those up by their ``ended_at``."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from classrooms.models import AttendanceChange, LiveSession

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
