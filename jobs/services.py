"""Changing the queue by hand (superusers, from the status page)."""

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def retry_failed(*, task_id) -> DBTaskResult:
    """Put a failed task back in the queue as it was enqueued (same task, same arguments)."""
    with transaction.atomic():
        result = (
            DBTaskResult.objects.select_for_update()
            .filter(pk=task_id, status=TaskResultStatus.FAILED)
            .first()
        )
        if result is None:
            raise Http404
        result.status = TaskResultStatus.READY
        result.run_after = timezone.now()
        result.started_at = None
        result.finished_at = None
        result.exception_class_path = ""
        result.traceback = ""
        result.save()
    return result
