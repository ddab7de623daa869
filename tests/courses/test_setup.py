"""The lesson tree and editing groups are set up where schools and teachers are created (a
school saved, a teacher saved, a roster import), not at sign-in: a new school's teacher can edit
their school's lessons without ever having signed in."""

import pytest

from accounts.models import User
from classrooms.org.services import school_create
from courses import services
from courses.models import SchoolIndexPage
from tests.classrooms.roster.test_roster_import import import_file, make_school, xlsx
from tests.factories import DistrictFactory, SubjectFactory, TeacherFactory

pytestmark = pytest.mark.django_db

TEACHER_HEADERS = ["Họ và tên", "Môn", "Lớp dạy", "Chủ nhiệm lớp", "Email hoặc SĐT"]


def can_edit_lessons(teacher, school) -> bool:
    index = SchoolIndexPage.objects.get(school=school)
    permissions = index.permissions_for_user(teacher)
    return permissions.can_add_subpage() and teacher.has_perm("wagtailadmin.access_admin")


def test_a_new_schools_teacher_can_edit_its_lessons():
    school = school_create(
        name="Trường THCS Mới", code="THCSMOI", district=DistrictFactory(), levels=["thcs"]
    )
    assert SchoolIndexPage.objects.filter(school=school).exists()
    teacher = TeacherFactory(school=school)
    assert teacher.last_login is None
    assert can_edit_lessons(User.objects.get(pk=teacher.pk), school)


def test_imported_teachers_can_edit_their_schools_lessons_before_signing_in():
    school = make_school()
    SubjectFactory(name="Toán", code="toan")
    import_file(school, xlsx([["Trần Thị Hồng", "Toán", "9A", "", "hong@example.vn"]],
                             TEACHER_HEADERS))  # fmt: skip
    hong = User.objects.get(full_name="Trần Thị Hồng")
    assert hong.last_login is None
    assert hong.groups.filter(name=services.school_teachers_group_name(school)).exists()
    assert can_edit_lessons(hong, school)
