from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        # Connects the receivers; ready() runs once every app's models are loaded.
        from . import signals  # noqa: F401
