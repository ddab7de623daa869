"""The start dashboard of each level (``start_page``): its figures computed once and cached
under the scope's version, which a rollup renews (``coverage.services.start_pages_changed``)
and whose pages its task computes again. Built on ``coverage.selectors``."""

from __future__ import annotations

from dataclasses import replace

from django.core.cache import cache
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from lms.access import scope_role
from lms.cache_versions import cache_version

from .selectors import (
    CoverageFilters,
    attention_schools,
    class_rows,
    daily_series,
    district_rows,
    filtered_rows,
    filters_from_params,
    grouped_by,
    grouped_from_school_days,
    school_rows,
    summary_of,
    user_sees_coverage,
)
from .students import at_risk_students

# --- The start dashboard -------------------------------------------------------------------

START_PAGE_SECONDS = 300
# Besides the default view, a rollup warms the last filter sets viewed on each start dashboard
# (a province officer looking at the whole closure, or at one level), up to this many, for as
# long as START_PAGE_VIEWS_SECONDS after they were last computed on a view.
START_PAGE_VIEWS_KEPT = 4
START_PAGE_VIEWS_SECONDS = 24 * 3600


def start_page_scope(user: User) -> str:
    """Whose figures the user's start dashboard shows: every province officer (and
    superuser) sees the same page, every officer of a district and every admin of a school."""
    role = scope_role(user)
    return {
        Role.PROVINCE_OFFICER: "province",
        Role.DISTRICT_OFFICER: f"district:{user.district_id}",
        Role.SCHOOL_ADMIN: f"school:{user.school_id}",
    }.get(role, f"user:{user.pk}")


def start_page_version(scope: str) -> str:
    """The name of a scope's version (lms.cache_versions): a rollup that rebuilt class-days
    of a school gives the school, its district and the province a new one
    (``coverage.services.start_pages_changed``), so their start dashboards recompute while
    those of every other school and district stay cached."""
    return f"coverage:start:{scope}"


def _views_key(scope: str) -> str:
    return f"coverage:start-views:{scope}"


def start_page_recent_filters(user: User) -> list[CoverageFilters]:
    """The filter sets other than the default view that were last computed on a view of the
    user's start dashboard, newest first (what the rollup tasks warm besides the default)."""
    return cache.get(_views_key(start_page_scope(user))) or []


def _remember_view(user: User, filters: CoverageFilters) -> None:
    if filters.as_query() == filters_from_params({}).as_query():
        return  # the default view is always warmed
    filters = replace(filters, swapped=False)
    kept = [f for f in start_page_recent_filters(user) if f.as_query() != filters.as_query()]
    kept = [filters, *kept][:START_PAGE_VIEWS_KEPT]
    cache.set(_views_key(start_page_scope(user)), kept, START_PAGE_VIEWS_SECONDS)


def start_page_cache_key(*, user: User, filters: CoverageFilters) -> str:
    """The cache key of a user's start dashboard: their scope and its version (any rollup of
    one of its classes gives it a new one), the filters and today. No database query."""
    scope = start_page_scope(user)
    query = "&".join(f"{k}={v}" for k, v in sorted(filters.as_query().items()))
    version = cache_version(start_page_version(scope))
    return f"coverage:start:{scope}:{timezone.localdate()}:{version}:{query}"


def attention_list(*, user: User, filters: CoverageFilters) -> list[dict]:
    """Every school needing attention for the filters (the attention page; the start
    dashboard shows the worst few): the start page's list when that page is cached for the
    same scope and filters (the dashboard's "see all" link keeps its filters, and a rollup
    warms the default view, so it nearly always is), else ``attention_schools`` alone: a miss
    does not compute the rest of the start page, nor count as a view of it to warm."""
    if not user_sees_coverage(user):
        raise Http404
    figures = cache.get(start_page_cache_key(user=user, filters=filters))
    if figures is not None:
        return figures["attention"]
    return attention_schools(user=user, filters=filters)


def start_page(*, user: User, filters: CoverageFilters, warming: bool = False) -> dict:
    """Everything the start dashboard shows for the user's own level: the summary, the daily
    series, one row per district (province), school (district officer) or class (school
    admin), the schools that need attention and the first 100 students at risk. Cached for
    START_PAGE_SECONDS under ``start_page_cache_key`` (a rollup of the scope changes the key;
    the rollup tasks compute the default view and the filter sets viewed lately again at
    once, coverage.tasks; ``warming`` is their call).
    The summary is added up from the rows' grouping rather than scanned again. District and
    school rows come from the per-school rollup (``grouped_from_school_days``): the page
    shows no count of distinct classes, the API does."""
    if not user_sees_coverage(user):
        raise Http404
    key = start_page_cache_key(user=user, filters=filters)
    figures = cache.get(key)
    if figures is not None:
        return figures
    role = scope_role(user)
    qs = filtered_rows(user, filters)
    if role == Role.PROVINCE_OFFICER:
        grouped = grouped_from_school_days(user, filters, "district_id")
        rows = district_rows(user=user, filters=filters, grouped=grouped)
        level = "province"
    elif role == Role.DISTRICT_OFFICER:
        grouped = grouped_from_school_days(user, filters, "school_id", district_id=user.district_id)
        rows = school_rows(
            user=user, filters=filters, district_id=user.district_id, grouped=grouped
        )
        level = "district"
    else:
        grouped = grouped_by(qs.filter(school_id=user.school_id), "classroom_id")
        rows = class_rows(user=user, filters=filters, school_id=user.school_id, grouped=grouped)
        level = "school"
    figures = {
        "level": level,
        "summary": summary_of(grouped, user, filters),
        "series": daily_series(user=user, filters=filters),
        "rows": rows,
        "attention": attention_schools(user=user, filters=filters),
        "at_risk": at_risk_students(user=user, filters=filters, limit=100),
    }
    cache.set(key, figures, START_PAGE_SECONDS)
    if not warming:
        _remember_view(user, filters)
    return figures
