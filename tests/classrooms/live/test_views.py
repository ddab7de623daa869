"""Attendance pages: the teacher's sheet with overrides, class and school summaries with
exports, the guardian's page and notices; each scoped (404 outside)."""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Notice
from classrooms.live import attendance, services
from classrooms.models import AttendanceChange, Term
from tests.factories import (
    AttendanceIntervalFactory,
    DistrictOfficerFactory,
    EnrollmentFactory,
    GuardianshipFactory,
    LiveSessionFactory,
    SchoolAdminFactory,
    StudentFactory,
    TeacherFactory,
    TeachingAssignmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended():
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=3)
    session = LiveSessionFactory(
        status="live",
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=40),
        started_at=start,
    )
    TeachingAssignmentFactory(
        classroom=session.classroom, subject=session.subject, teacher=session.teacher
    )
    year = session.classroom.year
    Term.objects.create(
        year=year,
        name="HK1",
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    here = EnrollmentFactory(classroom=session.classroom, student__full_name="An").student
    late = EnrollmentFactory(classroom=session.classroom, student__full_name="Bình").student
    EnrollmentFactory(classroom=session.classroom, student__full_name="Chi")
    for student, a, b in [(here, 0, 20), (here, 21, 40), (late, 15, 40)]:
        AttendanceIntervalFactory(
            session=session,
            student=student,
            joined_at=start + datetime.timedelta(minutes=a),
            left_at=start + datetime.timedelta(minutes=b),
        )
    return services.session_end(
        session=session, by=session.teacher, at=start + datetime.timedelta(minutes=40)
    )


def page(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
    return response


def test_teacher_sheet_shows_every_student_with_timeline(client, ended):
    response = page(client, ended.teacher, f"/sessions/{ended.pk}/attendance/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("An", "Bình", "Chi"):
        assert name in html
    assert html.count('class="timeline-bar"') == 3  # one segment per connected stretch
    assert "in class from" in html  # the text alternative
    assert "never joined" in html
    rows = {r["record"].student.full_name: r["record"] for r in response.context["rows"]}
    assert (rows["An"].status, rows["An"].minutes) == ("present", 40)
    assert rows["Bình"].status == "late"
    assert rows["Chi"].status == "absent"
    assert response.context["can_override"]


def test_override_from_the_sheet_needs_a_reason(client, ended):
    record = ended.records.get(student__full_name="Chi")
    client.force_login(ended.teacher)
    url = f"/attendance/{record.pk}/change/"
    response = client.post(url, {"status": "excused", "reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "absent"
    client.post(url, {"status": "excused", "reason": "Nhà bị ngập"})
    record.refresh_from_db()
    assert (record.status, record.source) == ("excused", "teacher")
    html = page(client, ended.teacher, f"/sessions/{ended.pk}/attendance/").content.decode()
    assert "Nhà bị ngập" in html
    assert AttendanceChange.objects.count() == 1


def test_sheet_scope(client, ended):
    classroom = ended.classroom
    url = f"/sessions/{ended.pk}/attendance/"
    officer = DistrictOfficerFactory(district=classroom.school.district)
    response = page(client, officer, url)
    assert response.status_code == 200
    assert not response.context["can_override"]
    assert page(client, SchoolAdminFactory(school=classroom.school), url).status_code == 200
    student = classroom.enrollments.first().student
    for outsider in [
        student,
        GuardianshipFactory(student=student).guardian,
        TeacherFactory(school=classroom.school),
        SchoolAdminFactory(),
    ]:
        assert page(client, outsider, url).status_code == 404, outsider.role
    record = ended.records.first()
    client.force_login(officer)
    client.post(f"/attendance/{record.pk}/change/", {"status": "present", "reason": "x"})
    record.refresh_from_db()
    assert record.source == "auto"


def test_sheet_of_a_session_not_ended_is_404(client):
    session = LiveSessionFactory()
    assert page(client, session.teacher, f"/sessions/{session.pk}/attendance/").status_code == 404


def test_class_summary_and_exports(client, ended):
    url = f"/classes/{ended.classroom.pk}/attendance/"
    response = page(client, ended.teacher, url)
    assert response.status_code == 200
    rows = {r["student"].full_name: r for r in response.context["rows"]}
    assert (rows["An"]["present"], rows["An"]["rate"]) == (1, 100)
    assert (rows["Bình"]["late"], rows["Bình"]["rate"]) == (1, 100)
    assert (rows["Chi"]["absent"], rows["Chi"]["rate"]) == (1, 0)

    csv_response = page(client, ended.teacher, url, format="csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert lines[0][0] == "Class"
    assert [line[2] for line in lines[1:]] == ["An", "Bình", "Chi"]

    xlsx = page(client, ended.teacher, url, format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[2][2:] == ["Chi", 1, 0, 0, 1, 0, 0]


def test_summary_counts_only_the_chosen_term(client, ended):
    year = ended.classroom.year
    other = Term.objects.create(
        year=year,
        name="HK2",
        starts_on=timezone.localdate() + datetime.timedelta(days=40),
        ends_on=timezone.localdate() + datetime.timedelta(days=90),
    )
    response = page(
        client, ended.teacher, f"/classes/{ended.classroom.pk}/attendance/", term=other.pk
    )
    assert response.context["term"] == other
    assert all(r["sessions"] == 0 for r in response.context["rows"])


def test_school_summary_lists_classes_and_exports_all(client, ended):
    school = ended.classroom.school
    url = f"/schools/{school.pk}/attendance/"
    response = page(client, SchoolAdminFactory(school=school), url)
    assert response.status_code == 200
    [line] = response.context["classes"]
    assert (line["classroom"], line["students"], line["absent"], line["rate"]) == (
        ended.classroom,
        3,
        1,
        67,
    )
    export = page(client, SchoolAdminFactory(school=school), url, format="csv")
    assert export.content.decode("utf-8-sig").count("\n") == 4
    assert page(client, SchoolAdminFactory(), url).status_code == 404
    assert page(client, ended.teacher, url).status_code == 404


def test_class_summary_scope(client, ended):
    url = f"/classes/{ended.classroom.pk}/attendance/"
    student = ended.classroom.enrollments.first().student
    assert page(client, student, url).status_code == 404
    assert page(client, TeacherFactory(school=ended.classroom.school), url).status_code == 404


def test_guardian_sees_child_and_absence_notice(client, ended):
    chi = ended.classroom.enrollments.get(student__full_name="Chi").student
    guardian = GuardianshipFactory(student=chi).guardian
    # The notice is made when the records are built; build again now that Chi has a guardian.
    attendance.records_build(ended)
    notice = Notice.objects.get(user=guardian)
    assert notice.kind == "absence"
    start = page(client, guardian, "/").content.decode()
    assert "Chi" in start and notice.text in start
    response = page(client, guardian, f"/children/{chi.pk}/attendance/")
    assert response.status_code == 200
    assert response.context["counts"]["absent"] == 1
    client.post(f"/notices/{notice.pk}/read/")
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert notice.text not in page(client, guardian, "/").content.decode()


def test_child_page_scope(client, ended):
    chi = ended.classroom.enrollments.get(student__full_name="Chi").student
    url = f"/children/{chi.pk}/attendance/"
    assert page(client, GuardianshipFactory().guardian, url).status_code == 404
    assert page(client, chi, url).status_code == 404
    assert page(client, ended.teacher, url).status_code == 404
    other_notice = Notice.objects.create(user=StudentFactory(), text="x")
    client.force_login(GuardianshipFactory(student=chi).guardian)
    assert client.post(f"/notices/{other_notice.pk}/read/").status_code == 404
