"""What the queue itself does not keep: which workers are alive, and the progress and result
of the work people wait on (Job).

The tasks are django-tasks-db's `DBTaskResult` rows (one table, shared with Wagtail's own tasks).
A worker writes its heartbeat every few seconds (jobs.worker); a task left RUNNING by a worker
whose heartbeat stopped goes back to the queue.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process"))
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last seen"), db_index=True)
    tasks_run = models.PositiveIntegerField(_("tasks run"), default=0)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid} ({self.worker_id})"


class Job(models.Model):
    """One piece of work a person asked for and waits on (an export, an import): its progress
    lives here, in the database, so any web worker answers the progress bar and a web worker
    restart loses nothing. The task doing the work updates it between chunks; its result (a
    file to download) is kept on the row, for its owner only."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name=_("owner"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    # What the work is doing now ("Checking the files: 120 of 480"), in the owner's language,
    # shown under the bar while it runs.
    stage = models.CharField(_("stage"), max_length=255, blank=True)
    # Shown to the owner when the job ended: why it failed (Vietnamese, no internals; the
    # traceback is the task's, on the status page), or what was done.
    message = models.TextField(_("message"), blank=True)
    result = models.BinaryField(_("result"), null=True, editable=False)
    result_name = models.CharField(_("file name"), max_length=255, blank=True)
    result_type = models.CharField(_("file type"), max_length=127, blank=True)
    # Where the result is when it is not a file (an imported package in its list).
    result_url = models.CharField(_("result link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return self.done * 100 // self.total if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
