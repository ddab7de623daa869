"""H5P package members must hold what their extension says, and SVGs must not be active.

A text file named `.jpg` used to be stored and served as image/jpeg, and an SVG carrying a
script was stored as it was. Packages are built here with zipfile, as in test_h5p_validator.
"""

import io
import struct
import zlib

import pytest
from PIL import Image

from courses.h5p.storage import PackageRejected, package_import
from courses.models import H5PPackage
from tests.courses.test_h5p_validator import (
    LIB,
    REAL_EXPORT,
    as_json,
    errors,
    h5p_json,
    minimal_package,
    validate,
    zip_bytes,
)

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def image(format_: str, size=(4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, format_)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header for a huge image, a few bytes long: Pillow's pixel count check's case."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def with_file(name: str, data: bytes) -> dict:
    files = minimal_package()
    files[name] = data
    return files


# Images ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "format_"),
    [
        ("content/images/photo.jpg", "JPEG"),
        ("content/images/photo.jpeg", "JPEG"),
        ("content/images/map.png", "PNG"),
        ("content/images/anim.gif", "GIF"),
        ("content/images/old.bmp", "BMP"),
        ("content/images/scan.tif", "TIFF"),
        (f"{LIB}/images/icon.png", "PNG"),
    ],
)
def test_real_images_pass(name, format_):
    result = validate(with_file(name, image(format_)))
    assert result.ok, result.errors


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("content/images/photo.jpg", b"<html><script>alert(1)</script></html>"),
        ("content/images/photo.jpg", image("PNG")),  # it would be served as image/jpeg
        ("content/images/map.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),  # a signature alone
        ("content/images/anim.gif", b""),
        (f"{LIB}/images/icon.png", b"text"),
    ],
    ids=["text-as-jpg", "png-as-jpg", "truncated-png", "empty-gif", "library-image"],
)
def test_a_file_that_is_not_the_image_its_extension_names_is_refused(name, data):
    result = validate(with_file(name, data))
    assert errors(result) == {("image_mismatch", name)}


def test_an_image_of_too_many_pixels_is_refused_without_decoding_it():
    name = "content/images/huge.png"
    result = validate(with_file(name, png_claiming(30_000, 30_000)))
    assert errors(result) == {("image_too_large", name)}


# Media and fonts: their signature ------------------------------------------------------------

SIGNED = {
    "content/audio/a.mp3": b"ID3\x04\x00" + bytes(40),
    "content/audio/b.mp3": b"\xff\xfb\x90\x64" + bytes(40),  # a bare MPEG frame
    "content/audio/a.ogg": b"OggS\x00\x02" + bytes(40),
    "content/audio/a.wav": b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40),
    "content/video/a.mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(40),
    "content/audio/a.m4a": b"\x00\x00\x00\x20ftypM4A " + bytes(40),
    "content/video/a.webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81" + bytes(40),
    f"{LIB}/fonts/a.woff": b"wOFF\x00\x01\x00\x00" + bytes(40),
    f"{LIB}/fonts/a.woff2": b"wOF2\x00\x01\x00\x00" + bytes(40),
    f"{LIB}/fonts/a.ttf": b"\x00\x01\x00\x00\x00\x0b" + bytes(40),
    f"{LIB}/fonts/b.ttf": b"true\x00\x0b" + bytes(40),
    f"{LIB}/fonts/a.otf": b"OTTO\x00\x0a" + bytes(40),
    f"{LIB}/fonts/a.eot": bytes(34) + b"LP" + bytes(40),
}


@pytest.mark.parametrize("name", list(SIGNED))
def test_media_and_fonts_with_their_signature_pass(name):
    result = validate(with_file(name, SIGNED[name]))
    assert result.ok, result.errors


@pytest.mark.parametrize("name", list(SIGNED))
def test_media_and_fonts_without_their_signature_are_refused(name):
    result = validate(with_file(name, b"<html><body>not media</body></html>" + bytes(40)))
    assert errors(result) == {("signature_mismatch", name)}


def test_a_font_of_another_format_is_refused():
    name = f"{LIB}/fonts/a.woff2"
    assert errors(validate(with_file(name, SIGNED[f"{LIB}/fonts/a.woff"]))) == {
        ("signature_mismatch", name)
    }


# JSON ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["content/data/questions.json", f"{LIB}/presets/default.json", "content/model.gltf"]
)
def test_every_json_file_must_parse(name):
    assert validate(with_file(name, b'{"ok": [1, 2]}')).ok
    assert errors(validate(with_file(name, b"{'single': quotes}"))) == {("invalid_json_file", name)}


# SVG -----------------------------------------------------------------------------------------

