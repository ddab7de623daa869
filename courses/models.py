"""Lessons as Wagtail pages, and what students do with them.

The page tree is Home → SchoolIndexPage (one per school) or LibraryIndexPage (the province's
shared library) → CoursePage ("Toán 9") → LessonPage. Who may edit what is Wagtail's own page
permissions on those subtrees (courses/services.py sets them up); who may *read* a lesson is
courses/selectors.py.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from accounts.models import Role
from lms.access import scope_role
from lms.page_tree import ENTRY_SECONDS, page_tree_version

from .blocks import LessonStreamBlock, block_label, has_math, renders_from_content
from .forms import CopyForm
from .slugs import vietnamese_slug


class VietnameseSlugForm(WagtailAdminPageForm):
    """Folds the slug before Wagtail checks that no sibling uses it, so a clash is a form
    error on the "Promote" tab, not a failed save."""

    def clean_slug(self):
        return vietnamese_slug(self.cleaned_data.get("slug") or self.data.get("title", ""))


class VietnameseSlugMixin:
    """Addresses in Vietnamese without diacritics: /thu-vien/toan-9/he-phuong-trinh/.

    The editor proposes a Unicode slug from the title ("phương-trình"); it is folded to ASCII
    here, because links pasted into Zalo or SMS survive that and not percent-encoding. (Wagtail's
    own ASCII mode drops Vietnamese letters: "phng-trinh".)
    """

    def full_clean(self, *args, **kwargs):
        self.slug = vietnamese_slug(self.slug or self.title)
        return super().full_clean(*args, **kwargs)

    base_form_class = VietnameseSlugForm


class SignedInPage(Page):
    """A page of lessons: signed-in readers only, the rest go to the sign-in page. Its reads
    are courses.selectors, scoped to the user (DESIGN.md "Who may see what")."""

    class Meta:
        abstract = True

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

    def get_view_restrictions(self):
        """Wagtail's rule (this page's and its ancestors' restrictions, an alias's from its
        source page), without a query when no page on the way carries one (most of the time:
        lessons are for signed-in users, not behind passwords), else in one query."""
        steps = self.steplen
        paths = [self.path[:end] for end in range(steps, len(self.path) + 1, steps)]
        if _restricted_paths().isdisjoint(paths):
            return PageViewRestriction.objects.none()
        on_the_way = Page.objects.filter(path__in=paths)
        return PageViewRestriction.objects.filter(
            Q(page__in=on_the_way.filter(alias_of__isnull=True))
            | Q(page__in=on_the_way.filter(alias_of__isnull=False).values("alias_of"))
        )


def _restricted_paths() -> set[str]:
    """The paths of the pages with a view restriction and of their aliases, cached for the
    page tree's version (lms.page_tree)."""
    key = f"courses:restricted-paths:{page_tree_version()}"
    paths = cache.get(key)
    if paths is None:
        restricted = PageViewRestriction.objects.values("page_id")
        paths = set(
            Page.objects.filter(Q(pk__in=restricted) | Q(alias_of__in=restricted)).values_list(
                "path", flat=True
            )
        )
        cache.set(key, paths, ENTRY_SECONDS)
    return paths


# Passed by LessonPage.serve when it has read the student's assignment already (None is an
# answer: no assignment).
UNKNOWN = object()


class CourseIndexMixin:
    """A school's (or the library's) courses, by grade."""

    template = "courses/course_index.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = (
            selectors.course_list(user=request.user).child_of(self).order_by("grade", "title")
        )
        return context


class SchoolIndexPage(CourseIndexMixin, SignedInPage):
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
        if request.user.is_authenticated and not selectors.school_index_readable(
            user=request.user, index=self
        ):
            raise Http404
        return super().serve(request, *args, **kwargs)


