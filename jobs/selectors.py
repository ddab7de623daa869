"""What the status page and `manage.py tasks_status` show (the queue, the workers, failures), and
a person's own jobs."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import Job, WorkerHeartbeat
from .worker import stale_before

FAILED_SHOWN = 50


@dataclass(frozen=True)
class QueueStatus:
    waiting: int  # ready to run now
    scheduled: int  # waiting for a later time (retries with backoff)
    running: int
    failed_last_day: int
    oldest_waiting_at: datetime.datetime | None
    workers_alive: list[WorkerHeartbeat]
    workers_stale: list[WorkerHeartbeat]

    @property
    def oldest_waiting_seconds(self) -> int | None:
        if self.oldest_waiting_at is None:
            return None
        return max(0, int((timezone.now() - self.oldest_waiting_at).total_seconds()))

    @property
    def healthy(self) -> bool:
        """Work is being done: a worker is alive, or there is nothing to do."""
        return bool(self.workers_alive) or (self.waiting == 0 and self.running == 0)


def queue_status() -> QueueStatus:
    now = timezone.now()
    runnable = DBTaskResult.objects.ready()
    counts = dict(
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    waiting = runnable.count()
    oldest = runnable.aggregate(at=Min("enqueued_at"))["at"]
    stale = stale_before()
    workers = list(WorkerHeartbeat.objects.all())
    return QueueStatus(
        waiting=waiting,
        scheduled=counts.get(TaskResultStatus.READY, 0) - waiting,
        running=counts.get(TaskResultStatus.RUNNING, 0),
        failed_last_day=DBTaskResult.objects.failed()
        .filter(finished_at__gte=now - datetime.timedelta(days=1))
        .count(),
        oldest_waiting_at=oldest,
        workers_alive=[w for w in workers if w.seen_at >= stale],
        workers_stale=[w for w in workers if w.seen_at < stale],
    )


def failed_tasks(limit: int = FAILED_SHOWN):
    return DBTaskResult.objects.failed().order_by("-finished_at")[:limit]


def job_for(*, user, pk) -> Job:
    """A job is its owner's alone: anyone else gets a 404."""
    return get_object_or_404(Job.objects.defer("result"), pk=pk, owner=user)


def job_state(job: Job) -> dict:
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "stage": job.stage,
        "message": job.message,
        "has_result": bool(job.result_name),
        "result_url": job.result_url,
    }
