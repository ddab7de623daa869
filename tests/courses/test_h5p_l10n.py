"""H5P activities speak the reader's language: where content.json still holds a library's
English default text, the player gets the library's (or the project's) translation; what the
author wrote stays as written."""

import io
import json
from pathlib import Path

import pytest
from django.urls import reverse

from courses.h5p import l10n
from courses.h5p.selectors import package_library_versions
from courses.h5p.storage import package_import
from courses.services import lesson_assign
from tests.courses.conftest import add_lesson
from tests.courses.test_h5p_storage import media  # noqa: F401 - fixture
from tests.courses.test_h5p_validator import LIB, as_json, minimal_package, zip_bytes

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "h5p" / "hello-truefalse.h5p"

SEMANTICS = [
    {"name": "question", "type": "text"},
    {
        "name": "l10n",
        "type": "group",
        "common": True,
        "fields": [
            {"name": "check", "type": "text", "default": "Check"},
            {"name": "retry", "type": "text", "default": "Retry"},
            {"name": "feedback", "type": "text", "default": "Well done"},
        ],
    },
    {
        "name": "answers",
        "type": "list",
        "field": {"name": "answer", "type": "text", "default": "Answer"},
    },
]
# The library translates "Check"; its "Retry" is left in English (as many vi.json files are).
LIBRARY_VI = {
    "semantics": [
        {},
        {"fields": [{"default": "Kiểm tra"}, {"default": "Retry"}, {"default": "Làm tốt lắm"}]},
        {"field": {"default": "Đáp án"}},
    ]
}
CONTENT = {
    "question": "<p>Hà Nội là thủ đô?</p>",
    "l10n": {"check": "Check", "retry": "Retry", "feedback": "Giỏi lắm!"},
    "answers": ["Answer", "Hà Nội"],
}


@pytest.fixture
def project_language(tmp_path, monkeypatch):
    (tmp_path / "vi.json").write_text(
        json.dumps({"H5P.Hello": {"l10n.retry": "Làm lại"}}), encoding="utf-8"
    )
    monkeypatch.setattr(l10n, "PROJECT_LANGUAGE_DIR", tmp_path)
    l10n.project_texts.cache_clear()
    yield
    l10n.project_texts.cache_clear()


@pytest.fixture
def activity(world, media, project_language):  # noqa: F811
    files = minimal_package()
    files[f"{LIB}/semantics.json"] = as_json(SEMANTICS)
    files[f"{LIB}/language/vi.json"] = as_json(LIBRARY_VI)
    files["content/content.json"] = as_json(CONTENT)
    package = package_import(
        source=io.BytesIO(zip_bytes(files)),
        filename="bai.h5p",
        title="Thủ đô",
        school=world.school_a,
    ).package
    lesson = add_lesson(
        world.course, "Kiểm tra nhanh", owner=world.teacher, body=[("h5p", {"package": package})]
    )
    lesson_assign(lesson=lesson, classrooms=[world.classroom], by=world.teacher)
    return package


def content_json(client, package, **headers):
    url = reverse("courses:h5p_file", args=[package.uuid, "content/content.json"])
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert "sandbox" in response["Content-Security-Policy"]
    assert "Accept-Language" in response["Vary"]
    return json.loads(response.content)


def test_default_texts_play_in_vietnamese_and_the_authors_own_stay(client, world, activity):
    client.force_login(world.student)
    content = content_json(client, activity)
    assert content["l10n"] == {
        "check": "Kiểm tra",  # the library's vi.json
        "retry": "Làm lại",  # the project's own, where the library's is still English
        "feedback": "Giỏi lắm!",  # the author's
    }
    assert content["answers"] == ["Đáp án", "Hà Nội"]
    assert content["question"] == CONTENT["question"]


def test_english_readers_get_the_package_as_written(client, world, activity):
    client.force_login(world.student)
    assert content_json(client, activity, accept_language="en") == CONTENT


@pytest.mark.skipif(not SAMPLE.is_file(), reason=f"{SAMPLE} is not on this machine")
def test_the_true_false_sample_plays_in_vietnamese(db, media):  # noqa: F811
    with SAMPLE.open("rb") as source:
        package = package_import(source=source, filename=SAMPLE.name).package
    with media.joinpath(package.folder, "content", "content.json").open() as handle:
        content = json.load(handle)
    l10n.content_localise(
        content,
        main_folder=package.main_library,
        libraries=package_library_versions(package),
        language="vi",
    )
    assert content["l10n"]["trueText"] == "Đúng"
    assert content["l10n"]["falseText"] == "Sai"
    assert content["l10n"]["checkAnswer"] == "Kiểm tra"
    assert content["l10n"]["score"] == "Bạn được @score/@total điểm"
    assert content["confirmCheck"]["confirmLabel"] == "Nộp bài"
    assert content["question"] == "<p>Is this false?</p>\n"  # the author's
