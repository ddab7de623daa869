"""Playing H5P in a lesson: file serving (access, headers, traversal), resume state, xAPI
(CSRF, access, scores, lesson completion, live-room message) and the results pages."""

import io
import json

import openpyxl
import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client
from django.urls import reverse

from courses.h5p.player import player_options
from courses.h5p.storage import package_import
from courses.models import H5PResult, H5PUserData, LessonProgress, XAPIStatement
from courses.services import lesson_assign
from tests.courses.conftest import add_lesson
from tests.courses.test_h5p_storage import media  # noqa: F401 - fixture
from tests.courses.test_h5p_validator import LIB, minimal_package, zip_bytes
from tests.factories import LiveSessionFactory

ANSWERED = "http://adlnet.gov/expapi/verbs/answered"


def new_package(school=None, title="Thủ đô"):
    return package_import(
        source=io.BytesIO(zip_bytes(minimal_package())),
        filename="bai-tap.h5p",
        title=title,
        school=school,
    ).package


@pytest.fixture
def activity(world, media):  # noqa: F811
    """A package of school A in a lesson assigned to 9A."""
    package = new_package(world.school_a)
    lesson = add_lesson(
        world.course,
        "Kiểm tra nhanh",
        owner=world.teacher,
        body=[("h5p", {"package": package})],
    )
    lesson_assign(lesson=lesson, classrooms=[world.classroom], by=world.teacher)
    return package, lesson


def file_url(package, path="h5p.json"):
    return reverse("courses:h5p_file", args=[package.uuid, path])


def statement(raw=1, maximum=1, verb=ANSWERED, completion=True, **extensions):
    return {
        "actor": {"name": "Học sinh", "mbox": "mailto:user-1@hoctiep.invalid"},
        "verb": {"id": verb},
        "object": {
            "id": "http://testserver/h5p/x/",
            "definition": {"extensions": extensions},
        },
        "result": {
            "score": {"raw": raw, "max": maximum, "scaled": raw / maximum},
            "completion": completion,
            "success": raw == maximum,
        },
    }


def post_xapi(client, package, lesson, data, **extra):
    return client.post(
        reverse("courses:h5p_xapi", args=[package.uuid, lesson.pk]),
        data=json.dumps(data) if not isinstance(data, str) else data,
        content_type="application/json",
        **extra,
    )


# --- Serving ---------------------------------------------------------------------------------


def test_student_gets_content_files_with_safe_headers(client, world, activity):
    package, lesson = activity
    client.force_login(world.student)
    response = client.get(file_url(package))
    assert response.status_code == 200
    assert json.loads(b"".join(response.streaming_content))["mainLibrary"] == "H5P.Hello"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'self'" in csp and "sandbox" in csp
    assert "http" not in csp  # no remote origin anywhere
    assert response["Cache-Control"] == "private, max-age=300"
    assert client.get(file_url(package, "content/images/map.png"))["Content-Type"] == "image/png"

    options = player_options(package)
    library = client.get(f"{options['librariesPath']}/{LIB}/scripts/hello.js")
    assert library.status_code == 200
    assert "immutable" in library["Cache-Control"]
    assert library["Content-Type"].startswith("text/javascript")
    assert library["X-Content-Type-Options"] == "nosniff"


def test_content_files_are_404_without_access(client, world, activity):
    package, _lesson = activity
    assert client.get(file_url(package)).status_code == 404  # anonymous
    for outsider in (world.other_student, world.other_teacher):
        client.force_login(outsider)
        assert client.get(file_url(package)).status_code == 404
        assert client.get(file_url(package, "content/content.json")).status_code == 404
    # Staff of the package's school may open it (to preview) even outside a lesson.
    client.force_login(world.teacher)
    assert client.get(file_url(package)).status_code == 200


def test_unassigned_lesson_gives_no_access(client, world, media):  # noqa: F811
    package = new_package(world.school_a)
    add_lesson(world.course, "Chưa giao", owner=world.teacher, body=[("h5p", {"package": package})])
    client.force_login(world.student)
    assert client.get(file_url(package)).status_code == 404


