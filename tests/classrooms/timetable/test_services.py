"""Weekly timetable → live sessions: terms, holidays, idempotence, local times, and the school
admin's pages."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from classrooms.models import LiveSession, SchoolHoliday, Term, TimetableSlot
from classrooms.timetable import services as timetable
from tests.factories import (
    ClassroomFactory,
    LiveSessionFactory,
    SchoolAdminFactory,
    SubjectFactory,
    TeacherFactory,
    TeachingAssignmentFactory,
    TimetableSlotFactory,
)

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# 2026-10-05 is a Monday.
MONDAY = datetime.date(2026, 10, 5)


@pytest.fixture
def assignment():
    assignment = TeachingAssignmentFactory()
    year = assignment.classroom.year
    Term.objects.create(
        year=year, name="Học kì I", starts_on=year.starts_on, ends_on=datetime.date(2027, 1, 15)
    )
    Term.objects.create(
        year=year, name="Học kì II", starts_on=datetime.date(2027, 1, 25), ends_on=year.ends_on
    )
    return assignment


def slot_for(assignment, **kwargs):
    values = {
        "classroom": assignment.classroom,
        "weekday": 0,
        "period": 1,
        "starts_at": datetime.time(7, 0),
        "duration_minutes": 45,
        "subject": assignment.subject,
        "teacher": assignment.teacher,
    }
    values.update(kwargs)
    return timetable.slot_create(**values)


def test_generates_weekly_sessions_in_school_time(assignment):
    slot = slot_for(assignment)
    created = timetable.sessions_generate(start=MONDAY, end=MONDAY + datetime.timedelta(days=20))
    assert created == 3
    sessions = list(LiveSession.objects.order_by("starts_at"))
    assert [s.starts_at.astimezone(HCM).date() for s in sessions] == [
        MONDAY,
        MONDAY + datetime.timedelta(days=7),
        MONDAY + datetime.timedelta(days=14),
    ]
    first = sessions[0]
    assert first.starts_at == datetime.datetime(2026, 10, 5, 0, 0, tzinfo=datetime.UTC)
    assert first.ends_at - first.starts_at == datetime.timedelta(minutes=45)
    assert (first.slot, first.teacher, first.subject, first.status) == (
        slot,
        assignment.teacher,
        assignment.subject,
        "scheduled",
    )


def test_generating_twice_creates_nothing_new(assignment):
    slot_for(assignment)
    end = MONDAY + datetime.timedelta(days=13)
    assert timetable.sessions_generate(start=MONDAY, end=end) == 2
    assert timetable.sessions_generate(start=MONDAY, end=end) == 0
    assert timetable.sessions_generate(start=MONDAY, end=end + datetime.timedelta(days=7)) == 1
    assert LiveSession.objects.count() == 3


def test_skips_holidays_and_days_between_terms(assignment):
    slot_for(assignment)
    SchoolHoliday.objects.create(
        school=assignment.classroom.school, date=MONDAY + datetime.timedelta(days=7), name="Lũ"
    )
    SchoolHoliday.objects.create(school=ClassroomFactory().school, date=MONDAY, name="elsewhere")
    assert timetable.sessions_generate(start=MONDAY, end=MONDAY + datetime.timedelta(days=7)) == 1
    # 2027-01-18 is a Monday between the terms; 2027-01-25 starts term II.
    between = datetime.date(2027, 1, 18)
    assert timetable.sessions_generate(start=between, end=between + datetime.timedelta(days=7)) == 1
    assert not LiveSession.objects.filter(starts_at__date=between).exists()
    # Before the year starts nothing is generated.
    assert (
        timetable.sessions_generate(start=datetime.date(2026, 8, 1), end=datetime.date(2026, 8, 31))
        == 0
    )


def test_generation_can_be_limited_to_a_school(assignment):
    slot_for(assignment)
    TimetableSlotFactory(weekday=0)
    created = timetable.sessions_generate(
        start=MONDAY, end=MONDAY, school=assignment.classroom.school
    )
    assert created == 1
    assert LiveSession.objects.get().classroom == assignment.classroom


def test_slot_teacher_must_teach_the_subject_or_be_homeroom(assignment):
    stranger = TeacherFactory(school=assignment.classroom.school)
    with pytest.raises(ValidationError) as error:
        slot_for(assignment, teacher=stranger)
    assert "teacher" in error.value.message_dict
    other_subject = SubjectFactory(code="van", name="Ngữ văn")
    with pytest.raises(ValidationError):
        slot_for(assignment, subject=other_subject)
    assignment.classroom.homeroom_teacher = stranger
    assignment.classroom.save()
    assert slot_for(assignment, teacher=stranger, subject=other_subject).teacher == stranger


def test_slot_clash_and_bounds(assignment):
    slot_for(assignment)
    with pytest.raises(ValidationError):
        slot_for(assignment)  # same class, day and period
    with pytest.raises(ValidationError):
        slot_for(assignment, period=2, duration_minutes=300)


def test_holiday_cancels_generated_sessions_that_day(assignment):
    slot_for(assignment)
    timetable.sessions_generate(start=MONDAY, end=MONDAY + datetime.timedelta(days=7))
    one_off = LiveSessionFactory(
        classroom=assignment.classroom,
        starts_at=datetime.datetime(2026, 10, 5, 14, 0, tzinfo=HCM),
        ends_at=datetime.datetime(2026, 10, 5, 14, 45, tzinfo=HCM),
    )
    timetable.holiday_create(school=assignment.classroom.school, date=MONDAY, name="Bão số 6")
    cancelled = LiveSession.objects.get(slot__isnull=False, status="cancelled")
    assert cancelled.cancelled_reason == "Bão số 6"
    assert LiveSession.objects.filter(status="scheduled").count() == 2  # next week + one-off
    one_off.refresh_from_db()
    assert one_off.status == "scheduled"
    with pytest.raises(ValidationError):
        timetable.holiday_create(school=assignment.classroom.school, date=MONDAY, name="again")


def test_deleting_a_slot_removes_only_sessions_not_ended(assignment):
    slot = slot_for(assignment)
    timetable.sessions_generate(start=MONDAY, end=MONDAY + datetime.timedelta(days=7))
    ended = LiveSession.objects.order_by("starts_at").first()
    ended.status = "ended"
    ended.save()
    assert timetable.slot_delete(slot=slot) == 1
    ended.refresh_from_db()
    assert ended.slot is None
    assert not TimetableSlot.objects.exists()


# --- pages ---------------------------------------------------------------------------------


def test_school_admin_adds_a_slot_generates_and_marks_a_holiday(client, assignment):
    school = assignment.classroom.school
    client.force_login(SchoolAdminFactory(school=school))
    url = f"/schools/{school.pk}/timetable/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "action": "slot",
            "classroom": assignment.classroom.pk,
            "weekday": 0,
            "period": 1,
            "starts_at": "07:00",
            "duration_minutes": 45,
            "subject": assignment.subject.pk,
            "teacher": assignment.teacher.pk,
        },
    )
    assert response.status_code == 302
    assert TimetableSlot.objects.count() == 1
    response = client.post(url, {"action": "generate", "start": "2026-10-05", "end": "2026-10-18"})
    assert response.status_code == 302
    assert LiveSession.objects.count() == 2
    response = client.post(
        f"/schools/{school.pk}/holidays/", {"date": "2026-10-12", "name": "Lũ lụt"}
    )
    assert response.status_code == 302
    assert LiveSession.objects.filter(status="cancelled").count() == 1


def test_slot_form_reports_teacher_rule(client, assignment):
    school = assignment.classroom.school
    client.force_login(SchoolAdminFactory(school=school))
    stranger = TeacherFactory(school=school)
    response = client.post(
        f"/schools/{school.pk}/timetable/",
        {
            "action": "slot",
            "classroom": assignment.classroom.pk,
            "weekday": 1,
            "period": 2,
            "starts_at": "07:50",
            "duration_minutes": 45,
            "subject": assignment.subject.pk,
            "teacher": stranger.pk,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "does not teach" in response.content.decode()
    assert not TimetableSlot.objects.exists()


def test_other_schools_timetable_is_404(client, assignment):
    client.force_login(SchoolAdminFactory())
    school = assignment.classroom.school
    assert client.get(f"/schools/{school.pk}/timetable/").status_code == 404
    assert client.get(f"/schools/{school.pk}/holidays/").status_code == 404
    slot = slot_for(assignment)
    assert client.post(f"/timetable/slots/{slot.pk}/delete/").status_code == 404
    client.force_login(assignment.teacher)
    assert client.get(f"/schools/{school.pk}/timetable/").status_code == 404
