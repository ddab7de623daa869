"""Uploads are scanned by a real ClamAV daemon: H5P packages, roster files and documents.

The EICAR test file stands for a virus. Signature downloads are impossible here, so the
`clamd` fixture starts Debian's clamd (clamav-daemon) with a one-line signature database of
our own that detects EICAR. With CLAMD_SOCKET or CLAMD_HOST set it uses that daemon instead.
Without either the scan tests skip, except in CI, where they must run. The fail-closed tests
need no daemon.
"""

import io
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import Collection

from accounts.models import RosterImport
from courses.h5p.storage import PackageRejected, package_import
from courses.models import H5PPackage
from jobs.testing import durable_tasks, run_queued
from lms.uploads import scan_bytes
from tests.courses.test_h5p_validator import minimal_package, zip_bytes
from tests.factories import SchoolAdminFactory, SchoolFactory, TeacherFactory, UserFactory

CLAMD = Path("/usr/sbin/clamd")
IN_CI = bool(os.environ.get("CI"))
# The standard antivirus test file, in two halves so that no scanner flags this source file.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "HocTiep.Test.EICAR"
CLEAN_CSV = "Họ và tên,Ngày sinh,Giới tính,Lớp\nNguyễn Văn An,12/03/2012,Nam,9A\n".encode()


