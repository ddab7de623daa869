import pytest

from classrooms.models import Classroom
from tests.factories import (
    AcademicYearFactory,
    DistrictOfficerFactory,
    SchoolAdminFactory,
    SchoolFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db


def test_school_admin_adds_a_class_with_a_homeroom_teacher(client):
    AcademicYearFactory()
    school = SchoolFactory()
    teacher = TeacherFactory(school=school, full_name="Trần Thị Hồng")
    client.force_login(SchoolAdminFactory(school=school))
    page = client.get(f"/schools/{school.pk}/").content.decode()
    assert "Trần Thị Hồng" in page  # offered as homeroom teacher
    response = client.post(
        f"/schools/{school.pk}/classes/add/",
        {"name": " 9 a ", "grade": "9", "homeroom_teacher": teacher.pk},
    )
    assert response.status_code == 302
    classroom = Classroom.objects.get(school=school)
    assert (classroom.name, classroom.grade, classroom.homeroom_teacher) == ("9A", 9, teacher)


def test_adding_a_duplicate_or_misfit_class_shows_the_error_and_adds_nothing(client):
    AcademicYearFactory()
    school = SchoolFactory()  # THCS: grades 6–9
    client.force_login(SchoolAdminFactory(school=school))
    client.post(f"/schools/{school.pk}/classes/add/", {"name": "9A", "grade": "9"})
    response = client.post(f"/schools/{school.pk}/classes/add/", {"name": "9A", "grade": "9"})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    response = client.post(f"/schools/{school.pk}/classes/add/", {"name": "10A", "grade": "10"})
    assert response.status_code == 200
    assert Classroom.objects.filter(school=school).count() == 1


def test_only_managers_in_scope_add_classes(client):
    AcademicYearFactory()
    school = SchoolFactory()
    client.force_login(TeacherFactory(school=school))
    assert (
        client.post(f"/schools/{school.pk}/classes/add/", {"name": "9A", "grade": "9"}).status_code
        == 404
    )
    client.force_login(DistrictOfficerFactory())  # another district
    assert client.get(f"/schools/{school.pk}/classes/add/").status_code == 404
    client.force_login(DistrictOfficerFactory(district=school.district))
    assert (
        client.post(f"/schools/{school.pk}/classes/add/", {"name": "9A", "grade": "9"}).status_code
        == 302
    )
