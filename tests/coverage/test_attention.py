"""Needs attention ("Cần chú ý") at province scale (issue 17 item 4): the start dashboard
lists the worst ATTENTION_ON_DASHBOARD schools and links to the attention page, which lists
them all, for the same filters and with the same items, to the same viewers as the dashboard.
On docs/coverage.md's worked example (tests/coverage/fixture.py), where S3 (0.0%), S2 (33.3%)
and S1 (66.7%) are below the threshold, plus a district of 21 schools whose classes were
closed and never taught."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classrooms.models import Closure
from coverage import selectors, views
from coverage.services import rollup
from tests.factories import (
    ClassroomFactory,
    DistrictFactory,
    DistrictOfficerFactory,
    SchoolFactory,
)

from .fixture import MON, PERIOD, THU, TODAY, TUE, at, build

pytestmark = pytest.mark.django_db

DASHBOARD, ATTENTION = "/coverage/", "/coverage/attention/"
ROLLUP_TABLES = ("coverage_dailycoverage", "coverage_schooldailycoverage", "coverage_atriskstudent")


@pytest.fixture
def many(time_machine):
    """The worked example and district D3: 21 schools of one class each, closed Tuesday to
    Thursday and never taught (0.0%, after S3 by name: "S3" < "Trường …")."""
    time_machine.move_to(at(TODAY, 16), tick=True)
    fixture = build()
    d3 = DistrictFactory(code="D3", name="D3")
    fixture.d3_schools = [SchoolFactory(district=d3, name=f"Trường {i:02d}") for i in range(1, 22)]
    for school in fixture.d3_schools:
        ClassroomFactory(school=school, name="7A", grade=7)
    Closure.objects.create(
        scope="district", district=d3, starts_on=TUE, ends_on=THU, reason="flood",
        declared_by=fixture.province,
    )  # fmt: skip
    fixture.officer_d3 = DistrictOfficerFactory(district=d3)
    rollup(since=MON)
    return fixture


def page(client, url, params=None, language="en") -> str:
    response = client.get(url, params or {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def attention_section(html: str) -> str:
    section = html[html.index('id="attention-title"') :]
    return section[: section.index("</section>")]


def schools_listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-school="(\d+)"', attention_section(html))]


def items(html: str) -> list[str]:
    """Each school's item as rendered (the shared coverage/_attention_item.html)."""
    return re.findall(r"<li data-school=.*?</li>", attention_section(html), re.S)


def see_all(html: str) -> str | None:
    """The dashboard's "see all" link, with its query string."""
    match = re.search(r'<a href="([^"]*)" data-attention-all>', html)
    return match and match.group(1).replace("&amp;", "&")


def query_of(params) -> str:
    filters = selectors.filters_from_params(params)
    return "&".join(f"{k}={v}" for k, v in filters.as_query().items())


def test_the_dashboard_lists_the_worst_20_and_links_to_all_of_them(client, many):
    assert views.ATTENTION_ON_DASHBOARD == 20
    client.force_login(many.province)
    everything = [s["id"] for s in selectors.attention_schools(user=many.province)]
    assert len(everything) == 24  # S3, the 21 schools of D3, S2, S1: worst first
    assert everything[0] == many.s3.pk and everything[-2:] == [many.s2.pk, many.s1.pk]

    html = page(client, DASHBOARD, PERIOD)
    assert schools_listed(html) == everything[:20]
    assert "and 4 more schools below the threshold" in html
    assert re.search(r"data-attention-all>See all 24 schools</a>", html)
    assert see_all(html) == f"{ATTENTION}?{query_of(PERIOD)}"

    full = page(client, see_all(html))
    assert schools_listed(full) == everything
    assert items(full)[:20] == items(html)  # one template for a school's item
    assert re.search(r"<h1[^>]*>Needs attention: 24 schools</h1>", full)

    # One more than the dashboard shows: the singular, and in Vietnamese.
    client.force_login(many.officer_d3)
    html = page(client, DASHBOARD, PERIOD, language="vi")
    assert schools_listed(html) == [s.pk for s in many.d3_schools[:20]]
    assert "và 1 trường khác dưới ngưỡng" in html
    assert re.search(r"data-attention-all>Xem tất cả 21 trường</a>", html)
    full = page(client, see_all(html), language="vi")
    assert schools_listed(full) == [s.pk for s in many.d3_schools]
    assert re.search(r"<h1[^>]*>Cần chú ý: 21 trường · D3</h1>", full)


def test_with_fewer_schools_than_the_limit_there_is_no_link(client, fx):
    client.force_login(fx.province)
    html = page(client, DASHBOARD, PERIOD)
    assert schools_listed(html) == [fx.s3.pk, fx.s2.pk, fx.s1.pk]
    assert "data-attention-more" not in html and "data-attention-all" not in html
    # The page itself is there all the same.
    assert schools_listed(page(client, ATTENTION, PERIOD)) == [fx.s3.pk, fx.s2.pk, fx.s1.pk]


