"""Which lessons a teacher may take a class through in a live session.

Lessons are `courses` pages, a layer above `classrooms`, which never imports it. `courses`
registers the one rule here when it loads (`CoursesConfig.ready` →
`courses.selectors.session_lesson_choices`); forms, services and the room ask `lesson_choices`.
Without courses installed no lesson can be chosen. docs/architecture.md, "Hooks".
"""

from collections.abc import Callable

from django.db.models import QuerySet

from accounts.models import User

from ..org.models import Classroom, Subject
from .models import LiveSession

LessonChoices = Callable[..., QuerySet]

_provider: LessonChoices | None = None


def lesson_choices_register(provider: LessonChoices) -> None:
    """Set the rule: `provider(user=, classroom=, subject=)` returns the lessons (a queryset
    of the model `LiveSession.lesson` points at) that the user may choose."""
    global _provider  # noqa: PLW0603 - one rule per process, set once at app loading
    _provider = provider


def lesson_model():
    return LiveSession._meta.get_field("lesson").related_model


def lesson_choices(*, user: User, classroom: Classroom, subject: Subject | None = None) -> QuerySet:
    """The lessons `user` may attach to a session of `classroom` (of `subject` when given)."""
    if _provider is None:
        return lesson_model().objects.none()
    return _provider(user=user, classroom=classroom, subject=subject)
