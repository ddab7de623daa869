"""Writes for the org tree. Every rule that the database cannot hold is checked here."""

import datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User

from .levels import level_for_grade
from .models import (
    AcademicYear,
    Classroom,
    District,
    Enrollment,
    LiveSession,
    School,
    SessionStatus,
    Subject,
    TeachingAssignment,
)
from .selectors import SESSION_START_EARLY_MINUTES, session_can_run


def _require_levels(levels) -> list[str]:
    levels = list(levels)
    if not levels:
        raise ValidationError({"levels": _("Choose at least one level.")})
    return levels


def district_create(*, name: str, code: str) -> District:
    district = District(name=name, code=code)
    district.full_clean()
    district.save()
    return district


def school_create(*, name: str, code: str, district: District, levels, address: str = "") -> School:
    school = School(name=name, code=code, district=district, address=address)
    school.levels = _require_levels(levels)
    school.full_clean()
    school.save()
    return school


def subject_create(*, name: str, code: str, levels) -> Subject:
    subject = Subject(name=name, code=code)
    subject.levels = _require_levels(levels)
    subject.full_clean()
    subject.save()
    return subject


def _check_teacher_of(teacher: User, school: School, field: str) -> None:
    if teacher.role != Role.TEACHER:
        raise ValidationError({field: _("%(name)s is not a teacher.") % {"name": teacher}})
    if teacher.school_id != school.pk:
        raise ValidationError(
            {
                field: _("%(name)s does not teach at %(school)s.")
                % {"name": teacher, "school": school}
            }
        )


def classroom_create(
    *,
    school: School,
    name: str,
    grade: int,
    year: AcademicYear,
    homeroom_teacher: User | None = None,
) -> Classroom:
    if not 1 <= grade <= 12:
        raise ValidationError({"grade": _("The grade must be between 1 and 12.")})
    if not school.teaches_grade(grade):
        raise ValidationError(
            {
                "grade": _("%(school)s does not teach grade %(grade)s.")
                % {"school": school, "grade": grade}
            }
        )
    if homeroom_teacher is not None:
        _check_teacher_of(homeroom_teacher, school, "homeroom_teacher")
    classroom = Classroom(
        school=school, name=name, grade=grade, year=year, homeroom_teacher=homeroom_teacher
    )
    classroom.full_clean()
    classroom.save()
    return classroom


@transaction.atomic
def enrollment_create(*, student: User, classroom: Classroom) -> Enrollment:
    if student.role != Role.STUDENT:
        raise ValidationError({"student": _("%(name)s is not a student.") % {"name": student}})
    if student.school_id != classroom.school_id:
        raise ValidationError(
            {
                "student": _("%(name)s is not a student of %(school)s.")
                % {"name": student, "school": classroom.school}
            }
        )
    # Lock the student's row so that two concurrent enrolments cannot both pass the check.
    User.objects.select_for_update().filter(pk=student.pk).first()
    existing = (
        Enrollment.objects.filter(student=student, active=True, classroom__year=classroom.year)
        .select_related("classroom")
        .first()
    )
    if existing is not None:
        raise ValidationError(
            {
                "classroom": _("%(name)s is already enrolled in %(classroom)s this year.")
                % {"name": student, "classroom": existing.classroom.name}
            }
        )
    enrollment = Enrollment(student=student, classroom=classroom, active=True)
    enrollment.full_clean()
    enrollment.save()
    return enrollment


def enrollment_deactivate(*, enrollment: Enrollment) -> Enrollment:
    enrollment.active = False
    enrollment.save(update_fields=["active"])
    return enrollment


def teaching_assignment_create(
    *, classroom: Classroom, subject: Subject, teacher: User
) -> TeachingAssignment:
    _check_teacher_of(teacher, classroom.school, "teacher")
    if level_for_grade(classroom.grade) not in subject.levels:
        raise ValidationError(
            {
                "subject": _("%(subject)s is not taught in grade %(grade)s.")
                % {"subject": subject, "grade": classroom.grade}
            }
        )
    assignment = TeachingAssignment(classroom=classroom, subject=subject, teacher=teacher)
    assignment.full_clean()
    assignment.save()
    return assignment


# --- Live sessions -------------------------------------------------------------------------


def check_teaches(*, teacher: User, classroom: Classroom, subject: Subject, field="teacher"):
    """A lesson's teacher must teach that subject in that class or be its homeroom teacher."""
    if teacher.role != Role.TEACHER:
        raise ValidationError({field: _("%(name)s is not a teacher.") % {"name": teacher}})
    if classroom.homeroom_teacher_id == teacher.pk:
        return
    if not TeachingAssignment.objects.filter(
        classroom=classroom, subject=subject, teacher=teacher
    ).exists():
        raise ValidationError(
            {
                field: _("%(name)s does not teach %(subject)s in class %(classroom)s.")
                % {"name": teacher, "subject": subject, "classroom": classroom.name}
            }
        )


def _locked(session: LiveSession) -> LiveSession:
    return (
        LiveSession.objects.select_for_update()
        .select_related("classroom", "classroom__school", "subject", "teacher")
        .get(pk=session.pk)
    )


