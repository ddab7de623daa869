"""The installable app and offline learning (courses/offline, docs/offline.md): manifest and
service worker, what saving a lesson downloads, and work done offline synced later, once, on
the day it was done."""

import datetime
import io
import json
import uuid

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core.files.images import ImageFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection

from courses.models import H5PResult, H5PUserData, LessonProgress, XAPIStatement
from courses.offline import views as offline_views
from courses.offline.services import MAX_AGE_DAYS
from courses.services import lesson_assign
from tests.clock import WEDNESDAY, at
from tests.courses.conftest import add_lesson
from tests.courses.test_h5p_storage import media  # noqa: F401 - fixture
from tests.courses.test_h5p_views import activity, new_package, post_xapi, statement  # noqa: F401
from tests.factories import EnrollmentFactory

SYNC = "/offline/sync/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def send(client, item):
    return client.post(SYNC, data=json.dumps(item), content_type="application/json")


def xapi_item(package, lesson, when, **extra):
    return {
        "id": str(uuid.uuid4()),
        "kind": "xapi",
        "package": str(package.uuid),
        "lesson": lesson.pk,
        "occurred_at": when.isoformat(),
        "statement": statement(),
        **extra,
    }


@pytest.fixture
def assigned(world):
    lesson_assign(lesson=world.lesson, classrooms=[world.classroom], by=world.teacher)
    return world.lesson


# --- Installable ---------------------------------------------------------------------------


def test_manifest_names_the_app_in_vietnamese_with_icons_that_exist(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "HọcTiếp"
    assert (data["start_url"], data["display"], data["theme_color"]) == (
        "/",
        "standalone",
        "#0b5cad",
    )
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        path = icon["src"].removeprefix("/static/")
        located = finders.find(path)
        assert located, icon["src"]
        with PILImage.open(located) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]


