"""Coverage's reactions, run by a worker: what coverage.signals enqueues when classrooms
announces a change, the periodic rollup (settings.PERIODIC_TASKS), and report exports. Each
is safe to run again: a rollup rewrites the class-days it is given from the source rows."""

import datetime

from django.utils import translation
from django_tasks import task

from accounts.models import User
from jobs.services import job_running

from . import services
from .reports import report_file


def _days(isodates) -> list[datetime.date]:
    return [datetime.date.fromisoformat(d) for d in isodates]


@task()
def rollup_incremental() -> int:
    """Days not rolled up yet (a new school day) and sessions ended since the last run."""
    return services.rollup_incremental()


@task()
def rollup_class_days(class_days: list[list]) -> int:
    """A change on some class-days ([classroom id, ISO date] pairs) and the days after it."""
    return services.rollup_after_change(
        (classroom_id, datetime.date.fromisoformat(day)) for classroom_id, day in class_days
    )


@task()
def rollup_classes_on(classroom_ids: list[int], dates: list[str]) -> int:
    """These classes on these days: a closure changed (its days, and those it no longer
    covers), or a student learned asynchronously on a closed day."""
    return services.rollup(classroom_ids=classroom_ids, dates=_days(dates))


@task()
def rebuild_school_days(school_ids: list[int], dates: list[str]) -> None:
    services.rebuild_school_days(set(school_ids), _days(dates))


@task()
def report_export(*, job_id: str, user_id: int, params: dict, language: str) -> None:
    """The report spreadsheet for a person, in their language, as a job they follow."""
    with translation.override(language), job_running(job_id) as run:
        user = User.objects.get(pk=user_id)
        run.progress(0, 1)
        name, content, content_type = report_file(user=user, params=params)
        run.finish(content, name=name, content_type=content_type)
