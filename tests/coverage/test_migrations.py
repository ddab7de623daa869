"""Upgrading a database that was rolled up before the per-school rows kept students at risk:
the migration fills them from the class-days, so the dashboards' last-day figures are right
without a rebuild."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from coverage.models import SchoolDailyCoverage
from tests.factories import ClassroomFactory

BEFORE = [("coverage", "0004_async_learners")]
AFTER = [("coverage", "0005_school_days_at_risk")]
DAY = datetime.date(2026, 11, 2)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_upgrading_gives_each_school_day_the_students_at_risk_of_its_classes():
    a, b = ClassroomFactory(grade=9), ClassroomFactory(grade=9)
    a2 = ClassroomFactory(school=a.school, grade=9)
    try:
        apps = migrate(BEFORE)
        daily = apps.get_model("coverage", "DailyCoverage")
        school_days = apps.get_model("coverage", "SchoolDailyCoverage")
        # School A: two classes at risk on DAY (2 + 3 students), none the day after;
        # school B: nobody at risk.
        for classroom, day, at_risk in (
            (a, DAY, 2),
            (a2, DAY, 3),
            (a, DAY + datetime.timedelta(days=1), 0),
            (b, DAY, 0),
        ):
            school = classroom.school
            key = {
                "date": day, "district_id": school.district_id, "school_id": school.pk,
                "level": "thcs", "grade": 9, "closed": True,
            }  # fmt: skip
            daily.objects.create(classroom_id=classroom.pk, at_risk=at_risk, enrolled=30, **key)
            school_days.objects.update_or_create(**key, defaults={"class_days": 1})

        migrate(AFTER)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    figures = {(row.school_id, row.date): row.at_risk for row in SchoolDailyCoverage.objects.all()}
    assert figures == {
        (a.school_id, DAY): 5,
        (a.school_id, DAY + datetime.timedelta(days=1)): 0,
        (b.school_id, DAY): 0,
    }
