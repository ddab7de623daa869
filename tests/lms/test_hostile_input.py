"""Hostile HTTP input answers a clear 4xx, never a 500 (issue 18, item 12): non-finite xAPI
scores, search queries that the SQLite full-text syntax cannot parse, NUL in any query string,
and the at-risk API paged out of range. docs/deployment.md "Security" says how to check a site."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from courses.models import H5PResult, XAPIStatement
from coverage.models import AtRiskStudent, DailyCoverage
from tests.courses.conftest import world  # noqa: F401 - fixture
from tests.courses.test_h5p_storage import media  # noqa: F401 - fixture
from tests.courses.test_h5p_views import activity, post_xapi, statement  # noqa: F401 - fixture
from tests.factories import EnrollmentFactory, SchoolAdminFactory

pytestmark = pytest.mark.django_db

VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}
with translation.override("vi"):
    NUL_MESSAGE = gettext("The address contains a character that is not allowed.")


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# --- xAPI scores ---------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_xapi_scores_are_refused_and_nothing_is_stored(world, activity, number):  # noqa: F811
    package, lesson = activity
    body = json.dumps(statement(raw=1, maximum=1)).replace('"max": 1', f'"max": {number}')
    assert number in body
    response = post_xapi(client_for(world.student), package, lesson, body, **VI)
    assert response.status_code == 400
    assert response.json()["error"] == "Yêu cầu không phải JSON hợp lệ."
    assert not XAPIStatement.objects.exists()
    assert not H5PResult.objects.exists()


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800"])
def test_xapi_text_no_database_stores_is_refused(world, activity, escape):  # noqa: F811
    """PostgreSQL's JSON refuses both escapes (a 500 there); SQLite's would keep them."""
    package, lesson = activity
    body = json.dumps(statement()).replace("user-1@", f"user{escape}1@")
    assert escape in body
    response = post_xapi(client_for(world.student), package, lesson, body)
    assert response.status_code == 400
    assert not XAPIStatement.objects.exists()


def test_a_score_too_large_for_a_float_is_kept_but_not_scored(world, activity):  # noqa: F811
    package, lesson = activity
    huge = "1" + "0" * 400
    body = json.dumps(statement(raw=1, maximum=1)).replace('"max": 1', f'"max": {huge}')
    response = post_xapi(client_for(world.student), package, lesson, body)
    assert response.status_code == 200
    assert response.json() == {"recorded": False}
    assert not H5PResult.objects.exists()


# --- Searches ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ['"', 'hệ "phương', 'phương"trình', "a\\", "'"])
def test_lesson_search_with_stray_quotes_answers_the_page(world, query):  # noqa: F811
    response = client_for(world.teacher).get(reverse("courses:lesson_search"), {"q": query})
    assert response.status_code == 200


def test_lesson_search_still_finds_a_quoted_word(world):  # noqa: F811
    page = client_for(world.teacher).get(reverse("courses:lesson_search"), {"q": '"phương'})
    assert world.lesson.title in page.content.decode()


@pytest.mark.parametrize(
    "url", ["/admin/pages/search/", "/admin/documents/", "/admin/images/", "/admin/users/"]
)
def test_wagtail_admin_searches_with_a_stray_quote_answer_the_page(admin_user, url):
    response = client_for(admin_user).get(url, {"q": 'bài "toán'})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/lessons/search/?q=a%00b",
        "/admin/pages/search/?q=%00",
        "/accounts/login/?next=/%00",
        "/?x=%00",
    ],
)
def test_nul_in_a_query_string_is_a_400_in_vietnamese(world, admin_user, url):  # noqa: F811
    for user in (world.teacher, admin_user):
        response = client_for(user).get(url, **VI)
        assert response.status_code == 400
        assert response.content.decode() == NUL_MESSAGE


# --- The at-risk API -----------------------------------------------------------------------


@pytest.fixture
def school_admin():
    """The admin of a school with one student at risk as of today's rollup."""
    enrollment = EnrollmentFactory()
    classroom, today = enrollment.classroom, timezone.localdate()
    place = {"district": classroom.school.district, "school": classroom.school}
    DailyCoverage.objects.create(date=today, classroom=classroom, level="thcs", grade=9, **place)
    AtRiskStudent.objects.create(
        as_of=today,
        classroom=classroom,
        student=enrollment.student,
        consecutive_absences=3,
        **place,
    )
    return SchoolAdminFactory(school=classroom.school)


@pytest.mark.parametrize("offset", [10**9, 10**9 + 1, 2**63, 10**20, 10**100])
def test_at_risk_api_paged_past_the_end_is_an_empty_page(school_admin, offset):
    response = client_for(school_admin).get(reverse("coverage_api:at_risk"), {"offset": offset})
    assert response.status_code == 200
    page = response.json()
    assert (page["count"], page["results"], page["next"]) == (1, [], None)


@pytest.mark.parametrize(
    "query",
    [{"limit": str(10**20)}, {"limit": "9" * 5000}, {"offset": "9" * 5000}, {"offset": "-1"}],
)
def test_at_risk_api_with_a_limit_or_offset_out_of_range_is_a_400(school_admin, query):
    response = client_for(school_admin).get(reverse("coverage_api:at_risk"), query, **VI)
    assert response.status_code == 400
    assert "offset" in response.json()["detail"]


@pytest.mark.parametrize("classroom", [str(10**20), "9" * 5000, "x"])
def test_at_risk_api_with_an_out_of_range_class_is_a_404(school_admin, classroom):
    response = client_for(school_admin).get(
        reverse("coverage_api:at_risk"), {"classroom": classroom}
    )
    assert response.status_code == 404
