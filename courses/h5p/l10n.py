"""H5P activities in the reader's language.

An activity's texts (button labels, feedback) are in its content.json, filled in by the
author's editor with the library's English defaults unless the author wrote their own. When
the player asks for content.json, every text that is still the library's English default
(semantics.json) becomes the default of the reader's language: the library's own
language/<code>.json where it translates it, else the project's (courses/h5p/language/
<code>.json, keyed by library and field path). A text the author wrote stays as written.
"""

import json
import logging
from functools import lru_cache
from pathlib import Path

from django.core.files.storage import default_storage

from .storage import LIBRARIES

logger = logging.getLogger(__name__)

PROJECT_LANGUAGE_DIR = Path(__file__).resolve().parent / "language"
SOURCE_LANGUAGE = "en"


def _read_json(name: str):
    try:
        with default_storage.open(name, "rb") as handle:
            return json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


@lru_cache(maxsize=256)
def _library_texts(folder: str, language: str, version: str) -> tuple[list, list]:
    """(semantics, translated semantics) of an installed library; `version` (its patch and
    update time) keys the cache, so an upgraded library is read again."""
    semantics = _read_json(f"{LIBRARIES}/{folder}/semantics.json")
    translation = _read_json(f"{LIBRARIES}/{folder}/language/{language}.json") or {}
    if not isinstance(semantics, list):
        return [], []
    translated = translation.get("semantics") if isinstance(translation, dict) else None
    return semantics, translated if isinstance(translated, list) else []


@lru_cache(maxsize=8)
def project_texts(language: str) -> dict[str, dict[str, str]]:
    """The project's own translations: {machine name: {field path: text}}."""
    path = PROJECT_LANGUAGE_DIR / f"{language}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _at(items, index: int) -> dict:
    if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
        return items[index]
    return {}


class _Localiser:
    def __init__(self, language: str, libraries: dict[str, str]):
        self.language = language
        self.libraries = libraries  # "H5P.TrueFalse-1.6" → cache version
        self.project = project_texts(language)

    def library(self, params: dict, machine_folder: str, depth: int = 0) -> dict:
        version = self.libraries.get(machine_folder)
        if version is None or depth > 20 or not isinstance(params, dict):
            return params
        semantics, translated = _library_texts(machine_folder, self.language, version)
        own = self.project.get(machine_folder.rsplit("-", 1)[0], {})
        self.fields(semantics, translated, params, own, "", depth)
        return params

    def fields(self, semantics, translated, params: dict, own: dict, prefix: str, depth: int):
        for index, field in enumerate(semantics):
            if not isinstance(field, dict) or "name" not in field:
                continue
            name = field["name"]
            if name in params:
                path = f"{prefix}{name}"
                params[name] = self.value(
                    field, _at(translated, index), params[name], own, path, depth
                )

    def value(self, field: dict, translated: dict, value, own: dict, path: str, depth: int):
        kind = field.get("type")
        if kind == "text":
            default = field.get("default")
            if default is None or value != default:
                return value  # the author's own text
            theirs = translated.get("default")
            if isinstance(theirs, str) and theirs and theirs != default:
                return theirs
            return own.get(path, value)
        if kind == "group":
            subfields = field.get("fields") or []
            if isinstance(value, dict):
                self.fields(subfields, translated.get("fields"), value, own, f"{path}.", depth)
            elif len(subfields) == 1:  # H5P stores a one-field group as the field's value
                sub = subfields[0]
                return self.value(
                    sub, _at(translated.get("fields"), 0), value, own, f"{path}.{sub.get('name')}",
                    depth,
                )  # fmt: skip
            return value
        if kind == "list" and isinstance(value, list):
            item = field.get("field") or {}
            item_translated = translated.get("field") or {}
            return [self.value(item, item_translated, v, own, path, depth) for v in value]
        if kind == "library" and isinstance(value, dict):
            library = value.get("library")
            if isinstance(library, str) and " " in library:
                machine, version = library.split(" ", 1)
                self.library(value.get("params"), f"{machine}-{version}", depth + 1)
        return value


def content_localise(
    content: dict, *, main_folder: str, libraries: dict[str, str], language: str
) -> dict:
    """`content` (content.json's parameters, changed in place) with the library's English
    defaults in `language`. `libraries` maps installed folders to a cache version."""
    if not language or language.split("-")[0] == SOURCE_LANGUAGE:
        return content
    try:
        return _Localiser(language.split("-")[0], libraries).library(content, main_folder)
    except (TypeError, AttributeError, KeyError):  # a library's semantics we cannot follow
        logger.warning("H5P texts of %s left untranslated", main_folder, exc_info=True)
        return content