def test_service_worker_is_served_from_the_root_with_workbox_from_our_static_files(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert "/static/vendor/workbox/workbox-sw.js" in body
    assert "googleapis" not in body and "cdn" not in body.lower()
    # Every module the worker loads is a static file of ours.
    for module in ("sw", "core", "routing", "strategies", "expiration", "background-sync"):
        name = "workbox-sw.js" if module == "sw" else f"workbox-{module}.prod.js"
        assert finders.find(f"vendor/workbox/{name}"), name
    assert finders.find("js/offline/sw.js") and finders.find("js/offline/store.js")


def test_pages_link_the_manifest_and_allow_the_worker(client, world):
    client.force_login(world.student)
    response = client.get("/")
    html = response.content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert "js/offline/offline.js" in html
    policy = response["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy


# --- Privacy: shared caches ----------------------------------------------------------------


def test_signed_in_pages_are_private_for_shared_caches(client, world, assigned):
    client.force_login(world.student)
    for url in ("/", reverse("courses:my_lessons"), world.lesson.url):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "private" in response["Cache-Control"], url


def test_bundles_and_sync_answers_are_never_stored(world, assigned):
    client = client_for(world.student)
    for url in (
        reverse("courses:offline_lesson_bundle", args=[world.lesson.pk]),
        reverse("courses:offline_assigned_bundles"),
        SYNC,
    ):
        assert "no-store" in client.get(url)["Cache-Control"]


# --- Saving a lesson -----------------------------------------------------------------------


def test_lesson_with_formulas_bundles_page_and_katex_and_each_file_is_fetchable(world, assigned):
    client = client_for(world.student)
    response = client.get(reverse("courses:offline_lesson_bundle", args=[world.lesson.pk]))
    assert response.status_code == 200
    bundle = response.json()
    urls = [f["url"] for f in bundle["files"]]
    assert urls[0] == world.lesson.url
    assert any(u.endswith("vendor/katex/katex.min.js") for u in urls)
    assert any(u.endswith(".woff2") and "katex/fonts" in u for u in urls)
    assert not any("vendor/h5p" in u for u in urls)  # no activity in this lesson
    assert bundle["bytes"] == sum(f["bytes"] for f in bundle["files"]) > 100_000
    page = client.get(bundle["files"][0]["source"])
    assert page.status_code == 200
    assert abs(len(page.content) - bundle["files"][0]["bytes"]) < 200  # tokens differ
    # Saving is not reading: the teacher does not see the lesson opened.
    assert not LessonProgress.objects.filter(student=world.student).exists()


def test_h5p_lesson_bundles_player_content_and_libraries_all_served(world, activity):  # noqa: F811
    package, lesson = activity
    client = client_for(world.student)
    bundle = client.get(reverse("courses:offline_lesson_bundle", args=[lesson.pk])).json()
    urls = [f["url"] for f in bundle["files"]]
    assert any(u.endswith("vendor/h5p/main.bundle.js") for u in urls)
    assert any(u.endswith("vendor/h5p/frame.bundle.js") for u in urls)
    assert f"/h5p/{package.uuid}/h5p.json" in urls
    assert any(u.startswith(f"/h5p/{package.uuid}/content/") for u in urls)
    assert any(u.startswith("/h5p/libraries/") and u.endswith("library.json") for u in urls)
    for file in bundle["files"]:
        if file["url"].startswith("/h5p/"):
            response = client.get(file["url"])
            assert response.status_code == 200, file["url"]
            if not file["url"].endswith("content/content.json"):  # localised when served
                assert len(body_of(response)) == file["bytes"], file["url"]


def test_bundle_is_404_for_a_lesson_the_student_may_not_read(world, assigned):
    response = client_for(world.other_student).get(
        reverse("courses:offline_lesson_bundle", args=[world.lesson.pk])
    )
    assert response.status_code == 404
    assert Client().get(reverse("courses:offline_lesson_bundle", args=[1])).status_code == 401


def test_save_all_lists_assigned_lessons_not_completed(world, assigned, activity):  # noqa: F811
    _package, h5p_lesson = activity
    client = client_for(world.student)
    data = client.get(reverse("courses:offline_assigned_bundles")).json()
    assert {b["lesson"] for b in data["lessons"]} == {world.lesson.pk, h5p_lesson.pk}
    unique = {f["url"]: f["bytes"] for b in data["lessons"] for f in b["files"]}
    assert data["bytes"] == sum(unique.values())  # shared files (site.css) counted once
    client.post(reverse("courses:lesson_complete", args=[world.lesson.pk]))
    data = client.get(reverse("courses:offline_assigned_bundles")).json()
    assert [b["lesson"] for b in data["lessons"]] == [h5p_lesson.pk]


def test_student_sees_the_save_button_on_assigned_lessons_and_the_list(world, assigned):
    client = client_for(world.student)
    assert "data-offline-lesson" in client.get(world.lesson.url).content.decode()
    assert "data-offline-list" in client.get(reverse("courses:my_lessons")).content.decode()
    teacher = client_for(world.teacher)
    assert "data-offline-lesson" not in teacher.get(world.lesson.url).content.decode()


def lesson_with_image(world):
    buffer = io.BytesIO()
    PILImage.new("RGB", (1200, 800), "white").save(buffer, format="PNG")
    image = get_image_model()(title="Đồ thị", collection=Collection.get_first_root_node())
    image.file = ImageFile(buffer, name="do-thi.png")
    image.save()
    lesson = add_lesson(
        world.course,
        "Đồ thị",
        owner=world.teacher,
        body=[("image", {"image": image, "alt": "Đồ thị", "caption": ""})],
    )
    lesson_assign(lesson=lesson, classrooms=[world.classroom], by=world.teacher)
    return lesson


def test_images_are_saved_at_phone_widths(world, media):  # noqa: F811
    lesson = lesson_with_image(world)
    bundle = client_for(world.student).get(
        reverse("courses:offline_lesson_bundle", args=[lesson.pk])
    )
    urls = [f["url"] for f in bundle.json()["files"]]
    assert any(".width-360." in u for u in urls) and any(".width-720." in u for u in urls)
    assert not any(".width-1080." in u for u in urls)


def test_save_data_pages_load_only_the_smallest_rendition(world, media):  # noqa: F811
    lesson = lesson_with_image(world)
    client = client_for(world.student)
    normal = client.get(lesson.url).content.decode()
    assert ".width-1080." in normal
    for light in (
        client.get(lesson.url, HTTP_SAVE_DATA="on").content.decode(),
        client_for_cookie(world.student).get(lesson.url).content.decode(),
    ):
        assert ".width-360." in light
        assert ".width-720." not in light and ".width-1080." not in light


def client_for_cookie(user) -> Client:
    client = client_for(user)
    client.cookies["hoctiep_lite"] = "1"  # set by offline.js on a 2G connection
    return client


# --- Sync: once, dated when it happened ------------------------------------------------------


@time_machine.travel(at(WEDNESDAY, 15), tick=False)
def test_offline_answer_lands_once_with_its_own_time(world, activity):  # noqa: F811
    package, lesson = activity
    client = client_for(world.student)
    morning = at(WEDNESDAY, 9, 12)
    item = xapi_item(package, lesson, morning)
    first = send(client, item)
    assert first.status_code == 200 and first.json()["status"] == "saved"
    again = send(client, item)
    assert again.json()["status"] == "duplicate"
    row = XAPIStatement.objects.get(user=world.student)
    assert (row.statement_id, row.occurred_at) == (item["id"], morning)
    result = H5PResult.objects.get(student=world.student)
    assert (result.attempts, result.completed_at) == (1, morning)
    # The only activity of the lesson is done: the lesson is completed at that time too.
    assert LessonProgress.objects.get(student=world.student, lesson=lesson).completed_at == morning


@time_machine.travel(at(WEDNESDAY, 15), tick=False)
def test_offline_completion_and_open_keep_their_time(world, assigned):
    client = client_for(world.student)
    opened, done = at(WEDNESDAY, 8), at(WEDNESDAY, 8, 40)
    base = {"lesson": world.lesson.pk, "user": world.student.pk}
    assert (
        send(
            client,
            {**base, "id": str(uuid.uuid4()), "kind": "open", "occurred_at": opened.isoformat()},
        ).status_code
        == 200
    )
    item = {**base, "id": str(uuid.uuid4()), "kind": "complete", "occurred_at": done.isoformat()}
    assert send(client, item).json()["status"] == "saved"
    assert send(client, item).json()["status"] == "duplicate"
    progress = LessonProgress.objects.get(student=world.student, lesson=world.lesson)
    assert (progress.opened_at, progress.completed_at) == (opened, done)


@time_machine.travel(at(WEDNESDAY, 15), tick=False)
def test_times_are_bounded(world, activity):  # noqa: F811
    package, lesson = activity
    client = client_for(world.student)
    ahead = xapi_item(package, lesson, at(WEDNESDAY, 18))  # a phone clock running ahead
    assert send(client, ahead).json()["status"] == "saved"
    assert XAPIStatement.objects.get(statement_id=ahead["id"]).occurred_at == timezone.now()
    old = xapi_item(package, lesson, timezone.now() - datetime.timedelta(days=MAX_AGE_DAYS + 1))
    response = send(client, old)
    assert response.status_code == 409 and response.json()["refused"] is True
    assert not XAPIStatement.objects.filter(statement_id=old["id"]).exists()


def test_work_for_a_lesson_no_longer_readable_is_refused_with_a_reason(world, activity):  # noqa: F811
    package, lesson = activity
    lesson.assignments.all().delete()  # the teacher took the lesson back
    client = client_for(world.student)
    client.cookies["django_language"] = "vi"
    for item in (
        xapi_item(package, lesson, timezone.now()),
        {
            "id": str(uuid.uuid4()),
            "kind": "complete",
            "lesson": lesson.pk,
            "occurred_at": timezone.now().isoformat(),
        },
    ):
        response = send(client, item)
        assert response.status_code == 403
        data = response.json()
        assert data["refused"] is True and data["error"]
    assert not XAPIStatement.objects.exists()
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


def test_sync_refuses_another_account_teachers_anonymous_and_missing_csrf(world, activity):  # noqa: F811
    package, lesson = activity
    item = xapi_item(package, lesson, timezone.now(), user=world.other_student.pk)
    assert send(client_for(world.student), item).status_code == 409
    assert (
        send(client_for(world.teacher), xapi_item(package, lesson, timezone.now())).status_code
        == 403
    )
    assert send(Client(), xapi_item(package, lesson, timezone.now())).status_code == 401
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.student)
    assert send(strict, xapi_item(package, lesson, timezone.now())).status_code == 403
    assert not XAPIStatement.objects.exists()
    bad = send(client_for(world.student), {"id": "x", "kind": "xapi"})
    assert bad.status_code == 400


def test_sync_get_gives_the_worker_the_user_and_a_csrf_token(world):
    data = client_for(world.student).get(SYNC).json()
    assert data["user"] == world.student.pk and len(data["csrf"]) >= 32


def test_online_statement_sent_again_by_the_phone_counts_once(client, world, activity):  # noqa: F811
    package, lesson = activity
    client.force_login(world.student)
    sid = str(uuid.uuid4())
    first = post_xapi(client, package, lesson, {**statement(), "id": sid})
    assert first.json()["recorded"] is True
    again = post_xapi(client, package, lesson, {**statement(), "id": sid})
    assert again.status_code == 200 and again.json()["duplicate"] is True
    synced = send(client, xapi_item(package, lesson, timezone.now(), id=sid))
    assert synced.json()["status"] == "duplicate"
    assert XAPIStatement.objects.filter(user=world.student).count() == 1
    assert H5PResult.objects.get(student=world.student).attempts == 1


@time_machine.travel(at(WEDNESDAY, 15), tick=False)
def test_older_resume_state_does_not_overwrite_a_newer_one(world, activity):  # noqa: F811
    package, _lesson = activity
    client = client_for(world.student)
    base = {
        "kind": "state",
        "package": str(package.uuid),
        "data_type": "state",
        "sub_content_id": "0",
    }
    item = {
        **base,
        "id": str(uuid.uuid4()),
        "data": '{"answer": 1}',
        "occurred_at": at(WEDNESDAY, 9).isoformat(),
    }
    assert send(client, item).json()["status"] == "saved"
    assert H5PUserData.objects.get(user=world.student).data == '{"answer": 1}'
    older = {
        **item,
        "id": str(uuid.uuid4()),
        "data": '{"answer": 0}',
        "occurred_at": at(WEDNESDAY, 8).isoformat(),
    }
    assert send(client, older).json()["status"] == "duplicate"
    assert H5PUserData.objects.get(user=world.student).data == '{"answer": 1}'


def test_a_lessons_page_size_is_measured_once_per_revision_for_a_whole_class(
    world, assigned, monkeypatch
):
    rendered = []
    render = offline_views._page_copy

    def counted(request, lesson):
        rendered.append(lesson.pk)
        return render(request, lesson)

    monkeypatch.setattr(offline_views, "_page_copy", counted)
    classmate = EnrollmentFactory(classroom=world.classroom).student
    url = reverse("courses:offline_lesson_bundle", args=[world.lesson.pk])
    first = client_for(world.student).get(url).json()
    second = client_for(classmate).get(url).json()
    # The second reader of the same revision is told the same size without a page render.
    assert rendered == [world.lesson.pk]
    assert first["files"][0]["bytes"] == second["files"][0]["bytes"] > 1000
    # A new revision is measured again: its size may differ.
    world.lesson.save_revision(user=world.teacher).publish()
    client_for(classmate).get(url)
    assert rendered == [world.lesson.pk, world.lesson.pk]
