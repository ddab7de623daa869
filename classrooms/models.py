"""The app's models, defined in its packages (org, timetable, live, closures) and gathered here
for Django, which loads `classrooms.models`; they keep the app label "classrooms"."""

from .closures.models import (
    Closure,
    ClosureChange,
    ClosureEmail,
    ClosureReason,
    ClosureScope,
    FanoutChunk,
)
from .live.models import (
    AttendanceChange,
    AttendanceInterval,
    AttendanceRecord,
    AttendanceSource,
    AttendanceStatus,
    ChatMessage,
    HandRaise,
    LiveSession,
    Poll,
    PollAnswer,
    SessionMute,
    SessionStatus,
)
from .org.models import (
    AcademicYear,
    Classroom,
    District,
    Enrollment,
    School,
    Subject,
    TeachingAssignment,
    Term,
)
from .timetable.models import SchoolHoliday, TimetableSlot, Weekday

__all__ = [
    "AcademicYear",
    "AttendanceChange",
    "AttendanceInterval",
    "AttendanceRecord",
    "AttendanceSource",
    "AttendanceStatus",
    "ChatMessage",
    "Closure",
    "ClosureChange",
    "ClosureEmail",
    "ClosureReason",
    "ClosureScope",
    "Classroom",
    "District",
    "Enrollment",
    "FanoutChunk",
    "HandRaise",
    "LiveSession",
    "Poll",
    "PollAnswer",
    "School",
    "SchoolHoliday",
    "SessionMute",
    "SessionStatus",
    "Subject",
    "TeachingAssignment",
    "Term",
    "TimetableSlot",
    "Weekday",
]
