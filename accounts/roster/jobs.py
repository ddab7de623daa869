"""Running a confirmed import in the background, with progress the browser can poll.

The import runs in a thread of the web process, so closing the browser tab does not stop
it; it writes in one transaction, so a crash leaves nothing half-imported. Progress lives in
the cache (a separate channel from the import's open transaction, shared by every worker
when REDIS_URL is set).
"""

import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import RosterImport

from .importing import roster_apply, roster_preview

logger = logging.getLogger(__name__)
PROGRESS_TTL = 60 * 60


def _progress_key(pk: int) -> str:
    return f"roster-import:{pk}:progress"


def roster_import_progress(roster_import: RosterImport) -> tuple[int, int] | None:
    return cache.get(_progress_key(roster_import.pk))


def roster_import_state(roster_import: RosterImport) -> dict:
    """What the progress bar shows: the status, rows done of total, and a percentage."""
    done, total = roster_import_progress(roster_import) or (0, 0)
    if roster_import.status == RosterImport.Status.DONE:
        percent = 100
    else:
        percent = done * 100 // total if total else 0
    return {"status": roster_import.status, "done": done, "total": total, "percent": percent}


def roster_import_start(*, roster_import: RosterImport) -> None:
    """Mark the import running and run it (in a thread, unless ROSTER_IMPORT_INLINE)."""
    updated = RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.PREVIEWED
    ).update(status=RosterImport.Status.RUNNING)
    if not updated:
        return  # already started by a double click or another tab
    cache.set(
        _progress_key(roster_import.pk), (0, roster_import.summary.get("total", 0)), PROGRESS_TTL
    )
    if getattr(settings, "ROSTER_IMPORT_INLINE", False):
        roster_import_run(roster_import.pk)
    else:
        threading.Thread(target=_run_in_thread, args=(roster_import.pk,), daemon=True).start()


def _run_in_thread(pk: int) -> None:
    # A thread has its own database connection: start it fresh and close it when done.
    close_old_connections()
    try:
        roster_import_run(pk)
    finally:
        connection.close()


def roster_import_run(pk: int) -> None:
    job = RosterImport.objects.select_related("school").get(pk=pk)
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

            def progress(done: int, total: int) -> None:
                cache.set(_progress_key(pk), (done, total), PROGRESS_TTL)

            job.summary = roster_apply(plan=plan, progress=progress)
            job.status = RosterImport.Status.DONE
            job.data = None  # the file holds personal data: keep it no longer than needed
    except Exception as exc:  # the job must end in a state the admin can see
        logger.exception("roster import %s failed", pk)
        job.status = RosterImport.Status.FAILED
        job.failure = _("The import failed and nothing was written: %(error)s") % {"error": exc}
    job.finished_at = timezone.now()
    job.save()
    cache.delete(_progress_key(pk))


def roster_import_refresh(*, roster_import: RosterImport) -> RosterImport:
    """A job marked running with no progress left behind lost its worker (a restart or a
    crash); its transaction was rolled back, so it may simply be confirmed again."""
    if (
        roster_import.status == RosterImport.Status.RUNNING
        and roster_import_progress(roster_import) is None
    ):
        RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.RUNNING).update(
            status=RosterImport.Status.PREVIEWED
        )
        roster_import.refresh_from_db()
    return roster_import


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
