"""Coverage's reactions, run by a worker: what coverage.signals enqueues when classrooms
announces a change, and the periodic rollup (settings.PERIODIC_TASKS). Each is safe to run
again: a rollup rewrites the class-days it is given from the source rows."""

import datetime

from django_tasks import task

from . import services


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
    """A closure changed: its classes on its days (and the days it no longer covers)."""
    return services.rollup(classroom_ids=classroom_ids, dates=_days(dates))


@task()
def rebuild_school_days(school_ids: list[int], dates: list[str]) -> None:
    services.rebuild_school_days(set(school_ids), _days(dates))