def test_library_lesson_gives_access_to_its_package(client, world, media):  # noqa: F811
    package = new_package(None, title="Thư viện")
    add_lesson(world.library_course, "Bài thư viện", body=[("h5p", {"package": package})])
    client.force_login(world.other_student)
    assert client.get(file_url(package)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "content/../h5p.json",
        "content/../../../settings.py",
        "content//content.json",
        "content/./content.json",
        "content\\content.json",
        "library.json",
        "content",
        "content/missing.json",
    ],
)
def test_path_traversal_and_other_paths_are_refused(client, world, activity, path):
    package, _lesson = activity
    client.force_login(world.student)
    response = client.get(f"/h5p/{package.uuid}/{path}")
    assert response.status_code == 404


def test_library_urls_refuse_traversal_and_anonymous(client, world, activity):
    package, _lesson = activity
    base = player_options(package)["librariesPath"]
    assert client.get(f"{base}/{LIB}/library.json").status_code == 404  # anonymous
    client.force_login(world.student)
    assert client.get(f"{base}/{LIB}/library.json").status_code == 200
    assert client.get(f"{base}/{LIB}/../{LIB}/library.json").status_code == 404
    assert client.get(f"{base}/{LIB}/scripts/../library.json").status_code == 404
    assert client.get(f"{base}/H5P.Nothing-1.0/library.json").status_code == 404


def test_lesson_page_plays_the_block(client, world, activity):
    package, lesson = activity
    client.force_login(world.student)
    response = client.get(lesson.url, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "vendor/h5p/main.bundle.js" in html and "js/h5p-block.js" in html
    assert f'data-h5p="{package.uuid}"' in html
    assert reverse("courses:h5p_xapi", args=[package.uuid, lesson.pk]) in html
    assert "Not done yet." in html
    # Lessons without an activity do not load the player.
    assert "main.bundle.js" not in client.get(world.lesson.url).content.decode()


# --- Resume state ----------------------------------------------------------------------------


def state_url(package):
    return reverse("courses:h5p_state", args=[package.uuid, "state", "0"])


def test_resume_state_round_trip_with_csrf_and_cap(world, activity, settings):
    package, lesson = activity
    settings.H5P_USER_DATA_MAX_BYTES = 1000
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.student)
    assert client.get(state_url(package)).json() == {"success": True, "data": False}

    assert client.post(state_url(package), {"data": '{"answer": true}'}).status_code == 403
    client.get(lesson.url)  # the lesson page sets the CSRF cookie the player sends back
    token = client.cookies["csrftoken"]
    headers = {"HTTP_X_CSRFTOKEN": token.value}
    response = client.post(
        state_url(package), {"data": '{"answer": true}', "preload": 1}, **headers
    )
    assert response.json() == {"success": True}
    assert client.get(state_url(package)).json()["data"] == '{"answer": true}'

    too_big = client.post(state_url(package), {"data": "x" * 1001}, **headers)
    assert too_big.status_code == 413
    assert H5PUserData.objects.get().data == '{"answer": true}'

    assert client.post(state_url(package), {"data": "0"}, **headers).json()["success"]
    assert not H5PUserData.objects.exists()


def test_resume_state_is_404_without_access(client, world, activity):
    package, _lesson = activity
    client.force_login(world.other_student)
    assert client.get(state_url(package)).status_code == 404
    assert client.post(state_url(package), {"data": "{}"}).status_code == 404


# --- xAPI ------------------------------------------------------------------------------------


