"""The dashboard's filters (django-filter): period, level, grade, closed days or all days."""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classrooms.org.levels import Level

from .models import DailyCoverage

DEFAULT_DAYS = 14


class DaysChoice:
    CLOSED = "closed"
    ALL = "all"
    choices = [(CLOSED, _("Closed days only")), (ALL, _("All school days"))]


class CoverageFilterSet(django_filters.FilterSet):
    start = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    end = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    level = django_filters.ChoiceFilter(
        choices=Level.choices, label=_("Level"), empty_label=_("All levels")
    )
    grade = django_filters.ChoiceFilter(
        choices=[(str(g), str(g)) for g in range(1, 13)], label=_("Grade"),
        empty_label=_("All grades"),
    )  # fmt: skip
    days = django_filters.ChoiceFilter(
        choices=DaysChoice.choices, label=_("Days"), empty_label=None, method="by_days"
    )

    class Meta:
        model = DailyCoverage
        fields = ["start", "end", "level", "grade", "days"]

    def by_days(self, queryset, name, value):
        return queryset.filter(closed=True) if value != DaysChoice.ALL else queryset


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=DEFAULT_DAYS - 1), today


def bound_filterset(params, *, levels=None, grades=None) -> CoverageFilterSet:
    """The filter form bound to the request's parameters with the defaults filled in, so the
    form shows what the page shows. ``levels`` and ``grades`` narrow the level and grade
    choices to what the page can apply; an empty list hides the filter (its value rides along
    hidden, for the way back up)."""
    data = params.copy() if hasattr(params, "copy") else dict(params)
    start, end = default_period()
    if not data.get("start"):
        data["start"] = start.isoformat()
    if not data.get("end"):
        data["end"] = end.isoformat()
    if not data.get("days"):
        closures_only = str(data.get("closures_only", "true")).lower()
        data["days"] = DaysChoice.ALL if closures_only in ("0", "false", "no") else "closed"
    filterset = CoverageFilterSet(data, queryset=DailyCoverage.objects.none())
    fields = filterset.form.fields
    for name, allowed in (("level", levels), ("grade", grades)):
        if allowed is None:
            continue
        if not allowed:
            fields[name].widget = forms.HiddenInput()
            continue
        wanted = {str(v) for v in allowed}
        fields[name].choices = [c for c in fields[name].choices if not c[0] or c[0] in wanted]
    return filterset
