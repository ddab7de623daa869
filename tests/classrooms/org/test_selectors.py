"""Role × object matrix for DESIGN.md "Who may see what": selectors and the 404 in views."""

import pytest
from django.urls import reverse

from accounts.models import Role
from classrooms.org import selectors
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
    TeacherFactory,
    TeachingAssignmentFactory,
    UserFactory,
)


@pytest.fixture
def world(db):
    dong_ha = DistrictFactory(name="TP Đông Hà", code="DH")
    huong_hoa = DistrictFactory(name="Huyện Hướng Hóa", code="HH")
    gio_linh = DistrictFactory(name="Huyện Gio Linh", code="GL")
    vinh_linh = DistrictFactory(name="Huyện Vĩnh Linh", code="VL")

    thcs_dh = SchoolFactory(name="Trường THCS Nguyễn Trãi", district=dong_ha)
    thcs_hh = SchoolFactory(name="Trường THCS Khe Sanh", district=huong_hoa)
    school_gl = SchoolFactory(name="Trường THCS Gio Linh", district=gio_linh)
    school_vl = SchoolFactory(name="Trường THCS Vĩnh Linh", district=vinh_linh)

    class_9a = ClassroomFactory(school=thcs_dh, name="9A")
    class_9b = ClassroomFactory(school=thcs_dh, name="9B", year=class_9a.year)
    class_hh = ClassroomFactory(school=thcs_hh, name="9A", year=class_9a.year)
    class_gl = ClassroomFactory(school=school_gl, name="8A", year=class_9a.year, grade=8)
    class_vl = ClassroomFactory(school=school_vl, name="7A", year=class_9a.year, grade=7)

    student = EnrollmentFactory(classroom=class_9a).student
    classmate = EnrollmentFactory(classroom=class_9a).student
    student_9b = EnrollmentFactory(classroom=class_9b).student
    student_hh = EnrollmentFactory(classroom=class_hh).student
    teacher = TeachingAssignmentFactory(classroom=class_9a).teacher
    homeroom = TeacherFactory(school=thcs_dh)
    class_9b.homeroom_teacher = homeroom
    class_9b.save()
    guardian = GuardianshipFactory(student=student).guardian

    users = {
        "student": student,
        "teacher": teacher,
        "homeroom": homeroom,
        "school_admin": SchoolAdminFactory(school=thcs_dh),
        "district_officer": DistrictOfficerFactory(district=dong_ha),
        "gio_linh_officer": DistrictOfficerFactory(district=gio_linh),
        "province_officer": ProvinceOfficerFactory(),
        "guardian": guardian,
        "lone_guardian": GuardianFactory(),
        "teacher_elsewhere": TeachingAssignmentFactory(classroom=class_hh).teacher,
    }
    objects = {
        "9A": class_9a,
        "9B": class_9b,
        "HH": class_hh,
        "GL": class_gl,
        "VL": class_vl,
        "thcs_dh": thcs_dh,
        "thcs_hh": thcs_hh,
        "school_gl": school_gl,
        "school_vl": school_vl,
        "student": student,
        "classmate": classmate,
        "student_9b": student_9b,
        "student_hh": student_hh,
    }
    return users, objects


# Which classes each user sees; everything else must be invisible (and 404 in views).
CLASS_SCOPE = {
    "student": {"9A"},
    "teacher": {"9A"},
    "homeroom": {"9B"},
    "school_admin": {"9A", "9B"},
    "district_officer": {"9A", "9B"},
    "gio_linh_officer": {"GL"},
    "province_officer": {"9A", "9B", "HH", "GL", "VL"},
    "guardian": {"9A"},
    "lone_guardian": set(),
    "teacher_elsewhere": {"HH"},
}
CLASS_KEYS = ["9A", "9B", "HH", "GL", "VL"]

SCHOOL_SCOPE = {
    "student": {"thcs_dh"},
    "teacher": {"thcs_dh"},
    "homeroom": {"thcs_dh"},
    "school_admin": {"thcs_dh"},
    "district_officer": {"thcs_dh"},
    "gio_linh_officer": {"school_gl"},
    "province_officer": {"thcs_dh", "thcs_hh", "school_gl", "school_vl"},
    "guardian": {"thcs_dh"},
    "lone_guardian": set(),
    "teacher_elsewhere": {"thcs_hh"},
}
SCHOOL_KEYS = ["thcs_dh", "thcs_hh", "school_gl", "school_vl"]

