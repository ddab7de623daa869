from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        # Connects the receivers and registers hooks; ready() runs once every app's models
        # are loaded (the selectors import the page models).
        from classrooms.live.lessons import lesson_choices_register

        from . import selectors, signals  # noqa: F401

        # classrooms sits below courses: it asks this rule which lessons a session may use.
        lesson_choices_register(selectors.session_lesson_choices)
