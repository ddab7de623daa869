"""The staff-only status page of the task queue with a retry for superusers; a person's own
job (progress, then its file)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .models import Job
from .selectors import failed_tasks, job_for, job_state, queue_status


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
    messages.success(request, _("%(task)s is back in the queue.") % {"task": result.task_path})
    return redirect("jobs:status")


@login_required
def job(request, pk):
    job = job_for(user=request.user, pk=pk)
    state = job_state(job)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(state, headers={"Cache-Control": "no-store"})
    return render(request, "jobs/job.html", {"job": job, "state": state})


@login_required
def job_download(request, pk):
    job = job_for(user=request.user, pk=pk)
    if job.status != Job.Status.DONE or not job.result_name:
        raise Http404
    content = Job.objects.values_list("result", flat=True).get(pk=job.pk)
    response = HttpResponse(bytes(content or b""), content_type=job.result_type)
    response["Content-Disposition"] = content_disposition_header(True, job.result_name)
    response["Cache-Control"] = "private, no-store"
    return response