STUDENT_SCOPE = {
    "student": {"student"},
    "teacher": {"student", "classmate"},
    "homeroom": {"student_9b"},
    "school_admin": {"student", "classmate", "student_9b"},
    "district_officer": {"student", "classmate", "student_9b"},
    "gio_linh_officer": set(),
    "province_officer": {"student", "classmate", "student_9b", "student_hh"},
    "guardian": {"student"},
    "lone_guardian": set(),
    "teacher_elsewhere": {"student_hh"},
}
STUDENT_KEYS = ["student", "classmate", "student_9b", "student_hh"]


def _visible(qs, objects, keys):
    ids = set(qs.values_list("pk", flat=True))
    return {key for key in keys if objects[key].pk in ids}


@pytest.mark.parametrize("who", sorted(CLASS_SCOPE))
def test_classroom_scope(world, who):
    users, objects = world
    assert (
        _visible(selectors.classroom_list(user=users[who]), objects, CLASS_KEYS)
        == (CLASS_SCOPE[who])
    )


@pytest.mark.parametrize("who", sorted(SCHOOL_SCOPE))
def test_school_scope(world, who):
    users, objects = world
    assert (
        _visible(selectors.school_list(user=users[who]), objects, SCHOOL_KEYS)
        == (SCHOOL_SCOPE[who])
    )


@pytest.mark.parametrize("who", sorted(STUDENT_SCOPE))
def test_student_scope(world, who):
    users, objects = world
    assert (
        _visible(selectors.student_list(user=users[who]), objects, STUDENT_KEYS)
        == (STUDENT_SCOPE[who])
    )


@pytest.mark.parametrize("who", sorted(CLASS_SCOPE))
@pytest.mark.parametrize("key", CLASS_KEYS)
def test_classroom_page_answers_404_outside_scope(world, client, who, key):
    users, objects = world
    client.force_login(users[who])
    response = client.get(reverse("classrooms:classroom_detail", args=[objects[key].pk]))
    expected = 200 if key in CLASS_SCOPE[who] else 404
    assert response.status_code == expected
    if expected == 200:
        assert objects[key].name in response.content.decode()


@pytest.mark.parametrize("who", sorted(SCHOOL_SCOPE))
@pytest.mark.parametrize("key", SCHOOL_KEYS)
def test_school_page_answers_404_outside_scope(world, client, who, key):
    users, objects = world
    client.force_login(users[who])
    response = client.get(reverse("classrooms:school_detail", args=[objects[key].pk]))
    assert response.status_code == (200 if key in SCHOOL_SCOPE[who] else 404)


def test_dong_ha_student_gets_404_for_a_huong_hoa_class(world, client):
    users, objects = world
    client.force_login(users["student"])
    assert client.get(f"/classes/{objects['HH'].pk}/").status_code == 404


def test_gio_linh_officer_does_not_see_vinh_linh_schools(world, client):
    users, objects = world
    client.force_login(users["gio_linh_officer"])
    page = client.get("/").content.decode()
    assert "Trường THCS Gio Linh" in page
    assert "Trường THCS Vĩnh Linh" not in page
    # Asking for the Vĩnh Linh district in the filter does not widen the scope.
    other = client.get("/", {"district": objects["school_vl"].district_id}).content.decode()
    assert "Trường THCS Vĩnh Linh" not in other


def test_anonymous_user_is_sent_to_login(world, client):
    _, objects = world
    response = client.get(f"/classes/{objects['9A'].pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_inactive_and_roleless_users_see_nothing(world):
    users, _ = world
    user = users["province_officer"]
    user.is_active = False
    assert not selectors.classroom_list(user=user).exists()
    stranger = UserFactory(role=Role.GUARDIAN)
    assert not selectors.school_list(user=stranger).exists()


def test_guardian_sees_only_their_own_child_in_the_class_roster(world, client):
    users, objects = world
    client.force_login(users["guardian"])
    page = client.get(f"/classes/{objects['9A'].pk}/").content.decode()
    assert objects["student"].full_name in page
    assert objects["classmate"].full_name not in page


def test_teacher_sees_the_whole_roster(world, client):
    users, objects = world
    client.force_login(users["teacher"])
    page = client.get(f"/classes/{objects['9A'].pk}/").content.decode()
    assert objects["student"].full_name in page
    assert objects["classmate"].full_name in page


@pytest.mark.parametrize(
    "url",
    ["/classes/abc/", "/classes/99999999/", "/schools/-1/", "/schools/9999999999999999999999/"],
)
def test_malformed_or_unknown_ids_answer_404(world, client, url):
    users, _ = world
    client.force_login(users["province_officer"])
    assert client.get(url).status_code == 404
