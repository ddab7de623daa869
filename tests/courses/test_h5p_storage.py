"""Storing packages through Django's storage API: content per package, shared libraries,
patch upgrades, deletion, and nothing left behind by a refused or failed import."""

import io
import json
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage
from django.core.management import CommandError, call_command

from courses.h5p import storage
from courses.h5p.storage import PackageRejected, package_delete, package_import
from courses.models import H5PLibrary, H5PPackage
from tests.courses.test_h5p_validator import (
    LIB,
    REAL_EXPORT,
    as_json,
    h5p_json,
    library_json,
    minimal_package,
    zip_bytes,
)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def package_bytes(**library_overrides) -> bytes:
    files = minimal_package()
    files[f"{LIB}/library.json"] = as_json(library_json(**library_overrides))
    return zip_bytes(files)


def import_bytes(data: bytes, filename="bai-tap.h5p", **kwargs):
    return package_import(source=io.BytesIO(data), filename=filename, **kwargs)


def stored_files(root: Path) -> set[str]:
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_import_stores_content_per_package_and_libraries_shared(db, media):
    outcome = import_bytes(package_bytes(), title="Thủ đô")
    package = outcome.package
    assert package.title == "Thủ đô"
    assert package.main_library == LIB
    assert package.folder == f"h5p/{package.uuid}"
    assert stored_files(media) == {
        f"h5p/{package.uuid}/h5p.json",
        f"h5p/{package.uuid}/content/content.json",
        f"h5p/{package.uuid}/content/images/map.png",
        f"h5p/libraries/{LIB}/library.json",
        f"h5p/libraries/{LIB}/scripts/hello.js",
        f"h5p/libraries/{LIB}/styles/hello.css",
        f"h5p/libraries/{LIB}/language/vi.json",
    }
    library = H5PLibrary.objects.get()
    assert (library.machine_name, library.major, library.minor, library.patch) == (
        "H5P.Hello",
        1,
        2,
        3,
    )
    assert list(package.libraries.all()) == [library]

    second = import_bytes(package_bytes()).package
    assert H5PLibrary.objects.count() == 1
    assert set(library.packages.all()) == {package, second}
    # The title defaults to the package's own.
    assert second.title == h5p_json()["title"]


def test_newer_patch_replaces_library_files_older_one_does_not(db, media):
    first = minimal_package()
    first[f"{LIB}/scripts/old-only.js"] = b"// only in 1.2.3"
    import_bytes(zip_bytes(first))
    assert (media / f"h5p/libraries/{LIB}/scripts/old-only.js").exists()

    newer = minimal_package()
    newer[f"{LIB}/library.json"] = as_json(library_json(patchVersion=4))
    newer[f"{LIB}/scripts/hello.js"] = b"// 1.2.4"
    outcome = import_bytes(zip_bytes(newer))
    assert outcome.libraries_written == [LIB]
    assert H5PLibrary.objects.get().patch == 4
    assert (media / f"h5p/libraries/{LIB}/scripts/hello.js").read_bytes() == b"// 1.2.4"
    assert not (media / f"h5p/libraries/{LIB}/scripts/old-only.js").exists()

    older = minimal_package()
    older[f"{LIB}/scripts/hello.js"] = b"// 1.2.3 again"
    outcome = import_bytes(zip_bytes(older))
    assert outcome.libraries_written == []
    assert H5PLibrary.objects.get().patch == 4
    assert (media / f"h5p/libraries/{LIB}/scripts/hello.js").read_bytes() == b"// 1.2.4"


def _newer_patch() -> bytes:
    newer = minimal_package()
    newer[f"{LIB}/library.json"] = as_json(library_json(patchVersion=4))
    newer[f"{LIB}/scripts/hello.js"] = b"// 1.2.4"
    return zip_bytes(newer)


def _failing_at(monkeypatch, folder: str):
    """Storage fails at the first file written below `folder`."""
    real_copy = storage._copy_member

    def flaky(zf, info, target, *args):
        if target.startswith(folder):
            raise OSError("disk full")
        return real_copy(zf, info, target, *args)

    monkeypatch.setattr(storage, "_copy_member", flaky)


def test_a_failed_upgrade_puts_the_older_patch_back(db, media, monkeypatch):
    first = minimal_package()
    first[f"{LIB}/scripts/old-only.js"] = b"// only in 1.2.3"
    package = import_bytes(zip_bytes(first)).package
    before = {name: (media / name).read_bytes() for name in stored_files(media)}
    _failing_at(monkeypatch, f"h5p/libraries/{LIB}/scripts/")
    with pytest.raises(OSError):
        import_bytes(_newer_patch())
    # The package that uses the library still has every file it had, and nothing else is left.
    assert {name: (media / name).read_bytes() for name in stored_files(media)} == before
    assert H5PLibrary.objects.get().patch == 3
    assert list(H5PPackage.objects.all()) == [package]


