from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.roles import OFFICER_ROLES, SCHOOL_ROLES, Role


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STUDENT)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    student_code = models.CharField(
        _("student code"), max_length=30, blank=True, help_text=_("The school's own code.")
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for accounts with an initial password handed out on a slip."),
    )
    school = models.ForeignKey(
        "classrooms.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("school"),
    )
    district = models.ForeignKey(
        "classrooms.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("district"),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.DISTRICT_OFFICER) | Q(district__isnull=False),
                name="district_officer_has_district",
            ),
            models.UniqueConstraint(
                fields=["school", "student_code"],
                condition=~Q(student_code=""),
                name="unique_student_code_per_school",
                violation_error_message=_("Another student of this school has this code."),
            ),
            models.CheckConstraint(
                condition=~Q(role__in=list(SCHOOL_ROLES))
                | Q(school__isnull=False)
                | Q(is_superuser=True),
                name="school_role_has_school",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    # The fields display_name reads, for lists that fetch values() rather than users.
    NAME_FIELDS = ("full_name", "first_name", "last_name", "username")

    @staticmethod
    def name_from(full_name, first_name, last_name, username) -> str:
        return full_name or f"{first_name or ''} {last_name or ''}".strip() or username or ""

    @property
    def display_name(self) -> str:
        return self.name_from(self.full_name, self.first_name, self.last_name, self.username)

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICER_ROLES


class Guardianship(models.Model):
    """Links a guardian (phụ huynh) account to a student."""

    guardian = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="wards", verbose_name=_("guardian")
    )
    student = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("student")
    )
    relation = models.CharField(_("relation"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student"], name="unique_guardianship"),
            models.CheckConstraint(
                condition=~Q(guardian=models.F("student")), name="guardian_is_not_student"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student}"


class InitialCredential(models.Model):
    """A generated initial password, kept (encrypted) only until the slips are handed out.

    It is deleted when the school marks the class's slips as handed out, when the user sets
    their own password, or when it expires (INITIAL_CREDENTIAL_DAYS); after that the only way
    to a new slip is a password reset.
    """

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="initial_credential", primary_key=True
    )
    password_encrypted = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("initial password")
        verbose_name_plural = _("initial passwords")

    def __str__(self) -> str:
        return str(self.user)


class RosterImport(models.Model):
    """One uploaded roster file, from preview to confirmed import."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    school = models.ForeignKey(
        "classrooms.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roster_imports",
        help_text=_("Empty for a province-wide file whose rows name their school."),
    )
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=10)
    filename = models.CharField(max_length=255)
    # The file itself, kept in the database (not under MEDIA_ROOT, which may be public) until
    # the import finishes.
    data = models.BinaryField(null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    failure = models.TextField(blank=True)
    # Progress of a running import (rows done of total), written by the task as it goes.
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")

    def __str__(self) -> str:
        return self.filename


class Notice(models.Model):
    """An in-app notice on a user's start page: a child's absence, a school closure, …"""

    class Kind(models.TextChoices):
        ABSENCE = "absence", _("Absence")
        CLOSURE = "closure", _("Closure")
        SESSION = "session", _("Session")
        OTHER = "other", _("Other")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notices", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # What the notice is about ("session:12", "closure:3"), so the same event never notifies
    # the same person twice.
    key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~Q(key=""), name="one_notice_per_user_key"
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text
