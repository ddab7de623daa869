"""Live sessions, the live room's state and attendance from presence.

DESIGN.md "Live room protocol" and "Attendance" are the reference. Everything a room needs to
survive a worker crash or a Redis restart (hands, polls, mutes, chat, presence intervals) lives in
the database; the channel layer only carries messages.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..org.models import Classroom, Subject


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    # With a context: Wagtail's editor says "Live" of a published page, in another sense.
    LIVE = "live", pgettext_lazy("session status", "Live")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


class LiveSession(models.Model):
    """One online lesson of a class. Status goes scheduled → live → ended, or cancelled."""

    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, related_name="live_sessions", verbose_name=_("class")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="live_sessions", verbose_name=_("subject")
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="live_sessions",
        verbose_name=_("teacher"),
    )
    # By name: the timetable package sits above this one (it generates sessions from slots).
    slot = models.ForeignKey(
        "classrooms.TimetableSlot",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("timetable slot"),
        help_text=_("Empty for one-off sessions."),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    meeting_url = models.URLField(
        _("meeting link"),
        blank=True,
        help_text=_("Video meeting for this session; empty uses the province's default."),
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="live_sessions",
        verbose_name=_("lesson"),
        help_text=_("The lesson the class works through; students' screens follow the teacher."),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    cancelled_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    chat_enabled = models.BooleanField(_("chat on"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="session_times_ordered",
                violation_error_message=_("The session must start before it ends."),
            ),
            # Generating a timetable twice must not double the sessions.
            models.UniqueConstraint(
                fields=["slot", "starts_at"],
                condition=Q(slot__isnull=False),
                name="one_session_per_slot_start",
            ),
        ]
        indexes = [
            models.Index(fields=["classroom", "starts_at"]),
            models.Index(fields=["status", "ends_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.classroom.name} {self.subject} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class AttendanceInterval(models.Model):
    """One connected stretch of a student in a session: opened on connect, closed on leave.

    ``last_seen_at`` moves with the heartbeats; the reaper closes an interval whose heartbeat
    stopped (a killed worker, a phone that lost its network) at ``last_seen_at``.
    """

    session = models.ForeignKey(
        LiveSession, on_delete=models.CASCADE, related_name="intervals", verbose_name=_("session")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="attendance_intervals",
        verbose_name=_("student"),
    )
    joined_at = models.DateTimeField(_("joined at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    class Meta:
        ordering = ["joined_at"]
        verbose_name = _("attendance interval")
        verbose_name_plural = _("attendance intervals")
        indexes = [
            models.Index(fields=["session", "student"]),
            models.Index(
                fields=["last_seen_at"], condition=Q(left_at__isnull=True), name="open_intervals"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.joined_at:%H:%M:%S}–{self.left_at or '…'}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class AttendanceSource(models.TextChoices):
    AUTO = "auto", _("Automatic")
    TEACHER = "teacher", _("Teacher")


class AttendanceRecord(models.Model):
    """One row per enrolled student per ended session."""

    session = models.ForeignKey(
        LiveSession, on_delete=models.CASCADE, related_name="records", verbose_name=_("session")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="attendance_records",
        verbose_name=_("student"),
    )
    status = models.CharField(_("status"), max_length=10, choices=AttendanceStatus.choices)
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    first_join = models.DateTimeField(_("first join"), null=True, blank=True)
    last_leave = models.DateTimeField(_("last leave"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=AttendanceSource.choices, default=AttendanceSource.AUTO
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="one_record_per_student")
        ]
        indexes = [models.Index(fields=["student", "status"])]

    def __str__(self) -> str:
        return f"{self.student} {self.status}"


class AttendanceChange(models.Model):
    """The history of a record: every override, who made it and why."""

    record = models.ForeignKey(
        AttendanceRecord, on_delete=models.CASCADE, related_name="changes", verbose_name=_("record")
    )
    old_status = models.CharField(_("old status"), max_length=10, choices=AttendanceStatus.choices)
    new_status = models.CharField(_("new status"), max_length=10, choices=AttendanceStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    reason = models.CharField(_("reason"), max_length=255)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["changed_at"]
        verbose_name = _("attendance change")
        verbose_name_plural = _("attendance changes")

    def __str__(self) -> str:
        return f"{self.old_status} → {self.new_status}"


class ChatMessage(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="chat_messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        indexes = [models.Index(fields=["session", "created_at"])]

    def __str__(self) -> str:
        return self.text[:50]


class SessionMute(models.Model):
    """A student the teacher muted in one session's chat."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="mutes")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="one_mute_per_student")
        ]

    def __str__(self) -> str:
        return f"{self.student} muted"


class HandRaise(models.Model):
    """A raised hand; the open ones, oldest first, are the teacher's queue."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="hands")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    lowered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "student"],
                condition=Q(lowered_at__isnull=True),
                name="one_raised_hand_per_student",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} ✋"


class Poll(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(_("question"), max_length=300)
    options = models.JSONField(_("options"), help_text=_("A list of 2 to 6 option texts."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at"]
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self) -> str:
        return self.question


class PollAnswer(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="answers")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    option = models.PositiveSmallIntegerField()
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "student"], name="one_answer_per_student")
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.option}"
