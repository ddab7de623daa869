"""Closures: declaring that classes cannot meet and must be taught online (DESIGN.md
"Coverage", docs/coverage.md).

Who may declare: province officers for any scope; district officers for their district and its
schools and classes; school admins for their school and its classes. Declaring switches the
affected classes to online in one step: they are shown as "Học trực tuyến" on every start page,
LiveSessions are generated from their timetables for the closure's days, and students and
guardians get an in-app notice (and an email where an address is known). Edits, ending early
and cancelling keep their history (ClosureChange) and send `closure_changed`, to which
coverage reacts.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection, send_mass_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Guardianship, Notice, Role, User

from ..events import announce, closure_changed
from ..org.models import Classroom, District, Enrollment, School
from ..timetable.services import sessions_generate
from .models import Closure, ClosureChange, ClosureScope
from .selectors import check_target, closure_can_manage, closure_classrooms

EMAIL_BATCH = 200


NOTICE_BATCH = 1000


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


def _generate_sessions(closure: Closure) -> int:
    """Sessions from the timetables of the closed classes for the closure's days (from today
    on: past days are what happened)."""
    start = max(closure.starts_on, timezone.localdate())
    if start > closure.ends_on:
        return 0
    return sessions_generate(
        start=start, end=closure.ends_on, classrooms=closure_classrooms(closure)
    )


def _recipients(closure: Closure):
    """Active students of the closed classes (current enrolments), and their guardians."""
    students = User.objects.filter(
        role=Role.STUDENT,
        is_active=True,
        pk__in=Enrollment.objects.filter(
            active=True, classroom__in=closure_classrooms(closure)
        ).values("student_id"),
    )
    guardians = User.objects.filter(
        is_active=True,
        pk__in=Guardianship.objects.filter(student__in=students).values("guardian_id"),
    )
    return students, guardians


def _notice_text(closure: Closure, action: str) -> str:
    values = {
        "target": str(closure.target) if closure.target else _("the whole province"),
        "start": closure.starts_on.strftime("%d/%m/%Y"),
        "end": closure.ends_on.strftime("%d/%m/%Y"),
        "reason": closure.get_reason_display(),
    }
    if action == ClosureChange.Action.CANCELLED:
        return (
            _("The closure of %(target)s (%(reason)s) was cancelled: classes meet as usual.")
            % values
        )
    if action == ClosureChange.Action.DECLARED:
        return (
            _(
                "%(target)s is closed from %(start)s to %(end)s (%(reason)s): classes study "
                "online. Open HọcTiếp for today's live classes and lessons."
            )
            % values
        )
    return (
        _(
            "The closure of %(target)s changed: closed from %(start)s to %(end)s "
            "(%(reason)s); classes study online."
        )
        % values
    )


def _notify(closure: Closure, action: str) -> int:
    """An in-app notice for every student and guardian concerned (once per closure and action
    kind), and one email each where an address is known, sent in batches over one
    connection."""
    students, guardians = _recipients(closure)
    key = (
        f"closure:{closure.pk}"
        if action == ClosureChange.Action.DECLARED
        else (f"closure:{closure.pk}:{action}:{timezone.now():%Y%m%d%H%M%S}")
    )
    with translation.override(settings.LANGUAGE_CODE):
        text = _notice_text(closure, action)
        subject = _("HọcTiếp: classes study online")
    url = "/"  # the start page, where the online classes are
    notified = 0
    emails = []
    for users in (students, guardians):
        batch = []
        for user_id, email in users.values_list("pk", "email").iterator(chunk_size=2000):
            batch.append(
                Notice(user_id=user_id, kind=Notice.Kind.CLOSURE, text=text, url=url, key=key)
            )
            if email:
                emails.append(email)
            if len(batch) >= NOTICE_BATCH:
                Notice.objects.bulk_create(batch, ignore_conflicts=True)
                notified += len(batch)
                batch = []
        Notice.objects.bulk_create(batch, ignore_conflicts=True)
        notified += len(batch)
    if emails:
        connection = get_connection(fail_silently=True)
        for i in range(0, len(emails), EMAIL_BATCH):
            send_mass_mail(
                [(subject, text, None, [address]) for address in emails[i : i + EMAIL_BATCH]],
                fail_silently=True,
                connection=connection,
            )
    return notified


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
    ClosureChange.objects.create(
        closure=closure, action=ClosureChange.Action.DECLARED, changed_by=by,
        after=_snapshot(closure),
    )  # fmt: skip
    _generate_sessions(closure)
    transaction.on_commit(lambda: _notify(closure, ClosureChange.Action.DECLARED))
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
    ClosureChange.objects.create(
        closure=closure, action=ClosureChange.Action.EDITED, changed_by=by, before=before,
        after=after,
    )  # fmt: skip
    _generate_sessions(closure)
    if (before["starts_on"], before["ends_on"]) != (after["starts_on"], after["ends_on"]):
        transaction.on_commit(lambda: _notify(closure, ClosureChange.Action.EDITED))
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
    ClosureChange.objects.create(
        closure=closure, action=ClosureChange.Action.ENDED, changed_by=by, before=before,
        after=_snapshot(closure),
    )  # fmt: skip
    transaction.on_commit(lambda: _notify(closure, ClosureChange.Action.ENDED))
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
    ClosureChange.objects.create(
        closure=closure, action=ClosureChange.Action.CANCELLED, changed_by=by, before=before,
        after=after,
    )  # fmt: skip
    transaction.on_commit(lambda: _notify(closure, ClosureChange.Action.CANCELLED))
    _closure_changed(closure, _days((closure.starts_on, closure.ends_on)))
    return closure
