"""Vietnamese alphabetical order for lists of people and schools (issue 19 item 11).

Code-point order puts Trương before Trần and Đinh after every other letter. Vietnamese order is
a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, letters first, then tones
(none, huyền, hỏi, ngã, sắc, nặng), then lower case before upper case: ICU's "vi" (CLDR).

- ``vi_order("full_name")`` goes in ``order_by()``. PostgreSQL sorts with its ICU collation
  ``vi-x-icu``; SQLite with the collation ``vi`` that ``sqlite_collation_register`` adds to
  every connection (lms.apps), which compares with ``vi_key``.
- ``vi_key`` sorts in Python (rows built from several queries), the same order.
"""

import unicodedata
from functools import lru_cache

from django.db.models import F
from django.db.models.functions import Collate

ICU_COLLATION = "vi-x-icu"
SQLITE_COLLATION = "vi"

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER = {ch: i for i, ch in enumerate(_ALPHABET)}
# Combining tone marks, in Vietnamese order (no mark is 0).
_TONE = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Classes of characters at the first level: spaces and punctuation, digits, letters, the rest.
_PUNCT, _DIGIT, _LETTER_CLASS, _OTHER = range(4)


@lru_cache(maxsize=8192)
def vi_key(text: str | None) -> tuple:
    """A sort key giving ICU's Vietnamese order: base letters first, then tones, then case."""
    letters, tones, cases = [], [], []
    for char in unicodedata.normalize("NFC", text or ""):
        decomposed = unicodedata.normalize("NFD", char)
        tone = next((_TONE[c] for c in decomposed if c in _TONE), 0)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE))
        if not base:  # a lone combining tone mark
            if tones:
                tones[-1] = tones[-1] or tone
            continue
        lower = base.lower()
        if lower in _LETTER:
            letters.append((_LETTER_CLASS, _LETTER[lower]))
        elif lower.isdigit():
            letters.append((_DIGIT, unicodedata.digit(lower, 0)))
        elif lower.isspace() or unicodedata.category(lower)[0] in "PSZ":
            letters.append((_PUNCT, ord(lower)))
        else:
            letters.append((_OTHER, ord(lower)))
        tones.append(tone)
        cases.append(int(base != lower))
    return tuple(letters), tuple(tones), tuple(cases), text or ""


def vi_compare(a: str | None, b: str | None) -> int:
    key_a, key_b = vi_key(a), vi_key(b)
    return (key_a > key_b) - (key_a < key_b)


class VietnameseCollate(Collate):
    """``Collate(expression, "vi-x-icu")`` on PostgreSQL, ``COLLATE "vi"`` on SQLite."""

    def __init__(self, expression):
        super().__init__(expression, ICU_COLLATION)

    def as_sqlite(self, compiler, connection, **extra_context):
        extra_context["collation"] = connection.ops.quote_name(SQLITE_COLLATION)
        return self.as_sql(compiler, connection, **extra_context)


def vi_order(field: str):
    """An ``order_by()`` term sorting a text field in Vietnamese order; "-name" descends."""
    descending = field.startswith("-")
    expression = VietnameseCollate(F(field.lstrip("-")))
    return expression.desc() if descending else expression.asc()


def sqlite_collation_register(sender, connection, **kwargs) -> None:
    """connection_created receiver: teach each new SQLite connection the ``vi`` collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, vi_compare)
