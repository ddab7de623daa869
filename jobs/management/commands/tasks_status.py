from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jobs.selectors import failed_tasks, queue_status


class Command(BaseCommand):
    help = (
        "Show the task queue: waiting and running tasks, the oldest waiting one, the workers and "
        "the latest failures. Exits 1 when work is waiting and no worker is alive (a health check "
        "for monitoring)."
    )

    def handle(self, *args, **options):
        status = queue_status()
        self.stdout.write(_("Waiting: %(n)d") % {"n": status.waiting})
        self.stdout.write(_("Scheduled for later (retries): %(n)d") % {"n": status.scheduled})
        self.stdout.write(_("Running: %(n)d") % {"n": status.running})
        age = status.oldest_waiting_seconds
        self.stdout.write(
            _("Oldest waiting: %(s)s")
            % {"s": _("%(n)d s") % {"n": age} if age is not None else "—"}
        )
        self.stdout.write(_("Failed in the last 24 hours: %(n)d") % {"n": status.failed_last_day})
        for worker in status.workers_alive:
            self.stdout.write(
                _("Worker alive: %(w)s, seen %(at)s") % {"w": worker, "at": worker.seen_at}
            )
        for worker in status.workers_stale:
            self.stdout.write(
                _("Worker down: %(w)s, last seen %(at)s") % {"w": worker, "at": worker.seen_at}
            )
        for result in failed_tasks(limit=10):
            last_line = (result.traceback or "").strip().splitlines()[-1:] or [""]
            self.stdout.write(
                f"  ✗ {result.finished_at:%Y-%m-%d %H:%M} {result.task_path}: {last_line[0]}"
            )
        if not status.healthy:
            self.stderr.write(_("No worker is alive and work is waiting."))
            raise SystemExit(1)