def session_meeting_url(session: LiveSession) -> str:
    """The video meeting of a session: its own link, else the province's template, else ""."""
    if session.meeting_url:
        return session.meeting_url
    template = settings.MEETING_URL_TEMPLATE
    if not template:
        return ""
    return template.format(
        session=session.pk, classroom=session.classroom_id, school=session.classroom.school_id
    )


@transaction.atomic
def session_start(*, session: LiveSession, by: User, at=None) -> LiveSession:
    at = at or timezone.now()
    session = _locked(session)
    if not session_can_run(session=session, user=by):
        raise PermissionDenied
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled session can be started."))
    if at < session.starts_at - datetime.timedelta(minutes=SESSION_START_EARLY_MINUTES):
        raise ValidationError(
            _("A session can be started at most %(minutes)s minutes before it begins.")
            % {"minutes": SESSION_START_EARLY_MINUTES}
        )
    if at >= session.ends_at:
        raise ValidationError(_("This session's time is over."))
    session.status = SessionStatus.LIVE
    session.started_at = at
    session.save(update_fields=["status", "started_at"])
    return session


def session_group(session_id: int) -> str:
    return f"session.{session_id}"


def _broadcast_ended(session_id: int) -> None:
    async_to_sync(get_channel_layer().group_send)(
        session_group(session_id), {"type": "session.ended", "session": session_id}
    )


def session_end(*, session: LiveSession, by: User | None = None, at=None) -> LiveSession:
    """End a live session: close its presence intervals, build its attendance records and tell
    the room. Safe to call twice, also at the same time: only the call that moves the session
    from live to ended does the work. ``by`` is None when the system ends a forgotten session."""
    # Imported here: attendance imports the models and accounts, not the services.
    from . import attendance

    at = at or timezone.now()
    with transaction.atomic():
        session = _locked(session)
        if by is not None and not session_can_run(session=session, user=by):
            raise PermissionDenied
        if session.status == SessionStatus.ENDED:
            return session
        if session.status != SessionStatus.LIVE:
            raise ValidationError(_("Only a live session can be ended."))
        # The row lock serialises PostgreSQL; the conditional UPDATE also guards databases
        # without row locks (SQLite): only one caller moves live → ended.
        claimed = LiveSession.objects.filter(pk=session.pk, status=SessionStatus.LIVE).update(
            status=SessionStatus.ENDED, ended_at=at
        )
        if not claimed:
            session.refresh_from_db()
            return session
        session.status, session.ended_at = SessionStatus.ENDED, at
        attendance.close_stale_intervals(now=at, session_id=session.pk)
        attendance.intervals_close_all(session_id=session.pk, at=at)
        attendance.records_build(session)
        transaction.on_commit(lambda: _broadcast_ended(session.pk))
    return session


def sessions_end_overdue(*, now=None) -> list[LiveSession]:
    """End the live sessions nobody ended, LIVE_SESSION_GRACE_MINUTES after their end."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.LIVE_SESSION_GRACE_MINUTES)
    overdue = LiveSession.objects.filter(status=SessionStatus.LIVE, ends_at__lte=cutoff)
    return [session_end(session=session, at=now) for session in overdue]


@transaction.atomic
def session_cancel(*, session: LiveSession, by: User, reason: str) -> LiveSession:
    session = _locked(session)
    if not session_can_run(session=session, user=by):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for cancelling.")})
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled session can be cancelled."))
    session.status = SessionStatus.CANCELLED
    session.cancelled_reason = reason
    session.save(update_fields=["status", "cancelled_reason"])
    return session


def session_create_one_off(
    *,
    classroom: Classroom,
    subject: Subject,
    teacher: User,
    starts_at: datetime.datetime,
    duration_minutes: int,
    by: User,
    title: str = "",
    meeting_url: str = "",
) -> LiveSession:
    """A session outside the timetable (a make-up lesson, a review before an exam)."""
    if by.pk != teacher.pk and not (
        by.role == Role.SCHOOL_ADMIN and by.school_id == classroom.school_id
    ):
        raise PermissionDenied
    check_teaches(teacher=teacher, classroom=classroom, subject=subject)
    if not 5 <= duration_minutes <= 240:
        raise ValidationError({"duration_minutes": _("A lesson lasts between 5 and 240 minutes.")})
    if starts_at < timezone.now() - datetime.timedelta(minutes=5):
        raise ValidationError({"starts_at": _("The session cannot start in the past.")})
    ends_at = starts_at + datetime.timedelta(minutes=duration_minutes)
    clash = (
        LiveSession.objects.filter(
            classroom=classroom, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        .exclude(status=SessionStatus.CANCELLED)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "starts_at": _("Class %(classroom)s already has %(subject)s at %(time)s.")
                % {
                    "classroom": classroom.name,
                    "subject": clash.subject,
                    "time": timezone.localtime(clash.starts_at).strftime("%d/%m %H:%M"),
                }
            }
        )
    session = LiveSession(
        classroom=classroom,
        subject=subject,
        teacher=teacher,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title,
        meeting_url=meeting_url,
        created_by=by,
    )
    session.full_clean()
    session.save()
    return session


def notice_mark_read(*, notice) -> None:
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
