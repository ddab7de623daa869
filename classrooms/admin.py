"""Django's admin autodiscovery imports `classrooms.admin`; each package registers its models."""

from .live import admin as live_admin  # noqa: F401
from .org import admin as org_admin  # noqa: F401
from .timetable import admin as timetable_admin  # noqa: F401
