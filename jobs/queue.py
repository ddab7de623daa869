"""Putting work on the queue.

`enqueue` is the one way our code hands work to a worker. On the database backend the task's
row is written in the caller's transaction, so the work commits or rolls back with the change
that asked for it (nothing is lost between "committed" and "queued", nothing runs for a change
that rolled back). On any other backend (the immediate one in tests) the task runs after the
commit, as it would on a worker.

`retry` puts a task back with exponential backoff; a task calls it from its own `except` when
the failure is worth another try (an SMTP server down), and records the final failure itself
when `retry` says the attempts are used up.
"""

import datetime
import functools

from django.db import transaction
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend

# 10 s, 20 s, 40 s, 80 s, 160 s: five tries over about five minutes.
RETRY_BASE_SECONDS = 10
MAX_ATTEMPTS = 5


def is_durable(task: Task) -> bool:
    return isinstance(task_backends[task.backend], DatabaseBackend)


def enqueue(task: Task, *args, **kwargs) -> None:
    if is_durable(task):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(functools.partial(task.enqueue, *args, **kwargs))


def retry(task: Task, *args, attempt: int, **kwargs) -> bool:
    """Enqueue attempt `attempt + 1` of `task` after a backoff. False when none is left."""
    if attempt + 1 >= MAX_ATTEMPTS:
        return False
    delay = datetime.timedelta(seconds=RETRY_BASE_SECONDS * 2**attempt)
    if is_durable(task):
        task.using(run_after=timezone.now() + delay).enqueue(*args, attempt=attempt + 1, **kwargs)
    else:
        # No clock to wait on without a worker: the next attempt runs at once.
        task.enqueue(*args, attempt=attempt + 1, **kwargs)
    return True
