from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")
    SCHOOL_ADMIN = "school_admin", _("School admin")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    PROVINCE_OFFICER = "province_officer", _("Province officer")
    GUARDIAN = "guardian", _("Guardian")


# Roles tied to one school; a district officer is tied to one district instead.
SCHOOL_ROLES = {Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN}


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STUDENT)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
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
                condition=~Q(role="district_officer") | Q(district__isnull=False),
                name="district_officer_has_district",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["student", "teacher", "school_admin"])
                | Q(school__isnull=False)
                | Q(is_superuser=True),
                name="school_role_has_school",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_officer(self) -> bool:
        return self.role in (Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER)


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
