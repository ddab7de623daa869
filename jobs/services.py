"""Changing the queue by hand (superusers, from the status page), and the jobs people wait on
(an export, an import): started with their task, progressed and finished by it."""

import contextlib

from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import Job
from .queue import enqueue


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


def job_start(*, owner, kind: str, title: str, task, **kwargs) -> Job:
    """Record the job and queue its task (with `job_id=`) in one transaction."""
    with transaction.atomic():
        job = Job.objects.create(owner=owner, kind=kind, title=str(title)[:255])
        enqueue(task, job_id=str(job.pk), **kwargs)
    return job


class JobRun:
    """What a task holds while it works on a job: progress writes commit at once (the task
    runs outside any request transaction), so the progress bar moves as the work does."""

    def __init__(self, job: Job):
        self.job = job

    def progress(self, done: int, total: int | None = None, *, stage: str | None = None) -> None:
        fields = {"done": done}
        if total is not None:
            fields["total"] = total
        if stage is not None:
            fields["stage"] = str(stage)[:255]
        Job.objects.filter(pk=self.job.pk).update(**fields)

    def finish(
        self,
        content: bytes = b"",
        *,
        name: str = "",
        content_type: str = "",
        message: str = "",
        url: str = "",
    ) -> None:
        """Done: with a file to download (`content`, `name`), or a `message` and a link to the
        result (`url`) when the result lives elsewhere on the site."""
        Job.objects.filter(pk=self.job.pk).update(
            status=Job.Status.DONE,
            done=models.F("total"),
            stage="",
            message=str(message),
            result=content or None,
            result_name=name,
            result_type=content_type,
            result_url=url,
            finished_at=timezone.now(),
        )


@contextlib.contextmanager
def job_running(job_id):
    """Run a job's work: marks it running, and failed with a plain message if the work
    raises (the exception goes on to the task, whose traceback the status page keeps)."""
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, message="")
    try:
        yield JobRun(job)
    except JobRefused as refusal:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, stage="", message=str(refusal), finished_at=timezone.now()
        )
    except Exception:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            stage="",
            message=_("Something went wrong. The administrators have been told; try again later."),
            finished_at=timezone.now(),
        )
        raise


class JobRefused(Exception):
    """The input cannot be processed: the message (for the owner) says why. Not a crash."""
