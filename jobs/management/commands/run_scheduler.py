from django.core.management.base import BaseCommand

from jobs.scheduler import run_forever


class Command(BaseCommand):
    help = (
        "Enqueue the periodic jobs (settings.PERIODIC_TASKS: attendance reaper, coverage "
        "rollup, pruning) on time; workers run them. Stop with Ctrl-C."
    )

    def handle(self, *args, **options):
        try:
            run_forever()
        except KeyboardInterrupt:
            pass
