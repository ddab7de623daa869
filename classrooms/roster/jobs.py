"""Running a confirmed import on the task queue, with progress the browser can poll.

Confirming queues `roster_import_task` in the request's transaction (jobs.queue.enqueue); a
background worker runs it, so closing the tab or restarting a web worker does not stop it. The
import writes in one transaction, so a crash leaves nothing half-imported, and the worker that
takes over a killed worker's task (jobs.worker) runs it again from the stored file.

Progress (rows done of total) lives on the RosterImport row. It is written through the
"progress" database connection (a second connection to the same database, lms/settings), so
it commits while the import's own transaction is still open; on SQLite, whose one writer is the
import itself, there is no such connection and the bar moves when the import commits.
"""

import logging

from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import RosterImport
from jobs.queue import enqueue

from .importing import roster_apply, roster_preview

logger = logging.getLogger(__name__)


def _progress_db() -> str:
    return "progress" if "progress" in connections.databases else "default"


def roster_import_state(roster_import: RosterImport) -> dict:
    """What the progress bar shows: the status, rows done of total, and a percentage."""
    done, total = roster_import.done, roster_import.total
    if roster_import.status == RosterImport.Status.DONE:
        percent = 100
    else:
        percent = done * 100 // total if total else 0
    return {"status": roster_import.status, "done": done, "total": total, "percent": percent}


def roster_import_start(*, roster_import: RosterImport) -> None:
    """Mark the import running and queue it (once: a double click or another tab does nothing)."""
    updated = RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.PREVIEWED
    ).update(
        status=RosterImport.Status.RUNNING, done=0, total=roster_import.summary.get("total", 0)
    )
    if updated:
        enqueue(roster_import_task, roster_import.pk)


@task()
def roster_import_task(pk: int) -> str:
    job = RosterImport.objects.select_related("school").get(pk=pk)
    if job.status != RosterImport.Status.RUNNING:
        return job.status  # already finished (a task queued twice)
    try:
        # The database may have changed since the preview: plan again from the stored file.
        plan = roster_preview(
            filename=job.filename, data=bytes(job.data), school=job.school, kind=job.kind
        )
        if plan.errors:
            job.status = RosterImport.Status.FAILED
            job.errors = plan.error_dicts
            job.failure = _("The data changed since the preview; check the errors and retry.")
        else:
            rows = RosterImport.objects.using(_progress_db()).filter(pk=pk)

            def progress(done: int, total: int) -> None:
                rows.update(done=done, total=total)

            job.summary = roster_apply(plan=plan, progress=progress)
            job.status = RosterImport.Status.DONE
            job.data = None  # the file holds personal data: keep it no longer than needed
    except Exception as exc:  # the job must end in a state the admin can see
        logger.exception("roster import %s failed", pk)
        job.status = RosterImport.Status.FAILED
        job.failure = _("The import failed and nothing was written: %(error)s") % {"error": exc}
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "errors", "failure", "summary", "data", "finished_at"])
    return job.status


def roster_import_create(*, user, school, upload, kind: str | None) -> RosterImport:
    """Store an uploaded file with its preview (counts and every error); nothing else is written."""
    data = upload.read()
    plan = roster_preview(filename=upload.name, data=data, school=school, kind=kind or None)
    return RosterImport.objects.create(
        school=school,
        uploaded_by=user,
        kind=plan.kind,
        filename=upload.name[:255],
        data=data if not plan.errors else None,
        summary=plan.summary,
        errors=plan.error_dicts,
        status=RosterImport.Status.PREVIEWED,
    )
