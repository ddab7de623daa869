"""The H5P package validator: each rule refuses what it should, and real exports pass.

Packages are built here with zipfile; no database and no Django are needed.
"""

import io
import json
import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from courses.h5p import validator as h5p_validator
from courses.h5p.validator import (
    CORE_API,
    H5PValidator,
    MemberTooLarge,
    read_member,
)

REAL_EXPORT = Path("/work/shared/h5p/hello-truefalse.h5p")
LIB = "H5P.Hello-1.2"
MB = 1024 * 1024


def as_json(data) -> bytes:
    return json.dumps(data).encode()


def library_json(**overrides) -> dict:
    data = {
        "title": "Xin chào",
        "machineName": "H5P.Hello",
        "majorVersion": 1,
        "minorVersion": 2,
        "patchVersion": 3,
        "runnable": 1,
        "coreApi": {"majorVersion": 1, "minorVersion": 24},
        "preloadedJs": [{"path": "scripts/hello.js"}],
        "preloadedCss": [{"path": "styles/hello.css"}],
    }
    data.update(overrides)
    return data


def h5p_json(**overrides) -> dict:
    data = {
        "title": "Bài tập đúng sai",
        "language": "vi",
        "mainLibrary": "H5P.Hello",
        "embedTypes": ["div"],
        "license": "CC BY",
        "licenseVersion": "4.0",
        "preloadedDependencies": [
            {"machineName": "H5P.Hello", "majorVersion": 1, "minorVersion": 2}
        ],
    }
    data.update(overrides)
    return data


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


PNG = png_bytes()


def minimal_package() -> dict[str, bytes]:
    """The smallest valid package, as member name -> bytes; tests edit it before zipping."""
    return {
        "h5p.json": as_json(h5p_json()),
        "content/content.json": as_json({"question": "<p>Hà Nội là thủ đô?</p>"}),
        "content/images/map.png": PNG,
        f"{LIB}/library.json": as_json(library_json()),
        f"{LIB}/scripts/hello.js": b"H5P.Hello = function () {};",
        f"{LIB}/styles/hello.css": b".h5p-hello { color: red; }",
        f"{LIB}/language/vi.json": as_json({"semantics": []}),
    }


