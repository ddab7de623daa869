"""An uploaded package imported by a background worker, as a job its uploader follows.

The upload page refuses at once what the ZIP's central directory shows is wrong (nothing is
decompressed for that), stores the file under `h5p/uploads/` (never served: the H5P views
serve package folders only, nginx answers 404 for /media/h5p/) and queues the import with its
job in one transaction (jobs.services.job_start), then shows the job page. A worker runs
`storage.package_import`, the same code as `manage.py import_h5p`: the whole validation, the
virus scan, the files, then the database rows, with its progress on the Job row. A refused
package ends the job with every rule and file named and nothing saved; the staged file goes
when the job has an outcome, and stays for a retry (jobs status page) when the task crashed.

A worker killed mid-import has its task run again by another (jobs.worker): the package takes
the job's id as its uuid, so the second run replaces what the first wrote, or only finishes
the job when the first had already saved the package.
"""

import contextlib
import datetime
import shutil
import tempfile
import uuid

from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from classrooms.models import School
from jobs.models import Job
from jobs.services import JobRefused, JobRun, job_running, job_start
from jobs.tasks import KEEP_FAILED_DAYS

from ..models import H5PPackage
from . import storage
from .storage import PackageRejected, package_import

STAGING = storage.STAGING
COPY_CHUNK = 1024 * 1024

# Each step's share of the progress bar, in percent: reading every file back and writing
# them take the time; the scan and the database rows are short.
SPANS = {
    storage.CHECKING: (0, 45),
    storage.SCANNING: (45, 50),
    storage.EXTRACTING: (50, 95),
    storage.SAVING: (95, 100),
}


def package_upload_start(*, upload, package_title: str, school, uploaded_by) -> Job:
    """Check the upload's ZIP directory, store it and queue its import; raise PackageRejected
    (nothing stored) when the directory already shows it cannot pass."""
    result = storage.validator().check_archive(upload, upload.name)
    if not result.ok:
        raise PackageRejected(result)
    upload.seek(0)
    staged = default_storage.save(f"{STAGING}/{uuid.uuid4()}.h5p", upload)
    try:
        return job_start(
            owner=uploaded_by,
            kind=storage.IMPORT_JOB_KIND,
            title=_("H5P activity “%(name)s”") % {"name": upload.name},
            task=package_import_task,
            staged=staged,
            filename=upload.name,
            package_title=package_title,
            school_id=school.pk if school else None,
            language=translation.get_language(),
        )
    except BaseException:
        default_storage.delete(staged)
        raise


def stage_text(step: str, done: int, total: int) -> str:
    if step == storage.CHECKING:
        return _("Validating the package: %(done)s of %(total)s files") % {
            "done": done,
            "total": total,
        }
    if step == storage.SCANNING:
        return _("Checking for viruses")
    if step == storage.EXTRACTING:
        return _("Extracting libraries and content: %(done)s of %(total)s files") % {
            "done": done,
            "total": total,
        }
    return _("Saving the activity")


class _Progress:
    """Writes the job's bar when the step or the whole percent changes (a package may hold
    thousands of files: at most about a hundred writes)."""

    def __init__(self, run: JobRun):
        self.run = run
        self.last = None

    def __call__(self, step: str, done: int, total: int) -> None:
        start, end = SPANS[step]
        percent = start + (end - start) * done // total if total else start
        if (step, percent) == self.last:
            return
        self.last = (step, percent)
        self.run.progress(percent, 100, stage=stage_text(step, done, total))


@contextlib.contextmanager
def _local_copy(name: str):
    """The staged file as something zipfile can seek in: its path on a local disk, or a
    temporary copy of it from object storage."""
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    with default_storage.open(name, "rb") as remote, tempfile.TemporaryFile() as local:
        shutil.copyfileobj(remote, local, COPY_CHUNK)
        local.seek(0)
        yield local


def refusal_text(filename: str, result) -> str:
    """What the job page says: one line per problem, each naming its rule and file."""
    lines = [_("“%(name)s” was refused; nothing was saved.") % {"name": filename}]
    return "\n".join(lines + [f"• {problem.message}" for problem in result.errors])


@task()
def package_import_task(
    *,
    job_id: str,
    staged: str,
    filename: str,
    package_title: str,
    school_id: int | None,
    language: str,
) -> None:
    with translation.override(language), job_running(job_id) as run:
        package = H5PPackage.objects.filter(uuid=job_id).first()
        if package is not None:
            # Saved by a run of this task that was killed before it could finish the job.
            storage.delete_tree(default_storage, storage.set_aside_folder(package.uuid))
        else:
            run.progress(0, 100, stage=_("Validating the package"))
            school = School.objects.get(pk=school_id) if school_id else None
            try:
                with _local_copy(staged) as source:
                    package = package_import(
                        source=source,
                        filename=filename,
                        title=package_title,
                        school=school,
                        uploaded_by=run.job.owner,
                        package_uuid=uuid.UUID(str(job_id)),
                        progress=_Progress(run),
                    ).package
            except PackageRejected as refused:
                default_storage.delete(staged)
                raise JobRefused(refusal_text(filename, refused.result)) from refused
        default_storage.delete(staged)
        run.finish(
            message=_("“%(title)s” is ready. Add it to a lesson with the “H5P activity” block.")
            % {"title": package.title},
            url=f"{reverse('h5p_admin:index')}#h5p-{package.uuid}",
        )


@task()
def staged_uploads_prune() -> int:
    """Staged files of imports that crashed, once their failed task is no longer kept for a
    retry (jobs.tasks.KEEP_FAILED_DAYS)."""
    cutoff = timezone.now() - datetime.timedelta(days=KEEP_FAILED_DAYS)
    try:
        _folders, files = default_storage.listdir(STAGING)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    pruned = 0
    for name in files:
        path = f"{STAGING}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            pruned += 1
    return pruned
