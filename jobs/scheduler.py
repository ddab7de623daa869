"""Periodic jobs: enqueue each task of settings.PERIODIC_TASKS every so many seconds.

The scheduler only enqueues; workers run. It skips a job whose previous run is still waiting
or running, so a slow rollup or a stopped worker never piles up copies. Several schedulers
(one per host) are harmless for the same reason, give or take one run at the boundary.
"""

import logging
import time

from django.conf import settings
from django.db import close_old_connections
from django.db.utils import DatabaseError
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def periodic_tasks() -> list[tuple[str, int]]:
    return sorted(settings.PERIODIC_TASKS.items())


def enqueue_due(due: dict[str, float], now: float) -> list[str]:
    """Enqueue every job whose time has come; `due` maps path → next time (updated in place)."""
    enqueued = []
    for path, every in periodic_tasks():
        if due.get(path, 0) > now:
            continue
        due[path] = now + every
        waiting = DBTaskResult.objects.filter(
            task_path=path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        ).exists()
        if waiting:
            continue
        import_string(path).enqueue()
        enqueued.append(path)
    return enqueued


def run_forever(tick: float = 1.0) -> None:
    due: dict[str, float] = {}
    logger.info("Scheduler started: %s", ", ".join(f"{p} every {s}s" for p, s in periodic_tasks()))
    while True:
        try:
            close_old_connections()
            for path in enqueue_due(due, time.monotonic()):
                logger.info("Enqueued %s", path)
        except DatabaseError:
            logger.warning("Scheduler could not reach the database; trying again", exc_info=True)
        time.sleep(tick)
