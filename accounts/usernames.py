"""Readable, unique usernames (the rule is documented in docs/roster-import.md).

A student is `<full name without diacritics>.<class>`, e.g. Nguyễn Văn An in 9B →
`nguyenvanan.9b`; a teacher is `<name>.gv`; a guardian is their phone number. When the name is
taken, a number follows: `nguyenvanan.9b.2`, `nguyenvanan.9b.3`, …
"""

import re
import unicodedata
from collections import Counter

from .models import User

_NOT_USERNAME = re.compile(r"[^a-z0-9.]")


def ascii_slug(text: str) -> str:
    """ "Nguyễn Văn An" → "nguyenvanan": lower case ASCII, no diacritics, no spaces."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _NOT_USERNAME.sub("", text.replace(" ", ""))


def usernames_allocate(bases: list[str]) -> list[str]:
    """One free username per base, in order, unique among themselves and in the database."""
    counts = Counter(bases)
    taken: set[str] = set()
    wanted = list(counts)
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        taken.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    clashing = {b for b in counts if b in taken or counts[b] > 1}
    for base in clashing:
        # Numbered forms already in use. A range, not startswith: LIKE cannot use the
        # username index on SQLite or PostgreSQL, and a province has many common names.
        taken.update(
            User.objects.filter(username__gt=f"{base}.", username__lt=f"{base}/").values_list(
                "username", flat=True
            )
        )
    result = []
    for base in bases:
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}.{n}"
        taken.add(candidate)
        result.append(candidate)
    return result


# Vietnamese letters that are their own letter of the alphabet: ă â đ ê ô ơ ư, each sorting
# right after its base letter. Tone marks only break ties.
_LETTER_MARKS = {"\u0306": "1", "\u0302": "2", "\u031b": "3"}


def _collation(text: str) -> str:
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if ch == "đ":
            out.append("d3")
        elif ch in _LETTER_MARKS and out:
            out[-1] = out[-1][0] + _LETTER_MARKS[ch]
        elif not unicodedata.combining(ch):
            out.append(ch + "0")
    return "".join(out)


def vietnamese_name_key(full_name: str) -> tuple[str, str, str]:
    """Sort key for class lists, as Vietnamese schools sort them: by given name (the last
    word), then the whole name, in Vietnamese alphabetical order (D before Đ, A before Ă)."""
    words = full_name.split()
    return (_collation(words[-1]) if words else "", _collation(full_name), full_name)
