"""Closures: declaring that classes cannot meet and must be taught online (DESIGN.md
"Coverage", docs/coverage.md).

Who may declare: province officers for any scope; district officers for their district and its
schools and classes; school admins for their school and its classes. Declaring switches the
affected classes to online in one step: they are shown as "Học trực tuyến" on every start page,
LiveSessions are generated from their timetables for the closure's days, and students and
guardians get an in-app notice (and an email where an address is known). Edits, ending early
and cancelling keep their history (ClosureChange) and rebuild the coverage rollup.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection, send_mass_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Guardianship, Notice, Role, User

from .models import (
    AcademicYear,
    Classroom,
    Closure,
    ClosureChange,
    ClosureScope,
    District,
    Enrollment,
    School,
)
from .selectors import classroom_list, district_list, school_list

EMAIL_BATCH = 200
NOTICE_BATCH = 1000

# The scopes each role may declare.
DECLARABLE_SCOPES = {
    Role.PROVINCE_OFFICER: [
        ClosureScope.PROVINCE, ClosureScope.DISTRICT, ClosureScope.SCHOOL, ClosureScope.CLASSROOM,
    ],
    Role.DISTRICT_OFFICER: [ClosureScope.DISTRICT, ClosureScope.SCHOOL, ClosureScope.CLASSROOM],
    Role.SCHOOL_ADMIN: [ClosureScope.SCHOOL, ClosureScope.CLASSROOM],
}  # fmt: skip


def _role(user: User) -> str | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return Role.PROVINCE_OFFICER if user.is_superuser else user.role


def closure_scopes_for(user: User) -> list[str]:
    return DECLARABLE_SCOPES.get(_role(user), [])


def user_declares_closures(user: User) -> bool:
    return bool(closure_scopes_for(user))


# --- Reads ---------------------------------------------------------------------------------


def closure_list(*, user: User) -> QuerySet[Closure]:
    """Closures the user may see: those whose target is in their scope, plus province-wide and
    (for a school admin) their district's."""
    qs = Closure.objects.select_related("district", "school", "classroom__school", "declared_by")
    role = _role(user)
    if role == Role.PROVINCE_OFFICER:
        return qs
    if role not in (Role.DISTRICT_OFFICER, Role.SCHOOL_ADMIN):
        return qs.none()
    schools = school_list(user=user)
    # A school admin's district_list is the district of their school.
    return qs.filter(
        Q(scope=ClosureScope.PROVINCE)
        | Q(district__in=district_list(user=user))
        | Q(school__in=schools)
        | Q(classroom__school__in=schools)
    )


def closure_get(*, user: User, pk) -> Closure:
    return get_object_or_404(closure_list(user=user), pk=pk)


def closure_can_manage(*, user: User, closure: Closure) -> bool:
    """Edit, end early, cancel: whoever could declare a closure for the same target."""
    try:
        check_target(
            user=user, scope=closure.scope, district=closure.district, school=closure.school,
            classroom=closure.classroom,
        )  # fmt: skip
    except ValidationError:
        return False
    return True


def closure_classrooms(closure: Closure, *, on: datetime.date | None = None) -> QuerySet:
    """The classes a closure closes: of the academic years in force on its days."""
    qs = Classroom.objects.filter(
        year__starts_on__lte=closure.ends_on, year__ends_on__gte=closure.starts_on
    )
    if closure.scope == ClosureScope.DISTRICT:
        qs = qs.filter(school__district_id=closure.district_id)
    elif closure.scope == ClosureScope.SCHOOL:
        qs = qs.filter(school_id=closure.school_id)
    elif closure.scope == ClosureScope.CLASSROOM:
        qs = qs.filter(pk=closure.classroom_id)
    return qs


def closures_in_force(day: datetime.date | None = None) -> QuerySet[Closure]:
    day = day or timezone.localdate()
    return Closure.objects.filter(cancelled_at__isnull=True, starts_on__lte=day, ends_on__gte=day)


