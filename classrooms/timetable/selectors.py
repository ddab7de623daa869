"""Reads for the timetable pages: a class's week as a grid of days × periods."""

from .models import TimetableSlot, Weekday

SCHOOL_WEEK = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY]


def timetable_grids(*, classrooms) -> list[dict]:
    """One grid per class, in class order: ``days`` (Monday–Friday, plus the weekend days that
    have a lesson) and ``rows``, one per period up to the class's last, each with one cell (a
    slot or None) per day. Classes without a lesson get no grid."""
    slots = (
        TimetableSlot.objects.filter(classroom__in=classrooms)
        .select_related("classroom", "subject", "teacher")
        .order_by("classroom__grade", "classroom__name", "weekday", "period")
    )
    by_class: dict[int, dict] = {}
    for slot in slots:
        grid = by_class.setdefault(slot.classroom_id, {"classroom": slot.classroom, "cells": {}})
        grid["cells"][(slot.weekday, slot.period)] = slot
    grids = []
    for grid in by_class.values():
        cells = grid["cells"]
        days = sorted({*SCHOOL_WEEK, *(weekday for weekday, _period in cells)})
        last = max(period for _weekday, period in cells)
        grids.append(
            {
                "classroom": grid["classroom"],
                "days": [Weekday(day) for day in days],
                "rows": [
                    {"period": period, "cells": [cells.get((day, period)) for day in days]}
                    for period in range(1, last + 1)
                ],
                "count": len(cells),
            }
        )
    return grids
