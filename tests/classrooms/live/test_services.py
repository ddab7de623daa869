"""Live sessions: scoped selectors and the running services (start, end, cancel, one-off)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from classrooms.live import selectors, services
from classrooms.models import AttendanceInterval, AttendanceRecord, LiveSession
from classrooms.timetable import services as timetable
from demo.live import seed_live_classes
from tests.clock import WEDNESDAY, at
from tests.factories import (
    AttendanceIntervalFactory,
    DistrictOfficerFactory,
    EnrollmentFactory,
    GuardianshipFactory,
    LiveSessionFactory,
    ProvinceOfficerFactory,
    SchoolAdminFactory,
    StudentFactory,
    SubjectFactory,
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


# --- services -------------------------------------------------------------------------------


def minutes(n):
    return datetime.timedelta(minutes=n)


def test_start_only_by_its_teacher_or_school_admin_and_not_too_early():
    session = LiveSessionFactory(starts_at=timezone.now() + minutes(40))
    session.ends_at = session.starts_at + minutes(45)
    session.save()
    with pytest.raises(PermissionDenied):
        services.session_start(session=session, by=TeacherFactory(school=session.classroom.school))
    with pytest.raises(ValidationError):
        services.session_start(session=session, by=session.teacher)
    started = services.session_start(
        session=session, by=session.teacher, at=session.starts_at - minutes(30)
    )
    assert started.status == "live"
    assert started.started_at == session.starts_at - minutes(30)
    with pytest.raises(ValidationError):  # already live
        services.session_start(session=session, by=session.teacher)
    other = LiveSessionFactory()
    admin = SchoolAdminFactory(school=other.classroom.school)
    assert services.session_start(session=other, by=admin).status == "live"


def test_cannot_start_after_the_end():
    session = LiveSessionFactory()
    with pytest.raises(ValidationError):
        services.session_start(session=session, by=session.teacher, at=session.ends_at)


def test_end_closes_intervals_builds_records_and_tells_the_room(
    django_capture_on_commit_callbacks, monkeypatch
):
    session = LiveSessionFactory(status="live", started_at=timezone.now())
    student = EnrollmentFactory(classroom=session.classroom).student
    absent = EnrollmentFactory(classroom=session.classroom).student
    at = session.starts_at + minutes(40)
    interval = AttendanceIntervalFactory(
        session=session,
        student=student,
        joined_at=session.starts_at,
        last_seen_at=at - datetime.timedelta(seconds=15),
    )
    sent = []
    monkeypatch.setattr(services, "_broadcast_ended", lambda s, by: sent.append(s.pk))
    with django_capture_on_commit_callbacks(execute=True):
        ended = services.session_end(session=session, by=session.teacher, at=at)
    assert (ended.status, ended.ended_at) == ("ended", at)
    interval.refresh_from_db()
    assert interval.left_at == at - datetime.timedelta(seconds=15)
    statuses = dict(
        AttendanceRecord.objects.filter(session=session).values_list("student_id", "status")
    )
    assert statuses == {student.pk: "present", absent.pk: "absent"}
    assert sent == [session.pk]
    # A second call (another worker, a double click) changes nothing and says nothing.
    with django_capture_on_commit_callbacks(execute=True):
        services.session_end(session=session, by=session.teacher)
    assert sent == [session.pk]
    assert AttendanceRecord.objects.filter(session=session).count() == 2


def test_end_broadcasts_session_ended_on_the_channel_layer(django_capture_on_commit_callbacks):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    session = LiveSessionFactory(status="live", started_at=timezone.now())
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"session.{session.pk}", channel)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_end(session=session, by=session.teacher)
    message = async_to_sync(layer.receive)(channel)
    session.refresh_from_db()
    assert message == {
        "type": "session.ended",
        "session": session.pk,
        "at": session.ended_at.isoformat(),
        "by": session.teacher.display_name,
    }


def test_a_class_ended_early_does_not_block_a_make_up_session_in_its_slot(time_machine):
    time_machine.move_to(at(WEDNESDAY, 8, 5), tick=False)
    assignment = TeachingAssignmentFactory()
    classroom, subject, teacher = assignment.classroom, assignment.subject, assignment.teacher
    first = LiveSessionFactory(
        classroom=classroom,
        subject=subject,
        teacher=teacher,
        starts_at=at(WEDNESDAY, 8, 0),
        ends_at=at(WEDNESDAY, 8, 45),
        status="live",
        started_at=at(WEDNESDAY, 8, 0),
    )
    time_machine.move_to(at(WEDNESDAY, 8, 10), tick=False)
    services.session_end(session=first, by=teacher)  # the network failed: ended early

    def make_up(minute):
        return services.session_create_one_off(
            classroom=classroom,
            subject=subject,
            teacher=teacher,
            starts_at=at(WEDNESDAY, 8, minute),
            duration_minutes=30,
            by=teacher,
        )

    with pytest.raises(ValidationError):  # before the early end: still the first class
        make_up(5)
    assert make_up(15).ends_at == at(WEDNESDAY, 8, 45)


def test_end_refuses_scheduled_sessions_and_outsiders():
    session = LiveSessionFactory()
    with pytest.raises(ValidationError):
        services.session_end(session=session, by=session.teacher)
    session.status = "live"
    session.save()
    with pytest.raises(PermissionDenied):
        services.session_end(session=session, by=StudentFactory())


@override_settings(LIVE_SESSION_GRACE_MINUTES=30)
def test_reaper_command_closes_stale_intervals_and_ends_forgotten_sessions():
    now = timezone.now()
    forgotten = LiveSessionFactory(
        status="live", starts_at=now - minutes(80), started_at=now - minutes(80)
    )
    forgotten.ends_at = now - minutes(31)
    forgotten.save()
    still_in_grace = LiveSessionFactory(status="live", starts_at=now - minutes(60))
    still_in_grace.ends_at = now - minutes(10)
    still_in_grace.save()
    stale = AttendanceIntervalFactory(
        session=still_in_grace,
        joined_at=now - minutes(30),
        last_seen_at=now - minutes(2),
    )
    call_command("close_stale_attendance", stdout=open("/dev/null", "w"))
    forgotten.refresh_from_db()
    still_in_grace.refresh_from_db()
    stale.refresh_from_db()
    assert forgotten.status == "ended"
    assert still_in_grace.status == "live"
    assert stale.left_at == stale.last_seen_at
    assert AttendanceInterval.objects.filter(left_at__isnull=True).count() == 0


def test_cancel_needs_a_reason_and_a_scheduled_session():
    session = LiveSessionFactory()
    with pytest.raises(ValidationError):
        services.session_cancel(session=session, by=session.teacher, reason=" ")
    with pytest.raises(PermissionDenied):
        services.session_cancel(session=session, by=StudentFactory(), reason="x")
    cancelled = services.session_cancel(session=session, by=session.teacher, reason="Bão số 5")
    assert (cancelled.status, cancelled.cancelled_reason) == ("cancelled", "Bão số 5")
    with pytest.raises(ValidationError):
        services.session_cancel(session=session, by=session.teacher, reason="again")


def test_one_off_session_rules():
    assignment = TeachingAssignmentFactory()
    classroom, subject, teacher = assignment.classroom, assignment.subject, assignment.teacher
    start = timezone.now() + datetime.timedelta(days=1)
    session = services.session_create_one_off(
        classroom=classroom,
        subject=subject,
        teacher=teacher,
        starts_at=start,
        duration_minutes=45,
        by=teacher,
        title="Ôn tập",
    )
    assert (session.slot, session.ends_at, session.created_by) == (
        None,
        start + minutes(45),
        teacher,
    )
    with pytest.raises(ValidationError):  # overlaps the first
        services.session_create_one_off(
            classroom=classroom,
            subject=subject,
            teacher=teacher,
            starts_at=start + minutes(30),
            duration_minutes=45,
            by=teacher,
        )
    other_subject = SubjectFactory(code="ly", name="Vật lí")
    with pytest.raises(ValidationError):  # does not teach physics there
        services.session_create_one_off(
            classroom=classroom,
            subject=other_subject,
            teacher=teacher,
            starts_at=start + minutes(120),
            duration_minutes=45,
            by=teacher,
        )
    with pytest.raises(ValidationError):  # in the past
        services.session_create_one_off(
            classroom=classroom,
            subject=subject,
            teacher=teacher,
            starts_at=timezone.now() - minutes(60),
            duration_minutes=45,
            by=teacher,
        )
    with pytest.raises(PermissionDenied):  # for someone else
        services.session_create_one_off(
            classroom=classroom,
            subject=subject,
            teacher=teacher,
            starts_at=start + minutes(120),
            duration_minutes=45,
            by=TeacherFactory(school=classroom.school),
        )
    assert LiveSession.objects.count() == 1


@override_settings(
    MEETING_URL_TEMPLATE="https://meet.example.vn/hoctiep-{school}-{classroom}-{session}"
)
def test_meeting_url_from_session_or_template():
    session = LiveSessionFactory()
    expected = (
        f"https://meet.example.vn/hoctiep-{session.classroom.school_id}-"
        f"{session.classroom_id}-{session.pk}"
    )
    assert services.session_meeting_url(session) == expected
    session.meeting_url = "https://meet.example.vn/own"
    assert services.session_meeting_url(session) == "https://meet.example.vn/own"
    with override_settings(MEETING_URL_TEMPLATE=""):
        session.meeting_url = ""
        assert services.session_meeting_url(session) == ""


# --- demo data --------------------------------------------------------------------------------


def test_seed_demo_gives_giaovien_a_session_to_start_and_ended_ones(client, time_machine):
    from accounts.models import Notice, User

    # The seed's timetable sessions lie inside its school year: be on a school day of it.
    time_machine.move_to(at(WEDNESDAY, 10), tick=True)
    call_command("seed_demo", "--quiet")
    teacher = User.objects.get(username="giaovien")
    student = User.objects.get(username="hocsinh")
    guardian = User.objects.get(username="phuhuynh")
    startable = [
        s
        for s in selectors.sessions_upcoming(user=teacher).filter(teacher=teacher)
        if selectors.session_rows([s], user=teacher)[0]["can_start"]
    ]
    assert startable, "giaovien has no session to start now"
    assert selectors.session_room_role(user=student, session=startable[0]) == "student"
    ended = LiveSession.objects.filter(
        classroom__name="9A", status="ended", records__isnull=False
    ).distinct()
    assert ended.count() == 2
    assert Notice.objects.filter(user=guardian, kind="absence").count() == 1
    assert LiveSession.objects.filter(slot__classroom__name="9A").exists()
    before = LiveSession.objects.count()
    seed_live_classes(lambda line: None)
    assert LiveSession.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_two_workers_ending_at_once_build_the_records_once():
    """The teacher's button and the socket's session.end (or the reaper) at the same moment:
    one call does the work, the other returns the ended session. Needs row locks (PostgreSQL);
    SQLite serialises writers differently, so it runs in CI's PostgreSQL pass."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set DATABASE_URL)")
    session = LiveSessionFactory(status="live", started_at=timezone.now())
    for _ in range(3):
        AttendanceIntervalFactory(
            session=session,
            student=EnrollmentFactory(classroom=session.classroom).student,
            joined_at=session.starts_at,
            last_seen_at=timezone.now(),
        )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def end():
        try:
            barrier.wait()
            results.append(services.session_end(session=session, by=session.teacher).status)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=end) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == ["ended", "ended"]
    assert AttendanceRecord.objects.filter(session=session).count() == 3
    assert AttendanceInterval.objects.filter(session=session, left_at__isnull=True).count() == 0


