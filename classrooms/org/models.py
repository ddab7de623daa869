from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .levels import LevelsMixin, LevelsQuerySet, level_for_grade


class District(models.Model):
    """A district-level unit of the province (huyện, thị xã, thành phố)."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, unique=True)

    class Meta:
        # The official unit codes (461 TP Đông Hà, 462 TX Quảng Trị, …) give the order the
        # Department lists its districts in.
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class School(LevelsMixin):
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=30, unique=True)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="schools", verbose_name=_("district")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    # The office's number: coverage's "Needs attention" list offers it to officers to call.
    phone = models.CharField(_("school phone"), max_length=20, blank=True)

    objects = LevelsQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.CheckConstraint(
                condition=Q(has_primary=True)
                | Q(has_lower_secondary=True)
                | Q(has_upper_secondary=True),
                name="school_has_a_level",
                violation_error_message=_("Choose at least one level."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class AcademicYear(models.Model):
    name = models.CharField(_("name"), max_length=20, unique=True, help_text="2026-2027")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_current = models.BooleanField(_("current year"), default=False)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("academic year")
        verbose_name_plural = _("academic years")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lt=F("ends_on")),
                name="academic_year_dates_ordered",
                violation_error_message=_("The year must start before it ends."),
            ),
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="one_current_year",
                violation_error_message=_("Only one academic year can be the current one."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    year = models.ForeignKey(
        AcademicYear, on_delete=models.CASCADE, related_name="terms", verbose_name=_("year")
    )
    name = models.CharField(_("name"), max_length=50)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lt=F("ends_on")),
                name="term_dates_ordered",
                violation_error_message=_("The term must start before it ends."),
            ),
            models.UniqueConstraint(fields=["year", "name"], name="unique_term_name_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class Subject(LevelsMixin):
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=30, unique=True)

    objects = LevelsQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")

    def __str__(self) -> str:
        return self.name


class Classroom(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="classrooms", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=20, help_text="9A, 10A1")
    grade = models.PositiveSmallIntegerField(_("grade"))
    year = models.ForeignKey(
        AcademicYear,
        on_delete=models.PROTECT,
        related_name="classrooms",
        verbose_name=_("academic year"),
    )
    homeroom_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="homeroom_classes",
        verbose_name=_("homeroom teacher"),
    )
    meeting_url = models.URLField(
        _("meeting link"),
        blank=True,
        help_text=_("The class's video meeting; its sessions use it when they have none."),
    )

    class Meta:
        ordering = ["grade", "name"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__gte=1) & Q(grade__lte=12),
                name="classroom_grade_1_to_12",
                violation_error_message=_("The grade must be between 1 and 12."),
            ),
            models.UniqueConstraint(
                fields=["school", "year", "name"], name="unique_class_name_per_school_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.school}"

    @property
    def level(self):
        return level_for_grade(self.grade)


class Enrollment(models.Model):
    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("class")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("student"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "student"],
                condition=Q(active=True),
                name="one_active_enrollment_per_class",
                violation_error_message=_("This student is already enrolled in this class."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.classroom}"


class TeachingAssignment(models.Model):
    classroom = models.ForeignKey(
        Classroom,
        on_delete=models.CASCADE,
        related_name="teaching_assignments",
        verbose_name=_("class"),
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("subject")
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="teaching_assignments",
        verbose_name=_("teacher"),
    )

    class Meta:
        ordering = ["subject__name"]
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "subject"],
                name="one_teacher_per_subject_per_class",
                violation_error_message=_("This subject already has a teacher in this class."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} – {self.classroom} – {self.teacher}"
