"""Initial passwords on slips: only the school's own admins and the class's homeroom teacher
read them; officers above the school get 404 like anyone else out of scope."""

import pytest

from accounts.credentials import initial_password_set
from tests.factories import (
    ClassroomFactory,
    DistrictOfficerFactory,
    EnrollmentFactory,
    ProvinceOfficerFactory,
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    school = SchoolFactory()
    homeroom = TeacherFactory(school=school)
    classroom = ClassroomFactory(school=school, homeroom_teacher=homeroom)
    student = StudentFactory(school=school)
    EnrollmentFactory(classroom=classroom, student=student)
    teacher = TeacherFactory(school=school)
    return {
        "school": school,
        "classroom": classroom,
        "homeroom": homeroom,
        "student_password": initial_password_set(user=student),
        "teacher_password": initial_password_set(user=teacher),
    }


def slip_urls(world):
    classroom, school = world["classroom"], world["school"]
    return {
        "class": f"/classes/{classroom.pk}/slips/",
        "class_xlsx": f"/classes/{classroom.pk}/slips/?format=xlsx",
        "teachers": f"/schools/{school.pk}/teacher-slips/",
        "teachers_xlsx": f"/schools/{school.pk}/teacher-slips/?format=xlsx",
    }


@pytest.mark.parametrize(
    "officer",
    [
        lambda school: DistrictOfficerFactory(district=school.district),
        lambda school: ProvinceOfficerFactory(),
    ],
    ids=["district_officer", "province_officer"],
)
def test_officers_cannot_read_initial_passwords(client, world, officer):
    client.force_login(officer(world["school"]))
    for name, url in slip_urls(world).items():
        response = client.get(url)
        assert response.status_code == 404, name
        assert world["student_password"].encode() not in response.content
    for url in (slip_urls(world)["class"], slip_urls(world)["teachers"]):
        assert client.post(f"{url}action/", {"action": "hand_out"}).status_code == 404
    # They still see the school and the class, without a link to the slips.
    school_page = client.get(f"/schools/{world['school'].pk}/").content.decode()
    assert "teacher-slips" not in school_page
    class_page = client.get(f"/classes/{world['classroom'].pk}/").content.decode()
    assert "/slips/" not in class_page


def test_the_schools_own_admin_reads_them(client, world):
    client.force_login(SchoolAdminFactory(school=world["school"]))
    urls = slip_urls(world)
    assert world["student_password"] in client.get(urls["class"]).content.decode()
    assert world["teacher_password"] in client.get(urls["teachers"]).content.decode()
    assert client.get(urls["class_xlsx"]).status_code == 200
    assert "teacher-slips" in client.get(f"/schools/{world['school'].pk}/").content.decode()


def test_the_homeroom_teacher_reads_only_their_class(client, world):
    client.force_login(world["homeroom"])
    urls = slip_urls(world)
    assert world["student_password"] in client.get(urls["class"]).content.decode()
    assert client.get(urls["teachers"]).status_code == 404


def test_another_schools_admin_gets_404(client, world):
    other = SchoolFactory(district=world["school"].district)
    client.force_login(SchoolAdminFactory(school=other))
    for name, url in slip_urls(world).items():
        assert client.get(url).status_code == 404, name
