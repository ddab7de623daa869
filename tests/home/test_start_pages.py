import pytest
from django.utils import translation

from tests.factories import (
    ClassroomFactory,
    DistrictFactory,
    DistrictOfficerFactory,
    EnrollmentFactory,
    GuardianFactory,
    GuardianshipFactory,
    ProvinceOfficerFactory,
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    TeachingAssignmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # These tests read English labels; the Vietnamese default is covered in test_i18n.
    with translation.override("en"):
        yield


def get_start(client, user, **params):
    client.force_login(user)
    response = client.get("/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitor_sees_welcome_with_sign_in(client):
    page = client.get("/").content.decode()
    assert "/accounts/login/" in page


def test_student_sees_classes_and_teachers(client):
    enrollment = EnrollmentFactory(classroom__name="9A")
    assignment = TeachingAssignmentFactory(
        classroom=enrollment.classroom, teacher__full_name="Lê Thị Hoa"
    )
    page = get_start(client, enrollment.student)
    assert "9A" in page
    assert "Lê Thị Hoa" in page
    assert assignment.subject.name in page
    # Nothing is invented where later features will add content.
    assert "No live classes are scheduled for you today." in page


def test_student_without_class_gets_honest_empty_state(client):
    page = get_start(client, StudentFactory())
    assert "You are not enrolled in a class yet" in page


def test_teacher_sees_classes_subjects_and_student_counts(client):
    classroom = ClassroomFactory(name="9A")
    for _ in range(3):
        EnrollmentFactory(classroom=classroom)
    teacher = TeachingAssignmentFactory(classroom=classroom).teacher
    page = get_start(client, teacher)
    assert "9A" in page
    assert "Toán" in page
    assert '<td class="num">3</td>' in page


def test_school_admin_sees_counts_of_their_school_only(client):
    school = SchoolFactory(name="Trường THCS Nguyễn Trãi")
    classroom = ClassroomFactory(school=school, name="8B", grade=8)
    EnrollmentFactory(classroom=classroom)
    EnrollmentFactory(classroom=classroom)
    TeacherFactory(school=school, full_name="Phan Văn Tùng")
    EnrollmentFactory(classroom__name="6C")  # another school
    page = get_start(client, SchoolAdminFactory(school=school))
    assert "Trường THCS Nguyễn Trãi" in page
    assert "8B" in page
    assert "6C" not in page
    assert "Phan Văn Tùng" in page
    assert "<dt>Students</dt><dd>2</dd>" in page


def test_officer_filters_schools_by_district_and_level(client):
    dong_ha = DistrictFactory(name="TP Đông Hà", code="DH")
    cam_lo = DistrictFactory(name="Huyện Cam Lộ", code="CL")
    SchoolFactory(
        name="Trường THPT Đông Hà",
        district=dong_ha,
        has_lower_secondary=False,
        has_upper_secondary=True,
    )
    SchoolFactory(name="Trường THCS Cam Lộ", district=cam_lo)
    officer = ProvinceOfficerFactory()
    page = get_start(client, officer)
    assert "Trường THPT Đông Hà" in page and "Trường THCS Cam Lộ" in page
    page = get_start(client, officer, district=cam_lo.pk)
    assert "Trường THCS Cam Lộ" in page and "Trường THPT Đông Hà" not in page
    page = get_start(client, officer, level="thpt")
    assert "Trường THPT Đông Hà" in page and "Trường THCS Cam Lộ" not in page


def test_officer_school_list_is_paginated(client):
    district = DistrictFactory()
    for i in range(30):
        SchoolFactory(name=f"Trường số {i:02d}", district=district)
    officer = DistrictOfficerFactory(district=district)
    first = get_start(client, officer)
    assert "Page 1 of 2" in first
    second = get_start(client, officer, page=2)
    assert "Trường số 29" in second and "Trường số 00" not in second


def test_bad_filter_values_do_not_break_the_page(client):
    page = get_start(client, ProvinceOfficerFactory(), district="abc", level="nope", page="x")
    assert "Schools" in page


def test_guardian_sees_their_children(client):
    guardianship = GuardianshipFactory(student__full_name="Nguyễn Văn An")
    EnrollmentFactory(
        student=guardianship.student,
        classroom__school=guardianship.student.school,
        classroom__name="9A",
    )
    page = get_start(client, guardianship.guardian)
    assert "Nguyễn Văn An" in page
    assert "9A" in page


def test_guardian_without_children_gets_empty_state(client):
    page = get_start(client, GuardianFactory())
    assert "No children are linked to your account yet" in page
