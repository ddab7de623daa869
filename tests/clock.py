"""Fixed days for date- and time-dependent tests, in school time (Asia/Ho_Chi_Minh).

The week of Monday 23 November 2026 lies in term I of the 2026-2027 year that
tests/factories.py and the demo data create, with no holiday, so a test frozen on one of these
days sees the same school days whatever day CI runs on (time_machine.move_to(...)).
"""

import datetime
from zoneinfo import ZoneInfo

SCHOOL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

MONDAY = datetime.date(2026, 11, 23)
WEDNESDAY = MONDAY + datetime.timedelta(days=2)
THURSDAY = MONDAY + datetime.timedelta(days=3)
FRIDAY = MONDAY + datetime.timedelta(days=4)
SUNDAY = MONDAY + datetime.timedelta(days=6)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """That day at that time of day, school time."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SCHOOL_TZ)
