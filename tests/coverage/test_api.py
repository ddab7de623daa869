"""The coverage API /api/v1/coverage/: authentication (session, token, anonymous), roles,
scope (404 outside it), the schema, the token page, and the same figures as the selectors."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Role, User
from classrooms.models import Classroom, District, School
from coverage import selectors, students
from tests.clock import WEDNESDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def wednesday_morning(time_machine):
    """The generated school days and the dashboards' periods count back from today: the
    same days on every run. The clock ticks on from there."""
    time_machine.move_to(at(WEDNESDAY, 10), tick=True)


@pytest.fixture
def province():
    """A tiny generated province: 4 schools, 8 classes, 200 students, 5 school days under a
    closure, rolled up."""
    # Up to yesterday, so that every session is in the past.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    call_command(
        "generate_province", schools=4, classes=8, students=200, days=5, end=yesterday,
        stdout=io.StringIO(),
    )  # fmt: skip
    return {
        "officer": User.objects.get(username="gp.sgd"),
        "district": District.objects.filter(schools__code__startswith="GP")
        .distinct()
        .order_by("code")
        .first(),
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(client, name, query=None, **kwargs):
    return client.get(reverse(f"coverage_api:{name}", kwargs=kwargs), query or {})


def figures(row: dict) -> dict:
    keys = ("closed_class_days", "taught_closed_class_days", "coverage_pct", "sessions_held",
            "sessions_scheduled", "attendances", "expected_attendances", "participation_pct",
            "at_risk_students", "students")  # fmt: skip
    return {k: row[k] for k in keys}


# --- Authentication --------------------------------------------------------------------------


def test_anonymous_gets_401_asking_for_a_token(province):
    response = get(Client(), "summary")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    response = Client().get("/api/v1/coverage/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401


def test_session_and_token_give_the_same_answer(province):
    officer = province["officer"]
    by_session = get(client_for(officer), "summary").json()
    token = Token.objects.create(user=officer)
    by_token = Client().get("/api/v1/coverage/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert by_token.status_code == 200
    assert by_token.json() == by_session
    assert by_session["closed_class_days"] > 0


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TEACHER, Role.GUARDIAN])
def test_students_teachers_and_guardians_are_refused(province, role):
    user = User.objects.filter(role=role).first() or User.objects.create(
        username=f"x-{role}", role=role
    )
    client = client_for(user)
    assert get(client, "summary").status_code == 403
    school = School.objects.first()
    assert get(client, "school_classes", school_id=school.pk).status_code == 403
    token = Token.objects.create(user=user)
    response = Client().get("/api/v1/coverage/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403


# --- Figures: the selectors' numbers ---------------------------------------------------------


def test_every_level_has_the_selectors_numbers(province):
    officer = province["officer"]
    client = client_for(officer)
    query = {"level": "", "days": "closed"}
    filters = selectors.filters_from_params(query)

    summary = get(client, "summary", query).json()
    expected = selectors.coverage_summary(user=officer, filters=filters)
    assert figures(summary) == figures(expected)
    assert summary["filters"]["closures_only"] is True
    assert summary["today"]["date"] == timezone.localdate().isoformat()

    districts = get(client, "districts", query).json()
    expected_rows = selectors.district_rows(user=officer, filters=filters)
    assert districts["count"] == len(expected_rows) == District.objects.count()
    assert [figures(r) for r in districts["results"]] == [figures(r) for r in expected_rows]

    # Drill down by following the links the API gives.
    district = next(r for r in districts["results"] if r["closed_class_days"])
    schools = client.get(district["schools_url"]).json()
    assert [figures(r) for r in schools["results"]] == [
        figures(r)
        for r in selectors.school_rows(user=officer, filters=filters, district_id=district["id"])
    ]
    school = next(r for r in schools["results"] if r["closed_class_days"])
    classes = client.get(school["classes_url"]).json()
    expected_classes = selectors.class_rows(user=officer, filters=filters, school_id=school["id"])
    assert [figures(r) for r in classes["results"]] == [figures(r) for r in expected_classes]
    assert classes["count"] == Classroom.objects.filter(school_id=school["id"]).count()

    classroom = classes["results"][0]
    students = client.get(classroom["students_url"]).json()
    expected_students = selectors.student_rows(
        user=officer, filters=filters, classroom_id=classroom["id"]
    )
    assert students["results"] == [
        {**row, "attendance_pct": row["attendance_pct"]} for row in expected_students
    ]
    assert students["count"] == classroom["students"]

    daily = get(client, "daily", {**query, "school": school["id"]}).json()
    assert sum(d["closed_class_days"] for d in daily["results"]) == school["closed_class_days"]


def test_filters_are_the_dashboards(province):
    officer = province["officer"]
    client = client_for(officer)
    today = timezone.localdate()
    query = {
        "start": (today - datetime.timedelta(days=30)).isoformat(),
        "end": today.isoformat(),
        "level": "thcs",
        "days": "all",
    }
    body = get(client, "schools", query).json()
    filters = selectors.filters_from_params(query)
    assert body["filters"] == {
        "start": query["start"], "end": query["end"], "level": "thcs", "grade": None,
        "closures_only": False,
    }  # fmt: skip
    expected = selectors.school_rows(user=officer, filters=filters)
    assert [figures(r) for r in body["results"]] == [figures(r) for r in expected]
    # Links keep the filters.
    assert "level=thcs" in body["results"][0]["classes_url"]


def test_at_risk_and_attention_lists_are_the_dashboards(province):
    officer = province["officer"]
    client = client_for(officer)
    at_risk = get(client, "at_risk").json()
    expected = students.at_risk_students(user=officer)
    assert at_risk["sessions"] == 3
    assert [
        (r["id"], r["classroom_id"], r["consecutive_absences"]) for r in at_risk["results"]
    ] == [(r["id"], r["classroom_id"], r["consecutive_absences"]) for r in expected]
    assert at_risk["count"] > 0  # the generated drop-outs
    attention = get(client, "attention").json()
    assert attention["threshold_pct"] == 80
    assert [(r["id"], r["coverage_pct"]) for r in attention["results"]] == [
        (r["id"], r["coverage_pct"]) for r in selectors.attention_schools(user=officer)
    ]


def test_the_at_risk_list_pages(province):
    officer = province["officer"]
    client = client_for(officer)
    everyone = [r["id"] for r in students.at_risk_students(user=officer)]
    assert len(everyone) >= 2
    seen, page = [], get(client, "at_risk", {"limit": 1}).json()
    assert page["previous"] is None
    while True:
        assert page["count"] == len(everyone) and len(page["results"]) == 1
        seen += [r["id"] for r in page["results"]]
        if page["next"] is None:
            break
        page = client.get(page["next"]).json()
        assert page["previous"] is not None
    assert seen == everyone

    for bad in ({"limit": 0}, {"limit": "abc"}, {"offset": -1}, {"limit": 5000}):
        response = client.get(reverse("coverage_api:at_risk"), bad, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 400, bad
        assert "số nguyên" in response.json()["detail"]


# --- Scope ------------------------------------------------------------------------------------


def test_a_district_officer_sees_only_their_district(province):
    district = province["district"]
    officer = User.objects.get(username=f"gp.pgd.{district.code}")
    client = client_for(officer)
    districts = get(client, "districts").json()
    assert [r["id"] for r in districts["results"]] == [district.pk]
    assert get(client, "district_schools", district_id=district.pk).status_code == 200

    other_school = School.objects.filter(code__startswith="GP").exclude(district=district).first()
    other_class = Classroom.objects.filter(school=other_school).first()
    assert get(client, "district_schools", district_id=other_school.district_id).status_code == 404
    assert get(client, "school_classes", school_id=other_school.pk).status_code == 404
    assert get(client, "class_students", classroom_id=other_class.pk).status_code == 404
    assert get(client, "daily", {"school": other_school.pk}).status_code == 404
    assert get(client, "at_risk", {"classroom": other_class.pk}).status_code == 404
    mine = {r["school_id"] for r in get(client, "at_risk").json()["results"]}
    assert mine <= set(district.schools.values_list("pk", flat=True))
    assert get(client, "school_classes", school_id=999_999).status_code == 404
    # Their summary counts their district only.
    filters = selectors.filters_from_params({})
    summary = get(client, "summary").json()
    assert figures(summary) == figures(selectors.coverage_summary(user=officer, filters=filters))


def test_a_school_admin_sees_their_school_not_the_districts(province):
    school = School.objects.filter(code__startswith="GP").first()
    admin = User.objects.get(role=Role.SCHOOL_ADMIN, school=school)
    client = client_for(admin)
    assert get(client, "districts").status_code == 404
    summary = get(client, "summary").json()
    assert "districts" not in summary["links"]
    schools = client.get(summary["links"]["schools"]).json()
    assert [r["id"] for r in schools["results"]] == [school.pk]
    assert get(client, "school_classes", school_id=school.pk).status_code == 200
    other = School.objects.filter(code__startswith="GP").exclude(pk=school.pk).first()
    assert get(client, "school_classes", school_id=other.pk).status_code == 404


# --- Schema and docs --------------------------------------------------------------------------


def test_schema_and_docs_are_served():
    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    import json

    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/coverage/schools/{school_id}/classes/" in schema["paths"]
    assert not any(path.startswith("/admin") for path in schema["paths"])
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
    docs = Client().get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


# --- The token page ---------------------------------------------------------------------------


def test_token_page_creates_and_replaces_the_token(province):
    officer = province["officer"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    url = reverse("coverage_api:token")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and b"You have no API token yet." in page.content
    # CSRF is required.
    assert client.post(url).status_code == 403
    csrf = page.cookies["csrftoken"].value
    assert client.post(url, {"csrfmiddlewaretoken": csrf}).status_code == 302
    first = Token.objects.get(user=officer).key
    assert first.encode() in client.get(url).content
    client.post(url, {"csrfmiddlewaretoken": csrf})
    second = Token.objects.get(user=officer).key
    assert second != first
    assert Client().get("/api/v1/coverage/", HTTP_AUTHORIZATION=f"Token {first}").status_code == 401
    assert (
        Client().get("/api/v1/coverage/", HTTP_AUTHORIZATION=f"Token {second}").status_code == 200
    )


def test_token_page_is_for_staff_roles_only(province):
    url = reverse("coverage_api:token")
    assert Client().get(url).status_code == 302  # to the sign-in page
    for role in (Role.STUDENT, Role.TEACHER):
        user = User.objects.filter(role=role).first()
        client = client_for(user)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert not Token.objects.exists()
