"""`manage.py seed_demo`: the demo province, its logins, and that a second run changes nothing."""

import io
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q

from accounts.models import Guardianship, Role, User
from classrooms.models import (
    AcademicYear,
    Classroom,
    District,
    Enrollment,
    School,
    Subject,
    TeachingAssignment,
    Term,
)
from classrooms.org.levels import Level, level_for_grade

pytestmark = pytest.mark.django_db

PASSWORD = "HocTiep@2026"

DISTRICT_NAMES = {
    "TP Đông Hà",
    "TX Quảng Trị",
    "Huyện Vĩnh Linh",
    "Huyện Gio Linh",
    "Huyện Cam Lộ",
    "Huyện Triệu Phong",
    "Huyện Hải Lăng",
    "Huyện Hướng Hóa",
    "Huyện Đakrông",
    "Huyện Cồn Cỏ",
}

DEMO_LOGINS = {
    "hocsinh": Role.STUDENT,
    "giaovien": Role.TEACHER,
    "bgh": Role.SCHOOL_ADMIN,
    "phonggd": Role.DISTRICT_OFFICER,
    "sogd": Role.PROVINCE_OFFICER,
    "phuhuynh": Role.GUARDIAN,
    "quantri": Role.PROVINCE_OFFICER,
}


@pytest.fixture(scope="module")
def seed_output(django_db_setup, django_db_blocker):
    """Seed once for the whole module, in a transaction that is rolled back at the end.

    Seeding takes a few seconds. Each test runs in its own savepoint inside this transaction
    (the `db` fixture), and nothing leaks into other test modules.
    """
    out = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seed_output, db):
    return seed_output


def demo_class() -> Classroom:
    return Enrollment.objects.get(student__username="hocsinh", active=True).classroom


def test_the_ten_districts_of_quang_tri(seeded):
    assert set(District.objects.values_list("name", flat=True)) == DISTRICT_NAMES
    assert District.objects.values("code").distinct().count() == 10


def test_schools_cover_every_level_and_the_named_districts(seeded):
    schools = School.objects.select_related("district")
    assert 10 <= schools.count() <= 14
    for level in Level:
        assert School.objects.with_level(level).exists(), level
    assert any(len(school.levels) > 1 for school in schools), "no inter-level school"
    districts = {school.district.name for school in schools}
    assert {"TP Đông Hà", "Huyện Hướng Hóa", "Huyện Gio Linh", "Huyện Vĩnh Linh"} <= districts
    assert all(school.name.startswith("Trường ") for school in schools)


def test_current_year_and_its_two_terms(seeded):
    year = AcademicYear.objects.get(is_current=True)
    assert (year.name, str(year.starts_on), str(year.ends_on)) == (
        "2026-2027",
        "2026-09-05",
        "2027-05-31",
    )
    terms = [(t.name, str(t.starts_on), str(t.ends_on)) for t in Term.objects.filter(year=year)]
    assert terms == [
        ("Học kỳ I", "2026-09-05", "2027-01-15"),
        ("Học kỳ II", "2027-01-18", "2027-05-31"),
    ]


@pytest.mark.parametrize(
    ("name", "levels"),
    [
        ("Tiếng Việt", [Level.PRIMARY]),
        ("Ngữ văn", [Level.LOWER_SECONDARY, Level.UPPER_SECONDARY]),
        ("Toán", [Level.PRIMARY, Level.LOWER_SECONDARY, Level.UPPER_SECONDARY]),
        ("Khoa học tự nhiên", [Level.LOWER_SECONDARY]),
        ("Vật lí", [Level.UPPER_SECONDARY]),
        ("Tự nhiên và Xã hội", [Level.PRIMARY]),
    ],
)
def test_subjects_follow_the_2018_curriculum(seeded, name, levels):
    assert Subject.objects.get(name=name).levels == levels


@pytest.mark.parametrize(("username", "role"), DEMO_LOGINS.items())
def test_each_demo_login_signs_in_with_the_shared_password(seeded, username, role):
    user = authenticate(username=username, password=PASSWORD)
    assert user is not None, f"{username} cannot sign in"
    assert user.role == role
    assert user.full_name
    assert user.email == f"{username}@demo.hoctiep.vn"
    assert authenticate(username=username, password="wrong") is None


def test_quantri_can_open_the_admin_and_nobody_else_can(seeded):
    quantri = User.objects.get(username="quantri")
    assert quantri.is_superuser and quantri.is_staff
    others = User.objects.filter(username__in=set(DEMO_LOGINS) - {"quantri"})
    assert not others.filter(Q(is_staff=True) | Q(is_superuser=True)).exists()


def test_hocsinh_is_nguyen_van_an_in_9a_of_a_thcs_school_in_dong_ha(seeded):
    student = User.objects.get(username="hocsinh")
    assert student.full_name == "Nguyễn Văn An"
    enrollments = Enrollment.objects.filter(student=student, active=True)
    assert enrollments.count() == 1
    classroom = demo_class()
    assert (classroom.name, classroom.grade) == ("9A", 9)
    assert classroom.year.is_current
    assert classroom.school == student.school
    assert Level.LOWER_SECONDARY in classroom.school.levels
    assert classroom.school.district.name == "TP Đông Hà"


