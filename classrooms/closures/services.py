"""Closures: declaring that classes cannot meet and must be taught online (DESIGN.md
"Coverage", docs/coverage.md).

Who may declare: province officers for any scope; district officers for their district and its
schools and classes; school admins for their school and its classes. Declaring switches the
affected classes to online in one step: they are shown as "Học trực tuyến" on every start page.
Workers then generate LiveSessions from their timetables for the closure's days and give
students and guardians an in-app notice (and an e-mail where an address is known), in chunks
(closures.tasks), while the request has already answered. Edits, ending early
and cancelling keep their history (ClosureChange) and send `closure_changed`, to which
coverage reacts.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from jobs.queue import enqueue

from ..events import announce, closure_changed
from ..org.models import Classroom, District, School
from .models import Closure, ClosureChange, ClosureScope
from .selectors import check_target, closure_can_manage, closure_classrooms
from .tasks import closure_fanout


def _check_dates(starts_on: datetime.date, ends_on: datetime.date) -> None:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day cannot be before the first day.")})
    if (ends_on - starts_on).days > 366:
        raise ValidationError({"ends_on": _("A closure lasts at most a year.")})


def _snapshot(closure: Closure) -> dict:
    return {
        "scope": closure.scope,
        "district": closure.district_id,
        "school": closure.school_id,
        "classroom": closure.classroom_id,
        "starts_on": closure.starts_on.isoformat(),
        "ends_on": closure.ends_on.isoformat(),
        "reason": closure.reason,
        "note": closure.note,
        "cancelled": closure.cancelled_at is not None,
    }


def _fan_out(change: ClosureChange, *, sessions: bool, notify: bool) -> None:
    """Queue the change's fan-out (closures.tasks) in this transaction: it commits with the
    change, and a worker generates the sessions and writes the notices and e-mails in chunks."""
    enqueue(closure_fanout, change.pk, sessions=sessions, notify=notify)


def _closure_changed(closure: Closure, days: set[datetime.date]) -> None:
    """Tell the apps above (coverage) which class-days the change touched, after commit."""
    ids = list(closure_classrooms(closure).values_list("pk", flat=True))
    announce(closure_changed, Closure, closure=closure, classroom_ids=ids, dates=days)


def _days(*ranges) -> set[datetime.date]:
    out = set()
    for start, end in ranges:
        day = start
        while day <= end:
            out.add(day)
            day += datetime.timedelta(days=1)
    return out


@transaction.atomic
def closure_declare(
    *,
    by: User,
    scope: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str,
    note: str = "",
    district: District | None = None,
    school: School | None = None,
    classroom: Classroom | None = None,
) -> Closure:
    check_target(user=by, scope=scope, district=district, school=school, classroom=classroom)
    _check_dates(starts_on, ends_on)
    closure = Closure(
        scope=scope,
        district=district if scope == ClosureScope.DISTRICT else None,
        school=school if scope == ClosureScope.SCHOOL else None,
        classroom=classroom if scope == ClosureScope.CLASSROOM else None,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        note=note,
        declared_by=by,
    )
    closure.full_clean()
    closure.save()
    change = ClosureChange.objects.create(
        closure=closure, action=ClosureChange.Action.DECLARED, changed_by=by,
        after=_snapshot(closure),
    )  # fmt: skip
    _fan_out(change, sessions=True, notify=True)
    _closure_changed(closure, _days((starts_on, ends_on)))
    return closure


def _locked(closure: Closure) -> Closure:
    return Closure.objects.select_for_update().get(pk=closure.pk)


def _check_open(closure: Closure) -> None:
    if closure.cancelled_at is not None:
        raise ValidationError(_("This closure was cancelled and can no longer change."))


@transaction.atomic
def closure_update(
    *, closure: Closure, by: User, starts_on: datetime.date, ends_on: datetime.date,
    reason: str, note: str = "",
) -> Closure:  # fmt: skip
    """Change the dates, reason or note (the target stays: declare another closure for
    another target)."""
    closure = _locked(closure)
    _check_open(closure)
    if not closure_can_manage(user=by, closure=closure):
        raise ValidationError(_("You cannot change this closure."))
    _check_dates(starts_on, ends_on)
    before = _snapshot(closure)
    old_range = (closure.starts_on, closure.ends_on)
    closure.starts_on, closure.ends_on, closure.reason, closure.note = (
        starts_on, ends_on, reason, note,
    )  # fmt: skip
    closure.full_clean()
    closure.save()
    after = _snapshot(closure)
    if after == before:
        return closure
    change = ClosureChange.objects.create(
        closure=closure, action=ClosureChange.Action.EDITED, changed_by=by, before=before,
        after=after,
    )  # fmt: skip
    dates_moved = (before["starts_on"], before["ends_on"]) != (after["starts_on"], after["ends_on"])
    _fan_out(change, sessions=True, notify=dates_moved)
    _closure_changed(closure, _days(old_range, (starts_on, ends_on)))
    return closure


@transaction.atomic
def closure_end_early(
    *, closure: Closure, by: User, last_day: datetime.date | None = None
) -> Closure:
    """Classes meet again after ``last_day`` (default: today is the last closed day)."""
    closure = _locked(closure)
    _check_open(closure)
    if not closure_can_manage(user=by, closure=closure):
        raise ValidationError(_("You cannot change this closure."))
    last_day = last_day or timezone.localdate()
    if last_day >= closure.ends_on:
        raise ValidationError(
            {"last_day": _("Ending early needs a day before the closure's last day.")}
        )
    if last_day < closure.starts_on:
        raise ValidationError(
            {
                "last_day": _(
                    "The last day cannot be before the first day. Cancel the closure instead."
                )
            }
        )
    before = _snapshot(closure)
    old_end = closure.ends_on
    closure.ends_on = last_day
    closure.save(update_fields=["ends_on", "updated_at"])
    change = ClosureChange.objects.create(
        closure=closure, action=ClosureChange.Action.ENDED, changed_by=by, before=before,
        after=_snapshot(closure),
    )  # fmt: skip
    _fan_out(change, sessions=False, notify=True)
    _closure_changed(closure, _days((closure.starts_on, old_end)))
    return closure


@transaction.atomic
def closure_cancel(*, closure: Closure, by: User, note: str = "") -> Closure:
    """Declared by mistake: the closure no longer counts on any day. Sessions already
    generated stay: they are the classes' timetable."""
    closure = _locked(closure)
    _check_open(closure)
    if not closure_can_manage(user=by, closure=closure):
        raise ValidationError(_("You cannot change this closure."))
    before = _snapshot(closure)
    closure.cancelled_at = timezone.now()
    closure.save(update_fields=["cancelled_at", "updated_at"])
    after = _snapshot(closure)
    if note:
        after["cancel_note"] = note
    change = ClosureChange.objects.create(
        closure=closure, action=ClosureChange.Action.CANCELLED, changed_by=by, before=before,
        after=after,
    )  # fmt: skip
    _fan_out(change, sessions=False, notify=True)
    _closure_changed(closure, _days((closure.starts_on, closure.ends_on)))
    return closure
