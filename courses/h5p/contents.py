"""Does a package member hold what its extension says, and is an SVG free of active content?

The player's files are served with the type their extension names, so a text file named
`.jpg` must not pass as an image. Images must decode (Pillow, limited to the format the
extension names), media and fonts must start with their format's signature, JSON must parse.
An SVG opened on its own is a document that can run scripts, so script elements, event
handlers, foreignObject, javascript: links and references outside the file are refused.

Pure Python with no Django import, like the validator that calls it. Each check returns a
Finding (the rule and the values its message needs) or None.
"""

import json
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import BinaryIO

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from PIL import Image

# Pillow's format names that each image extension may hold (it opens JPEGs as MPO at times).
IMAGE_FORMATS = {
    "png": ("PNG",),
    "jpg": ("JPEG", "MPO"),
    "jpeg": ("JPEG", "MPO"),
    "gif": ("GIF",),
    "bmp": ("BMP",),
    "tif": ("TIFF",),
    "tiff": ("TIFF",),
}
SFNT = (b"\x00\x01\x00\x00", b"true", b"typ1", b"OTTO", b"ttcf")


def _mp3(head: bytes) -> bool:  # an ID3 tag, or an MPEG frame sync
    return head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _ftyp(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


# extension: (format name for the message, test on the first HEAD_SIZE bytes)
SIGNATURES = {
    "mp3": ("MP3", _mp3),
    "ogg": ("Ogg", lambda head: head[:4] == b"OggS"),
    "wav": ("WAV", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE"),
    "mp4": ("MP4", _ftyp),
    "m4a": ("M4A", _ftyp),
    "webm": ("WebM", lambda head: head[:4] == b"\x1a\x45\xdf\xa3"),
    "woff": ("WOFF", lambda head: head[:4] == b"wOFF"),
    "woff2": ("WOFF2", lambda head: head[:4] == b"wOF2"),
    "ttf": ("TrueType", lambda head: head[:4] in SFNT),
    "otf": ("OpenType", lambda head: head[:4] in SFNT),
    "eot": ("EOT", lambda head: head[34:36] == b"LP"),
    "glb": ("glTF", lambda head: head[:4] == b"glTF"),
}
HEAD_SIZE = 64
JSON_EXTENSIONS = frozenset({"json", "gltf"})

# SVG elements that run scripts or embed HTML (handler and listener are SVG Tiny's).
SVG_ACTIVE_ELEMENTS = frozenset({"script", "foreignobject", "handler", "listener"})
# References that stay inside the file: a fragment, or an embedded raster image.
LOCAL_REFERENCE_RE = re.compile(r"#|data:image/(png|jpeg|jpg|gif|webp)[;,]", re.IGNORECASE)
CSS_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)
# What browsers drop from a URL before reading its scheme.
URL_IGNORED_RE = re.compile(r"[\x00-\x20]+")


@dataclass(frozen=True)
class Finding:
    rule: str
    params: dict = field(default_factory=dict)


def extension_of(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base else ""


def reads_whole(extension: str) -> bool:
    """Whether the check needs the member's bytes (else a file object or the first bytes)."""
    return extension in JSON_EXTENSIONS or extension == "svg"


def check_head(extension: str, head: bytes) -> Finding | None:
    """Media and fonts: the format's signature at the start of the file."""
    if extension not in SIGNATURES:
        return None
    name, matches = SIGNATURES[extension]
    if matches(head):
        return None
    return Finding("signature_mismatch", {"extension": extension, "format": name})


def check_image(extension: str, stream: BinaryIO) -> Finding | None:
    formats = IMAGE_FORMATS[extension]
    try:
        with warnings.catch_warnings():
            # Pillow warns above ~89 million pixels: far beyond any lesson image.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream, formats=formats) as image:
                image.verify()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return Finding("image_too_large", {"limit": f"{Image.MAX_IMAGE_PIXELS:,}"})
    except Exception:  # Pillow raises many kinds on data that is not the format
        return Finding("image_mismatch", {"extension": extension, "format": formats[0]})
    return None


def check_json(data: bytes) -> Finding | None:
    try:
        json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Finding("invalid_json_file")
    return None


def check_svg(data: bytes) -> Finding | None:
    # defusedxml refuses entity declarations (billion laughs) and external entities.
    try:
        root = SafeET.fromstring(data)
    except (DefusedXmlException, ET.ParseError, ValueError):
        return Finding("invalid_svg")
    if _local(root.tag) != "svg":
        return Finding("invalid_svg")
    if b"<?xml-stylesheet" in data:
        return Finding("svg_external_reference", {"what": "<?xml-stylesheet?>"})
    for element in root.iter():
        name = _local(element.tag)
        if name.lower() in SVG_ACTIVE_ELEMENTS:
            return Finding("svg_script", {"what": f"<{name}>"})
        if name == "style" and (reference := _css_reference(element.text or "")):
            return Finding("svg_external_reference", {"what": reference})
        for attribute, value in element.attrib.items():
            finding = _check_attribute(_local(attribute).lower(), value)
            if finding:
                return finding
    return None


def _check_attribute(name: str, value: str) -> Finding | None:
    compact = URL_IGNORED_RE.sub("", value).lower()
    if name.startswith("on"):
        return Finding("svg_script", {"what": name})
    if name == "attributename" and compact.startswith("on"):  # <set attributeName="onclick">
        return Finding("svg_script", {"what": f"{name}={value.strip()}"})
    if "javascript:" in compact or "vbscript:" in compact:
        return Finding("svg_script", {"what": "javascript:"})
    if name in ("href", "src") and value.strip() and not LOCAL_REFERENCE_RE.match(value.strip()):
        return Finding("svg_external_reference", {"what": _short(value.strip())})
    if reference := _css_reference(value):
        return Finding("svg_external_reference", {"what": reference})
    return None


def _css_reference(text: str) -> str | None:
    """The first reference outside the file in CSS text (a style element or attribute, or a
    presentation attribute such as fill="url(#gradient)")."""
    if "@import" in text.lower():
        return "@import"
    for match in CSS_URL_RE.finditer(text):
        if not LOCAL_REFERENCE_RE.match(match[1].strip()):
            return _short(f"url({match[1].strip()})")
    return None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