def zip_bytes(files: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in files.items():  # a name, or a ZipInfo for special entries
            zf.writestr(name, data)
    return buffer.getvalue()


def validate(source, filename="bai-tap.h5p", installed=frozenset(), **limits):
    if isinstance(source, dict):
        source = zip_bytes(source)
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    result = H5PValidator(**limits).validate(source, filename, installed=installed)
    for problem in result.errors + result.warnings:
        # Every message is Vietnamese and names the rule and the file.
        assert f"(quy tắc: {problem.rule})" in problem.message
        assert f'"{problem.path}"' in problem.message
    assert result.ok == (not result.errors)
    return result


def errors(result) -> set[tuple[str, str]]:
    return {(problem.rule, problem.path) for problem in result.errors}


def warnings_of(result) -> set[tuple[str, str]]:
    return {(problem.rule, problem.path) for problem in result.warnings}


def patch_central_directory(data: bytes, name: str, offset: int, value: int, size: int = 4):
    """Overwrite a field of `name`'s central directory entry (offset from the entry start)."""
    buffer = bytearray(data)
    position = 0
    while (position := buffer.find(b"PK\x01\x02", position)) != -1:
        (name_length,) = struct.unpack_from("<H", buffer, position + 28)
        if buffer[position + 46 : position + 46 + name_length] == name.encode():
            struct.pack_into("<I" if size == 4 else "<H", buffer, position + offset, value)
            return bytes(buffer)
        position += 4
    raise AssertionError(f"{name} is not in the central directory")


CENTRAL_FLAGS, CENTRAL_CRC, CENTRAL_FILE_SIZE = 8, 16, 24


# Packages that must pass ---------------------------------------------------------------------


def test_minimal_package_passes_with_its_libraries_and_files():
    result = validate(minimal_package())

    assert result.ok, result.errors
    assert result.warnings == []
    assert result.main_library == LIB
    assert result.h5p_json["title"] == "Bài tập đúng sai"
    assert result.content_json == {"question": "<p>Hà Nội là thủ đô?</p>"}
    library = result.libraries[LIB]
    assert (library.machine_name, library.major, library.minor, library.patch) == (
        "H5P.Hello",
        1,
        2,
        3,
    )
    assert library.folder == LIB and library.runnable and library.title == "Xin chào"
    assert library.data["preloadedJs"] == [{"path": "scripts/hello.js"}]
    assert sorted(result.files) == sorted(minimal_package())


def test_a_path_on_disk_is_accepted_as_well_as_a_file_object(tmp_path):
    path = tmp_path / "bai-tap.h5p"
    path.write_bytes(zip_bytes(minimal_package()))

    assert validate(str(path)).ok
    with path.open("rb") as handle:
        assert validate(handle).ok


@pytest.mark.skipif(not REAL_EXPORT.exists(), reason=f"the h5p.org sample {REAL_EXPORT} is absent")
def test_real_h5p_org_export_passes_with_a_warning_for_its_marker_file():
    result = validate(REAL_EXPORT.read_bytes(), filename=REAL_EXPORT.name)

    assert result.ok, result.errors
    assert warnings_of(result) == {("unknown_file", "H5P_CONTENT_HERE.txt")}
    assert result.main_library == "H5P.TrueFalse-1.6"
    assert len(result.libraries) == 10
    assert "H5P_CONTENT_HERE.txt" not in result.files
    assert "h5p.json" in result.files
    assert "FontAwesome-4.5/FontAwesome.otf" in result.files


@pytest.mark.parametrize("version_type", [str, int], ids=["strings", "numbers"])
def test_versions_pass_as_strings_or_numbers(version_type):
    files = minimal_package()
    dependency = {
        "machineName": "H5P.Hello",
        "majorVersion": version_type(1),
        "minorVersion": version_type(2),
    }
    files["h5p.json"] = as_json(h5p_json(preloadedDependencies=[dependency]))
    files[f"{LIB}/library.json"] = as_json(
        library_json(
            majorVersion=version_type(1),
            minorVersion=version_type(2),
            patchVersion=version_type(3),
            runnable=version_type(1),
        )
    )

    result = validate(files)

    assert result.ok, result.errors
    assert (result.libraries[LIB].major, result.libraries[LIB].minor) == (1, 2)
    assert result.main_library == LIB


def test_library_files_real_libraries_carry_pass():
    files = minimal_package()
    for name in ("flash/player.swf", "doc/guide.docx", "patches/fix.diff", "data/table.xml"):
        files[f"{LIB}/{name}"] = b"data"
    # Fonts and SVG are checked against their extension (test_h5p_content_checks.py).
    files[f"{LIB}/fonts/icons.otf"] = b"OTTO" + bytes(60)
    files[f"{LIB}/fonts/icons.svg"] = b'<svg xmlns="http://www.w3.org/2000/svg"><font/></svg>'

    assert validate(files).ok


def test_core_api_equal_to_ours_passes():
    files = minimal_package()
    core_api = {"majorVersion": CORE_API[0], "minorVersion": CORE_API[1]}
    files[f"{LIB}/library.json"] = as_json(library_json(coreApi=core_api))

    assert validate(files).ok


# The package itself ----------------------------------------------------------------------------


def test_package_needs_the_h5p_extension():
    result = validate(minimal_package(), filename="bai-tap.zip")

    assert errors(result) == {("missing_h5p_extension", "bai-tap.zip")}


def test_package_must_be_a_zip():
    result = validate(b"this is not a zip at all", filename="bai-tap.h5p")

    assert errors(result) == {("not_a_zip", "bai-tap.h5p")}


@pytest.mark.parametrize(
    ("name", "rule"),
    [("h5p.json", "missing_h5p_json"), ("content/content.json", "missing_content_json")],
)
def test_required_json_files_must_exist(name, rule):
    files = minimal_package()
    del files[name]

    result = validate(files)

    assert (rule, name) in errors(result)
    assert result.files == []  # nothing gets read once the directory checks fail


@pytest.mark.parametrize(
    ("name", "rule", "data"),
    [
        ("h5p.json", "invalid_h5p_json", b"{'title': 'single quotes'}"),
        ("h5p.json", "invalid_h5p_json", b"[1, 2]"),
        ("content/content.json", "invalid_content_json", b"{not json"),
        ("content/content.json", "invalid_content_json", b"null"),
    ],
)
def test_required_json_files_must_hold_json_objects(name, rule, data):
    files = minimal_package()
    files[name] = data

    assert (rule, name) in errors(validate(files))


# h5p.json ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["title", "language", "mainLibrary", "embedTypes", "preloadedDependencies"]
)
def test_h5p_json_required_fields(field):
    files = minimal_package()
    data = h5p_json()
    del data[field]
    files["h5p.json"] = as_json(data)

    result = validate(files)

    assert ("missing_field", "h5p.json") in errors(result)
    assert f'"{field}"' in result.errors[0].message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("embedTypes", ["popup"]),
        ("embedTypes", []),
        ("embedTypes", "div"),
        ("title", ""),
        ("language", "tiếng việt"),
        ("mainLibrary", "H5P Hello"),
        ("preloadedDependencies", [{"machineName": "H5P.Hello", "majorVersion": 1}]),
        ("preloadedDependencies", "H5P.Hello 1.2"),
    ],
)
def test_h5p_json_fields_are_checked(field, value):
    files = minimal_package()
    files["h5p.json"] = as_json(h5p_json(**{field: value}))

    assert ("invalid_field", "h5p.json") in errors(validate(files))