def _ping(path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(2)
            client.connect(path)
            client.sendall(b"nPING\n")
            return client.recv(16).startswith(b"PONG")
    except OSError:
        return False


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason}, and CI must run the virus scan tests.")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def clamd_settings(tmp_path_factory):
    """The CLAMD_* settings of a running clamd that knows EICAR."""
    if os.environ.get("CLAMD_SOCKET") or os.environ.get("CLAMD_HOST"):
        yield {
            "CLAMD_SOCKET": os.environ.get("CLAMD_SOCKET", ""),
            "CLAMD_HOST": os.environ.get("CLAMD_HOST", ""),
            "CLAMD_PORT": int(os.environ.get("CLAMD_PORT", "3310")),
        }
        return
    if not CLAMD.exists():
        _unavailable(f"no ClamAV daemon: install clamav-daemon ({CLAMD}) or set CLAMD_SOCKET")
    folder = tmp_path_factory.mktemp("clamd")
    (folder / "db").mkdir()
    # An .ndb body signature: name, target type 0 (any file), any offset, the bytes in hex.
    (folder / "db" / "hoctiep-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    sock = folder / "clamd.sock"
    (folder / "clamd.conf").write_text(
        f"LocalSocket {sock}\n"
        f"DatabaseDirectory {folder / 'db'}\n"
        f"TemporaryDirectory {folder}\n"
        f"LogFile {folder / 'clamd.log'}\n"
        "Foreground yes\n"
        "StreamMaxLength 300M\n"
    )
    daemon = subprocess.Popen(
        [str(CLAMD), "-c", str(folder / "clamd.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not _ping(str(sock)):
            if daemon.poll() is not None or time.monotonic() > deadline:
                log = (folder / "clamd.log").read_text() if (folder / "clamd.log").exists() else ""
                _unavailable(f"clamd did not start: {log[-500:]}")
            time.sleep(0.1)
        yield {"CLAMD_SOCKET": str(sock), "CLAMD_HOST": "", "CLAMD_PORT": 3310}
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


@pytest.fixture
def clamd(clamd_settings, settings):
    for name, value in clamd_settings.items():
        setattr(settings, name, value)


@pytest.fixture
def clamd_down(settings, tmp_path):
    """Scanning configured, but nothing answers on the socket."""
    settings.CLAMD_SOCKET = str(tmp_path / "no-clamd.sock")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# The scan itself -------------------------------------------------------------------------------


def test_eicar_is_found_and_named(clamd):
    with pytest.raises(ValidationError) as found:
        scan_bytes(b"prefix " + EICAR + b" suffix", name="bai-tap.txt")
    assert found.value.code == "virus_found"
    message = found.value.messages[0]
    assert "bai-tap.txt" in message and "EICAR" in message.upper()


def test_a_clean_file_passes(clamd):
    scan_bytes(b"Just a lesson plan.", name="giao-an.txt")


def test_scanning_is_off_without_a_daemon_configured(settings):
    settings.CLAMD_SOCKET = settings.CLAMD_HOST = ""
    scan_bytes(EICAR, name="eicar.txt")  # nothing to ask: accepted, as before


@pytest.mark.parametrize("where", ["socket", "host"])
def test_an_unreachable_daemon_refuses_the_upload(settings, tmp_path, where):
    if where == "socket":
        settings.CLAMD_SOCKET = str(tmp_path / "no-clamd.sock")
    else:
        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        settings.CLAMD_SOCKET, settings.CLAMD_HOST, settings.CLAMD_PORT = "", "127.0.0.1", port
    with pytest.raises(ValidationError) as refused:
        scan_bytes(b"Just a lesson plan.", name="giao-an.txt")
    assert refused.value.code == "virus_scan_failed"
    assert "giao-an.txt" in refused.value.messages[0]


# H5P packages --------------------------------------------------------------------------------


def package_with(member: str, data: bytes) -> io.BytesIO:
    return io.BytesIO(zip_bytes({**minimal_package(), member: data}))


@pytest.mark.django_db
def test_an_h5p_package_carrying_eicar_is_refused_and_nothing_stored(clamd, media):
    source = package_with("content/readme.txt", b"Xin chao\n" + EICAR)

    with pytest.raises(PackageRejected) as rejected:
        package_import(source=source, filename="bai-tap.h5p")

    [problem] = rejected.value.result.errors
    assert (problem.rule, problem.path) == ("virus_found", "bai-tap.h5p")
    assert not H5PPackage.objects.exists()
    assert stored_files(media) == []


@pytest.mark.django_db
def test_a_clean_h5p_package_is_stored_with_scanning_on(clamd, media):
    outcome = package_import(source=io.BytesIO(zip_bytes(minimal_package())), filename="a.h5p")
    assert H5PPackage.objects.get() == outcome.package


@pytest.mark.django_db
def test_an_h5p_package_is_refused_while_the_scanner_is_down(clamd_down, media):
    with pytest.raises(PackageRejected) as rejected:
        package_import(source=io.BytesIO(zip_bytes(minimal_package())), filename="a.h5p")
    assert [p.rule for p in rejected.value.result.errors] == ["virus_scan_failed"]
    assert not H5PPackage.objects.exists()


@pytest.mark.django_db
def test_the_h5p_upload_s_job_page_names_the_virus(client, clamd, media):
    """The worker that imports the upload scans it; the job page says what it found."""
    client.force_login(TeacherFactory())
    with durable_tasks():
        response = client.post(
            reverse("h5p_admin:index"),
            {
                "file": SimpleUploadedFile(
                    "bai-tap.h5p", package_with("content/x.txt", EICAR).getvalue()
                ),
                "title": "Bài tập",
            },
        )
        assert response.status_code == 302
        run_queued()
    html = client.get(response["Location"]).content.decode()
    assert "virus_found" in html and "EICAR" in html.upper()
    assert not H5PPackage.objects.exists()
    assert stored_files(media) == []


# Roster files ----------------------------------------------------------------------------------


def post_roster(client, school, name: str, data: bytes):
    return client.post("/roster/", {"school": school.pk, "file": SimpleUploadedFile(name, data)})


@pytest.mark.django_db
def test_a_roster_file_carrying_eicar_is_refused(client, clamd):
    school = SchoolFactory()
    client.force_login(SchoolAdminFactory(school=school))

    response = post_roster(client, school, "ds.csv", CLEAN_CSV + EICAR)

    assert response.status_code == 200
    assert "virus_found" in response.content.decode()
    assert not RosterImport.objects.exists()  # the file was not even stored


@pytest.mark.django_db
def test_a_clean_roster_file_passes_the_scan(client, clamd):
    school = SchoolFactory()
    client.force_login(SchoolAdminFactory(school=school))
    response = post_roster(client, school, "ds.csv", CLEAN_CSV)
    assert response.status_code == 302
    assert RosterImport.objects.count() == 1


@pytest.mark.django_db
def test_a_roster_file_is_refused_while_the_scanner_is_down(client, clamd_down):
    school = SchoolFactory()
    client.force_login(SchoolAdminFactory(school=school))
    response = post_roster(client, school, "ds.csv", CLEAN_CSV)
    assert response.status_code == 200
    assert "virus_scan_failed" in response.content.decode()
    assert not RosterImport.objects.exists()


# Wagtail documents -----------------------------------------------------------------------------


@pytest.fixture
def editor(client, db):
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def add_document(client, name: str, data: bytes):
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": name,
            "file": SimpleUploadedFile(name, data),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def test_a_document_carrying_eicar_is_refused(client, editor, clamd, media):
    response = add_document(client, "phieu-bai-tap.txt", b"Bai tap\n" + EICAR)

    assert response.status_code == 200  # the form again, with the error
    assert "virus_found" in response.content.decode()
    assert not get_document_model().objects.exists()
    assert stored_files(media) == []


def test_a_document_in_the_multiple_uploader_is_scanned_too(client, editor, clamd, media):
    response = client.post(
        reverse("wagtaildocs:add_multiple"),
        {"files[]": SimpleUploadedFile("phieu.txt", EICAR)},
    )
    assert response.json()["success"] is False
    assert "virus_found" in str(response.json())
    assert not get_document_model().objects.exists()


def test_a_clean_document_is_stored(client, editor, clamd, media):
    response = add_document(client, "phieu-bai-tap.txt", b"Bai tap 1: 2 + 2 = ?")
    assert response.status_code == 302
    assert get_document_model().objects.get().title == "phieu-bai-tap.txt"


def test_a_document_is_refused_while_the_scanner_is_down(client, editor, clamd_down, media):
    response = add_document(client, "phieu-bai-tap.txt", b"Bai tap 1")
    assert "virus_scan_failed" in response.content.decode()
    assert not get_document_model().objects.exists()
