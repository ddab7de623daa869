"""Live sessions: scoped selectors and the running services (start, end, cancel, one-off)."""

import pytest
from django.http import Http404

from classrooms import selectors
from tests.factories import (
    DistrictOfficerFactory,
    EnrollmentFactory,
    GuardianshipFactory,
    LiveSessionFactory,
    ProvinceOfficerFactory,
    SchoolAdminFactory,
    StudentFactory,
    TeacherFactory,
    TeachingAssignmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return LiveSessionFactory()


def test_session_scope_and_room_role_for_each_role(session):
    classroom = session.classroom
    school = classroom.school
    student = EnrollmentFactory(classroom=classroom).student
    other_teacher = TeachingAssignmentFactory(classroom=classroom, subject__code="van").teacher
    homeroom = TeacherFactory(school=school)
    classroom.homeroom_teacher = homeroom
    classroom.save()
    guardian = GuardianshipFactory(student=student).guardian
    cases = [
        (session.teacher, "teacher"),
        (other_teacher, "teacher"),
        (homeroom, "teacher"),
        (student, "student"),
        (SchoolAdminFactory(school=school), "observer"),
        (DistrictOfficerFactory(district=school.district), "observer"),
        (ProvinceOfficerFactory(), "observer"),
        (guardian, None),
    ]
    for user, role in cases:
        assert selectors.session_get(user=user, pk=session.pk) == session, user.role
        assert selectors.session_room_role(user=user, session=session) == role, user.role


def test_outsiders_get_404_and_no_room_role(session):
    outsiders = [
        StudentFactory(school=session.classroom.school),  # same school, other class
        TeacherFactory(school=session.classroom.school),
        SchoolAdminFactory(),
        DistrictOfficerFactory(),
        GuardianshipFactory().guardian,
    ]
    for user in outsiders:
        with pytest.raises(Http404):
            selectors.session_get(user=user, pk=session.pk)
        assert selectors.session_room_role(user=user, session=session) is None, user.role


def test_inactive_enrolment_loses_the_room(session):
    enrollment = EnrollmentFactory(classroom=session.classroom, active=False)
    with pytest.raises(Http404):
        selectors.session_get(user=enrollment.student, pk=session.pk)
    assert selectors.session_room_role(user=enrollment.student, session=session) is None


def test_substitute_teacher_sees_own_session():
    substitute = TeacherFactory()
    session = LiveSessionFactory(teacher=substitute)
    assert selectors.session_get(user=substitute, pk=session.pk) == session
    assert selectors.session_room_role(user=substitute, session=session) == "teacher"
