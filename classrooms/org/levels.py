"""School levels (cấp học) and the grades each one spans."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PRIMARY = "tieu_hoc", _("Primary (Tiểu học)")
    LOWER_SECONDARY = "thcs", _("Lower secondary (THCS)")
    UPPER_SECONDARY = "thpt", _("Upper secondary (THPT)")


LEVEL_GRADES = {
    Level.PRIMARY: range(1, 6),
    Level.LOWER_SECONDARY: range(6, 10),
    Level.UPPER_SECONDARY: range(10, 13),
}

# Each level is stored as a boolean column, so that "schools with THCS" is a plain indexed filter
# on SQLite and PostgreSQL alike.
LEVEL_FIELDS = {
    Level.PRIMARY: "has_primary",
    Level.LOWER_SECONDARY: "has_lower_secondary",
    Level.UPPER_SECONDARY: "has_upper_secondary",
}


def level_for_grade(grade: int) -> Level:
    for level, grades in LEVEL_GRADES.items():
        if grade in grades:
            return level
    raise ValueError(f"grade {grade} is outside 1–12")


class LevelsQuerySet(models.QuerySet):
    def with_level(self, level: str):
        return self.filter(**{LEVEL_FIELDS[Level(level)]: True})


class LevelsMixin(models.Model):
    """The levels a school teaches, or a subject is taught at; one or several."""

    has_primary = models.BooleanField(_("primary (Tiểu học)"), default=False)
    has_lower_secondary = models.BooleanField(_("lower secondary (THCS)"), default=False)
    has_upper_secondary = models.BooleanField(_("upper secondary (THPT)"), default=False)

    class Meta:
        abstract = True

    @property
    def levels(self) -> list[Level]:
        return [level for level, field in LEVEL_FIELDS.items() if getattr(self, field)]

    @levels.setter
    def levels(self, value) -> None:
        chosen = {Level(v) for v in value}
        for level, field in LEVEL_FIELDS.items():
            setattr(self, field, level in chosen)

    def get_levels_display(self) -> str:
        short = {Level.PRIMARY: "TH", Level.LOWER_SECONDARY: "THCS", Level.UPPER_SECONDARY: "THPT"}
        return ", ".join(short[level] for level in self.levels)

    def teaches_grade(self, grade: int) -> bool:
        return level_for_grade(grade) in self.levels
