"""Vietnamese alphabetical order (lms.collation, issue 19 item 11) in Python and in the
database: SQLite through the registered collation, PostgreSQL through ICU (its test runs when
DATABASE_URL points at PostgreSQL, and must run in CI)."""

import os
import random

import pytest
from django.db import connection

from accounts.models import User
from lms.collation import vi_key, vi_order
from tests.factories import StudentFactory

# The order a Vietnamese reader expects (and ICU's "vi" gives): letters first (a ă â … d đ …
# o ô ơ … u ư), then tones (none, huyền, hỏi, ngã, sắc, nặng), then lower before upper case.
VIETNAMESE_ORDER = [
    "An",
    "Àng",
    "Anh",
    "Ảnh",
    "Ãnh",
    "Ánh",
    "Ạnh",
    "Ăn",
    "Ân",
    "Bùi Văn Dũng",
    "Dương Thị Mai",
    "Đặng Văn Hải",
    "Đinh Thị Lan",
    "Lê An",
    "Lê Anh",
    "Ông Văn Tú",
    "Ơn",
    "Trần Văn An",
    "Trương Thị Bình",
    "Ưng Hoàng",
    "Yên",
]


def test_vietnamese_order_in_python():
    shuffled = VIETNAMESE_ORDER[:]
    random.Random(19).shuffle(shuffled)
    assert sorted(shuffled, key=vi_key) == VIETNAMESE_ORDER
    # Code-point order gets it wrong (Trương before Trần, Đ after every letter): the reason
    # for this module.
    assert sorted(VIETNAMESE_ORDER) != VIETNAMESE_ORDER


def test_decomposed_input_sorts_as_composed():
    # A name pasted from a document may come decomposed (NFD); it is the same name.
    assert vi_key("Tra\u0302\u0300n")[:3] == vi_key("Trần")[:3]
    assert sorted(["Trương", "Tra\u0302\u0300n"], key=vi_key) == ["Tra\u0302\u0300n", "Trương"]


def _names_in_database_order() -> list[str]:
    shuffled = VIETNAMESE_ORDER[:]
    random.Random(11).shuffle(shuffled)
    for name in shuffled:
        StudentFactory(full_name=name)
    return list(
        User.objects.filter(full_name__in=VIETNAMESE_ORDER)
        .order_by(vi_order("full_name"))
        .values_list("full_name", flat=True)
    )


@pytest.mark.django_db
def test_vietnamese_order_in_the_database():
    assert _names_in_database_order() == VIETNAMESE_ORDER
    descending = User.objects.filter(full_name__in=VIETNAMESE_ORDER).order_by(
        vi_order("-full_name")
    )
    assert list(descending.values_list("full_name", flat=True)) == VIETNAMESE_ORDER[::-1]


@pytest.mark.django_db
def test_postgresql_uses_icu_and_agrees_with_python():
    if connection.vendor != "postgresql":
        if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail("DATABASE_URL names PostgreSQL but the suite is not using it.")
        pytest.skip("needs PostgreSQL: runs when DATABASE_URL points at PostgreSQL (CI's 2nd pass)")
    query = str(User.objects.order_by(vi_order("full_name")).query)
    assert 'COLLATE "vi-x-icu"' in query
    assert _names_in_database_order() == VIETNAMESE_ORDER
