"""The coverage rollup the dashboards read (DESIGN.md "Coverage", docs/coverage.md)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from classrooms.org.levels import Level


class DailyCoverage(models.Model):
    """One row per classroom per school day: was it closed, was it taught online, how many
    sessions were scheduled and held, and how many students took part.

    Built by ``coverage.services.rollup`` from sessions, attendance records, lesson progress
    and closures; the dashboards, exports and the API read only this table."""

    date = models.DateField(_("date"))
    # District and school are copied from the classroom so that every dashboard level is one
    # indexed filter and one GROUP BY, without joins.
    district = models.ForeignKey(
        "classrooms.District", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("district"),
    )  # fmt: skip
    school = models.ForeignKey(
        "classrooms.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    classroom = models.ForeignKey(
        "classrooms.Classroom", on_delete=models.CASCADE, related_name="daily_coverage",
        verbose_name=_("class"),
    )  # fmt: skip
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    grade = models.PositiveSmallIntegerField(_("grade"))
    closed = models.BooleanField(_("closed"), default=False)
    taught = models.BooleanField(_("taught online"), default=False)
    sessions_scheduled = models.PositiveIntegerField(_("sessions scheduled"), default=0)
    sessions_held = models.PositiveIntegerField(_("sessions held"), default=0)
    enrolled = models.PositiveIntegerField(_("students enrolled"), default=0)
    # Records with status present or late in the held sessions of the day.
    attendances = models.PositiveIntegerField(_("attendances"), default=0)
    # Records of the held sessions of the day: enrolled students × held sessions.
    expected = models.PositiveIntegerField(_("expected attendances"), default=0)
    # Students absent from the last N held sessions of the class, as of the end of the day.
    at_risk = models.PositiveIntegerField(_("students at risk"), default=0)
    # On a closed class-day, the enrolled students who learned asynchronously that day: a
    # lesson of the class completed or an H5P activity in one answered, dated when it was done
    # (late sync included). 0 on a day that is not closed (docs/coverage.md).
    async_learners = models.PositiveIntegerField(_("students learning asynchronously"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "classroom_id"]
        verbose_name = _("daily coverage")
        verbose_name_plural = _("daily coverage")
        constraints = [
            models.UniqueConstraint(fields=["classroom", "date"], name="one_coverage_per_class_day")
        ]
        indexes = [
            models.Index(fields=["date", "closed"]),
            models.Index(fields=["district", "date"]),
            models.Index(fields=["school", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.classroom_id} {self.date}"


class RollupRun(models.Model):
    """One run of the rollup; the latest run's start is the watermark for the next
    incremental run (sessions ended and records changed since then)."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    first_day = models.DateField(_("first day"), null=True, blank=True)
    last_day = models.DateField(_("last day"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows written"), default=0)
    full = models.BooleanField(_("full rebuild of the range"), default=False)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("rollup run")
        verbose_name_plural = _("rollup runs")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.rows})"


class AtRiskStudent(models.Model):
    """A student absent from the last COVERAGE_AT_RISK_SESSIONS held sessions of their class,
    as of the class's latest rolled-up school day (``as_of``).

    Filled by ``coverage.services.rollup`` from the same streaks that give
    ``DailyCoverage.at_risk``, whenever it rebuilds a class's latest day, so that the at-risk
    lists read this small table instead of attendance records."""

    as_of = models.DateField(_("as of"))
    district = models.ForeignKey(
        "classrooms.District", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("district"),
    )  # fmt: skip
    school = models.ForeignKey(
        "classrooms.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    classroom = models.ForeignKey(
        "classrooms.Classroom", on_delete=models.CASCADE, related_name="at_risk_students",
        verbose_name=_("class"),
    )  # fmt: skip
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("student"),
    )  # fmt: skip
    consecutive_absences = models.PositiveIntegerField(_("consecutive absences"))

    class Meta:
        ordering = ["-consecutive_absences", "classroom_id", "student_id"]
        verbose_name = _("student at risk")
        verbose_name_plural = _("students at risk")
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "student"], name="one_at_risk_row_per_class_student"
            )
        ]
        indexes = [models.Index(fields=["as_of", "consecutive_absences"])]

    def __str__(self) -> str:
        return f"{self.student_id} {self.classroom_id} ({self.consecutive_absences})"


class SchoolDailyCoverage(models.Model):
    """DailyCoverage added up per school, day, level, grade and closed: the additive figures
    only (class-days, sessions, attendances, students), for the daily series of the province
    and district charts, their rows, today's figures and the last day's students at risk,
    which would otherwise add up every class-day of the period (a day's class-days lie on as
    many pages of DailyCoverage as there are classes).

    Rebuilt by ``coverage.services.rollup`` from DailyCoverage for the schools and days it
    rebuilds; never edited on its own."""

    date = models.DateField(_("date"))
    district = models.ForeignKey(
        "classrooms.District", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("district"),
    )  # fmt: skip
    school = models.ForeignKey(
        "classrooms.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    grade = models.PositiveSmallIntegerField(_("grade"))
    closed = models.BooleanField(_("closed"), default=False)
    class_days = models.PositiveIntegerField(_("class-days"), default=0)
    taught_class_days = models.PositiveIntegerField(_("taught class-days"), default=0)
    sessions_scheduled = models.PositiveIntegerField(_("sessions scheduled"), default=0)
    sessions_held = models.PositiveIntegerField(_("sessions held"), default=0)
    attendances = models.PositiveIntegerField(_("attendances"), default=0)
    expected = models.PositiveIntegerField(_("expected attendances"), default=0)
    # Student-days (enrolled students added up over the class-days) and, of them, those who
    # learned asynchronously.
    enrolled = models.PositiveIntegerField(_("student-days"), default=0)
    async_learners = models.PositiveIntegerField(_("students learning asynchronously"), default=0)
    # Students at risk on the day, added up over the classes: the last day's figures of a
    # district or the province without reading every class's row of that day.
    at_risk = models.PositiveIntegerField(_("students at risk"), default=0)

    class Meta:
        ordering = ["date", "school_id"]
        verbose_name = _("daily coverage of a school")
        verbose_name_plural = _("daily coverage of schools")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "date", "level", "grade", "closed"],
                name="one_school_coverage_per_day_level_grade_closed",
            )
        ]
        indexes = [
            models.Index(fields=["date", "closed"]),
            models.Index(fields=["district", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.date} {self.grade}"
