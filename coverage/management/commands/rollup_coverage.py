import datetime

from django.core.management.base import BaseCommand, CommandError

from coverage.services import rollup, rollup_incremental


class Command(BaseCommand):
    help = (
        "Rebuild the coverage rollup (coverage.DailyCoverage). Without --since: incremental "
        "(days not rolled up yet and sessions ended since the last run). With --since DATE: "
        "every class-day from DATE to today."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day to rebuild, YYYY-MM-DD")

    def handle(self, *args, since=None, **options):
        if since:
            try:
                day = datetime.date.fromisoformat(since)
            except ValueError as error:
                raise CommandError(f"--since must be YYYY-MM-DD, not {since!r}") from error
            written = rollup(since=day)
        else:
            written = rollup_incremental()
        self.stdout.write(f"{written} class-days written.")
