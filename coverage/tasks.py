"""Coverage's reactions, run by a worker: what coverage.signals enqueues when classrooms
announces a change, the periodic rollup (settings.PERIODIC_TASKS), and report exports. Each
is safe to run again: a rollup rewrites the class-days it is given from the source rows.

A rollup gives the start dashboards of what it rebuilt a new version; once it has committed,
its task computes them again (``services.warm_start_pages``: the default view and the filter
sets viewed lately), so the first officer to open the dashboard after a rollup is served from
the cache. While more rollups wait on the queue (a period ends in every class at once), a task
leaves its schools to the next one, and the last of them warms them all."""

import datetime
import functools

from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from jobs.queue import is_durable
from jobs.services import job_running

from . import services
from .reports import report_file


def _days(isodates) -> list[datetime.date]:
    return [datetime.date.fromisoformat(d) for d in isodates]


def _rollups_waiting() -> bool:
    """Whether another rollup is queued and ready to run (it will warm the pages itself)."""
    if not is_durable(rollup_incremental):
        return False
    return (
        DBTaskResult.objects.ready()
        .filter(task_path__in=[t.module_path for t in ROLLUP_TASKS])
        .exists()
    )


def _warm_after_commit(school_ids: set[int]) -> None:
    if school_ids:
        transaction.on_commit(functools.partial(_warm, school_ids))


# The schools whose start dashboards a rollup left to the next one, in the shared cache.
WARM_LATER_KEY = "coverage:start-pages-to-warm"
WARM_LATER_SECONDS = 24 * 3600


def _warm(school_ids: set[int]) -> None:
    schools = set(cache.get(WARM_LATER_KEY) or ()) | set(school_ids)
    if _rollups_waiting():
        cache.set(WARM_LATER_KEY, schools, WARM_LATER_SECONDS)
        return
    cache.delete(WARM_LATER_KEY)
    services.warm_start_pages(schools)


@task()
def rollup_incremental() -> int:
    """Days not rolled up yet (a new school day) and sessions ended since the last run."""
    touched: set[int] = set()
    written = services.rollup_incremental(touched=touched)
    _warm_after_commit(touched)
    return written


@task()
def rollup_class_days(class_days: list[list]) -> int:
    """A change on some class-days ([classroom id, ISO date] pairs) and the days after it."""
    touched: set[int] = set()
    written = services.rollup_after_change(
        ((classroom_id, datetime.date.fromisoformat(day)) for classroom_id, day in class_days),
        touched=touched,
    )
    _warm_after_commit(touched)
    return written


@task()
def rollup_classes_on(classroom_ids: list[int], dates: list[str]) -> int:
    """These classes on these days: a closure changed (its days, and those it no longer
    covers), or a student learned asynchronously on a closed day."""
    touched: set[int] = set()
    written = services.rollup(classroom_ids=classroom_ids, dates=_days(dates), touched=touched)
    _warm_after_commit(touched)
    return written


@task()
def rebuild_school_days(school_ids: list[int], dates: list[str]) -> None:
    """A class was deleted: its school's per-school rows, and so its start dashboards."""
    services.rebuild_school_days(set(school_ids), _days(dates))
    services.start_pages_changed(school_ids)
    _warm_after_commit(set(school_ids))


ROLLUP_TASKS = (rollup_incremental, rollup_class_days, rollup_classes_on, rebuild_school_days)


@task()
def report_export(*, job_id: str, user_id: int, params: dict, language: str) -> None:
    """The report spreadsheet for a person, in their language, as a job they follow."""
    with translation.override(language), job_running(job_id) as run:
        user = User.objects.get(pk=user_id)
        run.progress(0, 1)
        name, content, content_type = report_file(user=user, params=params)
        run.finish(content, name=name, content_type=content_type)