def test_a_run_after_a_killed_upgrade_keeps_the_originals_it_set_aside(db, media, monkeypatch):
    import uuid

    import_bytes(package_bytes())
    before = {name: (media / name).read_bytes() for name in stored_files(media)}
    # The killed run had set the library aside, then half-written the newer patch.
    run = uuid.uuid4()
    storage.copy_tree(
        storage.default_storage,
        f"h5p/libraries/{LIB}",
        f"{storage.set_aside_folder(run)}/{LIB}",
    )
    (media / f"h5p/libraries/{LIB}/scripts/hello.js").write_bytes(b"// half of 1.2.4")
    (media / f"h5p/libraries/{LIB}/styles/hello.css").unlink()
    _failing_at(monkeypatch, f"h5p/libraries/{LIB}/styles/")
    with pytest.raises(OSError):
        import_bytes(_newer_patch(), package_uuid=run)
    assert {name: (media / name).read_bytes() for name in stored_files(media)} == before

    monkeypatch.undo()
    import_bytes(_newer_patch(), package_uuid=run)
    assert (media / f"h5p/libraries/{LIB}/scripts/hello.js").read_bytes() == b"// 1.2.4"
    assert not [name for name in stored_files(media) if name.startswith("h5p/uploads/")]


def test_package_may_rely_on_installed_library_and_delete_keeps_shared_ones(db, media):
    first = import_bytes(package_bytes()).package
    without_library = {k: v for k, v in minimal_package().items() if not k.startswith(LIB)}
    second = import_bytes(zip_bytes(without_library)).package
    library = H5PLibrary.objects.get()
    assert list(second.libraries.all()) == [library]

    assert package_delete(package=first) == []
    assert not (media / f"h5p/{first.uuid}").exists()
    assert (media / f"h5p/libraries/{LIB}/library.json").exists()

    assert package_delete(package=second) == [LIB]
    assert not H5PLibrary.objects.exists() and not H5PPackage.objects.exists()
    assert stored_files(media) == set()


@pytest.mark.parametrize(
    "broken",
    [
        {"../evil.js": b"alert(1)"},
        {f"{LIB}/scripts/hello.exe": b"MZ"},
        {"content/content.json": b"{not json"},
        {"h5p.json": as_json(h5p_json(mainLibrary="H5P.Missing"))},
    ],
    ids=["traversal", "extension", "bad-json", "missing-main-library"],
)
def test_refused_package_leaves_nothing(db, media, broken):
    files = {**minimal_package(), **broken}
    with pytest.raises(PackageRejected) as caught:
        import_bytes(zip_bytes(files))
    assert caught.value.result.errors
    assert stored_files(media) == set()
    assert not H5PPackage.objects.exists() and not H5PLibrary.objects.exists()


def test_failure_while_writing_removes_what_was_written(db, media, monkeypatch):
    real_copy = storage._copy_member
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args[2])
        if len(calls) == 4:
            raise OSError("disk full")
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(storage, "_copy_member", flaky)
    with pytest.raises(OSError):
        import_bytes(package_bytes())
    assert len(calls) == 4
    assert stored_files(media) == set()
    assert not H5PPackage.objects.exists() and not H5PLibrary.objects.exists()


def test_only_the_storage_api_is_used(db, media):
    """No filesystem paths: a storage without any (like S3) holds everything."""
    memory = InMemoryStorage()
    package = import_bytes(package_bytes(), storage=memory).package
    assert stored_files(media) == set()
    with memory.open(f"{package.folder}/content/content.json") as handle:
        assert "Hà Nội" in json.loads(handle.read())["question"]
    assert memory.exists(f"h5p/libraries/{LIB}/scripts/hello.js")
    assert package_delete(package=package, storage=memory) == [LIB]
    assert not memory.exists(f"h5p/libraries/{LIB}/scripts/hello.js")
    assert not memory.exists(f"{package.folder}/h5p.json")


@pytest.mark.skipif(not REAL_EXPORT.is_file(), reason=f"{REAL_EXPORT} is not on this machine")
def test_real_export_imports(db, media):
    with REAL_EXPORT.open("rb") as source:
        outcome = package_import(source=source, filename=REAL_EXPORT.name)
    package = outcome.package
    assert package.main_library == "H5P.TrueFalse-1.6"
    assert package.libraries.count() == 10
    assert (media / "h5p/libraries/H5P.TrueFalse-1.6/library.json").exists()
    assert not (media / f"h5p/{package.uuid}/H5P_CONTENT_HERE.txt").exists()


def test_import_h5p_command(db, media, tmp_path, capsys):
    from tests.factories import SchoolFactory

    school = SchoolFactory(code="THCS-A")
    path = tmp_path / "bai-tap.h5p"
    path.write_bytes(package_bytes())
    call_command("import_h5p", str(path), "--title", "Câu hỏi", "--school", "THCS-A")
    package = H5PPackage.objects.get()
    assert (package.title, package.school) == ("Câu hỏi", school)
    assert str(package.uuid) in capsys.readouterr().out

    bad = tmp_path / "hong.h5p"
    bad.write_bytes(zip_bytes({**minimal_package(), "../x.js": b""}))
    with pytest.raises(CommandError):
        call_command("import_h5p", str(bad))
    assert "path_traversal" in capsys.readouterr().err
    assert H5PPackage.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("import_h5p", str(path), "--school", "NOPE")


def test_a_newer_patch_gives_packages_using_it_new_library_addresses(db, media):
    first = import_bytes(zip_bytes(minimal_package())).package
    before = storage.libraries_version(first)
    assert storage.libraries_version(first) == before  # from the cache now
    newer = minimal_package()
    newer[f"{LIB}/library.json"] = as_json(library_json(patchVersion=4))
    import_bytes(zip_bytes(newer))
    assert storage.libraries_version(first) != before
