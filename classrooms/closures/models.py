"""School closures: when classes cannot meet and must be taught online (DESIGN.md "Coverage")."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..org.models import Classroom, District, School


class ClosureScope(models.TextChoices):
    PROVINCE = "province", _("Whole province")
    DISTRICT = "district", _("District")
    SCHOOL = "school", _("School")
    CLASSROOM = "classroom", _("Class")


class ClosureReason(models.TextChoices):
    COVID = "covid", _("COVID-19")
    FLOOD = "flood", _("Flood")
    STORM = "storm", _("Storm")
    QUARANTINE = "quarantine", _("Teacher in quarantine")
    OTHER = "other", _("Other")


class Closure(models.Model):
    """Classes in a scope (the province, a district, a school or a class) closed on some days.

    The target is the one foreign key that matches the scope (none for the province)."""

    scope = models.CharField(_("scope"), max_length=10, choices=ClosureScope.choices)
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="closures",
        verbose_name=_("district"),
    )  # fmt: skip
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="closures",
        verbose_name=_("school"),
    )  # fmt: skip
    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, null=True, blank=True, related_name="closures",
        verbose_name=_("class"),
    )  # fmt: skip
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=12, choices=ClosureReason.choices)
    note = models.TextField(_("note"), blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("declared by"),
    )  # fmt: skip
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("declared at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-created_at"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=F("ends_on")),
                name="closure_dates_ordered",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        scope="province",
                        district__isnull=True,
                        school__isnull=True,
                        classroom__isnull=True,
                    )
                    | Q(
                        scope="district",
                        district__isnull=False,
                        school__isnull=True,
                        classroom__isnull=True,
                    )
                    | Q(
                        scope="school",
                        district__isnull=True,
                        school__isnull=False,
                        classroom__isnull=True,
                    )
                    | Q(
                        scope="classroom",
                        district__isnull=True,
                        school__isnull=True,
                        classroom__isnull=False,
                    )
                ),  # fmt: skip
                name="closure_target_matches_scope",
                violation_error_message=_(
                    "Choose the district, school or class the closure is for."
                ),
            ),
        ]
        indexes = [models.Index(fields=["starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.target or ''} {self.starts_on}–{self.ends_on}"

    @property
    def target(self):
        return self.district or self.school or self.classroom


class ClosureChange(models.Model):
    """The history of a closure: declared, edited, ended early, cancelled."""

    class Action(models.TextChoices):
        DECLARED = "declared", _("Declared")
        EDITED = "edited", _("Edited")
        ENDED = "ended", _("Ended early")
        CANCELLED = "cancelled", _("Cancelled")

    closure = models.ForeignKey(Closure, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    # The closure's fields before and after the change (dates, reason, note, target).
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["changed_at"]
        verbose_name = _("closure change")
        verbose_name_plural = _("closure changes")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.changed_at:%Y-%m-%d %H:%M}"


class FanoutChunk(models.Model):
    """One chunk of a change's fan-out (closures.tasks): sessions for some classes, or notices
    and e-mails for some recipients. A chunk is done once; running it again (a worker killed
    mid-way) changes nothing it already did. The closure page's progress is read from these."""

    class Kind(models.TextChoices):
        SESSIONS = "sessions", _("Sessions")
        NOTICES = "notices", _("Notices")

    change = models.ForeignKey(ClosureChange, on_delete=models.CASCADE, related_name="chunks")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    index = models.PositiveIntegerField()
    ids = models.JSONField(default=list)  # classroom ids or user ids
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["change", "kind", "index"], name="one_fanout_chunk_per_index"
            )
        ]

    def __str__(self) -> str:
        return f"{self.change} {self.kind} #{self.index}"


class ClosureEmail(models.Model):
    """The e-mail of one change to one recipient: at most one per change and person. Pending
    until sent; a failure is retried with backoff and finally reported as failed on the
    closure page, never dropped. Sent at least once, with a Message-ID of its own (change and
    person), so a message handed twice to the mail server (a worker killed between sending and
    recording it) is one message to mail systems."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    change = models.ForeignKey(ClosureChange, on_delete=models.CASCADE, related_name="emails")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    chunk = models.PositiveIntegerField()
    address = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["change", "user"], name="one_closure_email_per_person")
        ]
        indexes = [models.Index(fields=["change", "chunk", "status"])]

    def __str__(self) -> str:
        return f"{self.address} ({self.get_status_display()})"
