"""The Wagtail admin page "H5P activities": upload (the import itself is a worker's, in
test_h5p_upload_jobs) with the ZIP directory's errors shown at once, scoped list, delete, and
the block's chooser scoped per school."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.h5p.storage import package_import
from courses.models import H5PPackage
from jobs.testing import durable_tasks, run_queued
from tests.courses.test_h5p_storage import media  # noqa: F401 - fixture
from tests.courses.test_h5p_validator import minimal_package, zip_bytes

INDEX = "h5p_admin:index"


def upload(client, data: bytes, name="bai-tap.h5p", **fields):
    return client.post(
        reverse(INDEX),
        {"file": SimpleUploadedFile(name, data), **fields},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def stored(school, title):
    return package_import(
        source=io.BytesIO(zip_bytes(minimal_package())),
        filename="x.h5p",
        title=title,
        school=school,
    ).package


def test_teacher_uploads_to_their_school(client, world, media):  # noqa: F811
    client.force_login(world.teacher)
    page = client.get(reverse(INDEX), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "wagtailadmin" in page.content.decode()  # Wagtail's own admin layout
    with durable_tasks():
        response = upload(client, zip_bytes(minimal_package()), title="Thủ đô")
        assert response.status_code == 302  # to the import's job page (test_h5p_upload_jobs)
        run_queued()
    package = H5PPackage.objects.get()
    assert (package.title, package.school, package.uploaded_by) == (
        "Thủ đô",
        world.school_a,
        world.teacher,
    )


def test_refused_upload_lists_rule_and_file_and_saves_nothing(client, world, media):  # noqa: F811
    client.force_login(world.teacher)
    files = {**minimal_package(), "../evil.js": b"", "content/run.exe": b"MZ"}
    response = upload(client, zip_bytes(files))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-rule="path_traversal"' in html and "../evil.js" in html
    assert 'data-rule="bad_extension"' in html and "content/run.exe" in html
    assert not H5PPackage.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))

    wrong = upload(client, b"not a zip", name="notes.txt")
    assert 'data-rule="missing_h5p_extension"' in wrong.content.decode()


def test_list_and_delete_are_scoped(client, world, media):  # noqa: F811
    mine, theirs, shared = (
        stored(world.school_a, "Của trường A"),
        stored(world.school_b, "Của trường B"),
        stored(None, "Thư viện"),
    )
    client.force_login(world.teacher)
    html = client.get(reverse(INDEX)).content.decode()
    assert str(mine.uuid) in html and str(shared.uuid) in html
    assert str(theirs.uuid) not in html
    assert client.get(reverse("h5p_admin:delete", args=[theirs.pk])).status_code == 404
    # Not the uploader, not a school admin: cannot delete the school's package either.
    assert client.post(reverse("h5p_admin:delete", args=[mine.pk])).status_code == 404

    client.force_login(world.officer)
    assert client.get(reverse("h5p_admin:delete", args=[theirs.pk])).status_code == 200
    assert client.post(reverse("h5p_admin:delete", args=[theirs.pk])).status_code == 302
    assert not H5PPackage.objects.filter(pk=theirs.pk).exists()


def test_students_have_no_admin_page(client, world):
    client.force_login(world.student)
    assert client.get(reverse(INDEX)).status_code in (302, 403, 404)


@pytest.mark.parametrize("view", ["choose", "choose_results"])
def test_chooser_offers_only_the_editors_packages(client, world, media, view):  # noqa: F811
    mine, theirs = stored(world.school_a, "Của trường A"), stored(world.school_b, "Của trường B")
    client.force_login(world.teacher)
    response = client.get(reverse(f"h5p_package_chooser:{view}"))
    is_json = response["Content-Type"].startswith("application/json")
    html = response.json()["html"] if is_json else response.content.decode()
    assert "Của trường A" in html and "Của trường B" not in html
    assert client.get(reverse("h5p_package_chooser:chosen", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("h5p_package_chooser:chosen", args=[mine.pk])).status_code == 200
