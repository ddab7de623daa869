"""For tests about background work: the real database backend and a real worker loop.

    with durable_tasks():
        closure_declare(...)          # queues its tasks in the database
        assert queued() > 0
        run_queued()                  # a django-tasks-db worker runs them, in this process

`durable_tasks` switches TASKS to django-tasks-db's DatabaseBackend (the production backend);
`run_queued` runs the same worker loop as `manage.py run_worker`, in batch mode (until the
queue is empty), without the heartbeat thread (which would need a second connection to the
test database), and without closing the test's connection between tasks. Tests that need
separate worker processes start `manage.py run_worker`. Inside a test that also uses the
`settings` fixture, enter `durable_tasks()` after changing settings, so both undo in order.
"""

from unittest import mock

from django.test import override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

DURABLE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def durable_tasks():
    """A context manager and decorator (django-tasks resets its backends on setting_changed)."""
    return override_settings(TASKS=DURABLE)


def queued(task_path: str | None = None) -> int:
    results = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    if task_path:
        results = results.filter(task_path=task_path)
    return results.count()


def run_queued(max_tasks: int | None = None) -> int:
    """Run the ready tasks (and those they enqueue) until none is left; returns how many ran."""
    worker = Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
    )
    # The worker closes "old" connections between tasks, which inside a test's transaction
    # would close the test's own connection (PostgreSQL): leave it to the test.
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        worker.run()
    return worker._run_tasks