class LibraryIndexPage(CourseIndexMixin, SignedInPage):
    """The province's shared library: lessons any school may use and copy."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    max_count = 1
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("shared library")
        verbose_name_plural = _("shared libraries")


class CoursePage(VietnameseSlugMixin, SignedInPage):
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

    @property
    def new_lesson_url(self) -> str:
        """Wagtail's form for a new lesson in this course ("Soạn bài mới")."""
        return reverse("wagtailadmin_pages:add", args=("courses", "lessonpage", self.pk))

    def serve(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            get_object_or_404(selectors.course_list(user=request.user), pk=self.pk)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        lessons = selectors.lesson_list(user=request.user).child_of(self)
        context["lessons"] = lessons.order_by("path")
        context["index_readable"] = selectors.course_parent_readable(user=request.user, course=self)
        context["can_add_lesson"] = selectors.lesson_new_allowed(user=request.user, course=self)
        return context


# How long a lesson body's rendered blocks stay in the cache. The key is the body's content
# and the language, so a published change is never served stale; a deploy that changes a
# block's template shows within this time (or clear the cache).
BODY_CACHE_SECONDS = 3600


@dataclass
class BodySection:
    """A top-level block of a lesson as the page shows it: its markup from the cache, or the
    block itself to render for this request."""

    id: str
    block_type: str
    html: str | None = None
    block: object = None


class LessonPage(VietnameseSlugMixin, SignedInPage):
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

    @property
    def needs_h5p(self) -> bool:
        return any(block.block_type == "h5p" for block in self.body)

    @property
    def in_library(self) -> bool:
        return isinstance(self.course.get_parent().specific, LibraryIndexPage)

    def body_sections(self, request) -> dict:
        """The body for the lesson page: its sections, `needs_math` and `needs_h5p`.

        Blocks that render from their content alone (blocks.renders_from_content) are rendered
        once per body and language and kept in the cache; the others (images, files, H5P) are
        rendered on every request."""
        raw = json.dumps(list(self.body.raw_data), sort_keys=True, cls=DjangoJSONEncoder)
        digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
        key = f"lesson-body:{digest}:{get_language()}"
        entry = cache.get(key)
        if entry is None:
            context = {"page": self, "request": request}
            entry = {
                "sections": [
                    (b.id, b.block_type, b.render(context) if renders_from_content(b) else None)
                    for b in self.body
                ],
                "needs_math": self.needs_math,
                "needs_h5p": self.needs_h5p,
            }
            cache.set(key, entry, BODY_CACHE_SECONDS)
        sections = [
            BodySection(id, block_type, html, None if html is not None else self.body[index])
            for index, (id, block_type, html) in enumerate(entry["sections"])
        ]
        return {**entry, "sections": sections}

    def serve(self, request, *args, **kwargs):
        """A published lesson, for those who may read it; 404 for everyone else. A student's
        first open is recorded."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        user = request.user
        if scope_role(user) == Role.STUDENT:
            access = selectors.student_lesson_access(user=user, lesson=self)
            if not access.readable:
                raise Http404
            kwargs["assignment"] = access.assignment
        elif not selectors.lesson_readable(user=user, lesson=self):
            raise Http404
        if user.role == Role.STUDENT:
            kwargs["progress"] = services.progress_open(student=user, lesson=self)
        return super().serve(request, *args, **kwargs)

    def get_preview_context(self, request, mode_name):
        # The admin has already checked the editor may see this draft; a preview records no
        # progress.
        return self.get_context(request, preview=True)

    def get_context(
        self, request, *args, preview: bool = False, progress=None, assignment=UNKNOWN, **kwargs
    ):
        context = super().get_context(request, *args, **kwargs)
        context.update(course=self.course, preview=preview)
        user = request.user
        if preview:  # a draft: nothing from the cache
            sections = [BodySection(b.id, b.block_type, block=b) for b in self.body]
            context.update(
                body_sections=sections, needs_math=self.needs_math, needs_h5p=self.needs_h5p
            )
            return context
        body = self.body_sections(request)
        context.update(
            body_sections=body["sections"],
            needs_math=body["needs_math"],
            needs_h5p=body["needs_h5p"],
        )
        if user.role == Role.STUDENT:
            context["progress"] = progress or selectors.progress_for(user=user, lesson=self)
            if assignment is UNKNOWN:
                assignment = selectors.student_assignment_for(user=user, lesson=self)
            context["assignment"] = assignment
        elif user.role == Role.TEACHER:
            context["can_assign"] = selectors.assignable_classrooms(user=user).exists()
            if self.in_library:
                context["copy_form"] = CopyForm(courses=selectors.own_school_courses(user=user))
        return context


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


# --- H5P activities (courses/h5p/) -----------------------------------------------------------


class H5PLibrary(models.Model):
    """A library shared by packages, stored once under h5p/libraries/<folder>/.

    The folder is `machineName-major.minor`; a newer patch of the same folder replaces the
    older one for every package (as in H5P core)."""

    machine_name = models.CharField(_("machine name"), max_length=255)
    major = models.PositiveIntegerField(_("major version"))
    minor = models.PositiveIntegerField(_("minor version"))
    patch = models.PositiveIntegerField(_("patch version"))
    folder = models.CharField(_("folder"), max_length=300, unique=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    data = models.JSONField(_("library.json"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["folder"]
        verbose_name = _("H5P library")
        verbose_name_plural = _("H5P libraries")

    def __str__(self) -> str:
        return f"{self.folder}.{self.patch}"


class H5PPackage(models.Model):
    """An uploaded .h5p activity: content under h5p/<uuid>/, libraries shared."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=255)
    main_library = models.CharField(_("main library"), max_length=300)
    folder = models.CharField(_("storage folder"), max_length=300, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="h5p_packages",
        verbose_name=_("uploaded by"),
    )
    school = models.ForeignKey(
        "classrooms.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="h5p_packages",
        verbose_name=_("school"),
        help_text=_("Empty for the province's shared library."),
    )
    h5p_json = models.JSONField(_("h5p.json"), default=dict)
    libraries = models.ManyToManyField(
        H5PLibrary, related_name="packages", blank=True, verbose_name=_("libraries")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("H5P activity")
        verbose_name_plural = _("H5P activities")

    def __str__(self) -> str:
        return self.title

    @property
    def content_type_name(self) -> str:
        """ "H5P.TrueFalse" from "H5P.TrueFalse-1.6"."""
        return self.main_library.rsplit("-", 1)[0]


class H5PResult(models.Model):
    """A student's score on one activity in one lesson, kept up to date from xAPI."""

    package = models.ForeignKey(
        H5PPackage, on_delete=models.CASCADE, related_name="results", verbose_name=_("activity")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="h5p_results",
        verbose_name=_("student"),
    )
    lesson = models.ForeignKey(
        LessonPage, on_delete=models.CASCADE, related_name="h5p_results", verbose_name=_("lesson")
    )
    score = models.FloatField(_("last score"), null=True, blank=True)
    max_score = models.FloatField(_("maximum score"), null=True, blank=True)
    best_score = models.FloatField(_("best score"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    completed = models.BooleanField(_("completed"), default=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("H5P result")
        verbose_name_plural = _("H5P results")
        constraints = [
            models.UniqueConstraint(
                fields=["package", "student", "lesson"], name="one_h5p_result_per_lesson"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.package} · {self.score}/{self.max_score}"


class XAPIStatement(models.Model):
    """Every statement the player posts, kept raw for later reporting."""

    raw = models.JSONField(_("statement"))
    verb = models.CharField(_("verb"), max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="xapi_statements",
        verbose_name=_("user"),
    )
    package = models.ForeignKey(
        H5PPackage,
        on_delete=models.CASCADE,
        related_name="statements",
        verbose_name=_("activity"),
    )
    lesson = models.ForeignKey(
        LessonPage,
        on_delete=models.CASCADE,
        related_name="xapi_statements",
        verbose_name=_("lesson"),
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    # Statements saved on a phone offline arrive later (courses/offline): their own id makes a
    # resend harmless, and `occurred_at` is when the student answered, not when it arrived.
    statement_id = models.CharField(_("statement id"), max_length=64, blank=True)
    occurred_at = models.DateTimeField(_("happened at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "statement_id"],
                condition=~Q(statement_id=""),
                name="one_xapi_statement_per_id",
            )
        ]
        # Coverage counts a student's answers by the day they happened (coverage.definitions).
        indexes = [models.Index(fields=["user", "occurred_at"], name="xapi_user_occurred")]

    def __str__(self) -> str:
        return f"{self.user} {self.verb} {self.package}"


class H5PUserData(models.Model):
    """Resume state (H5P's contentUserData) of one user in one activity."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="h5p_user_data",
        verbose_name=_("user"),
    )
    package = models.ForeignKey(
        H5PPackage, on_delete=models.CASCADE, related_name="user_data", verbose_name=_("activity")
    )
    data_type = models.CharField(_("data type"), max_length=64, default="state")
    sub_content_id = models.CharField(_("sub-content"), max_length=64, default="0")
    data = models.TextField(_("data"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("H5P saved state")
        verbose_name_plural = _("H5P saved states")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "package", "data_type", "sub_content_id"],
                name="one_h5p_user_data",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.package} · {self.data_type}"


# The pages read through the selectors and write progress through the services, which import
# the models above: imported last, once this module's classes exist, so that the two modules
# can import them by name whichever of the three Python loads first.
from . import selectors, services  # noqa: E402
