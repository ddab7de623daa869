"""The staff-only status page of the task queue, and a retry for superusers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .selectors import failed_tasks, queue_status


def _staff(user) -> None:
    if not (user.is_staff or user.is_superuser):
        raise PermissionDenied


@login_required
def status(request):
    _staff(request.user)
    return render(
        request,
        "jobs/status.html",
        {
            "status": queue_status(),
            "failed": failed_tasks(),
            "can_retry": request.user.is_superuser,
        },
    )


@login_required
@require_POST
def retry(request, task_id):
    if not request.user.is_superuser:
        raise PermissionDenied
    result = services.retry_failed(task_id=task_id)
    messages.success(request, _("%(task)s is back in the queue.") % {"task": result.task_name})
    return redirect("jobs:status")
