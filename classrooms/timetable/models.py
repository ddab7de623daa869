"""The weekly timetable of each class and the school's holidays: what sessions are generated
from (services.sessions_generate)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..org.models import Classroom, School, Subject


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class SchoolHoliday(models.Model):
    """A day the school admin marks as a holiday: no sessions are generated on it."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="holidays", verbose_name=_("school")
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="one_holiday_per_school_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class TimetableSlot(models.Model):
    """A recurring weekly lesson of a class: Monday period 2, 07:50, 45 minutes, Toán."""

    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, related_name="timetable_slots", verbose_name=_("class")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    period = models.PositiveSmallIntegerField(_("period"))
    starts_at = models.TimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=45)
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="timetable_slots", verbose_name=_("subject")
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="timetable_slots",
        verbose_name=_("teacher"),
    )
    meeting_url = models.URLField(
        _("meeting link"),
        blank=True,
        help_text=_("Video meeting of this lesson's sessions; empty uses the default."),
    )

    class Meta:
        ordering = ["weekday", "period"]
        verbose_name = _("timetable slot")
        verbose_name_plural = _("timetable slots")
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "weekday", "period"],
                name="one_slot_per_class_period",
                violation_error_message=_("This class already has a lesson in this period."),
            ),
            models.CheckConstraint(
                condition=Q(period__gte=1) & Q(period__lte=12),
                name="slot_period_1_to_12",
                violation_error_message=_("The period must be between 1 and 12."),
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5) & Q(duration_minutes__lte=240),
                name="slot_duration_5_to_240",
                violation_error_message=_("A lesson lasts between 5 and 240 minutes."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.classroom.name} {self.get_weekday_display()} {self.period}"
