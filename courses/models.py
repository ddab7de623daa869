"""Lessons as Wagtail pages, and what students do with them.

The page tree is Home → SchoolIndexPage (one per school) or LibraryIndexPage (the province's
shared library) → CoursePage ("Toán 9") → LessonPage. Who may edit what is Wagtail's own page
permissions on those subtrees (courses/services.py sets them up); who may *read* a lesson is
courses/selectors.py.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import LessonStreamBlock, block_label, has_math


class SchoolIndexPage(Page):
    """A school's own lessons. Created with the school; its teachers edit below it."""

    school = models.OneToOneField(
        "classrooms.School",
        on_delete=models.PROTECT,
        related_name="lesson_index",
        verbose_name=_("school"),
    )

    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    content_panels = Page.content_panels
    # Created by courses.services.school_index_ensure, never by hand.
    is_creatable = False

    class Meta:
        verbose_name = _("school lessons")
        verbose_name_plural = _("school lessons")

    def serve(self, request, *args, **kwargs):
        from .views import course_index_serve

        return course_index_serve(request, self)


class LibraryIndexPage(Page):
    """The province's shared library: lessons any school may use and copy."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    max_count = 1
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("shared library")
        verbose_name_plural = _("shared libraries")

    def serve(self, request, *args, **kwargs):
        from .views import course_index_serve

        return course_index_serve(request, self)


class CoursePage(Page):
    """One subject for one grade in a school or in the library, e.g. "Toán 9"."""

    subject = models.ForeignKey(
        "classrooms.Subject",
        on_delete=models.PROTECT,
        related_name="course_pages",
        verbose_name=_("subject"),
    )
    grade = models.PositiveSmallIntegerField(
        _("grade"), choices=[(g, str(g)) for g in range(1, 13)]
    )
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    parent_page_types = ["courses.SchoolIndexPage", "courses.LibraryIndexPage"]
    subpage_types = ["courses.LessonPage"]
    content_panels = [
        *Page.content_panels,
        FieldPanel("subject"),
        FieldPanel("grade"),
        FieldPanel("intro"),
    ]
    search_fields = [*Page.search_fields, index.FilterField("grade")]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def serve(self, request, *args, **kwargs):
        from .views import course_serve

        return course_serve(request, self)


class LessonPage(Page):
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences shown in lesson lists."),
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), null=True, blank=True
    )
    body = StreamField(LessonStreamBlock(), verbose_name=_("content"), blank=True)
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        editable=False,
        verbose_name=_("copied from"),
    )

    parent_page_types = ["courses.CoursePage"]
    subpage_types = []
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("duration_minutes"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    @cached_property
    def course(self) -> "CoursePage | None":
        parent = self.get_parent()
        return parent.specific if parent else None

    def anchors(self) -> list[dict]:
        """The top-level sections a teacher can point the class at (live room)."""
        return [
            {"id": block.id, "label": block_label(block), "kind": block.block_type}
            for block in self.body
        ]

    @property
    def needs_math(self) -> bool:
        return has_math(self.body)

    def serve(self, request, *args, **kwargs):
        from .views import lesson_serve

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return lesson_serve(request, self)

    def serve_preview(self, request, mode_name):
        # The admin has already checked the editor may see this draft; a preview records no
        # progress.
        from .views import lesson_render

        return lesson_render(request, self, preview=True)


class LessonAssignment(models.Model):
    """A lesson given to a class, with optional dates."""

    lesson = models.ForeignKey(
        LessonPage, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("lesson")
    )
    classroom = models.ForeignKey(
        "classrooms.Classroom",
        on_delete=models.CASCADE,
        related_name="lesson_assignments",
        verbose_name=_("class"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    available_from = models.DateTimeField(_("available from"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        ordering = ["due_at", "-created_at"]
        verbose_name = _("lesson assignment")
        verbose_name_plural = _("lesson assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "classroom"],
                name="one_assignment_per_lesson_class",
                violation_error_message=_("This lesson is already assigned to this class."),
            ),
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(due_at__isnull=True)
                | Q(available_from__lt=models.F("due_at")),
                name="assignment_dates_ordered",
                violation_error_message=_("The due date must be after the available date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lesson} → {self.classroom.name}"


class LessonProgress(models.Model):
    """A student's first open and completion of a lesson."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_progress",
        verbose_name=_("student"),
    )
    lesson = models.ForeignKey(
        LessonPage, on_delete=models.CASCADE, related_name="progress", verbose_name=_("lesson")
    )
    opened_at = models.DateTimeField(_("first opened"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["student", "lesson"], name="one_progress_per_lesson")
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.lesson}"