def test_giaovien_is_homeroom_of_9a_and_teaches_it_toan(seeded):
    teacher = User.objects.get(username="giaovien")
    classroom = demo_class()
    assert classroom.homeroom_teacher == teacher
    assert teacher.school == classroom.school
    toan = set(
        TeachingAssignment.objects.filter(teacher=teacher, subject__name="Toán").values_list(
            "classroom__name", flat=True
        )
    )
    assert {"9A", "9B"} <= toan
    assert len(toan) > 2


def test_bgh_and_phonggd_oversee_the_demo_school(seeded):
    school = demo_class().school
    assert User.objects.get(username="bgh").school == school
    assert User.objects.get(username="phonggd").district == school.district


def test_phuhuynh_is_the_parent_of_hocsinh(seeded):
    link = Guardianship.objects.get(guardian__username="phuhuynh")
    assert link.student.username == "hocsinh"
    assert link.relation in ("Bố", "Mẹ")


def test_every_school_has_one_admin_and_its_teachers(seeded):
    admins = Counter(
        User.objects.filter(role=Role.SCHOOL_ADMIN).values_list("school_id", flat=True)
    )
    assert admins == Counter(School.objects.values_list("pk", flat=True))
    assert not School.objects.annotate(
        teachers=Count("users", filter=Q(users__role=Role.TEACHER))
    ).filter(teachers__lt=5)


def test_every_class_is_plausible(seeded):
    classrooms = Classroom.objects.select_related("school", "homeroom_teacher").annotate(
        students=Count("enrollments", filter=Q(enrollments__active=True))
    )
    assert 60 <= len(classrooms) <= 120
    for classroom in classrooms:
        assert 25 <= classroom.students <= 40, classroom
        assert classroom.school.teaches_grade(classroom.grade), classroom
        assert classroom.name.startswith(str(classroom.grade)), classroom
        assert classroom.homeroom_teacher.school == classroom.school, classroom
    # One homeroom class per teacher.
    homerooms = Counter(c.homeroom_teacher_id for c in classrooms)
    assert max(homerooms.values()) == 1


def test_students_are_enrolled_once_in_a_class_of_their_school(seeded):
    students = User.objects.filter(role=Role.STUDENT)
    assert 2000 <= students.count() <= 3000
    active = Enrollment.objects.filter(active=True)
    assert active.count() == students.count()
    assert active.values("student").distinct().count() == students.count()
    assert not active.exclude(student__school=F("classroom__school")).exists()


def test_teaching_assignments_fit_the_class(seeded):
    assignments = TeachingAssignment.objects.select_related("classroom", "subject", "teacher")
    for assignment in assignments:
        assert assignment.teacher.role == Role.TEACHER
        assert assignment.teacher.school_id == assignment.classroom.school_id
        assert level_for_grade(assignment.classroom.grade) in assignment.subject.levels
    # Every class is taught Toán and its language subject.
    for classroom in Classroom.objects.prefetch_related("teaching_assignments__subject"):
        subjects = {a.subject.name for a in classroom.teaching_assignments.all()}
        language = "Tiếng Việt" if classroom.grade <= 5 else "Ngữ văn"
        assert {"Toán", language} <= subjects, classroom


def test_usernames_are_readable_ascii(seeded):
    usernames = list(User.objects.filter(role=Role.STUDENT).values_list("username", flat=True))
    assert all(name.isascii() and name == name.lower() for name in usernames)
    assert any(name.startswith("an.nguyen.") for name in usernames)


def test_output_lists_the_logins_and_totals(seeded):
    for username in DEMO_LOGINS:
        assert username in seeded
    assert PASSWORD in seeded
    for word in ("Trường", "Lớp", "Học sinh", "Giáo viên"):
        assert word in seeded


def _counts():
    return {
        "users": User.objects.count(),
        "districts": District.objects.count(),
        "schools": School.objects.count(),
        "subjects": Subject.objects.count(),
        "years": AcademicYear.objects.count(),
        "terms": Term.objects.count(),
        "classes": Classroom.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "assignments": TeachingAssignment.objects.count(),
        "guardianships": Guardianship.objects.count(),
    }


def test_a_second_run_changes_nothing_and_keeps_passwords(seeded):
    before = _counts()
    student = User.objects.get(username="hocsinh")
    student.set_password("Doi-mat-khau-1")
    student.save()

    call_command("seed_demo", quiet=True)

    assert _counts() == before
    assert authenticate(username="hocsinh", password="Doi-mat-khau-1") is not None
    assert authenticate(username="hocsinh", password=PASSWORD) is None


def test_a_second_run_repairs_a_deleted_class(seeded):
    classroom = Classroom.objects.get(name="9B", school=demo_class().school)
    students = set(classroom.enrollments.values_list("student_id", flat=True))
    before = _counts()
    classroom.delete()

    call_command("seed_demo", quiet=True)

    assert _counts() == before
    again = Classroom.objects.get(name="9B", school=demo_class().school)
    assert set(again.enrollments.values_list("student_id", flat=True)) == students
    assert again.teaching_assignments.filter(teacher__username="giaovien").exists()


def test_quiet_prints_nothing(seeded):
    out = io.StringIO()
    call_command("seed_demo", quiet=True, stdout=out)
    assert out.getvalue() == ""