CLEAN_SVG = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg {SVG_NS} viewBox="0 0 10 10">
  <defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>
  <style>.a {{ fill: url(#g); }}</style>
  <rect class="a" width="10" height="10" style="stroke: url('#g')"/>
  <use xlink:href="#g"/>
  <a href="#top"><text>Hà Nội</text></a>
  <image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>
</svg>"""


@pytest.mark.parametrize("name", ["content/images/map.svg", f"{LIB}/fonts/icons.svg"])
def test_a_clean_svg_passes(name):
    result = validate(with_file(name, CLEAN_SVG.encode()))
    assert result.ok, result.errors


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ("<script>alert(document.cookie)</script>", "svg_script"),
        ('<script xlink:href="evil.js"/>', "svg_script"),
        ('<rect width="1" height="1" onload="alert(1)"/>', "svg_script"),
        ('<g ONCLICK="alert(1)"/>', "svg_script"),
        (
            '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>',
            "svg_script",
        ),
        ('<a href="javascript:alert(1)"><text>x</text></a>', "svg_script"),
        ('<a xlink:href=" jav&#x09;ascript:alert(1)"><text>x</text></a>', "svg_script"),
        ('<set attributeName="onmouseover" to="alert(1)"/>', "svg_script"),
        ('<a><set attributeName="href" to="javascript:alert(1)"/></a>', "svg_script"),
        ('<image href="https://tracker.example/p.png"/>', "svg_external_reference"),
        ('<use xlink:href="other.svg#icon"/>', "svg_external_reference"),
        ('<image href="data:image/svg+xml;base64,PHN2Zz4="/>', "svg_external_reference"),
        ("<style>@import url(https://evil.example/x.css);</style>", "svg_external_reference"),
        ('<rect style="fill: url(https://evil.example/f.svg#x)"/>', "svg_external_reference"),
        ('<rect fill="url(//evil.example/f.svg#x)"/>', "svg_external_reference"),
    ],
)
def test_active_or_external_svg_content_is_refused(body, rule):
    name = "content/images/map.svg"
    result = validate(with_file(name, f"<svg {SVG_NS}>{body}</svg>".encode()))
    assert errors(result) == {(rule, name)}


def test_an_svg_in_a_library_folder_is_checked_too():
    name = f"{LIB}/images/icon.svg"
    result = validate(with_file(name, f'<svg {SVG_NS} onload="alert(1)"/>'.encode()))
    assert errors(result) == {("svg_script", name)}


def test_an_xml_stylesheet_is_an_external_reference():
    name = "content/images/map.svg"
    data = f'<?xml-stylesheet href="https://evil.example/s.css"?><svg {SVG_NS}/>'.encode()
    assert errors(validate(with_file(name, data))) == {("svg_external_reference", name)}


@pytest.mark.parametrize(
    "data",
    [
        b"not xml at all",
        b"<html><script>alert(1)</script></html>",  # well-formed, but not an SVG
        # "billion laughs": entity declarations are refused before any is expanded
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg>&b;</svg>',
        b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>',
    ],
    ids=["not-xml", "html", "entities", "external-entity"],
)
def test_an_svg_that_is_not_safe_xml_is_refused(data):
    name = "content/images/map.svg"
    assert errors(validate(with_file(name, data))) == {("invalid_svg", name)}


# Whole packages ------------------------------------------------------------------------------


def test_content_problems_are_reported_with_structure_problems():
    files = with_file("content/images/photo.jpg", b"text")
    files["h5p.json"] = as_json(h5p_json(mainLibrary="H5P.Other"))
    assert errors(validate(files)) == {
        ("image_mismatch", "content/images/photo.jpg"),
        ("missing_main_library", "h5p.json"),
    }


@pytest.mark.skipif(not REAL_EXPORT.exists(), reason=f"the h5p.org sample {REAL_EXPORT} is absent")
def test_the_real_export_passes_every_content_check():
    # Its libraries carry svg, eot, ttf, woff, woff2 and otf files.
    result = validate(REAL_EXPORT.read_bytes(), filename=REAL_EXPORT.name)
    assert result.ok, result.errors


@pytest.mark.django_db
def test_a_text_file_named_jpg_is_never_stored_or_served(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    source = io.BytesIO(zip_bytes(with_file("content/images/photo.jpg", b"<h1>Hi</h1>")))

    with pytest.raises(PackageRejected) as rejected:
        package_import(source=source, filename="bai-tap.h5p")

    assert [p.rule for p in rejected.value.result.errors] == ["image_mismatch"]
    assert 'Tệp "content/images/photo.jpg"' in rejected.value.result.errors[0].message
    assert not H5PPackage.objects.exists()
    assert not any(tmp_path.rglob("*"))
