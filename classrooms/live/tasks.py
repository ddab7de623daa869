"""Periodic work of the live room, run by a worker (settings.PERIODIC_TASKS)."""

from django_tasks import task

from .attendance import close_stale_intervals
from .services import sessions_end_overdue


@task()
def close_stale_attendance() -> dict:
    """Close the presence intervals whose heartbeat stopped and end the sessions nobody ended
    (LIVE_SESSION_GRACE_MINUTES after their scheduled end). Every minute."""
    closed = close_stale_intervals()
    ended = sessions_end_overdue()
    return {"intervals_closed": closed, "sessions_ended": len(ended)}
