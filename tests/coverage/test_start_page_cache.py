"""The start dashboards after a rollup (issue 17 item 4): the rollup task computes the default
view of every start dashboard it changed once it has committed, so the first officer to open
one is served from the cache, with the new figures; a rollup of one school leaves the cached
pages of the other districts and schools alone. On docs/coverage.md's worked example."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from classrooms.models import AttendanceRecord
from coverage import selectors, start_pages, tasks

from .fixture import MON, THU, at

pytestmark = pytest.mark.django_db

ROLLUP_TABLES = ("coverage_dailycoverage", "coverage_schooldailycoverage", "coverage_atriskstudent")


def default_view():
    return selectors.filters_from_params(QueryDict())


def fresh(user) -> dict:
    """The start page computed now, from the rollup, bypassing the cache."""
    key = start_pages.start_page_cache_key(user=user, filters=default_view())
    cache.delete(key)
    return start_pages.start_page(user=user, filters=default_view())


def cached(user) -> dict | None:
    return cache.get(start_pages.start_page_cache_key(user=user, filters=default_view()))


def present_on_thursday(classroom, student):
    # What a teacher's correction does to the record; the rollup task then runs on the queue.
    AttendanceRecord.objects.filter(
        session__classroom=classroom, session__starts_at__date=THU, student=student
    ).update(status="present", minutes=40, first_join=at(THU, 8))


def test_after_a_rollup_the_first_view_is_a_cache_hit_with_the_new_figures(
    fx, client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    viewers = [fx.province, fx.officer_d1, fx.admin_s1]
    before = {user.pk: fresh(user) for user in viewers}  # everyone has looked once
    a9 = fx.classes["9A"]
    present_on_thursday(a9, fx.students["9A"][3])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.rollup_class_days.enqueue([[a9.pk, THU.isoformat()]])

    for user in viewers:
        warmed = cached(user)
        assert warmed is not None, user.username
        # One more student attended 9A's Thursday session, in every scope above it.
        assert warmed["summary"]["attendances"] == before[user.pk]["summary"]["attendances"] + 1
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            with django_assert_max_num_queries(6):
                response = client.get(reverse("coverage:dashboard"))
        assert response.status_code == 200
        heavy = [q["sql"] for q in queries if any(t in q["sql"] for t in ROLLUP_TABLES)]
        assert heavy == [], user.username
        assert response.context["summary"] == warmed["summary"]
        assert response.context["at_risk"] == warmed["at_risk"]
        # And it is what the rollup gives when computed from scratch.
        assert warmed == fresh(user)


def test_a_rollup_of_one_school_keeps_the_other_schools_and_districts_cached(
    fx, django_capture_on_commit_callbacks
):
    viewers = [fx.province, fx.officer_d1, fx.officer_d2, fx.admin_s1]
    keys = {}
    for user in viewers:
        fresh(user)
        keys[user.pk] = start_pages.start_page_cache_key(user=user, filters=default_view())
    a10 = fx.classes["10A"]  # school S3, district D2
    present_on_thursday(a10, fx.students["10A"][0])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.rollup_classes_on.enqueue([a10.pk], [THU.isoformat()])

    def key(user):
        return start_pages.start_page_cache_key(user=user, filters=default_view())

    # D1 and its school S1 did not change: same key, same cached page.
    assert key(fx.officer_d1) == keys[fx.officer_d1.pk]
    assert key(fx.admin_s1) == keys[fx.admin_s1.pk]
    # The province and D2 did: new keys, already computed with 10A's new attendance.
    for user in (fx.province, fx.officer_d2):
        assert key(user) != keys[user.pk]
        assert cached(user) == fresh(user)
    old = cache.get(keys[fx.officer_d2.pk])["summary"]["attendances"]
    assert cached(fx.officer_d2)["summary"]["attendances"] == old + 1


def test_a_page_cached_before_the_rollup_is_never_served_after_it(
    fx, client, django_capture_on_commit_callbacks
):
    # Even with no one to warm it (the school has no admin left), the old figures are gone.
    admin = fx.admin_s1
    old = fresh(admin)
    type(admin).objects.filter(school=fx.s1, role=admin.role).update(is_active=False)
    a9 = fx.classes["9A"]
    present_on_thursday(a9, fx.students["9A"][3])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.rollup_class_days.enqueue([[a9.pk, THU.isoformat()]])
    assert cached(admin) is None
    figures = start_pages.start_page(user=admin, filters=default_view())
    assert figures["summary"]["attendances"] == old["summary"]["attendances"] + 1


def test_while_more_rollups_wait_on_the_queue_only_the_last_one_warms(
    fx, monkeypatch, django_capture_on_commit_callbacks
):
    # A period ends in every class at once: hundreds of rollups queue up. Each one still makes
    # the old figures unreachable; computing the pages is left to the last of them, which
    # computes those of the schools the others rolled up too.
    monkeypatch.setattr(tasks, "is_durable", lambda task: True)
    waiting = DBTaskResult.objects.create(
        task_path=tasks.rollup_class_days.module_path, args_kwargs={"args": [], "kwargs": {}},
        backend_name="default", queue_name="default", run_after=timezone.now(),
    )  # fmt: skip
    a9 = fx.classes["9A"]  # school S1, district D1
    with django_capture_on_commit_callbacks(execute=True):
        tasks.rollup_class_days.call([[a9.pk, THU.isoformat()]])
    assert cached(fx.province) is None and cached(fx.admin_s1) is None

    waiting.delete()
    a10 = fx.classes["10A"]  # school S3, district D2
    with django_capture_on_commit_callbacks(execute=True):
        tasks.rollup_class_days.call([[a10.pk, THU.isoformat()]])
    for user in (fx.province, fx.officer_d2, fx.officer_d1, fx.admin_s1):
        assert cached(user) is not None, user.username
    assert cached(fx.province) == fresh(fx.province)


def test_a_filter_set_viewed_lately_is_warmed_too(fx, client, django_capture_on_commit_callbacks):
    # The province officer looked at the whole week and at grade 9 only; the next rollup
    # computes those again along with the default view. A district officer's view is their own.
    whole = {"start": MON.isoformat(), "end": THU.isoformat(), "days": "all"}
    client.force_login(fx.province)
    for params in (whole, {"grade": "9"}):
        assert client.get(reverse("coverage:dashboard"), params).status_code == 200
    viewed = [selectors.filters_from_params(p) for p in (whole, {"grade": "9"})]
    a9 = fx.classes["9A"]
    present_on_thursday(a9, fx.students["9A"][3])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.rollup_class_days.enqueue([[a9.pk, THU.isoformat()]])
    for filters in viewed:
        key = start_pages.start_page_cache_key(user=fx.province, filters=filters)
        warmed = cache.get(key)
        assert warmed is not None
        cache.delete(key)
        assert warmed == start_pages.start_page(user=fx.province, filters=filters)
    assert start_pages.start_page_recent_filters(fx.officer_d1) == []
