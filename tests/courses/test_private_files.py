"""Documents and original images are private (DESIGN.md "Who may see what"): a document is
served only to those who may read a lesson that uses it or who manage it, and neither the app
nor nginx serves /media/documents/, /media/original_images/ or /media/h5p/ directly."""

import importlib
import io
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.test import Client
from django.urls import Resolver404, clear_url_caches, resolve
from django.views.static import serve
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.rich_text import RichText

from courses import services
from courses.services import lesson_assign
from tests.courses.conftest import add_lesson
from tests.courses.test_h5p_storage import media  # noqa: F401 - fixture
from tests.factories import StudentFactory

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n% bai tap\n"


def new_document(collection_name=None, title="Phiếu bài tập"):
    collection = (
        Collection.objects.get(name=collection_name)
        if collection_name
        else Collection.get_first_root_node()
    )
    document = get_document_model()(title=title, collection=collection)
    document.file.save("phieu-bai-tap.pdf", ContentFile(PDF), save=False)
    document.save()
    return document


def new_image(collection_name):
    buffer = io.BytesIO()
    PILImage.new("RGB", (800, 600), "white").save(buffer, format="PNG")
    image = get_image_model()(
        title="Đồ thị", collection=Collection.objects.get(name=collection_name)
    )
    image.file = ImageFile(buffer, name="do-thi.png")
    image.save()
    return image


def get_file(user, document):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(document.url)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def attached(world, media):  # noqa: F811
    """A document of school A attached to a lesson assigned to 9A."""
    document = new_document(world.school_a.name)
    lesson = add_lesson(
        world.course,
        "Bài tập về nhà",
        owner=world.teacher,
        body=[("attachment", {"document": document, "title": ""})],
    )
    lesson_assign(lesson=lesson, classrooms=[world.classroom], by=world.teacher)
    return document


def test_document_urls_go_through_the_checking_view(attached):
    assert attached.url.startswith("/documents/")
    assert "/media/" not in attached.url


def test_assigned_student_gets_the_document(world, attached):
    response = get_file(world.student, attached)
    assert response.status_code == 200
    assert body_of(response) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["anonymous", "other_student", "other_teacher", "unassigned"])
def test_document_is_404_for_those_who_may_not_read_the_lesson(world, attached, who):
    user = {
        "anonymous": None,
        "other_student": world.other_student,
        "other_teacher": world.other_teacher,
        # A student of school A whose class did not get the lesson.
        "unassigned": StudentFactory(school=world.school_a),
    }[who]
    assert get_file(user, attached).status_code == 404


def test_staff_who_manage_the_document_get_it(world, attached):
    # School A's teachers hold Wagtail's "choose" permission on the school's collection.
    assert get_file(world.teacher, attached).status_code == 200
    assert get_file(world.officer, attached).status_code == 200


def test_unused_document_is_private_to_its_managers(world, media):  # noqa: F811
    document = new_document(world.school_a.name)
    assert get_file(world.student, document).status_code == 404
    assert get_file(world.teacher, document).status_code == 200


def test_rich_text_link_in_a_library_lesson_shares_the_document(world, media):  # noqa: F811
    document = new_document(services.LIBRARY_COLLECTION)
    add_lesson(
        world.library_course,
        "Đọc thêm",
        owner=world.officer,
        body=[
            (
                "text",
                RichText(f'<p><a linktype="document" id="{document.pk}">Phiếu</a></p>'),
            )
        ],
    )
    # Students read the shared library, so they may open what its lessons link to.
    assert get_file(world.other_student, document).status_code == 200


def test_a_draft_does_not_share_the_document(world, media):  # noqa: F811
    document = new_document(world.school_a.name)
    lesson = add_lesson(world.course, "Bài có bản nháp", owner=world.teacher)
    lesson_assign(lesson=lesson, classrooms=[world.classroom], by=world.teacher)
    lesson.body = [("attachment", {"document": document, "title": ""})]
    lesson.save_revision(user=world.teacher)  # saved, not published
    assert get_file(world.student, document).status_code == 404
    lesson.get_latest_revision().publish()
    assert get_file(world.student, document).status_code == 200


def _location_bodies(conf: str) -> dict[str, str]:
    return dict(re.findall(r"location\s+([^\s{]+)\s*\{([^}]*)\}", conf))


def test_nginx_never_serves_private_media_folders():
    locations = _location_bodies((ROOT / "deploy" / "nginx.conf").read_text())
    for prefix in ("/media/h5p/", "/media/documents/", "/media/original_images/"):
        assert locations[prefix].split() == ["return", "404;"], prefix
    assert "alias" in locations["/media/"]  # renditions are still served


@pytest.fixture
def dev_urls(settings):
    """lms.urls as `make run` loads it (DEBUG on: media served by Django)."""
    settings.DEBUG = True
    module = importlib.reload(importlib.import_module("lms.urls"))
    clear_url_caches()
    yield module
    settings.DEBUG = False
    importlib.reload(module)
    clear_url_caches()


def _served_from_media_root(path, urlconf) -> bool:
    try:
        return resolve(path, urlconf=urlconf).func is serve
    except Resolver404:
        return False


def test_dev_server_serves_renditions_but_not_private_media(dev_urls):
    assert _served_from_media_root("/media/images/graph.width-360.png", dev_urls)
    for path in (
        "/media/original_images/graph.png",
        "/media/documents/phieu-bai-tap.pdf",
        "/media/h5p/packages/x/h5p.json",
    ):
        assert not _served_from_media_root(path, dev_urls), path


def test_lesson_images_render_as_public_renditions(client, world, media):  # noqa: F811
    image = new_image(services.LIBRARY_COLLECTION)
    lesson = add_lesson(
        world.library_course,
        "Đồ thị",
        owner=world.officer,
        body=[("image", {"image": image, "alt": "", "caption": ""})],
    )
    client.force_login(world.student)
    html = client.get(lesson.url).content.decode()
    sources = re.findall(r'src="([^"]+)"', html)
    renditions = [s for s in sources if s.startswith("/media/images/")]
    assert renditions, sources
    assert not any("original_images" in s for s in sources)
    assert all((media / s.removeprefix("/media/")).exists() for s in renditions)
