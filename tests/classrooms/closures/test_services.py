"""Closures: who may declare what, 404 outside the scope, history, notices and email,
sessions generated from the timetable, and the rollup refreshed."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notice
from classrooms.models import Closure, ClosureChange, LiveSession, TimetableSlot
from coverage.models import DailyCoverage
from tests.clock import MONDAY, SUNDAY, at
from tests.factories import (
    ClassroomFactory,
    DistrictOfficerFactory,
    EnrollmentFactory,
    GuardianshipFactory,
    ProvinceOfficerFactory,
    SchoolAdminFactory,
    SchoolFactory,
    SubjectFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday_morning(time_machine):
    """Closures start today: a Monday of term I, mid-morning, whatever day the tests run."""
    time_machine.move_to(at(MONDAY, 10), tick=False)


@pytest.fixture
def world():
    school = SchoolFactory()
    other = SchoolFactory()  # another district
    classroom = ClassroomFactory(school=school, name="9A")
    student = EnrollmentFactory(classroom=classroom).student
    guardian = GuardianshipFactory(student=student).guardian
    teacher = TeacherFactory(school=school)
    # A lesson every weekday at 07:00.
    for weekday in range(5):
        TimetableSlot.objects.create(
            classroom=classroom, weekday=weekday, period=1, starts_at=datetime.time(7),
            subject=SubjectFactory(), teacher=teacher,
        )  # fmt: skip
    return {
        "school": school,
        "other": other,
        "classroom": classroom,
        "student": student,
        "guardian": guardian,
        "officer": DistrictOfficerFactory(district=school.district),
        "admin": SchoolAdminFactory(school=school),
        "province": ProvinceOfficerFactory(),
    }


def form(scope="school", school=None, days=4, **extra):
    today = timezone.localdate()
    data = {
        "scope": scope, "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=days)).isoformat(), "reason": "flood",
        "note": "Nước lên",
    }  # fmt: skip
    if school:
        data["school"] = school.pk
    data.update(extra)
    return data


def test_district_officer_declares_a_school_closure(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/closures/new/", form(school=world["school"]))
    closure = Closure.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/closures/{closure.pk}/"
    # History, sessions from the timetable, notices for the student and guardian, emails.
    assert list(closure.changes.values_list("action", flat=True)) == ["declared"]
    # Monday to Friday from the timetable, today's 07:00 lesson included (the day is not over).
    sessions = LiveSession.objects.filter(classroom=world["classroom"])
    assert sorted(timezone.localdate(s.starts_at) for s in sessions) == [
        MONDAY + datetime.timedelta(days=i) for i in range(5)
    ]
    keys = set(Notice.objects.filter(kind="closure").values_list("user_id", "key"))
    assert keys == {
        (world["student"].pk, f"closure:{closure.pk}"),
        (world["guardian"].pk, f"closure:{closure.pk}"),
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world["student"].email, world["guardian"].email]
    )
    # The rollup knows the class is closed today.
    assert DailyCoverage.objects.get(classroom=world["classroom"], date=MONDAY).closed


def test_a_closure_declared_on_a_sunday_has_no_class_day_that_sunday(
    client, world, time_machine, django_capture_on_commit_callbacks
):
    # Sunday is never a school day: the sessions start on Monday, and the rollup of the days
    # so far (that Sunday alone) writes no class-day.
    time_machine.move_to(at(SUNDAY, 10), tick=False)
    client.force_login(world["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/closures/new/", form(school=world["school"]))  # Sunday to Thursday
    assert Closure.objects.get().starts_on == SUNDAY
    sessions = LiveSession.objects.filter(classroom=world["classroom"])
    assert sorted(timezone.localdate(s.starts_at) for s in sessions) == [
        SUNDAY + datetime.timedelta(days=i) for i in range(1, 5)
    ]
    assert not DailyCoverage.objects.exists()


def test_start_pages_say_online_learning(client, world):
    Closure.objects.create(scope="school", school=world["school"], starts_on=timezone.localdate(),
                           ends_on=timezone.localdate(), reason="flood")  # fmt: skip
    for user in (world["student"], world["guardian"], world["admin"]):
        client.force_login(user)
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Online learning" in page and "9A" in page


def test_other_districts_school_is_refused_with_a_clear_error(client, world):
    client.force_login(world["officer"])
    response = client.post("/closures/new/", form(school=world["other"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert (
        "You can only declare closures for schools you are responsible for."
        in response.content.decode()
    )
    assert not Closure.objects.exists()


@pytest.mark.parametrize(
    ("role", "scope", "allowed"),
    [
        ("admin", "school", True), ("admin", "district", False),
        ("admin", "province", False), ("officer", "district", True),
        ("officer", "province", False), ("province", "province", True),
    ],
)  # fmt: skip
def test_scopes_per_role(client, world, role, scope, allowed):
    client.force_login(world[role])
    extra = {"district": world["school"].district_id} if scope == "district" else {}
    client.post(
        "/closures/new/",
        form(scope=scope, school=world["school"] if scope == "school" else None, **extra),
    )
    assert Closure.objects.exists() == allowed


def test_students_and_teachers_cannot_declare(client, world):
    client.force_login(world["student"])
    assert client.get("/closures/new/").status_code == 404
    assert client.post("/closures/new/", form(school=world["school"])).status_code == 404


def test_edit_end_early_cancel_keep_history(client, world, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    client.force_login(world["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/closures/new/", form(school=world["school"], days=6))
    closure = Closure.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/closures/{closure.pk}/edit/", {
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=5)).isoformat(),
            "reason": "storm", "note": "Bão số 5",
        })  # fmt: skip
        client.post(
            f"/closures/{closure.pk}/end/",
            {"last_day": (today + datetime.timedelta(days=1)).isoformat()},
        )
        client.post(f"/closures/{closure.pk}/cancel/", {"note": "Nhầm"})
    closure.refresh_from_db()
    changes = list(closure.changes.order_by("pk"))
    assert [c.action for c in changes] == ["declared", "edited", "ended", "cancelled"]
    assert changes[1].before["reason"] == "flood" and changes[1].after["reason"] == "storm"
    assert changes[2].after["ends_on"] == (today + datetime.timedelta(days=1)).isoformat()
    assert closure.cancelled_at is not None
    assert not DailyCoverage.objects.get(classroom=world["classroom"], date=today).closed


def test_other_district_closure_is_404(client, world):
    today = timezone.localdate()
    closure = Closure.objects.create(
        scope="school", school=world["other"], starts_on=today, ends_on=today, reason="flood"
    )
    client.force_login(world["officer"])
    assert client.get(f"/closures/{closure.pk}/").status_code == 404
    assert client.post(f"/closures/{closure.pk}/cancel/").status_code == 404
    assert not ClosureChange.objects.exists()
