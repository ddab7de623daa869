"""Writes for the org tree. Every rule that the database cannot hold is checked here."""

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
    School,
    Subject,
    TeachingAssignment,
)
from .selectors import classroom_meeting_editable


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
def classroom_meeting_url_set(*, classroom: Classroom, by: User, meeting_url: str) -> Classroom:
    """The class's own video meeting (empty: none), which its sessions use when neither they
    nor their timetable slot have one (`live.services.session_meeting_url`)."""
    if not classroom_meeting_editable(user=by, classroom=classroom):
        raise PermissionDenied
    classroom = Classroom.objects.select_for_update().get(pk=classroom.pk)
    classroom.meeting_url = meeting_url
    classroom.full_clean(exclude=["school", "year", "homeroom_teacher"])
    classroom.save(update_fields=["meeting_url"])
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


def notice_mark_read(*, notice) -> None:
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
