"""Wagtail admin lists show an editor their school and the shared library, never another
school's lessons or editors: the page chooser (browse and search), the page search and the
site history report (DESIGN.md "Who may see what")."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.log_actions import log
from wagtail.models import Collection

from courses import services
from tests.courses.conftest import add_course, add_lesson
from tests.factories import SubjectFactory

SECRET_TITLE = "Bài riêng của trường B"
SECRET_DOCUMENT = "Đề kiểm tra riêng của trường B"


@pytest.fixture
def school_b_lesson(world):
    course = add_course(
        services.school_index_ensure(world.school_b), SubjectFactory(), owner=world.other_teacher
    )
    lesson = add_lesson(course, SECRET_TITLE, owner=world.other_teacher)
    document = get_document_model().objects.create(
        title=SECRET_DOCUMENT,
        collection=Collection.objects.get(name=world.school_b.name),
        uploaded_by_user=world.other_teacher,
        file="documents/de-kiem-tra.pdf",
    )
    log(instance=document, action="wagtail.create", user=world.other_teacher)
    return lesson


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_text(response) -> str:
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode()
    if response["Content-Type"].startswith("application/json"):
        text = json.dumps(response.json(), ensure_ascii=False)
    return text


def chooser_pages(client, world, query=None) -> str:
    """The chooser opened at the root, at Home, and searched."""
    home = world.course.get_parent().get_parent()
    texts = [
        page_text(client.get(reverse("wagtailadmin_choose_page"))),
        page_text(client.get(reverse("wagtailadmin_choose_page_child", args=[home.pk]))),
    ]
    if query:
        texts.append(
            page_text(client.get(reverse("wagtailadmin_choose_page_search"), {"q": query}))
        )
    return "\n".join(texts)


def test_page_chooser_hides_other_schools(world, school_b_lesson):
    text = chooser_pages(admin_client(world.teacher), world, query="Bài")
    assert world.school_b.name not in text
    assert SECRET_TITLE not in text
    # The editor still finds their own school and the library to link to.
    assert world.school_a.name in text
    searched = page_text(
        admin_client(world.teacher).get(
            reverse("wagtailadmin_choose_page_search"), {"q": "Phương pháp"}
        )
    )
    assert world.library_lesson.title in searched


def test_province_officer_and_superuser_see_every_school(world, school_b_lesson, admin_user):
    for user in (world.officer, admin_user):
        text = chooser_pages(admin_client(user), world, query="riêng")
        assert SECRET_TITLE in text, user


def test_admin_page_search_hides_other_schools(world, school_b_lesson):
    response = admin_client(world.teacher).get(reverse("wagtailadmin_pages:search"), {"q": "Bài"})
    assert SECRET_TITLE not in page_text(response)


def site_history(client, **params) -> str:
    return page_text(client.get(reverse("wagtailadmin_reports:site_history"), params))


def test_site_history_hides_other_schools_pages_and_people(world, school_b_lesson):
    client = admin_client(world.teacher)
    text = site_history(client) + site_history(client, export="csv")
    assert SECRET_TITLE not in text
    assert SECRET_DOCUMENT not in text
    assert world.other_teacher.username not in text
    assert world.other_teacher.display_name not in text
    # Their own school's history is still there.
    assert world.lesson.title in text


def test_site_history_is_complete_for_superusers(world, school_b_lesson, admin_user):
    text = site_history(admin_client(admin_user))
    assert SECRET_TITLE in text
    assert SECRET_DOCUMENT in text