@pytest.mark.parametrize("embed_types", [["iframe"], ["div", "iframe"]])
def test_h5p_json_embed_types_may_be_div_or_iframe(embed_types):
    files = minimal_package()
    files["h5p.json"] = as_json(h5p_json(embedTypes=embed_types))

    assert validate(files).ok


@pytest.mark.parametrize(
    "fields",
    [{"license": "MIT"}, {"license": "cc-by"}, {"license": ""}, {"licenseVersion": "5.0"}],
)
def test_h5p_json_license_must_be_an_h5p_code(fields):
    files = minimal_package()
    files["h5p.json"] = as_json(h5p_json(**fields))

    result = validate(files)

    assert errors(result) == {("bad_license", "h5p.json")}


@pytest.mark.parametrize("license_code", ["U", "CC0 1.0", "CC BY-NC-SA", "ODC PDDL", "C"])
def test_h5p_json_known_licenses_pass(license_code):
    files = minimal_package()
    files["h5p.json"] = as_json(h5p_json(license=license_code))

    assert validate(files).ok


def test_main_library_must_be_a_preloaded_dependency():
    files = minimal_package()
    files["h5p.json"] = as_json(h5p_json(mainLibrary="H5P.Other"))

    result = validate(files)

    assert errors(result) == {("missing_main_library", "h5p.json")}
    assert result.main_library is None


# Libraries ---------------------------------------------------------------------------------------


def test_library_folder_needs_library_json():
    files = minimal_package()
    files["H5P.Extra-1.0/scripts/extra.js"] = b"var extra;"

    result = validate(files)

    assert errors(result) == {("missing_library_json", "H5P.Extra-1.0/library.json")}


def test_an_empty_library_folder_needs_library_json_too():
    files = minimal_package()
    files[zipfile.ZipInfo("H5P.Empty-1.0/")] = b""

    assert errors(validate(files)) == {("missing_library_json", "H5P.Empty-1.0/library.json")}


def test_library_json_must_be_valid_json():
    files = minimal_package()
    files[f"{LIB}/library.json"] = '{"title": "Xin chào",}'.encode()

    assert errors(validate(files)) == {("invalid_library_json", f"{LIB}/library.json")}


@pytest.mark.parametrize(
    "field",
    ["title", "machineName", "majorVersion", "minorVersion", "patchVersion", "runnable"],
)
def test_library_json_required_fields(field):
    files = minimal_package()
    data = library_json()
    del data[field]
    files[f"{LIB}/library.json"] = as_json(data)

    result = validate(files)

    assert ("missing_field", f"{LIB}/library.json") in errors(result)
    assert LIB not in result.libraries


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("machineName", "H5P Hello"),
        ("majorVersion", "1.0"),
        ("minorVersion", -2),
        ("patchVersion", True),
        ("runnable", 2),
        ("preloadedJs", ["scripts/hello.js"]),
        ("embedTypes", ["window"]),
        ("coreApi", {"majorVersion": "one"}),
        ("dynamicDependencies", [{"machineName": "H5P.Other"}]),
    ],
)
def test_library_json_fields_are_checked(field, value):
    files = minimal_package()
    files[f"{LIB}/library.json"] = as_json(library_json(**{field: value}))

    assert ("invalid_field", f"{LIB}/library.json") in errors(validate(files))


