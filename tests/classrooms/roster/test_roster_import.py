"""Roster import end to end on the database: preview, apply, re-import, slips, first login."""

import datetime
from io import BytesIO, StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from accounts.models import Guardianship, InitialCredential, Role, RosterImport, User
from classrooms.models import Enrollment, TeachingAssignment
from classrooms.roster.importing import roster_apply, roster_preview
from classrooms.roster.jobs import roster_import_create
from classrooms.roster.slips import classroom_slips
from classrooms.roster.templates import roster_template_xlsx
from jobs.testing import durable_tasks, queued, run_queued
from tests.factories import (
    AcademicYearFactory,
    ClassroomFactory,
    DistrictFactory,
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
    SubjectFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db

STUDENT_HEADERS = [
    "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Mã học sinh",
    "Họ tên phụ huynh", "SĐT phụ huynh", "Email",
]  # fmt: skip  # noqa: E501
ROWS = [
    ["Nguyễn Văn An", datetime.date(2012, 3, 12), "Nam", "9A", "HS001", "Nguyễn Văn Bình",
     "0912345678", ""],
    ["Trần Thị Bích Ngọc", "05/11/2012", "Nữ", "9A", "HS002", "", "", "ngoc@example.vn"],
    ["Lê Đức Huy", "21/01/2013", "Nam", "8A", "", "Lê Văn Hải", "0987654321", ""],
    ["Phạm Thị Hồng Nhung", "30/06/2012", "Nữ", "9B", "HS004", "Nguyễn Văn Bình", "0912345678", ""],
]  # fmt: skip  # noqa: E501


def xlsx(rows, headers=STUDENT_HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def make_school(code="THCS1", name="Trường THCS Nguyễn Trãi"):
    school = SchoolFactory(code=code, name=name, district=DistrictFactory(code="461"))
    year = AcademicYearFactory()
    for class_name, grade in [("9A", 9), ("9B", 9), ("8A", 8)]:
        ClassroomFactory(school=school, name=class_name, grade=grade, year=year)
    return school


def students_of(school):
    return {
        (u.full_name, u.birth_date, e.classroom.name, u.student_code)
        for e in Enrollment.objects.filter(student__school=school, active=True).select_related(
            "student", "classroom"
        )
        for u in [e.student]
    }


def import_file(school, data, filename="ds.xlsx"):
    plan = roster_preview(filename=filename, data=data, school=school)
    assert plan.errors == []
    return roster_apply(plan=plan)


def test_three_classes_import_with_accounts_guardians_and_slips():
    school = make_school()
    summary = import_file(school, xlsx(ROWS))
    assert summary["new"] == 4 and summary["updated"] == 0 and summary["errors"] == 0
    an = User.objects.get(full_name="Nguyễn Văn An")
    assert an.username == "nguyenvanan.9a"
    assert an.role == Role.STUDENT and an.school == school and an.must_change_password
    assert an.birth_date == datetime.date(2012, 3, 12) and an.gender == "M"
    assert InitialCredential.objects.filter(user=an).exists()
    # Two children, one parent phone: one guardian account linked to both.
    guardian = User.objects.get(role=Role.GUARDIAN, phone="0912345678")
    assert set(
        Guardianship.objects.filter(guardian=guardian).values_list("student__full_name", flat=True)
    ) == {"Nguyễn Văn An", "Phạm Thị Hồng Nhung"}
    assert students_of(school) == {
        ("Nguyễn Văn An", datetime.date(2012, 3, 12), "9A", "HS001"),
        ("Trần Thị Bích Ngọc", datetime.date(2012, 11, 5), "9A", "HS002"),
        ("Lê Đức Huy", datetime.date(2013, 1, 21), "8A", ""),
        ("Phạm Thị Hồng Nhung", datetime.date(2012, 6, 30), "9B", "HS004"),
    }


def test_reimport_changes_nothing():
    school = make_school()
    import_file(school, xlsx(ROWS))
    users, enrolments = User.objects.count(), Enrollment.objects.count()
    plan = roster_preview(filename="ds.xlsx", data=xlsx(ROWS), school=school)
    assert plan.summary | {"kind": None} == {
        "kind": None,
        "total": 4,
        "new": 0,
        "updated": 0,
        "unchanged": 4,
        "errors": 0,
        "examples": 0,
    }
    roster_apply(plan=plan)
    assert (User.objects.count(), Enrollment.objects.count()) == (users, enrolments)


def test_corrected_file_updates_instead_of_duplicating():
    school = make_school()
    import_file(school, xlsx(ROWS))
    corrected = [list(r) for r in ROWS]
    corrected[0][1] = datetime.date(2012, 3, 13)  # birth date fixed, matched on Mã học sinh
    corrected[2][3] = "9B"  # Huy moved class, matched on name + date of birth... and old class
    plan = roster_preview(filename="ds.xlsx", data=xlsx(corrected), school=school)
    assert (plan.new, plan.updated, plan.unchanged) == (1, 1, 2)
    # Huy has no code and his class changed: he cannot be matched, so he is new. Make the
    # match possible by giving him a code first.
    corrected[2][3] = "8A"
    corrected[2][4] = "HS003"
    import_file(school, xlsx(corrected))
    corrected[2][3] = "9B"
    summary = import_file(school, xlsx(corrected))
    assert (summary["new"], summary["updated"], summary["unchanged"]) == (0, 1, 3)
    huy = User.objects.get(full_name="Lê Đức Huy")
    assert list(huy.enrollments.filter(active=True).values_list("classroom__name", flat=True)) == [
        "9B"
    ]
    assert User.objects.filter(full_name="Nguyễn Văn An").get().birth_date == datetime.date(
        2012, 3, 13
    )


def test_a_file_with_errors_lists_them_all_and_writes_nothing():
    school = make_school()
    bad = [
        ROWS[0],
        ["Võ Minh Khôi", "12/03/2012", "Nam", "7C", "", "", "", ""],  # unknown class
        ROWS[0],  # duplicate row
        ["Hồ Thị Lan", "31/02/2012", "Nữ", "9A", "", "", "", ""],  # bad date
        ["", "01/01/2012", "Nam", "9A", "", "", "", ""],  # empty name
    ]
    users = User.objects.count()
    plan = roster_preview(filename="ds.xlsx", data=xlsx(bad), school=school)
    assert sorted((e.row, e.column) for e in plan.errors) == [
        (3, "Lớp"),  # unknown class
        (4, "Mã học sinh"),  # the same student as row 2
        (5, "Ngày sinh"),  # 31/02
        (6, "Họ và tên"),  # empty name
    ]
    with pytest.raises(ValidationError):
        roster_apply(plan=plan)
    assert User.objects.count() == users


def test_a_row_lists_every_error_at_once():
    """A bad date and a bad phone no longer hide the unknown class until the next upload."""
    school = make_school()
    rows = [
        ["Võ Minh Khôi", "31/02/2012", "Nam", "7C", "", "", "0912", ""],
        ["Hồ Thị Lan", "12/03/2012", "Nữ", "7D", "", "", "", ""],
        ROWS[1],
        ["Đỗ Văn Nam", "12/03/2012", "Nam", "9A", "", "", "", "nam@"],
    ]
    with translation.override("en"):
        plan = roster_preview(filename="ds.xlsx", data=xlsx(rows), school=school)
    assert [(e.row, e.column) for e in plan.errors] == [
        (2, "Ngày sinh"),
        (2, "SĐT phụ huynh"),
        (2, "Lớp"),
        (3, "Lớp"),
        (5, "Email"),
    ]
    assert plan.errors[2].message == f"Class 7C does not exist at {school} this year."
    assert (plan.new, plan.summary["errors"]) == (1, 5)  # only row 4 is clean


def test_a_teacher_row_lists_every_error_at_once():
    school = make_school()
    SubjectFactory(name="Toán", code="toan")
    headers = ["Họ và tên", "Môn", "Lớp dạy", "Chủ nhiệm lớp", "Email hoặc SĐT"]
    data = xlsx([["Trần Thị Hồng", "Thiên văn", "9A, 7C", "7C", "hong@"]], headers)
    plan = roster_preview(filename="gv.xlsx", data=data, school=school)
    assert [(e.row, e.column) for e in plan.errors] == [
        (2, "Email hoặc SĐT"),
        (2, "Lớp dạy"),
        (2, "Môn"),
        (2, "Chủ nhiệm lớp"),
    ]


def test_the_untouched_template_imports_no_student(client):
    school = make_school()
    client.force_login(SchoolAdminFactory(school=school))
    untouched = SimpleUploadedFile("mau.xlsx", roster_template_xlsx("students"))
    response = client.post(
        "/roster/",
        {"school": school.pk, "file": untouched},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    page = response.content.decode()
    assert "holds only the template&#x27;s example rows" in page
    assert "Import now" not in page
    job = RosterImport.objects.get()
    assert job.summary["total"] == 0 and job.summary["examples"] == 2
    client.post(f"/roster/imports/{job.pk}/confirm/")
    assert not User.objects.filter(role__in=[Role.STUDENT, Role.GUARDIAN]).exists()


def template_with(kind, rows) -> bytes:
    workbook = load_workbook(BytesIO(roster_template_xlsx(kind)))
    for row in rows:
        workbook.worksheets[0].append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_template_filled_below_its_examples_imports_only_the_real_rows(
    client, django_capture_on_commit_callbacks
):
    school = make_school()
    # 9A already has a pupil with the example's name and birth date (the demo's 9A does).
    an = StudentFactory(
        school=school, full_name="Nguyễn Văn An", birth_date=datetime.date(2012, 3, 12)
    )
    Enrollment.objects.create(classroom=school.classrooms.get(name="9A"), student=an)
    client.force_login(SchoolAdminFactory(school=school))
    data = template_with("students", [ROWS[2]])
    response = client.post(
        "/roster/",
        {"school": school.pk, "file": SimpleUploadedFile("ds.xlsx", data)},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    page = response.content.decode()
    assert "2 example rows from the template" in page
    job = RosterImport.objects.get()
    assert (job.summary["total"], job.summary["new"], job.summary["examples"]) == (1, 1, 2)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs after the commit
        client.post(f"/roster/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == RosterImport.Status.DONE, job.failure
    assert sorted(User.objects.filter(role=Role.STUDENT).values_list("full_name", flat=True)) == [
        "Lê Đức Huy",
        "Nguyễn Văn An",
    ]
    an.refresh_from_db()
    assert an.student_code == "" and not an.guardianships.exists()  # the example did nothing


def test_wrong_file_type_is_refused():
    school = make_school()
    plan = roster_preview(filename="ds.pdf", data=b"%PDF-1.4 ...", school=school)
    assert plan.errors and plan.errors[0].row is None
    plan = roster_preview(filename="ds.xlsx", data=b"not a workbook", school=school)
    assert plan.errors


def test_command_and_web_ui_give_the_same_result(client, django_capture_on_commit_callbacks):
    school_a = make_school("A", "Trường THCS A")
    school_b = SchoolFactory(code="B", name="Trường THCS B")
    for c in school_a.classrooms.all():
        ClassroomFactory(school=school_b, name=c.name, grade=c.grade, year=c.year)
    data = xlsx(ROWS)

    path = __import__("pathlib").Path(__import__("tempfile").mkdtemp()) / "ds.xlsx"
    path.write_bytes(data)
    out = StringIO()
    call_command("import_roster", str(path), "--school", "A", stdout=out, stderr=StringIO())
    assert "4" in out.getvalue()

    admin = SchoolAdminFactory(school=school_b)
    client.force_login(admin)
    response = client.post(
        "/roster/", {"school": school_b.pk, "kind": "", "file": SimpleUploadedFile("ds.xlsx", data)}
    )
    job = RosterImport.objects.get()
    assert response["Location"] == f"/roster/imports/{job.pk}/"
    preview = client.get(response["Location"]).content.decode()
    assert "Nhập ngay" in preview  # valid: the confirm button is offered
    with django_capture_on_commit_callbacks(execute=True):  # the task runs after the commit
        client.post(f"/roster/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == RosterImport.Status.DONE, job.failure
    assert job.data is None
    assert students_of(school_a) == students_of(school_b)


def test_command_dry_run_writes_nothing_and_errors_exit_nonzero(tmp_path):
    make_school()
    path = tmp_path / "ds.xlsx"
    path.write_bytes(xlsx(ROWS))
    users = User.objects.count()
    out = StringIO()
    call_command("import_roster", str(path), "--school", "THCS1", "--dry-run", stdout=out)
    assert User.objects.count() == users
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["", "01/01/2012", "Nam", "9A", "", "", "", ""]]))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_roster", str(bad), "--school", "THCS1", stdout=out, stderr=err)
    assert "2" in err.getvalue()  # the row number


def test_teacher_import_assigns_subjects_and_homeroom():
    school = make_school()
    SubjectFactory(name="Toán", code="toan")
    SubjectFactory(name="Ngữ văn", code="van", has_primary=False)
    headers = ["Họ và tên", "Môn", "Lớp dạy", "Chủ nhiệm lớp", "Email hoặc SĐT"]
    data = xlsx(
        [["Trần Thị Hồng", "Toán", "9A, 9B", "9A", "hong@example.vn"],
         ["Lê Văn Tâm", "Ngữ văn", "8A", "", "0905111222"]],
        headers,
    )  # fmt: skip
    summary = import_file(school, data)
    assert summary["new"] == 2
    hong = User.objects.get(full_name="Trần Thị Hồng")
    assert hong.role == Role.TEACHER and hong.username == "tranthihong.gv"
    assert set(
        TeachingAssignment.objects.filter(teacher=hong).values_list("classroom__name", flat=True)
    ) == {"9A", "9B"}
    assert school.classrooms.get(name="9A").homeroom_teacher == hong
    assert roster_preview(filename="gv.xlsx", data=data, school=school).summary["unchanged"] == 2


def test_unknown_subject_is_an_error():
    school = make_school()
    headers = ["Họ và tên", "Môn", "Lớp dạy", "Chủ nhiệm lớp", "Email hoặc SĐT"]
    plan = roster_preview(
        filename="gv.xlsx",
        data=xlsx([["Trần Thị Hồng", "Thiên văn", "9A", "", "hong@example.vn"]], headers),
        school=school,
    )
    assert [(e.row, e.column) for e in plan.errors] == [(2, "Môn")]


# --- web pages: scope, slips, first sign-in ------------------------------------------------


def test_roster_pages_are_for_school_staff_only(client):
    school = make_school()
    client.force_login(StudentFactory(school=school))
    assert client.get("/roster/").status_code == 404
    other_admin = SchoolAdminFactory(school=SchoolFactory(code="OTHER"))
    job = RosterImport.objects.create(school=school, kind="students", filename="x.xlsx")
    client.force_login(other_admin)
    assert client.get(f"/roster/imports/{job.pk}/").status_code == 404
    client.force_login(SchoolAdminFactory(school=school))
    assert client.get(f"/roster/imports/{job.pk}/").status_code == 200


def test_upload_with_errors_shows_them_in_vietnamese(client):
    school = make_school()
    client.force_login(SchoolAdminFactory(school=school))
    data = xlsx([["Võ Minh Khôi", "12/03/2012", "Nam", "7C", "", "", "", ""]])
    response = client.post(
        "/roster/", {"school": school.pk, "file": SimpleUploadedFile("a.xlsx", data)}, follow=True
    )
    page = response.content.decode()
    assert "7C" in page
    assert "Lớp 7C không có ở Trường THCS Nguyễn Trãi trong năm học này." in page
    assert "Nhập ngay" not in page  # no confirm button while there are errors
    assert RosterImport.objects.get().data is None


def test_slips_show_passwords_until_handed_out_then_reset(client):
    school = make_school()
    import_file(school, xlsx(ROWS))
    classroom = school.classrooms.get(name="9A")
    admin = SchoolAdminFactory(school=school)
    client.force_login(admin)
    page = client.get(f"/classes/{classroom.pk}/slips/").content.decode()
    assert "nguyenvanan.9a" in page
    assert page.count('class="slip-password"') == 2
    workbook = load_workbook(
        BytesIO(client.get(f"/classes/{classroom.pk}/slips/?format=xlsx").content)
    )
    usernames = [row[3].value for row in workbook.active.iter_rows(min_row=2)]
    assert "nguyenvanan.9a" in usernames

    client.post(f"/classes/{classroom.pk}/slips/action/", {"action": "hand_out"})
    an = User.objects.get(username="nguyenvanan.9a")
    assert not InitialCredential.objects.filter(user=an).exists()
    client.post(f"/classes/{classroom.pk}/slips/action/", {"action": "reset", "user": [an.pk]})
    assert InitialCredential.objects.filter(user=an).exists()


def test_only_the_homeroom_teacher_among_teachers_prints_slips(client):
    school = make_school()
    classroom = school.classrooms.get(name="9A")
    teacher = TeacherFactory(school=school)
    client.force_login(teacher)
    assert client.get(f"/classes/{classroom.pk}/slips/").status_code == 404
    classroom.homeroom_teacher = teacher
    classroom.save()
    assert client.get(f"/classes/{classroom.pk}/slips/").status_code == 200


def test_a_student_signs_in_with_the_slip_and_must_change_password(client):
    from accounts.credentials import credential_password

    school = make_school()
    import_file(school, xlsx(ROWS))
    an = User.objects.get(username="nguyenvanan.9a")
    password = credential_password(an.initial_credential)
    response = client.post("/accounts/login/", {"login": "nguyenvanan.9a", "password": password})
    assert response.status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/change/"
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": password, "password1": "Hoc-Tiep-2027!", "password2": "Hoc-Tiep-2027!"},
    )
    assert response.status_code == 302
    an.refresh_from_db()
    assert not an.must_change_password
    assert not InitialCredential.objects.filter(user=an).exists()
    assert client.get("/").status_code == 200


def test_a_multi_school_file_names_each_rows_school(tmp_path):
    school_a = make_school("A", "Trường THCS A")
    school_b = SchoolFactory(code="B", name="Trường THCS B")
    ClassroomFactory(school=school_b, name="9A", grade=9, year=school_a.classrooms.first().year)
    headers = [*STUDENT_HEADERS, "Mã trường"]
    rows = [
        ["Nguyễn Văn An", "12/03/2012", "Nam", "9A", "HS001", "", "", "", "A"],
        ["Nguyễn Văn An", "12/03/2012", "Nam", "9A", "HS001", "", "", "", "B"],  # not a duplicate
        ["Lê Thị Mai", "01/02/2012", "Nữ", "9A", "", "", "", "", "ZZZ"],
        ["Lê Thị Mai", "01/02/2012", "Nữ", "9A", "", "", "", "", ""],
    ]
    plan = roster_preview(filename="tinh.xlsx", data=xlsx(rows, headers), school=None)
    assert sorted((e.row, e.column) for e in plan.errors) == [(4, "Mã trường"), (5, "Mã trường")]

    path = tmp_path / "tinh.xlsx"
    path.write_bytes(xlsx(rows[:2], headers))
    call_command("import_roster", str(path), stdout=StringIO())
    assert User.objects.get(school=school_a, student_code="HS001").username == "nguyenvanan.9a"
    assert User.objects.get(school=school_b, student_code="HS001").username == "nguyenvanan.9a.2"


def test_a_row_of_another_school_is_refused_in_a_school_import():
    school = make_school()
    rows = [[*ROWS[0], "KHAC"]]
    plan = roster_preview(
        filename="ds.xlsx", data=xlsx(rows, [*STUDENT_HEADERS, "Mã trường"]), school=school
    )
    assert [(e.row, e.column) for e in plan.errors] == [(2, "Mã trường")]


def test_slips_are_in_vietnamese_class_list_order(client):
    school = make_school()
    rows = [
        ["Đỗ Văn Bình", "01/01/2012", "Nam", "9A", "", "", "", ""],
        ["Nguyễn Thị An", "01/01/2012", "Nữ", "9A", "", "", "", ""],
        ["Trần Văn Đức", "01/01/2012", "Nam", "9A", "", "", "", ""],
        ["Lê Văn Dũng", "01/01/2012", "Nam", "9A", "", "", "", ""],
    ]
    import_file(school, xlsx(rows))
    slips = classroom_slips(classroom=school.classrooms.get(name="9A"))
    assert [s.user.full_name for s in slips] == [
        "Nguyễn Thị An", "Đỗ Văn Bình", "Lê Văn Dũng", "Trần Văn Đức",
    ]  # fmt: skip


def test_an_import_that_fails_midway_leaves_nothing_behind():
    school = make_school()
    plan = roster_preview(filename="ds.xlsx", data=xlsx(ROWS), school=school)
    users = User.objects.count()

    def crash(done, total):
        raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        roster_apply(plan=plan, progress=crash)
    assert User.objects.count() == users
    assert not Enrollment.objects.filter(student__school=school).exists()
    assert not InitialCredential.objects.exists()


@durable_tasks()
def test_a_confirmed_import_waits_on_the_queue_and_a_worker_runs_it(client):
    """Confirming only queues the import (it survives a web worker restart: nothing of it lives
    in the web process); a background worker runs it, and the progress is in the database."""
    school = make_school()
    admin = SchoolAdminFactory(school=school)
    job = roster_import_create(
        user=admin, school=school, upload=SimpleUploadedFile("ds.xlsx", xlsx(ROWS)), kind=""
    )
    client.force_login(admin)
    client.post(f"/roster/imports/{job.pk}/confirm/")
    client.post(f"/roster/imports/{job.pk}/confirm/")  # a double click queues nothing more
    assert queued("classrooms.roster.jobs.roster_import_task") == 1
    state = client.get(f"/roster/imports/{job.pk}/status/").json()
    assert (state["status"], state["done"], state["total"]) == ("running", 0, 4)
    assert not User.objects.filter(school=school, role=Role.STUDENT).exists()
    run_queued()
    state = client.get(f"/roster/imports/{job.pk}/status/").json()
    assert (state["status"], state["done"], state["total"], state["percent"]) == ("done", 4, 4, 100)
    assert User.objects.filter(school=school, role=Role.STUDENT).count() == 4


def test_imported_teachers_get_slips_on_the_school_page(client):
    school = make_school()
    SubjectFactory(name="Toán", code="toan")
    headers = ["Họ và tên", "Môn", "Lớp dạy", "Chủ nhiệm lớp", "Email hoặc SĐT"]
    import_file(school, xlsx([["Trần Thị Hồng", "Toán", "9A", "9A", "hong@example.vn"]], headers))
    client.force_login(SchoolAdminFactory(school=school))
    page = client.get(f"/schools/{school.pk}/teacher-slips/").content.decode()
    assert "tranthihong.gv" in page
    assert page.count('class="slip-password"') == 1
    client.post(f"/schools/{school.pk}/teacher-slips/action/", {"action": "hand_out"})
    assert not InitialCredential.objects.filter(user__username="tranthihong.gv").exists()
    # Teachers cannot print their colleagues' slips.
    teacher = User.objects.get(username="tranthihong.gv")
    User.objects.filter(pk=teacher.pk).update(must_change_password=False)
    client.force_login(teacher)
    assert client.get(f"/schools/{school.pk}/teacher-slips/").status_code == 404
