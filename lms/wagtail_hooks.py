"""Wagtail admin additions that belong to no app."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_editor_js")
def editor_accessibility_js():
    # Rich-text fields get an accessible name (static/js/editor-a11y.js).
    return format_html('<script defer src="{}"></script>', static("js/editor-a11y.js"))