def test_library_folder_must_be_named_machine_name_major_minor():
    files = {name.replace(LIB, "H5P.Hello-1.3"): data for name, data in minimal_package().items()}

    result = validate(files)

    assert ("library_folder_mismatch", "H5P.Hello-1.3/library.json") in errors(result)
    assert "H5P.Hello-1.2" in result.errors[0].message


def test_library_folder_name_must_be_a_machine_name():
    files = minimal_package()
    files["H5P Hello-1.2/library.json"] = as_json(library_json())

    assert ("invalid_library_name", "H5P Hello-1.2") in errors(validate(files))


@pytest.mark.parametrize(
    "core_api",
    [
        {"majorVersion": CORE_API[0], "minorVersion": CORE_API[1] + 1},
        {"majorVersion": CORE_API[0] + 1, "minorVersion": 0},
        {"majorVersion": str(CORE_API[0] + 1), "minorVersion": "0"},
    ],
)
def test_library_needing_a_newer_core_api_is_refused(core_api):
    files = minimal_package()
    files[f"{LIB}/library.json"] = as_json(library_json(coreApi=core_api))

    assert errors(validate(files)) == {("core_api_unsupported", f"{LIB}/library.json")}


@pytest.mark.parametrize("field", ["preloadedJs", "preloadedCss"])
def test_preloaded_files_must_exist_in_the_library(field):
    files = minimal_package()
    del files[f"{LIB}/scripts/hello.js" if field == "preloadedJs" else f"{LIB}/styles/hello.css"]
    files[f"{LIB}/library.json"] = as_json(
        library_json(preloadedJs=[{"path": "scripts/missing.js"}])
        if field == "preloadedJs"
        else library_json(preloadedCss=[{"path": "styles/missing.css"}])
    )

    missing = "scripts/missing.js" if field == "preloadedJs" else "styles/missing.css"
    assert errors(validate(files)) == {("missing_preloaded_file", f"{LIB}/{missing}")}


def test_preloaded_file_cannot_be_reached_outside_the_library():
    files = minimal_package()
    files["content/evil.txt"] = b"alert(1)"
    files[f"{LIB}/library.json"] = as_json(
        library_json(preloadedJs=[{"path": "../content/evil.txt"}])
    )

    assert ("missing_preloaded_file", f"{LIB}/../content/evil.txt") in errors(validate(files))


@pytest.mark.parametrize("name", ["nb.en.json", "de_DE.json", "vi.js.json", "sub/vi.json"])
def test_language_files_need_h5p_names(name):
    files = minimal_package()
    files[f"{LIB}/language/{name}"] = as_json({"semantics": []})

    assert errors(validate(files)) == {("bad_language_filename", f"{LIB}/language/{name}")}


@pytest.mark.parametrize("name", ["zh-hans.json", "pt-br.json", "nb.json", ".en.json"])
def test_language_file_names_follow_h5p(name):
    files = minimal_package()
    files[f"{LIB}/language/{name}"] = as_json({"semantics": []})

    result = validate(files)

    if name.startswith("."):
        assert errors(result) == {("hidden_file", f"{LIB}/language/{name}")}
    else:
        assert result.ok, result.errors


def test_language_files_must_be_valid_json():
    files = minimal_package()
    files[f"{LIB}/language/en.json"] = b'{"semantics": ['

    assert errors(validate(files)) == {("invalid_language_json", f"{LIB}/language/en.json")}


def test_semantics_must_be_valid_json():
    files = minimal_package()
    files[f"{LIB}/semantics.json"] = b"[{"

    assert errors(validate(files)) == {("invalid_semantics_json", f"{LIB}/semantics.json")}


# Dependencies ------------------------------------------------------------------------------------

QUESTION = {"machineName": "H5P.Question", "majorVersion": 1, "minorVersion": 4}


@pytest.mark.parametrize("field", ["preloadedDependencies", "dynamicDependencies"])
def test_library_dependency_must_be_in_the_package_or_installed(field):
    files = minimal_package()
    files[f"{LIB}/library.json"] = as_json(library_json(**{field: [QUESTION]}))

    result = validate(files)

    assert errors(result) == {("missing_dependency", f"{LIB}/library.json")}
    assert "H5P.Question-1.4" in result.errors[0].message
    assert validate(files, installed={("H5P.Question", 1, 4)}).ok
    assert not validate(files, installed={("H5P.Question", 1, 3)}).ok


