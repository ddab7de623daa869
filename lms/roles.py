"""The roles of DESIGN.md ("Who may see what") and every set of them the project checks.

Each set is defined here once; apps import them rather than spelling the roles out again.
Sets are tuples in the order of `Role`, so that a database constraint built from one is the
same in every process (a Python set's order changes with string hashing) and its migration
stays put.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")
    SCHOOL_ADMIN = "school_admin", _("School admin")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    PROVINCE_OFFICER = "province_officer", _("Province officer")
    GUARDIAN = "guardian", _("Guardian")


# Tied to one school (User.school); a district officer is tied to one district instead.
SCHOOL_ROLES = (Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN)

# The people who work in a school: they manage its lessons and H5P packages.
SCHOOL_STAFF_ROLES = (Role.TEACHER, Role.SCHOOL_ADMIN)

# Officers read everything in their district or the whole province.
OFFICER_ROLES = (Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER)

# Staff: everyone but students and guardians. They follow their classes' progress, read
# attendance sheets and gradebooks, assign lessons and manage lesson files.
STAFF_ROLES = (Role.TEACHER, Role.SCHOOL_ADMIN, Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER)

# A school admin and the officers above them: they onboard schools (classes, rosters) and read
# the coverage dashboards.
ADMIN_ROLES = (Role.SCHOOL_ADMIN, Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER)

# A student and their guardian: they read their own classes, sessions and results, nothing
# else.
FAMILY_ROLES = (Role.STUDENT, Role.GUARDIAN)
