"""What every fault test asserts at the end: no interval open, and each student's measured
time within one heartbeat of the truth (present from their first join to the end)."""

from __future__ import annotations

import datetime

from classrooms.live.attendance import measure, session_window
from classrooms.models import LiveSession


def _dt(value):
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(value)


def assert_attendance_kept(rows, session_id: int, student_ids, *, heartbeat: float, stale: int):
    """`rows(sql, *params)` runs a query (`?` placeholders) on the servers' database."""
    assert rows("SELECT id FROM classrooms_attendanceinterval WHERE left_at IS NULL") == []
    starts, ends, started, ended = rows(
        "SELECT starts_at, ends_at, started_at, ended_at FROM classrooms_livesession WHERE id = ?",
        session_id,
    )[0]
    session = LiveSession(
        starts_at=_dt(starts), ends_at=_dt(ends), started_at=_dt(started), ended_at=_dt(ended)
    )
    window = session_window(session)
    records = {
        sid: (status, minutes)
        for sid, status, minutes in rows(
            "SELECT student_id, status, minutes FROM classrooms_attendancerecord "
            "WHERE session_id = ?",
            session_id,
        )
    }
    for student_id in student_ids:
        intervals = [
            (_dt(joined), _dt(left))
            for joined, left in rows(
                "SELECT joined_at, left_at FROM classrooms_attendanceinterval "
                "WHERE session_id = ? AND student_id = ? ORDER BY joined_at",
                session_id,
                student_id,
            )
        ]
        assert intervals, student_id
        measured = measure(
            intervals, window=window, stale_seconds=stale, present_ratio=0.5, late_minutes=10
        )
        truth = (window[1] - max(window[0], intervals[0][0])).total_seconds()
        assert truth - heartbeat - 0.5 <= measured.seconds <= truth + 0.001, (
            student_id,
            measured.seconds,
            truth,
            intervals,
        )
        assert records[student_id] == ("present", measured.minutes)