def test_h5p_json_dependency_must_be_in_the_package_or_installed():
    files = minimal_package()
    files["h5p.json"] = as_json(
        h5p_json(preloadedDependencies=h5p_json()["preloadedDependencies"] + [QUESTION])
    )

    assert errors(validate(files)) == {("missing_dependency", "h5p.json")}
    assert validate(files, installed={("H5P.Question", 1, 4)}).ok


def test_dependency_satisfied_by_another_library_in_the_package():
    files = minimal_package()
    files[f"{LIB}/library.json"] = as_json(library_json(preloadedDependencies=[QUESTION]))
    files["H5P.Question-1.4/library.json"] = as_json(
        library_json(
            title="Question",
            machineName="H5P.Question",
            majorVersion=1,
            minorVersion=4,
            runnable=0,
            preloadedJs=[],
            preloadedCss=[],
        )
    )

    result = validate(files)

    assert result.ok, result.errors
    assert set(result.libraries) == {LIB, "H5P.Question-1.4"}


def test_main_library_may_be_installed_already():
    files = {name: data for name, data in minimal_package().items() if not name.startswith(LIB)}

    assert errors(validate(files)) == {("missing_dependency", "h5p.json")}
    result = validate(files, installed={("H5P.Hello", 1, 2)})
    assert result.ok, result.errors
    assert result.main_library == LIB and result.libraries == {}


def test_missing_editor_dependency_is_only_a_warning():
    editor = {"machineName": "H5PEditor.ShowWhen", "majorVersion": 1, "minorVersion": 0}
    files = minimal_package()
    files[f"{LIB}/library.json"] = as_json(library_json(editorDependencies=[editor]))

    result = validate(files)

    assert result.ok
    assert warnings_of(result) == {("missing_editor_dependency", f"{LIB}/library.json")}


# Extensions, hidden and ignored files ---------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["content/run.exe", "content/script.js", "content/page.html", "content/README"]
)
def test_content_files_need_a_whitelisted_extension(name):
    files = minimal_package()
    files[name] = b"data"

    assert errors(validate(files)) == {("bad_extension", name)}


@pytest.mark.parametrize("name", ["evil.php", "page.html", "LICENSE"])
def test_library_files_need_a_whitelisted_extension(name):
    files = minimal_package()
    files[f"{LIB}/{name}"] = b"data"

    assert errors(validate(files)) == {("bad_extension", f"{LIB}/{name}")}


def test_extension_check_ignores_case():
    files = minimal_package()
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "JPEG")
    files["content/images/PHOTO.JPG"] = buffer.getvalue()

    assert validate(files).ok


@pytest.mark.parametrize(
    "name", ["content/.secret.txt", f"{LIB}/.DS_Store", ".git/config", f"{LIB}/.hidden/a.js"]
)
def test_hidden_files_are_refused(name):
    files = minimal_package()
    files[name] = b"data"

    assert errors(validate(files)) == {("hidden_file", name)}


def test_names_starting_with_underscore_are_skipped_with_one_warning_per_folder():
    files = minimal_package()
    files["__MACOSX/content/._content.json"] = b"mac resource fork"
    files["__MACOSX/content/._map.png"] = b"mac resource fork"
    files["content/_draft.txt"] = b"data"

    result = validate(files)

    assert result.ok, result.errors
    assert warnings_of(result) == {
        ("ignored_file", "__MACOSX"),
        ("ignored_file", "content/_draft.txt"),
    }
    assert not any(name.startswith("__MACOSX") or "_draft" in name for name in result.files)


def test_unknown_top_level_files_are_skipped_with_a_warning():
    files = minimal_package()
    files["README.txt"] = b"made with Lumi"

    result = validate(files)

    assert result.ok
    assert warnings_of(result) == {("unknown_file", "README.txt")}
    assert "README.txt" not in result.files