def test_the_link_and_the_page_keep_the_filters(client, fx, monkeypatch):
    monkeypatch.setattr(views, "ATTENTION_ON_DASHBOARD", 2)
    client.force_login(fx.province)
    html = page(client, DASHBOARD, PERIOD)
    assert schools_listed(html) == [fx.s3.pk, fx.s2.pk]  # worst first
    assert "and 1 more school below the threshold" in html
    assert "See all 3 schools" in html

    monkeypatch.setattr(views, "ATTENTION_ON_DASHBOARD", 1)
    lower = {**PERIOD, "level": "thcs", "days": "all"}
    html = page(client, DASHBOARD, lower)
    assert schools_listed(html) == [fx.s2.pk]
    assert "and 1 more school below the threshold" in html and "See all 2 schools" in html
    link = see_all(html)
    assert link == f"{ATTENTION}?{query_of(lower)}"
    assert "level=thcs" in link and "days=all" in link and f"start={MON.isoformat()}" in link

    full = page(client, link)
    assert schools_listed(full) == [fx.s2.pk, fx.s1.pk]
    assert items(full)[:1] == items(html)
    # Back to the dashboard with the same filters.
    assert f'href="{DASHBOARD}?{query_of(lower)}"'.replace("&", "&amp;") in full
    # Only the level and the grade apply here; the period and the days ride along hidden.
    form = full[full.index('class="filter-form') :]
    form = form[: form.index("</form>")]
    assert set(re.findall(r'<select name="(\w+)"', form)) == {"level", "grade"}
    for name, value in (("start", MON.isoformat()), ("end", THU.isoformat()), ("days", "all")):
        assert f'<input type="hidden" name="{name}" value="{value}"' in form
    assert schools_listed(page(client, ATTENTION, {"level": "thpt"})) == [fx.s3.pk]
    assert schools_listed(page(client, ATTENTION, {"grade": "6"})) == [fx.s2.pk]


def test_the_page_shows_the_contacts_of_each_school(client, fx):
    fx.s2.phone = "0235 3861 234"
    fx.s2.save()
    client.force_login(fx.province)
    html = page(client, ATTENTION, PERIOD)
    s2 = html[html.index(f'data-school="{fx.s2.pk}"') :]
    s2 = s2[: s2.index("</li>")]
    assert '<a href="tel:0235 3861 234" data-school-phone>0235 3861 234</a>' in s2
    s1 = html[html.index(f'data-school="{fx.s1.pk}"') :]
    s1 = s1[: s1.index("</li>")]
    assert 'href="tel:0233111222"' in s1  # its admin
    assert "9B (" in s1 and 'href="tel:0905000111"' in s1  # the class not taught, its teacher


def test_a_district_officer_sees_their_districts_schools_only(client, fx):
    client.force_login(fx.officer_d1)
    html = page(client, ATTENTION, PERIOD)
    assert schools_listed(html) == [fx.s2.pk, fx.s1.pk]
    assert re.search(r"<h1[^>]*>Needs attention: 2 schools · D1</h1>", html)
    client.force_login(fx.officer_d2)
    assert schools_listed(page(client, ATTENTION, PERIOD)) == [fx.s3.pk]
    client.force_login(fx.admin_s1)
    html = page(client, ATTENTION, PERIOD)
    assert schools_listed(html) == [fx.s1.pk]
    assert re.search(r"<h1[^>]*>Needs attention: 1 school · S1</h1>", html)


def test_who_may_not_open_it_gets_what_the_dashboard_gives(client, fx):
    teacher = fx.classes["9A"].teacher
    student = fx.students["9A"][0]
    guardian = fx.students["9A"][3].guardianships.get().guardian
    for refused in (teacher, student, guardian):
        client.force_login(refused)
        assert client.get(DASHBOARD).status_code == 404, refused.role
        assert client.get(ATTENTION).status_code == 404, refused.role
    client.logout()
    for url in (DASHBOARD, ATTENTION):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={url}"


def test_the_page_reads_the_cached_start_page(client, fx):
    client.force_login(fx.province)
    dashboard = page(client, DASHBOARD, PERIOD)
    with CaptureQueriesContext(connection) as queries:
        html = page(client, ATTENTION, PERIOD)
    assert [q["sql"] for q in queries if any(t in q["sql"] for t in ROLLUP_TABLES)] == []
    assert items(html) == items(dashboard)
    # Filters not viewed on the dashboard: computed alone, the same list.
    upper = page(client, ATTENTION, {**PERIOD, "level": "thpt"})
    assert schools_listed(upper) == [fx.s3.pk]
    assert items(upper) == [i for i in items(html) if f'data-school="{fx.s3.pk}"' in i]
