from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from classrooms.org.models import School
from classrooms.roster.importing import roster_apply, roster_preview


class Command(BaseCommand):
    help = "Import a school's students or teachers from an XLSX or CSV roster file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--school",
            help="the school's code; without it every row names its school in “Mã trường”",
        )
        parser.add_argument("--kind", choices=["students", "teachers"], help="default: detect")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )

    def handle(self, *args, file: Path, school: str | None, kind, dry_run: bool, **options):
        translation.activate(settings.LANGUAGE_CODE)
        school_obj = None
        try:
            if school:
                school_obj = School.objects.get(code=school)
        except School.DoesNotExist:
            raise CommandError(
                _("There is no school with code %(code)s.") % {"code": school}
            ) from None
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc}
            ) from exc

        plan = roster_preview(filename=file.name, data=data, school=school_obj, kind=kind)
        for error in plan.errors:
            where = _("row %(row)s") % {"row": error.row} if error.row else _("file")
            column = f", {error.column}" if error.column else ""
            self.stderr.write(f"{where}{column}: {error.message}")
        self.stdout.write(self._summary(plan.summary))
        if plan.examples:
            self.stdout.write(
                ngettext(
                    "%(count)s example row of the template was skipped.",
                    "%(count)s example rows of the template were skipped.",
                    plan.examples,
                )
                % {"count": plan.examples}
            )
        if plan.errors:
            raise CommandError(
                _("%(count)s errors: nothing was imported.") % {"count": len(plan.errors)}
            )
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
            return
        roster_apply(plan=plan)
        self.stdout.write(self.style.SUCCESS(_("Imported.")))

    def _summary(self, summary: dict) -> str:
        return (
            _(
                "%(total)s rows: %(new)s new, %(updated)s updated, %(unchanged)s unchanged, "
                "%(errors)s errors."
            )
            % summary
        )
