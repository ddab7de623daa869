"""Reads and checks for closures (DESIGN.md "Coverage", docs/coverage.md): who may declare
which scope, the closures a user may see, and the classes that study online on a day."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from lms.access import scope_role
from lms.collation import vi_key
from lms.roles import ADMIN_ROLES

from ..org.models import AcademicYear, Classroom
from ..org.selectors import academic_year_current, classroom_list, district_list, school_list
from .models import (
    Closure,
    ClosureChange,
    ClosureEmail,
    ClosureReason,
    ClosureScope,
    FanoutChunk,
)

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
    return scope_role(user)


def closure_scopes_for(user: User) -> list[str]:
    return DECLARABLE_SCOPES.get(_role(user), [])


def user_declares_closures(user: User) -> bool:
    return bool(closure_scopes_for(user))


def closure_list(*, user: User) -> QuerySet[Closure]:
    """Closures the user may see: those whose target is in their scope, plus province-wide and
    (for a school admin) their district's."""
    qs = Closure.objects.select_related("district", "school", "classroom__school", "declared_by")
    role = _role(user)
    if role == Role.PROVINCE_OFFICER:
        return qs
    if role not in ADMIN_ROLES:
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


def closure_closes(closure: Closure, classroom: Classroom) -> bool:
    """Whether the closure's scope holds the class (its dates aside)."""
    return (
        closure.scope == ClosureScope.PROVINCE
        or (
            closure.scope == ClosureScope.DISTRICT
            and classroom.school.district_id == closure.district_id
        )
        or (closure.scope == ClosureScope.SCHOOL and classroom.school_id == closure.school_id)
        or (closure.scope == ClosureScope.CLASSROOM and classroom.pk == closure.classroom_id)
    )


def closures_coming(*, user: User, within_days: int) -> list[dict]:
    """A student's closures in force today or starting within `within_days` days, each with the
    student's current classes it closes (and their names), the soonest first. Empty for every
    other role: what the closure's days hold is for the student's own phone (docs/offline.md)."""
    if _role(user) != Role.STUDENT:
        return []
    today = timezone.localdate()
    closures = Closure.objects.filter(
        cancelled_at__isnull=True,
        ends_on__gte=today,
        starts_on__lte=today + datetime.timedelta(days=within_days),
    ).order_by("starts_on", "pk")
    if not closures:
        return []
    mine = classroom_list(user=user)
    year = academic_year_current()
    if year:
        mine = mine.filter(year=year)
    mine = list(mine)
    coming = []
    for closure in closures:
        classrooms = [c for c in mine if closure_closes(closure, c)]
        if classrooms:
            names = sorted(c.name for c in classrooms)
            coming.append({"closure": closure, "classrooms": classrooms, "names": names})
    return coming


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
        names = sorted({c.name for c in closed.values() if closure_closes(closure, c)}, key=vi_key)
        if names:
            shown.append({"closure": closure, "classrooms": names[:12], "more": len(names) - 12})
    return {"online_classroom_ids": set(closed), "online_closures": shown}


def change_progress(change: ClosureChange) -> dict:
    """How far a change's fan-out is (closures.tasks): classes whose sessions are generated,
    people notified, e-mails sent / failed / waiting. Read from the chunk and e-mail rows."""
    sizes = {FanoutChunk.Kind.SESSIONS: [0, 0], FanoutChunk.Kind.NOTICES: [0, 0]}
    planned = False
    last = []  # when the last chunk was done and the last e-mail sent or given up
    for kind, ids, done_at in change.chunks.values_list("kind", "ids", "done_at"):
        planned = True
        sizes[kind][1] += len(ids)
        if done_at is not None:
            sizes[kind][0] += len(ids)
            last.append(done_at)
    emails = {}
    for status, n, updated in (
        change.emails.values_list("status")
        .annotate(n=Count("pk"), updated=Max("updated_at"))
        .order_by()
    ):
        emails[status] = n
        last.append(updated)
    waiting = emails.get(ClosureEmail.Status.PENDING, 0)
    classes_done, classes_total = sizes[FanoutChunk.Kind.SESSIONS]
    notified, recipients = sizes[FanoutChunk.Kind.NOTICES]
    finished = planned and classes_done == classes_total and notified == recipients and not waiting
    return {
        "change": change.pk,
        "planned": planned,
        "classes_done": classes_done,
        "classes_total": classes_total,
        "notified": notified,
        "recipients": recipients,
        "emails_sent": emails.get(ClosureEmail.Status.SENT, 0),
        "emails_failed": emails.get(ClosureEmail.Status.FAILED, 0),
        "emails_waiting": waiting,
        "finished": finished,
        # The last chunk done or e-mail settled (closures.tasks marks an empty plan done).
        "finished_at": max(last, default=change.changed_at) if finished else None,
    }


def closure_history(closure: Closure) -> list[dict]:
    """The changes, newest last, with reasons as their labels and each one's fan-out."""
    labels = dict(ClosureReason.choices)
    history = []
    for change in closure.changes.select_related("changed_by"):
        history.append(
            {
                "change": change,
                "before_reason": labels.get(change.before.get("reason"), ""),
                "after_reason": labels.get(change.after.get("reason"), ""),
                "progress": change_progress(change),
            }
        )
    return history
