"""Vietnamese first: the committed catalogues are complete and compiled, and pages use them."""

import ast
import gettext
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = [
    ROOT / "locale/vi/LC_MESSAGES/django.po",
    ROOT / "locale_vendor/vi/LC_MESSAGES/django.po",
]


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgstr (all forms joined), flags."""
    entries, current, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if current and current.get("msgid"):
                entries.append(current)
            current, key = None, None
            continue
        if line.startswith("#~"):
            continue
        current = current or {"flags": "", "msgctxt": None, "msgstr": ""}
        if line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] = (current.get(key) or "") + ast.literal_eval(line)
        else:
            word, _, value = line.partition(" ")
            key = "msgstr" if word.startswith("msgstr") else word
            if key == "msgid_plural":
                continue
            current[key] = (current.get(key) or "") + ast.literal_eval(value)
    return entries


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.parent.name)
def test_catalogue_is_complete_and_compiled(po_path):
    entries = parse_po(po_path)
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []
    with open(po_path.with_suffix(".mo"), "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for entry in entries:
        key = entry["msgid"] if not entry["msgctxt"] else f"{entry['msgctxt']}\x04{entry['msgid']}"
        assert key in compiled._catalog or (key, 0) in compiled._catalog, (
            f"{entry['msgid']!r} is in {po_path.name} but not in the compiled .mo: run "
            "compilemessages"
        )


@pytest.mark.django_db
def test_pages_are_vietnamese_by_default_and_english_on_request(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="vi">' in page
    assert "Đăng nhập vào HọcTiếp" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Sign in to HọcTiếp" in page
