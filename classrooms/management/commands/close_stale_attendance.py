"""Run every minute in production (docs/deployment.md): closes the presence intervals whose
heartbeat stopped and ends the live sessions nobody ended."""

from django.core.management.base import BaseCommand

from classrooms.live.attendance import close_stale_intervals
from classrooms.live.services import sessions_end_overdue


class Command(BaseCommand):
    help = (
        "Close attendance intervals without a recent heartbeat, and end live sessions "
        "LIVE_SESSION_GRACE_MINUTES after their scheduled end."
    )

    def handle(self, *args, **options):
        closed = close_stale_intervals()
        ended = sessions_end_overdue()
        self.stdout.write(f"Closed {closed} stale intervals; ended {len(ended)} overdue sessions.")
