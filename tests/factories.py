"""factory_boy factories for the org tree. Objects are built through plain model saves here;
the services' own rules are tested in tests/*/test_services.py."""

import datetime

import factory
from factory.django import DjangoModelFactory

from accounts.models import Guardianship, Role, User
from classrooms.models import (
    AcademicYear,
    Classroom,
    District,
    Enrollment,
    School,
    Subject,
    TeachingAssignment,
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