def test_xapi_requires_csrf(world, activity):
    package, lesson = activity
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.student)
    assert post_xapi(client, package, lesson, statement()).status_code == 403
    client.get(lesson.url)
    token = client.cookies["csrftoken"].value
    response = post_xapi(client, package, lesson, statement(), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json()["score"] == 1


def test_xapi_is_404_without_access(client, world, activity):
    package, lesson = activity
    client.force_login(world.other_student)
    assert post_xapi(client, package, lesson, statement()).status_code == 404
    # A lesson the student reads but that does not hold this package.
    client.force_login(world.student)
    assert post_xapi(client, package, world.library_lesson, statement()).status_code == 404
    assert not XAPIStatement.objects.exists()


def test_xapi_keeps_best_and_last_score_and_attempts(client, world, activity):
    package, lesson = activity
    client.force_login(world.student)
    assert post_xapi(client, package, lesson, statement(raw=1, maximum=2)).status_code == 200
    data = post_xapi(client, package, lesson, statement(raw=2, maximum=2)).json()
    status = data.pop("status")
    assert data == {
        "recorded": True,
        "score": 2,
        "max_score": 2,
        "best_score": 2,
        "attempts": 2,
        "completed": True,
        "done": True,
    }
    assert status
    post_xapi(client, package, lesson, statement(raw=0, maximum=2, completion=False))
    result = H5PResult.objects.get()
    assert (result.score, result.best_score, result.attempts, result.completed) == (0, 2, 3, True)

    # Stored, but not scored: other verbs, sub-questions, impossible scores.
    attempted = statement(verb="http://adlnet.gov/expapi/verbs/attempted")
    assert post_xapi(client, package, lesson, attempted).json() == {"recorded": False}
    sub = statement(**{"http://h5p.org/x-api/h5p-subContentId": "abc"})
    assert post_xapi(client, package, lesson, sub).json() == {"recorded": False}
    assert post_xapi(client, package, lesson, statement(raw=5, maximum=2)).json() == {
        "recorded": False
    }
    assert H5PResult.objects.get().attempts == 3
    assert XAPIStatement.objects.count() == 6
    assert XAPIStatement.objects.first().raw["verb"]["id"] == ANSWERED


def test_xapi_refuses_bad_input(client, world, activity, settings):
    package, lesson = activity
    client.force_login(world.student)
    assert post_xapi(client, package, lesson, "{not json").status_code == 400
    assert post_xapi(client, package, lesson, [1, 2]).status_code == 400
    assert post_xapi(client, package, lesson, {"verb": {"id": ANSWERED}}).status_code == 400
    settings.H5P_XAPI_MAX_BYTES = 100
    assert post_xapi(client, package, lesson, statement()).status_code == 413
    assert not XAPIStatement.objects.exists()
    assert (
        client.get(reverse("courses:h5p_xapi", args=[package.uuid, lesson.pk])).status_code == 405
    )


def test_completing_every_activity_completes_the_lesson(client, world, media):  # noqa: F811
    first, second = new_package(world.school_a), new_package(world.school_a, "Thứ hai")
    lesson = add_lesson(
        world.course,
        "Hai hoạt động",
        owner=world.teacher,
        body=[("h5p", {"package": first}), ("h5p", {"package": second})],
    )
    lesson_assign(lesson=lesson, classrooms=[world.classroom], by=world.teacher)
    client.force_login(world.student)
    post_xapi(client, first, lesson, statement())
    progress = LessonProgress.objects.filter(student=world.student, lesson=lesson).first()
    assert progress is None or progress.completed_at is None
    post_xapi(client, second, lesson, statement(raw=0, completion=False))
    assert LessonProgress.objects.filter(lesson=lesson, completed_at__isnull=False).count() == 0
    post_xapi(client, second, lesson, statement())
    assert LessonProgress.objects.get(student=world.student, lesson=lesson).completed_at


def test_a_wrong_answer_is_scored_apart_and_does_not_pass_a_block_that_requires_passing(
    client,
    world,
    media,  # noqa: F811
):
    package = new_package(world.school_a)
    lesson = add_lesson(
        world.course,
        "Phải đạt",
        owner=world.teacher,
        body=[("h5p", {"package": package, "completion": "passed", "pass_percent": 80})],
    )
    lesson_assign(lesson=lesson, classrooms=[world.classroom], by=world.teacher)
    client.force_login(world.student)
    wrong = post_xapi(
        client, package, lesson, statement(raw=0, maximum=1), HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert (wrong["score"], wrong["max_score"], wrong["completed"], wrong["done"]) == (
        0,
        1,
        True,
        False,
    )
    assert "80%" in wrong["status"] and "Not passed" in wrong["status"]
    assert not LessonProgress.objects.filter(lesson=lesson, completed_at__isnull=False).exists()
    page = client.get(lesson.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "0/1" in page and "✔" not in page and "data-done" not in page
    right = post_xapi(client, package, lesson, statement(raw=1, maximum=1)).json()
    assert right["done"] is True
    assert LessonProgress.objects.get(student=world.student, lesson=lesson).completed_at
    assert "data-done" in client.get(lesson.url).content.decode()


def test_a_wrong_answer_counts_as_done_when_the_block_asks_only_for_an_answer(
    client, world, activity
):
    package, lesson = activity  # the default: done when answered
    client.force_login(world.student)
    assert post_xapi(client, package, lesson, statement(raw=0, maximum=1)).json()["done"] is True
    assert LessonProgress.objects.get(student=world.student, lesson=lesson).completed_at


def test_result_reaches_teachers_of_a_live_session(
    client, world, activity, django_capture_on_commit_callbacks
):
    package, lesson = activity
    session = LiveSessionFactory(classroom=world.classroom, teacher=world.teacher, status="live")
    LiveSessionFactory(classroom=world.classroom, teacher=world.teacher, status="ended")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"session.{session.pk}.teachers", channel)
    client.force_login(world.student)
    with django_capture_on_commit_callbacks(execute=True):
        post_xapi(client, package, lesson, statement())
    message = async_to_sync(layer.receive)(channel)
    assert message == {
        "type": "h5p.result",
        "student": world.student.pk,
        "name": world.student.display_name,
        "package": str(package.uuid),
        "title": package.title,
        "lesson": lesson.pk,
        "score": 1,
        "max_score": 1,
        "completed": True,
    }


# --- Results pages ---------------------------------------------------------------------------


@pytest.fixture
def answered(client, world, activity):
    package, lesson = activity
    client.force_login(world.student)
    post_xapi(client, package, lesson, statement(raw=1, maximum=2, completion=False))
    client.logout()
    return package, lesson


def test_student_sees_own_scores(client, world, answered):
    package, lesson = answered
    client.force_login(world.student)
    page = client.get(reverse("courses:h5p_my_results"), HTTP_ACCEPT_LANGUAGE="en")
    assert f'data-package="{package.uuid}" data-score="1" data-max="2"' in page.content.decode()
    html = client.get(lesson.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your score: 1/2 (best 1, attempts: 1)" in html
    client.force_login(world.other_student)
    other = client.get(reverse("courses:h5p_my_results")).content.decode()
    assert str(package.uuid) not in other


def test_teacher_results_table_gradebook_and_xlsx(client, world, answered):
    package, lesson = answered
    assignment = lesson.assignments.get()
    client.force_login(world.teacher)
    table = client.get(reverse("courses:h5p_assignment_results", args=[assignment.pk]))
    html = table.content.decode()
    assert f'data-student="{world.student.username}"' in html
    assert 'data-score="1" data-max="2"' in html
    gradebook = client.get(reverse("courses:h5p_gradebook", args=[world.classroom.pk]))
    assert 'data-score="1" data-max="2"' in gradebook.content.decode()
    assert (
        reverse("courses:h5p_gradebook", args=[world.classroom.pk])
        in client.get(reverse("courses:assignment_detail", args=[assignment.pk])).content.decode()
    )

    for name, pk in [
        ("courses:h5p_assignment_results_export", assignment.pk),
        ("courses:h5p_gradebook_export", world.classroom.pk),
    ]:
        response = client.get(reverse(name, args=[pk]))
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[1][:4] == (world.student.display_name, world.student.username, "1/2", 1)


def test_results_are_404_outside_scope(client, world, answered):
    _package, lesson = answered
    assignment = lesson.assignments.get()
    for outsider in (world.other_teacher, world.student):
        client.force_login(outsider)
        for name, pk in [
            ("courses:h5p_assignment_results", assignment.pk),
            ("courses:h5p_assignment_results_export", assignment.pk),
            ("courses:h5p_gradebook", world.classroom.pk),
            ("courses:h5p_gradebook_export", world.classroom.pk),
        ]:
            assert client.get(reverse(name, args=[pk])).status_code == 404, (outsider, name)
