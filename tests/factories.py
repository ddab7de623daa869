"""factory_boy factories for the org tree. Objects are built through plain model saves here;
the services' own rules are tested in tests/*/test_services.py."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Guardianship, Role, User
from classrooms.models import (
    AcademicYear,
    AttendanceInterval,
    AttendanceRecord,
    Classroom,
    District,
    Enrollment,
    LiveSession,
    School,
    Subject,
    TeachingAssignment,
    TimetableSlot,
)

PASSWORD = "Mat-khau-2026"


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Huyện {n}")
    code = factory.Sequence(lambda n: f"D{n:02d}")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"Trường THCS số {n}")
    code = factory.Sequence(lambda n: f"S{n:03d}")
    district = factory.SubFactory(DistrictFactory)
    has_lower_secondary = True


class AcademicYearFactory(DjangoModelFactory):
    class Meta:
        model = AcademicYear
        django_get_or_create = ("name",)

    name = "2026-2027"
    starts_on = datetime.date(2026, 9, 5)
    ends_on = datetime.date(2027, 5, 31)
    is_current = True


class SubjectFactory(DjangoModelFactory):
    class Meta:
        model = Subject
        django_get_or_create = ("code",)

    name = "Toán"
    code = "toan"
    has_primary = True
    has_lower_secondary = True
    has_upper_secondary = True


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.vn")
    role = Role.STUDENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StudentFactory(UserFactory):
    role = Role.STUDENT
    school = factory.SubFactory(SchoolFactory)


class TeacherFactory(UserFactory):
    role = Role.TEACHER
    school = factory.SubFactory(SchoolFactory)


class SchoolAdminFactory(UserFactory):
    role = Role.SCHOOL_ADMIN
    school = factory.SubFactory(SchoolFactory)


class DistrictOfficerFactory(UserFactory):
    role = Role.DISTRICT_OFFICER
    district = factory.SubFactory(DistrictFactory)


class ProvinceOfficerFactory(UserFactory):
    role = Role.PROVINCE_OFFICER


class GuardianFactory(UserFactory):
    role = Role.GUARDIAN


class ClassroomFactory(DjangoModelFactory):
    class Meta:
        model = Classroom

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"9A{n}")
    grade = 9
    year = factory.SubFactory(AcademicYearFactory)


class EnrollmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrollment

    classroom = factory.SubFactory(ClassroomFactory)
    student = factory.SubFactory(StudentFactory, school=factory.SelfAttribute("..classroom.school"))
    active = True


class TeachingAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = TeachingAssignment

    classroom = factory.SubFactory(ClassroomFactory)
    subject = factory.SubFactory(SubjectFactory)
    teacher = factory.SubFactory(TeacherFactory, school=factory.SelfAttribute("..classroom.school"))


class GuardianshipFactory(DjangoModelFactory):
    class Meta:
        model = Guardianship

    guardian = factory.SubFactory(GuardianFactory)
    student = factory.SubFactory(StudentFactory)
    relation = "Mẹ"


class TimetableSlotFactory(DjangoModelFactory):
    class Meta:
        model = TimetableSlot

    classroom = factory.SubFactory(ClassroomFactory)
    weekday = 0
    period = factory.Sequence(lambda n: n % 12 + 1)
    starts_at = datetime.time(7, 0)
    duration_minutes = 45
    subject = factory.SubFactory(SubjectFactory)
    teacher = factory.SubFactory(TeacherFactory, school=factory.SelfAttribute("..classroom.school"))


class LiveSessionFactory(DjangoModelFactory):
    """A scheduled 45-minute session starting now (rounded to the minute) unless told."""

    class Meta:
        model = LiveSession

    classroom = factory.SubFactory(ClassroomFactory)
    subject = factory.SubFactory(SubjectFactory)
    teacher = factory.SubFactory(TeacherFactory, school=factory.SelfAttribute("..classroom.school"))
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(second=0, microsecond=0))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + datetime.timedelta(minutes=45))
    status = "scheduled"


class AttendanceIntervalFactory(DjangoModelFactory):
    class Meta:
        model = AttendanceInterval

    session = factory.SubFactory(LiveSessionFactory, status="live")
    student = factory.SubFactory(
        StudentFactory, school=factory.SelfAttribute("..session.classroom.school")
    )
    joined_at = factory.LazyAttribute(lambda i: i.session.starts_at)
    last_seen_at = factory.LazyAttribute(lambda i: i.left_at or i.joined_at)
    left_at = None


class AttendanceRecordFactory(DjangoModelFactory):
    class Meta:
        model = AttendanceRecord

    session = factory.SubFactory(LiveSessionFactory, status="ended")
    student = factory.SubFactory(
        StudentFactory, school=factory.SelfAttribute("..session.classroom.school")
    )
    status = "present"
    minutes = 45
