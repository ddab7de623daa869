"""A student or guardian who forgot their password gets a new slip from the class page in two
clicks (the slips link, then "New slip" by their name); the sign-in page says so."""

import re

import pytest

from tests.factories import (
    PASSWORD,
    ClassroomFactory,
    EnrollmentFactory,
    GuardianFactory,
    GuardianshipFactory,
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world():
    school = SchoolFactory()
    homeroom = TeacherFactory(school=school)
    classroom = ClassroomFactory(school=school, homeroom_teacher=homeroom, name="9A")
    forgetful = StudentFactory(school=school, username="an.9a", full_name="Nguyễn Văn An")
    classmate = StudentFactory(school=school, username="binh.9a", full_name="Lê Thị Bình")
    for student in (forgetful, classmate):
        EnrollmentFactory(classroom=classroom, student=student)
    guardian = GuardianFactory(username="0912345678", full_name="Nguyễn Văn Cường")
    GuardianshipFactory(guardian=guardian, student=forgetful)
    return {
        "school": school,
        "classroom": classroom,
        "homeroom": homeroom,
        "forgetful": forgetful,
        "classmate": classmate,
        "guardian": guardian,
    }


def signs_in(client, username, password) -> bool:
    client.logout()
    client.post("/accounts/login/", {"login": username, "password": password})
    return "_auth_user_id" in client.session


def new_slip_clicks(client, classroom, person):
    """Click 1: the class page's slips link. Click 2: "New slip" by the person's name."""
    class_page = client.get(f"/classes/{classroom.pk}/", **EN).content.decode()
    slips_url = re.search(r'href="(/classes/\d+/slips/)"', class_page)[1]
    slips_page = client.get(slips_url, **EN).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)" id="new-slip-form"', slips_page)
    assert f'form="new-slip-form" name="user" value="{person.pk}"' in slips_page
    return client.post(form[1], {"action": "new_slip", "user": person.pk}, follow=True, **EN)


def slip_password(page: str, name: str) -> str:
    slip = page[page.index(name) :]
    return re.search(r'<dd class="slip-password">([a-z0-9]+)</dd>', slip)[1]


def test_the_homeroom_teacher_gives_a_student_a_new_password_in_two_clicks(client, world):
    student, classmate = world["forgetful"], world["classmate"]
    assert signs_in(client, classmate.username, PASSWORD)
    client.force_login(world["homeroom"])

    response = new_slip_clicks(client, world["classroom"], student)

    page = response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"?only={student.pk}")
    assert "Nguyễn Văn An has a new password: print this slip and hand it over." in page
    assert page.count('<li class="slip') == 1  # only the one slip, ready to print
    assert "Lê Thị Bình" not in page
    password = slip_password(page, "Nguyễn Văn An")
    # The student signs in with the new slip (and then chooses their own password); the
    # forgotten one no longer works; the classmate and the guardian are untouched.
    assert not signs_in(client, student.username, PASSWORD)
    assert signs_in(client, student.username, password)
    assert client.get("/").url == "/accounts/password/change/"
    assert signs_in(client, classmate.username, PASSWORD)
    assert signs_in(client, world["guardian"].username, PASSWORD)


def test_a_guardian_gets_a_new_password_on_their_childs_slip(client, world):
    guardian, student = world["guardian"], world["forgetful"]
    client.force_login(SchoolAdminFactory(school=world["school"]))

    response = new_slip_clicks(client, world["classroom"], guardian)

    page = response.content.decode()
    assert "Nguyễn Văn Cường has a new password" in page
    assert page.count('<li class="slip') == 1 and "Nguyễn Văn An" in page  # the child's slip
    guardian_line = re.search(r'<dd class="slip-guardian">0912345678 / ([a-z0-9]+) ', page)
    assert signs_in(client, guardian.username, guardian_line[1])
    assert not signs_in(client, guardian.username, PASSWORD)
    assert signs_in(client, student.username, PASSWORD)  # the child keeps their password


def test_a_new_slip_only_for_someone_on_the_teachers_own_class(client, world):
    other_class = ClassroomFactory(school=world["school"], name="9B")
    stranger = StudentFactory(school=world["school"])
    EnrollmentFactory(classroom=other_class, student=stranger)
    client.force_login(world["homeroom"])

    url = f"/classes/{world['classroom'].pk}/slips/action/"
    response = client.post(url, {"action": "new_slip", "user": stranger.pk}, follow=True, **EN)
    assert "This account is not on these slips." in response.content.decode()
    assert signs_in(client, stranger.username, PASSWORD)
    # And the other class's own slips page is out of this teacher's reach.
    client.force_login(world["homeroom"])
    other = f"/classes/{other_class.pk}/slips/action/"
    assert client.post(other, {"action": "new_slip", "user": stranger.pk}).status_code == 404
    assert signs_in(client, stranger.username, PASSWORD)


def test_the_sign_in_page_explains_the_way_back_in(client):
    page = client.get("/accounts/login/", **EN).content.decode()
    assert '<a href="#forgot-password">Forgot your password?</a>' in page
    section = page[page.index('id="forgot-password"') :]
    assert "ask your homeroom teacher or the school office for a new sign-in slip" in section
    assert "from your class page in two clicks" in section
    assert "Ask your child's homeroom teacher for a new slip for you." in section
    assert 'href="/accounts/password/reset/"' in section  # by email, for those who have one


def test_the_password_reset_page_leads_to_the_slip_not_to_a_missing_contact(client):
    page = client.get("/accounts/password/reset/", **EN).content.decode()
    assert "contact us" not in page
    assert "ask your homeroom teacher or the school office for a new sign-in slip" in page


def test_the_sign_in_page_is_vietnamese_by_default(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<a href="#forgot-password">Quên mật khẩu?</a>' in page
