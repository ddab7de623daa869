"""Wagtail's admin speaks Vietnamese: its catalogues are (almost) fully translated for the site.

Wagtail ships "vi" catalogues covering about 15% of its strings; the rest is in
locale_vendor/vi/LC_MESSAGES/{django,djangojs}.po (LOCALE_PATHS). These tests measure, for each
Wagtail catalogue teachers and admins meet, the share of the installed Wagtail's msgids that the
running site translates, so a Wagtail upgrade that adds strings fails here until they are
translated. The JavaScript share is read from the admin's own jsi18n response.
"""

import ast
import json
import re
from pathlib import Path

import pytest
import wagtail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from tests.courses.conftest import world  # noqa: F401  (fixture: a school, a teacher, a course)

THRESHOLD = 0.95
WAGTAIL = Path(wagtail.__file__).parent
PYTHON_CATALOGUES = [
    *["admin", "core", "images", "documents", "snippets", "users", "search", "embeds"],
    *["sites", "contrib/forms", "contrib/redirects"],  # the superuser's Settings menu
]


def en_entries(app: str, domain: str) -> list[tuple[str, str | None]]:
    """(msgid, msgid_plural) of the installed Wagtail's English catalogue for an app."""
    base = WAGTAIL if app == "core" else WAGTAIL / app
    text = (base / "locale/en/LC_MESSAGES" / f"{domain}.po").read_text(encoding="utf-8")
    entries, current, key = [], {}, None
    for line in text.splitlines() + [""]:
        line = line.strip()
        if not line or line.startswith("#"):
            if not line and current.get("msgid"):
                entries.append((current["msgid"], current.get("msgid_plural")))
            if not line:
                current, key = {}, None
            continue
        if line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
    assert len(entries) > 0
    return entries


def share(entries, is_translated) -> tuple[float, list[str]]:
    missing = [msgid for msgid, plural in entries if not is_translated(msgid, plural)]
    return 1 - len(missing) / len(entries), missing


@pytest.mark.parametrize("app", PYTHON_CATALOGUES)
def test_wagtail_python_catalogue_is_vietnamese(app):
    entries = en_entries(app, "django")
    with translation.override("vi"):
        catalog = trans_real.translation("vi")._catalog

        def is_translated(msgid, plural):
            if plural:
                return bool(catalog.get((msgid, 0))) and bool(
                    translation.ngettext(msgid, plural, 5)
                )
            # Some equal their msgid ("Email", "URL", "ID"): being in the catalogue counts.
            return bool(catalog.get(msgid)) and bool(translation.gettext(msgid))

        ratio, missing = share(entries, is_translated)
    assert ratio >= THRESHOLD, (
        f"wagtail {app}: only {ratio:.0%} of {len(entries)} strings are Vietnamese; add these to "
        f"locale_vendor/vi/LC_MESSAGES/django.po and compile it: {missing[:20]}"
    )


def js_catalog(client) -> dict:
    response = client.get(reverse("wagtailadmin_javascript_catalog"), HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    match = re.search(r"const newcatalog = (\{.*?\});\n", response.content.decode(), re.S)
    assert match, "the jsi18n response no longer has the shape this test reads"
    return json.loads(match[1])


@pytest.mark.django_db
def test_wagtail_javascript_catalogue_is_vietnamese(client, world):  # noqa: F811
    client.force_login(world.teacher)
    catalog = js_catalog(client)

    def is_translated(msgid, plural):
        value = catalog.get(msgid)
        return bool(value[0] if isinstance(value, list) else value)

    entries = en_entries("admin", "djangojs")
    ratio, missing = share(entries, is_translated)
    assert ratio >= THRESHOLD, (
        f"wagtail admin JavaScript: only {ratio:.0%} of {len(entries)} strings are Vietnamese; add "
        f"these to locale_vendor/vi/LC_MESSAGES/djangojs.po and compile it: {missing[:20]}"
    )
    # Strings Wagtail's own vi catalogue lacks, served from locale_vendor's djangojs.po.
    assert catalog["Write something or type ‘/’ to insert a block"] == (
        "Viết nội dung hoặc gõ ‘/’ để chèn một khối"
    )
    assert catalog["Insert a block"] == "Chèn một khối"
    assert catalog["%(num)s min"] == ["%(num)s phút"]


@pytest.mark.django_db
def test_the_lesson_editor_is_vietnamese(client, world):  # noqa: F811
    client.force_login(world.teacher)
    page = client.get(f"/admin/pages/add/courses/lessonpage/{world.course.pk}/").content.decode()
    assert 'lang="vi"' in page
    for vietnamese in ["Lưu bản nháp", "Tiêu đề trang", "Nội dung", "Quảng bá", "Xem trước"]:
        assert vietnamese in page, vietnamese
    for english in ["Save draft", "Page title", "Promote", "Toggle side panel", '"Help"']:
        assert english not in page, english


@pytest.mark.django_db
def test_the_dashboard_sidebar_and_messages_are_vietnamese(client, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri", "quantri@example.com", "x" * 12)
    client.force_login(admin)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    # The sidebar menu is rendered as JSON props for the React sidebar.
    for vietnamese in ["Trang tổng quan", "Hình ảnh", "Tài liệu", "Báo cáo", "Trợ giúp"]:
        assert vietnamese in page or json.dumps(vietnamese)[1:-1] in page, vietnamese
    assert "Tìm trong tất cả các trang…" in page
    for english in ['"Images"', '"Documents"', '"Reports"', '"Help"', "Search all pages"]:
        assert english not in page, english
    with translation.override("vi"):
        published = translation.gettext("Page '%(page_title)s' has been published.")
    assert published % {"page_title": "Toán 9"} == "Trang 'Toán 9' đã được xuất bản."
