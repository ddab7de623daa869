"""Addresses in Vietnamese without diacritics, for the page models and the services."""

import unicodedata

from django.utils.text import slugify


def vietnamese_slug(text: str) -> str:
    """ "Hệ hai phương trình bậc nhất" → "he-hai-phuong-trinh-bac-nhat"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return slugify(text)[:200].strip("-") or "bai"
