"""The worker: django-tasks-db's database worker, plus a heartbeat and the return of
abandoned tasks.

django-tasks-db claims a task by marking it RUNNING with the worker's id. A worker killed
(`kill -9`, OOM, host lost) leaves its task RUNNING for ever. Here every worker writes a
heartbeat every few seconds from a thread, and on start and with each heartbeat puts back to
READY any task whose worker has not been seen for JOBS_WORKER_STALE_SECONDS. Our tasks are
written to be run again safely (idempotency keys, "only what is not done yet"), so running
one twice after a crash is correct. A task abandoned MAX_ABANDONED times fails instead of
looping for ever, and shows on the status page.
"""

import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.utils import DatabaseError
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
MAX_ABANDONED = 5


def stale_before():
    return timezone.now() - timezone.timedelta(seconds=settings.JOBS_WORKER_STALE_SECONDS)


def requeue_abandoned() -> int:
    """Put back the tasks of workers that stopped without finishing them; returns how many."""
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=stale_before()).values_list(
            "worker_id", flat=True
        )
    )
    requeued = 0
    for result in DBTaskResult.objects.running().filter(started_at__lt=stale_before()):
        if result.worker_ids and result.worker_ids[-1] in alive:
            continue
        if len(result.worker_ids) >= MAX_ABANDONED:
            changed = DBTaskResult.objects.filter(
                pk=result.pk, status=TaskResultStatus.RUNNING
            ).update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path="jobs.worker.WorkerLost",
                traceback=f"The worker running this task stopped {len(result.worker_ids)} times.",
            )
            if changed:
                logger.error(
                    "Task %s (%s) abandoned too often: failed", result.pk, result.task_path
                )
            continue
        changed = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None
        )
        if changed:
            requeued += 1
            logger.warning(
                "Task %s (%s) of stopped worker %s back in the queue",
                result.pk,
                result.task_path,
                result.worker_ids[-1] if result.worker_ids else "?",
            )
    return requeued


class WorkerLost(Exception):
    """The worker running the task stopped too many times (see the task's traceback)."""


class HeartbeatWorker(Worker):
    """django-tasks-db's worker with a heartbeat thread that also returns abandoned tasks."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._stop = threading.Event()
        self.started_at = timezone.now()

    def beat(self) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "seen_at": timezone.now(),
                "tasks_run": self._run_tasks,
            },
        )
        requeue_abandoned()

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                close_old_connections()
                self.beat()
            except DatabaseError:
                # A database restart or a locked SQLite file: the next beat tries again.
                logger.warning("Worker heartbeat failed", exc_info=True)
        connection.close()

    def run(self) -> None:
        self.beat()
        thread = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        thread.start()
        try:
            super().run()
        finally:
            self._stop.set()
            try:
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            except DatabaseError:
                logger.warning("Could not remove the heartbeat of %s", self.worker_id)
