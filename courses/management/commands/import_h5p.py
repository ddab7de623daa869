"""python manage.py import_h5p FILE [--title T] [--school CODE]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from classrooms.models import School
from courses.h5p.storage import PackageRejected, package_import


class Command(BaseCommand):
    help = "Validate an .h5p package and add it to a school (or, without --school, the library)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .h5p file")
        parser.add_argument("--title", default="", help="title (default: the package's own)")
        parser.add_argument("--school", help="school code; without it the province library")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}.")
        school = None
        if options["school"]:
            school = School.objects.filter(code=options["school"]).first()
            if school is None:
                raise CommandError(f"Không có trường mã {options['school']}.")
        try:
            with path.open("rb") as source:
                outcome = package_import(
                    source=source, filename=path.name, title=options["title"], school=school
                )
        except PackageRejected as exc:
            for problem in exc.result.errors:
                self.stderr.write(f"[{problem.rule}] {problem.path}: {problem.message}")
            raise CommandError(
                f"Gói {path.name} bị từ chối ({len(exc.result.errors)} lỗi); không lưu gì."
            ) from exc
        for problem in outcome.result.warnings:
            self.stdout.write(f"[{problem.rule}] {problem.path}: {problem.message}")
        package = outcome.package
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nhập “{package.title}” ({package.main_library}) — {package.uuid}; "
                f"thư viện mới hoặc cập nhật: {', '.join(outcome.libraries_written) or 'không'}."
            )
        )
