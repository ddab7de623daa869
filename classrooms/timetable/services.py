"""The weekly timetable, school holidays, and generating live sessions from them.

Times are wall-clock times of the school (Asia/Ho_Chi_Minh, TIME_ZONE); a slot at 07:00 gives
sessions that start at 07:00 local time on every matching school day.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from ..live.models import LiveSession, SessionStatus
from ..org.models import Classroom, School, Subject, Term
from ..org.services import check_teaches
from .models import SchoolHoliday, TimetableSlot


def school_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def slot_create(
    *,
    classroom: Classroom,
    weekday: int,
    period: int,
    starts_at: datetime.time,
    duration_minutes: int,
    subject: Subject,
    teacher: User,
    meeting_url: str = "",
) -> TimetableSlot:
    check_teaches(teacher=teacher, classroom=classroom, subject=subject)
    slot = TimetableSlot(
        meeting_url=meeting_url,
        classroom=classroom,
        weekday=weekday,
        period=period,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        subject=subject,
        teacher=teacher,
    )
    slot.full_clean()
    slot.save()
    return slot


@transaction.atomic
def slot_delete(*, slot: TimetableSlot) -> int:
    """Remove a slot and the sessions it generated that have not happened yet. Sessions
    that began keep their attendance and simply lose the link to the slot."""
    removed, _by_model = LiveSession.objects.filter(
        slot=slot, status=SessionStatus.SCHEDULED
    ).delete()
    slot.delete()
    return removed


@transaction.atomic
def holiday_create(*, school: School, date: datetime.date, name: str) -> SchoolHoliday:
    """Mark a holiday; the school's scheduled sessions from the timetable on that day are
    cancelled with the holiday as the reason (one-off sessions are the teacher's to move)."""
    if SchoolHoliday.objects.filter(school=school, date=date).exists():
        raise ValidationError({"date": _("This day is already a holiday.")})
    holiday = SchoolHoliday(school=school, date=date, name=name)
    holiday.full_clean()
    holiday.save()
    day_start = datetime.datetime.combine(date, datetime.time.min, tzinfo=school_zone())
    LiveSession.objects.filter(
        classroom__school=school,
        slot__isnull=False,
        status=SessionStatus.SCHEDULED,
        starts_at__gte=day_start,
        starts_at__lt=day_start + datetime.timedelta(days=1),
    ).update(status=SessionStatus.CANCELLED, cancelled_reason=name)
    return holiday


def holiday_delete(*, holiday: SchoolHoliday) -> None:
    # Sessions it cancelled stay cancelled; generating the range again does not revive them
    # either (the slot+start row exists), so the school re-adds a lesson as a one-off.
    holiday.delete()


def _teaching_days(classroom: Classroom, terms: list[Term]) -> list[tuple]:
    ranges = [(t.starts_on, t.ends_on) for t in terms if t.year_id == classroom.year_id]
    return ranges or [(classroom.year.starts_on, classroom.year.ends_on)]


def sessions_generate(
    *, start: datetime.date, end: datetime.date, classrooms=None, school: School | None = None
) -> int:
    """Create the sessions of every slot between start and end (inclusive), skipping days
    outside the terms of the class's year (the whole year if it has no terms) and the school's
    holidays. Running it again creates nothing new. Returns how many sessions were created."""
    slots = TimetableSlot.objects.select_related("classroom", "classroom__year")
    if classrooms is not None:
        slots = slots.filter(classroom__in=classrooms)
    if school is not None:
        slots = slots.filter(classroom__school=school)
    slots = list(slots)
    if not slots:
        return 0
    year_ids = {s.classroom.year_id for s in slots}
    terms = list(Term.objects.filter(year_id__in=year_ids))
    holidays = set(
        SchoolHoliday.objects.filter(
            school_id__in={s.classroom.school_id for s in slots}, date__range=(start, end)
        ).values_list("school_id", "date")
    )
    zone = school_zone()
    existing = set(LiveSession.objects.filter(slot__in=slots).values_list("slot_id", "starts_at"))
    new = []
    for slot in slots:
        ranges = _teaching_days(slot.classroom, terms)
        # The first matching weekday on or after start.
        day = start + datetime.timedelta(days=(slot.weekday - start.weekday()) % 7)
        while day <= end:
            in_term = any(first <= day <= last for first, last in ranges)
            if in_term and (slot.classroom.school_id, day) not in holidays:
                starts_at = datetime.datetime.combine(day, slot.starts_at, tzinfo=zone)
                if (slot.pk, starts_at) not in existing:
                    new.append(
                        LiveSession(
                            classroom=slot.classroom,
                            subject_id=slot.subject_id,
                            teacher_id=slot.teacher_id,
                            slot=slot,
                            starts_at=starts_at,
                            ends_at=starts_at + datetime.timedelta(minutes=slot.duration_minutes),
                            meeting_url=slot.meeting_url,
                        )
                    )
            day += datetime.timedelta(days=7)
    # ignore_conflicts: a concurrent run may have created some of them meanwhile.
    LiveSession.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    return len(new)