def test_a_teacher_changes_a_sessions_meeting_link_before_it_starts(client):
    session = LiveSessionFactory()
    client.force_login(session.teacher)
    url = f"/sessions/{session.pk}/meeting/"
    response = client.post(url, {"meeting_url": "  meet.jit.si/lop-9a  "})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.meeting_url == "https://meet.jit.si/lop-9a"  # no https:// needed
    assert services.session_meeting_url(session) == "https://meet.jit.si/lop-9a"

    response = client.post(url, {"meeting_url": "không phải link"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "meet.jit.si/lop-9a" in response.context["form"].errors["meeting_url"][0]

    client.force_login(TeacherFactory(school=session.classroom.school))  # not theirs
    assert client.post(url, {"meeting_url": "meet.jit.si/x"}).status_code == 404

    session.status = "live"
    session.save()
    with pytest.raises(ValidationError):
        services.session_meeting_url_set(
            session=session, by=session.teacher, meeting_url="https://meet.jit.si/y"
        )


def test_sessions_generated_from_a_slot_use_its_meeting_link(client):
    assignment = TeachingAssignmentFactory()
    admin = SchoolAdminFactory(school=assignment.classroom.school)
    client.force_login(admin)
    response = client.post(
        f"/schools/{assignment.classroom.school.pk}/timetable/",
        {
            "action": "slot",
            "classroom": assignment.classroom.pk,
            "weekday": 2,
            "period": 1,
            "starts_at": "07:00",
            "duration_minutes": 45,
            "subject": assignment.subject.pk,
            "teacher": assignment.teacher.pk,
            "meeting_url": "meet.jit.si/toan-9a",
        },
    )
    assert response.status_code == 302
    year = assignment.classroom.year
    assert timetable.sessions_generate(
        start=year.starts_on, end=year.starts_on + minutes(60 * 24 * 13)
    )
    urls = set(LiveSession.objects.values_list("meeting_url", flat=True))
    assert urls == {"https://meet.jit.si/toan-9a"}