def closed_classroom_filter(day: datetime.date | None = None) -> Q | None:
    """A Q on Classroom matching the classes closed on the day, or None when none is."""
    closures = list(closures_in_force(day))
    if not closures:
        return None
    q = Q(pk__in=[])
    for closure in closures:
        if closure.scope == ClosureScope.PROVINCE:
            return Q()
        if closure.scope == ClosureScope.DISTRICT:
            q |= Q(school__district_id=closure.district_id)
        elif closure.scope == ClosureScope.SCHOOL:
            q |= Q(school_id=closure.school_id)
        else:
            q |= Q(pk=closure.classroom_id)
    return q


def online_today(*, user: User) -> dict:
    """For start pages: the user's classes that study online today ("Học trực tuyến") and the
    closures behind them."""
    closures = list(closures_in_force().select_related("district", "school", "classroom"))
    if not closures or not user.is_authenticated:
        return {"online_classroom_ids": set(), "online_closures": []}
    q = closed_classroom_filter()
    year = AcademicYear.objects.filter(is_current=True).first()
    mine = classroom_list(user=user)
    if year:
        mine = mine.filter(year=year)
    closed = {c.pk: c for c in mine.filter(q)} if q is not None else {}
    shown = []
    for closure in closures:
        names = sorted(
            {
                c.name
                for c in closed.values()
                if closure.scope == ClosureScope.PROVINCE
                or (
                    closure.scope == ClosureScope.DISTRICT
                    and c.school.district_id == closure.district_id
                )
                or (closure.scope == ClosureScope.SCHOOL and c.school_id == closure.school_id)
                or (closure.scope == ClosureScope.CLASSROOM and c.pk == closure.classroom_id)
            }
        )
        if names:
            shown.append({"closure": closure, "classrooms": names[:12], "more": len(names) - 12})
    return {"online_classroom_ids": set(closed), "online_closures": shown}


# --- Checks --------------------------------------------------------------------------------


def check_target(*, user: User, scope: str, district=None, school=None, classroom=None) -> None:
    """Raise a ValidationError (with a message the user can act on) unless the user may
    declare a closure of this scope for this target."""
    if scope not in closure_scopes_for(user):
        raise ValidationError({"scope": _("You cannot declare a closure for this scope.")})
    target = {
        ClosureScope.DISTRICT: ("district", district),
        ClosureScope.SCHOOL: ("school", school),
        ClosureScope.CLASSROOM: ("classroom", classroom),
    }.get(scope)
    if target is None:
        return
    field, obj = target
    if obj is None:
        raise ValidationError(
            {field: _("Choose the district, school or class the closure is for.")}
        )
    role = _role(user)
    if role == Role.PROVINCE_OFFICER:
        return
    allowed = {
        "district": lambda: (
            district_list(user=user).filter(pk=obj.pk).exists() and role == Role.DISTRICT_OFFICER
        ),
        "school": lambda: school_list(user=user).filter(pk=obj.pk).exists(),
        "classroom": lambda: classroom_list(user=user).filter(pk=obj.pk).exists(),
    }[field]()
    if not allowed:
        messages = {
            "district": _("You can only declare closures for your own district."),
            "school": _("You can only declare closures for schools you are responsible for."),
            "classroom": _("You can only declare closures for classes you are responsible for."),
        }
        raise ValidationError({field: messages[field]})


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


# --- Side effects --------------------------------------------------------------------------


def _generate_sessions(closure: Closure) -> int:
    """Sessions from the timetables of the closed classes for the closure's days (from today
    on: past days are what happened)."""
    from .timetable import sessions_generate

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


def _rollup(closure: Closure, days: set[datetime.date]) -> None:
    """Rebuild the coverage of the closure's classes on the days touched (after commit)."""
    ids = list(closure_classrooms(closure).values_list("pk", flat=True))

    def run():
        from coverage.services import rollup

        rollup(classroom_ids=ids, dates=days)

    transaction.on_commit(run)


def _days(*ranges) -> set[datetime.date]:
    out = set()
    for start, end in ranges:
        day = start
        while day <= end:
            out.add(day)
            day += datetime.timedelta(days=1)
    return out


# --- Writes --------------------------------------------------------------------------------


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
    _rollup(closure, _days((starts_on, ends_on)))
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
    _rollup(closure, _days(old_range, (starts_on, ends_on)))
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
    _rollup(closure, _days((closure.starts_on, old_end)))
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
    _rollup(closure, _days((closure.starts_on, closure.ends_on)))
    return closure
