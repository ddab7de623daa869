"""coverage/_pct.html is included inside sentences and table cells: it must add no whitespace
(a trailing newline rendered "(30,1% )" in the dashboard's period summary)."""

from django.template.loader import render_to_string
from django.utils import translation


def test_percentage_include_renders_without_surrounding_whitespace():
    with translation.override("en"):
        assert render_to_string("coverage/_pct.html", {"value": 30.1}) == "30.1%"
        assert render_to_string("coverage/_pct.html", {"value": None}) == "–"
