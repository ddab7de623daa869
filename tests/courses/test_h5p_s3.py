"""H5P on S3-compatible object storage (docs/deployment.md, "Object storage").

A local S3 server (moto's server mode, on a free loopback port) stands in for the province's
object storage. The real sample package is uploaded with courses.h5p.storage, served through
the app's H5P file views, and deleted: afterwards no object of it is left in the bucket. An
upload waits in the bucket for its worker, which imports it from there.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from courses.h5p.storage import libraries_version, package_delete, package_import
from courses.models import H5PLibrary, H5PPackage
from jobs.testing import durable_tasks, run_queued
from tests.factories import TeacherFactory
from tests.resilience.servers import free_port

SAMPLE = Path(settings.H5P_DEMO_PACKAGE)
BUCKET = "hoctiep-test-media"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not SAMPLE.exists(), reason=f"the sample package {SAMPLE} is absent"),
]


@pytest.fixture
def s3(monkeypatch):
    """A moto S3 server on loopback with an empty bucket; yields a boto3 client for it."""
    boto3 = pytest.importorskip("boto3")
    moto_server = pytest.importorskip("moto.server")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    storages = {
        "default": {
            # The same options lms/settings/production.py builds from AWS_* variables.
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
                "addressing_style": "path",
            },
        },
        "staticfiles": settings.STORAGES["staticfiles"],
    }
    try:
        with override_settings(STORAGES=storages):
            yield client
    finally:
        server.stop()


def _keys(client, prefix="") -> set[str]:
    keys = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def test_package_is_uploaded_served_and_deleted_on_s3(s3, client):
    from django.core.files.storage import default_storage

    default_storage.exists("warm-up")  # the lazy default storage follows the override
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    teacher = TeacherFactory()
    outcome = package_import(
        source=SAMPLE,
        filename=SAMPLE.name,
        title="Hello",
        uploaded_by=teacher,
        school=teacher.school,
    )
    package = outcome.package

    # Uploaded: the package's own files and the shared libraries are objects in the bucket.
    keys = _keys(s3)
    assert f"{package.folder}/h5p.json" in keys
    assert f"{package.folder}/content/content.json" in keys
    library = H5PLibrary.objects.get(folder="H5P.TrueFalse-1.6")
    assert any(k.startswith(f"h5p/libraries/{library.folder}/") for k in keys)

    # Served through the app, streamed from the bucket, with the H5P headers.
    client.force_login(teacher)
    response = client.get(reverse("courses:h5p_file", args=[package.uuid, "content/content.json"]))
    assert response.status_code == 200
    # content.json comes back with the library's Vietnamese defaults filled in
    # (courses/h5p/l10n.py), the author's own text as stored in the bucket.
    served = json.loads(response.content)
    expected = s3.get_object(Bucket=BUCKET, Key=f"{package.folder}/content/content.json")
    stored = json.loads(expected["Body"].read())
    assert served["question"] == stored["question"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    response = client.get(
        reverse(
            "courses:h5p_library",
            args=[libraries_version(package), library.folder, "library.json"],
        )
    )
    assert response.status_code == 200
    assert b"H5P.TrueFalse" in b"".join(response.streaming_content)
    # Another teacher may not play it: the access check holds on S3 too.
    client.force_login(TeacherFactory())
    response = client.get(reverse("courses:h5p_file", args=[package.uuid, "h5p.json"]))
    assert response.status_code == 404

    # Deleted: nothing of the package (nor of its now unused libraries) is left.
    package_delete(package=package)
    assert _keys(s3) == set()


def test_an_upload_waits_in_the_bucket_and_a_worker_imports_it(s3, client):
    from django.core.files.storage import default_storage

    default_storage.exists("warm-up")  # the lazy default storage follows the override
    teacher = TeacherFactory()
    client.force_login(teacher)
    with durable_tasks():
        upload = SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())
        response = client.post(reverse("h5p_admin:index"), {"file": upload})
        assert response.status_code == 302
        assert [k for k in _keys(s3) if k.startswith("h5p/uploads/")]
        assert not H5PPackage.objects.exists()
        run_queued()
    package = H5PPackage.objects.get()
    keys = _keys(s3)
    assert f"{package.folder}/content/content.json" in keys
    assert not [k for k in keys if k.startswith("h5p/uploads/")]
