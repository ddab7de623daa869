"""Uploading a package in the Wagtail admin: the request stores the file and answers at once, a
worker imports it, and the uploader follows it on its job page (progress from the database,
then the package or the reasons it was refused, in Vietnamese), which is theirs alone."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from courses.h5p import tasks
from courses.models import H5PLibrary, H5PPackage
from jobs.models import Job
from jobs.services import JobRun
from jobs.testing import durable_tasks, queued, run_queued
from tests.courses.test_h5p_storage import import_bytes, media, stored_files  # noqa: F401
from tests.courses.test_h5p_validator import as_json, h5p_json, minimal_package, zip_bytes

TASK = "courses.h5p.tasks.package_import_task"


def upload(client, data: bytes, name="bai-tap.h5p", **fields):
    return client.post(
        reverse("h5p_admin:index"), {"file": SimpleUploadedFile(name, data), **fields}
    )


def state(client, job):
    url = reverse("jobs:job", args=[job.pk])
    return client.get(url, HTTP_ACCEPT="application/json").json()


def staged(media):  # noqa: F811
    return {name for name in stored_files(media) if name.startswith("h5p/uploads/")}


def test_the_upload_answers_before_the_import_and_a_worker_imports_it(client, world, media):  # noqa: F811
    client.force_login(world.teacher)
    with durable_tasks():
        response = upload(client, zip_bytes(minimal_package()), title="Thủ đô")
        job = Job.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("jobs:job", args=[job.pk])
        # Answered with the file stored and its import queued, nothing imported yet.
        assert queued(TASK) == 1
        assert not H5PPackage.objects.exists()
        assert len(staged(media)) == 1 and stored_files(media) == staged(media)
        assert (job.owner, job.kind, state(client, job)["status"]) == (
            world.teacher,
            "h5p_import",
            "queued",
        )
        page = client.get(reverse("h5p_admin:index")).content.decode()
        assert f'data-job="{job.pk}"' in page  # the teacher who closed the tab finds it again

        run_queued()

    package = H5PPackage.objects.get()
    assert (package.title, package.school, package.uploaded_by) == (
        "Thủ đô",
        world.school_a,
        world.teacher,
    )
    assert package.uuid == job.pk
    assert f"h5p/{package.uuid}/content/content.json" in stored_files(media)
    assert staged(media) == set()
    done = state(client, job)
    assert (done["status"], done["percent"]) == ("done", 100)
    assert done["result_url"] == f"{reverse('h5p_admin:index')}#h5p-{package.uuid}"
    page = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert "“Thủ đô” đã sẵn sàng" in page and done["result_url"] in page
    # Usable in lessons: the block's chooser offers it.
    chosen = client.get(reverse("h5p_package_chooser:chosen", args=[package.pk]))
    assert chosen.status_code == 200


def test_the_job_page_shows_each_step_while_the_worker_imports(client, world, media, monkeypatch):  # noqa: F811
    client.force_login(world.teacher)
    seen = []
    real_progress = JobRun.progress

    def progress_and_look(run, *args, **kwargs):
        real_progress(run, *args, **kwargs)
        # What the uploader's page shows at this moment, read back through the view.
        now = state(client, run.job)
        seen.append((now["status"], now["percent"], now["stage"]))

    monkeypatch.setattr(JobRun, "progress", progress_and_look)
    with durable_tasks():
        upload(client, zip_bytes(minimal_package()))
        run_queued()
    assert {status for status, _, _ in seen} == {"running"}
    percents = [percent for _, percent, _ in seen]
    assert percents == sorted(percents) and percents[-1] < 100
    stages = [stage for _, _, stage in seen]
    assert stages[0] == "Đang kiểm tra gói"
    assert "Đang kiểm tra gói: 6/7 tệp" in stages
    assert any(s.startswith("Đang giải nén thư viện và nội dung: ") for s in stages)
    assert stages[-1] == "Đang lưu hoạt động"
    assert H5PPackage.objects.count() == 1


def test_a_bad_package_ends_with_a_vietnamese_error_and_nothing_saved(client, world, media):  # noqa: F811
    """The ZIP's directory is fine, so the upload is queued; the worker's full check refuses it."""
    client.force_login(world.teacher)
    files = {
        **minimal_package(),
        "h5p.json": as_json(h5p_json(preloadedDependencies=[])),
        "content/images/map.png": b"not a picture",
    }
    with durable_tasks():
        assert upload(client, zip_bytes(files)).status_code == 302
        run_queued()
    job = Job.objects.get()
    failed = state(client, job)
    assert failed["status"] == "failed"
    lines = failed["message"].splitlines()
    assert lines[0] == "Gói “bai-tap.h5p” bị từ chối; không có gì được lưu."
    assert lines[1:] == [
        '• Tệp "content/images/map.png" có đuôi .png nhưng không phải ảnh PNG hợp lệ '
        "(quy tắc: image_mismatch).",
        '• Thư viện chính "H5P.Hello" của tệp "h5p.json" không có trong preloadedDependencies '
        "(quy tắc: missing_main_library).",
    ]
    page = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert 'role="alert"' in page and "content/images/map.png" in page
    assert not H5PPackage.objects.exists() and not H5PLibrary.objects.exists()
    assert stored_files(media) == set()  # the staged file too


def test_what_the_zip_directory_shows_is_refused_in_the_request(client, world, media):  # noqa: F811
    client.force_login(world.teacher)
    with durable_tasks():
        response = upload(client, zip_bytes({**minimal_package(), "../evil.js": b""}))
        assert response.status_code == 200
        assert 'data-rule="path_traversal"' in response.content.decode()
        assert queued() == 0
    assert not Job.objects.exists() and stored_files(media) == set()


def test_the_job_page_is_404_for_anyone_else(client, world, media):  # noqa: F811
    client.force_login(world.teacher)
    with durable_tasks():
        upload(client, zip_bytes(minimal_package()))
        run_queued()
    job = Job.objects.get()
    for other in (world.other_teacher, world.officer, world.student):
        client.force_login(other)
        assert client.get(reverse("jobs:job", args=[job.pk])).status_code == 404
        page = client.get(reverse("h5p_admin:index"))
        assert f'data-job="{job.pk}"'.encode() not in page.content


def test_a_run_after_a_killed_worker_replaces_its_files_or_only_finishes(client, world, media):  # noqa: F811
    client.force_login(world.teacher)
    with durable_tasks():
        upload(client, zip_bytes(minimal_package()))
        first = Job.objects.get()
        # The killed run had written part of the package, and no row.
        leftover = media / f"h5p/{first.pk}/content/half-written.json"
        leftover.parent.mkdir(parents=True)
        leftover.write_text("{")
        run_queued()
    assert not leftover.exists()
    assert H5PPackage.objects.get().uuid == first.pk

    with durable_tasks():
        upload(client, zip_bytes(minimal_package()), title="Lần hai")
        second = Job.objects.exclude(pk=first.pk).get()
        # The killed run had saved the package before it could finish the job.
        import_bytes(zip_bytes(minimal_package()), title="Lần hai", package_uuid=second.pk)
        run_queued()
    assert H5PPackage.objects.filter(title="Lần hai").count() == 1
    assert state(client, second)["status"] == "done"
    assert staged(media) == set()


def test_a_crash_keeps_the_file_for_a_retry_until_the_failed_task_is_pruned(
    client,
    world,
    media,  # noqa: F811
    monkeypatch,
    time_machine,
):
    client.force_login(world.teacher)

    def crash(**kwargs):
        raise OSError("storage unreachable")

    with durable_tasks():
        monkeypatch.setattr(tasks, "package_import", crash)
        upload(client, zip_bytes(minimal_package()))
        run_queued()
        job = Job.objects.get()
        failed = state(client, job)
        assert failed["status"] == "failed" and "storage" not in failed["message"]
        assert len(staged(media)) == 1  # kept: a superuser may put the task back in the queue

        assert tasks.staged_uploads_prune.call() == 0
        time_machine.move_to(timezone.now() + datetime.timedelta(days=31))
        assert tasks.staged_uploads_prune.call() == 1
    assert staged(media) == set()