# Unsafe members --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("../evil.txt", "path_traversal"),
        ("content/../../evil.txt", "path_traversal"),
        ("content/images/../../../etc/cron.d/x.txt", "path_traversal"),
        ("/etc/passwd.txt", "absolute_path"),
        ("C:/Windows/evil.txt", "absolute_path"),
        ("content\\..\\evil.txt", "backslash_path"),
        ("content\\images\\map.png", "backslash_path"),
        ("content//double.txt", "unsafe_path"),
        ("content/./dot.txt", "unsafe_path"),
    ],
)
def test_unsafe_paths_are_refused(name, rule):
    files = minimal_package()
    files[name] = b"data"

    result = validate(files)

    assert errors(result) == {(rule, name)}
    assert result.files == []


def test_symlinks_are_refused():
    link = zipfile.ZipInfo(f"{LIB}/scripts/link.js")
    link.create_system = 3  # Unix, where the mode lives in the high bits of external_attr
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    files = minimal_package()
    files[link] = b"/etc/passwd"

    assert errors(validate(files)) == {("symlink", f"{LIB}/scripts/link.js")}


def test_duplicate_members_are_refused():
    files = minimal_package()
    files[zipfile.ZipInfo("content/content.json")] = b'{"question": "other"}'

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate
        data = zip_bytes(files)

    assert errors(validate(data)) == {("duplicate_file", "content/content.json")}


def test_encrypted_members_are_refused():
    data = patch_central_directory(
        zip_bytes(minimal_package()), "content/images/map.png", CENTRAL_FLAGS, 0x1, size=2
    )

    assert errors(validate(data)) == {("encrypted_file", "content/images/map.png")}


# Limits and zip bombs --------------------------------------------------------------------------


def test_zip_bomb_is_refused_by_ratio_before_anything_is_decompressed(monkeypatch):
    files = minimal_package()
    files["content/zeros.txt"] = bytes(20 * MB)  # about 20 KB once deflated
    data = zip_bytes(files)
    assert len(data) < MB

    def no_reading(*args, **kwargs):
        raise AssertionError("a member was decompressed")

    monkeypatch.setattr(h5p_validator, "iter_member", no_reading)
    result = validate(data)

    assert errors(result) == {("zip_bomb", "content/zeros.txt")}


def test_many_small_well_compressed_files_are_refused_by_the_overall_ratio():
    files = minimal_package()
    for number in range(3):
        files[f"content/zeros-{number}.txt"] = bytes(900 * 1024)  # each under the per-file check

    assert errors(validate(files)) == {("zip_bomb", "bai-tap.h5p")}


def test_member_whose_header_understates_its_size_is_refused_while_streaming():
    files = minimal_package()
    files["content/zeros.txt"] = bytes(2 * MB)
    honest = zip_bytes(files)
    lying = patch_central_directory(honest, "content/zeros.txt", CENTRAL_FILE_SIZE, 1000)

    with zipfile.ZipFile(io.BytesIO(lying)) as zf:
        assert zf.getinfo("content/zeros.txt").file_size == 1000  # looks harmless

    assert errors(validate(lying)) == {("size_mismatch", "content/zeros.txt")}


def test_member_with_a_bad_crc_is_refused():
    data = patch_central_directory(
        zip_bytes(minimal_package()), "content/images/map.png", CENTRAL_CRC, 0xDEADBEEF
    )

    assert errors(validate(data)) == {("corrupt_file", "content/images/map.png")}


def test_file_size_limit():
    files = minimal_package()
    files["content/video.mp4"] = b"x" * 5000

    result = validate(files, max_file_size=4000)

    assert errors(result) == {("file_too_large", "content/video.mp4")}


def test_total_size_limit():
    result = validate(minimal_package(), max_total_size=200)

    assert errors(result) == {("total_too_large", "bai-tap.h5p")}


def test_file_count_limit():
    result = validate(minimal_package(), max_files=5)

    assert errors(result) == {("too_many_files", "bai-tap.h5p")}


def test_read_member_stops_at_the_limit_and_at_the_declared_size():
    data = zip_bytes({"content/text.txt": b"a" * 10_000}, compression=zipfile.ZIP_STORED)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("content/text.txt")
        assert read_member(zf, info, 10_000) == b"a" * 10_000
        with pytest.raises(MemberTooLarge):
            read_member(zf, info, 9_999)

    lying = patch_central_directory(data, "content/text.txt", CENTRAL_FILE_SIZE, 100)
    with zipfile.ZipFile(io.BytesIO(lying)) as zf, pytest.raises(MemberTooLarge):
        read_member(zf, zf.getinfo("content/text.txt"), 50 * MB)
