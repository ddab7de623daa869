"""A closure change's fan-out, run by workers in chunks (docs/deployment.md "Background work").

The request commits the closure, its change record and `closure_fanout` in one transaction and
answers at once. `closure_fanout` plans the chunks (sessions for CLOSURE_FANOUT_CHUNK_CLASSES
classes, notices and e-mails for CLOSURE_FANOUT_CHUNK_PEOPLE people) once, and queues each.

Every step can run again after a worker is killed: sessions are generated only where missing,
a notice is unique per person and key, an e-mail row per change and person, a chunk is marked
done in the transaction that does its work, an e-mail is sent by the one worker that holds its
row's lock (a chunk's e-mails queued twice run in two workers), and e-mails carry a Message-ID
made of the change and the person, so a message handed to the mail server twice (a worker
killed between sending and recording it) is one message to every mail system. A failed e-mail
is retried with backoff (jobs.queue.retry) and finally shown as failed on the closure page.
"""

import datetime
import logging
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import Guardianship, Notice, Role, User
from jobs.queue import enqueue, retry

from ..org.models import Classroom, Enrollment
from ..timetable.services import sessions_generate
from .models import ClosureChange, ClosureEmail, FanoutChunk
from .selectors import closure_classrooms

logger = logging.getLogger(__name__)


def notice_key(change: ClosureChange) -> str:
    """One notice per person and change; the declaration keeps the closure's own key."""
    if change.action == ClosureChange.Action.DECLARED:
        return f"closure:{change.closure_id}"
    return f"closure:{change.closure_id}:change:{change.pk}"


def notice_closure_id(key: str) -> int | None:
    """The closure a notice is about, read back from its key (notice_key), else None."""
    kind, _sep, rest = key.partition(":")
    closure = rest.partition(":")[0]
    return int(closure) if kind == "closure" and closure.isdigit() else None


def notice_text(change: ClosureChange) -> str:
    """What the change says, from its own record (a later change has its own notice)."""
    closure, after = change.closure, change.after
    values = {
        "target": str(closure.target) if closure.target else _("the whole province"),
        "start": datetime.date.fromisoformat(after["starts_on"]).strftime("%d/%m/%Y"),
        "end": datetime.date.fromisoformat(after["ends_on"]).strftime("%d/%m/%Y"),
        "reason": closure.get_reason_display(),
    }
    if change.action == ClosureChange.Action.CANCELLED:
        return (
            _("The closure of %(target)s (%(reason)s) was cancelled: classes meet as usual.")
            % values
        )
    if change.action == ClosureChange.Action.DECLARED:
        return (
            _(
                "%(target)s is closed from %(start)s to %(end)s (%(reason)s): classes study "
                "online. Open HọcTiếp for today's live classes and lessons."
            )
            % values
        )
    return (
        _(
            "The closure of %(target)s changed: closed from %(start)s to %(end)s "
            "(%(reason)s); classes study online."
        )
        % values
    )


def _recipient_ids(change: ClosureChange) -> list[int]:
    """Active students of the closed classes (current enrolments), then their guardians."""
    students = User.objects.filter(
        role=Role.STUDENT,
        is_active=True,
        pk__in=Enrollment.objects.filter(
            active=True, classroom__in=closure_classrooms(change.closure)
        ).values("student_id"),
    )
    guardians = User.objects.filter(
        is_active=True,
        pk__in=Guardianship.objects.filter(student__in=students).values("guardian_id"),
    )
    ids = list(students.order_by("pk").values_list("pk", flat=True))
    return ids + list(guardians.order_by("pk").values_list("pk", flat=True))


def _chunks(kind: str, ids: list[int], size: int, change: ClosureChange) -> list[FanoutChunk]:
    return [
        FanoutChunk(change=change, kind=kind, index=n, ids=ids[i : i + size])
        for n, i in enumerate(range(0, len(ids), size))
    ]


@task()
def closure_fanout(change_id: int, *, sessions: bool, notify: bool) -> int:
    """Plan the change's chunks (once) and queue those not done yet."""
    change = ClosureChange.objects.select_related("closure").get(pk=change_id)
    with transaction.atomic():
        if not FanoutChunk.objects.filter(change=change).exists():
            planned = []
            if sessions and change.closure.cancelled_at is None:
                classes = list(
                    closure_classrooms(change.closure).order_by("pk").values_list("pk", flat=True)
                )
                size = settings.CLOSURE_FANOUT_CHUNK_CLASSES
                planned += _chunks(FanoutChunk.Kind.SESSIONS, classes, size, change)
            if notify:
                recipients = _recipient_ids(change)
                size = settings.CLOSURE_FANOUT_CHUNK_PEOPLE
                planned += _chunks(FanoutChunk.Kind.NOTICES, recipients, size, change)
            if not planned:  # no class and nobody to tell: done, and the page says so
                planned = [
                    FanoutChunk(
                        change=change,
                        kind=FanoutChunk.Kind.NOTICES,
                        index=0,
                        ids=[],
                        done_at=timezone.now(),
                    )
                ]
            FanoutChunk.objects.bulk_create(planned, ignore_conflicts=True)
        waiting = list(change.chunks.filter(done_at__isnull=True).values_list("pk", flat=True))
        for chunk_id in waiting:
            enqueue(closure_fanout_chunk, chunk_id)
    return len(waiting)


@task()
def closure_fanout_chunk(chunk_id: int) -> int:
    with transaction.atomic():
        chunk = (
            FanoutChunk.objects.select_for_update()
            .select_related("change__closure")
            .get(pk=chunk_id)
        )
        if chunk.done_at is not None:
            return 0
        if chunk.kind == FanoutChunk.Kind.SESSIONS:
            written = _generate_sessions(chunk)
        else:
            written = _write_notices(chunk)
            enqueue(closure_emails_send, chunk.change_id, chunk.index)
        chunk.done_at = timezone.now()
        chunk.save(update_fields=["done_at"])
    return written


def _generate_sessions(chunk: FanoutChunk) -> int:
    """Sessions from the timetables of these classes for the closure's days, from today on
    (past days are what happened)."""
    closure = chunk.change.closure
    start = max(closure.starts_on, timezone.localdate())
    if start > closure.ends_on:
        return 0
    return sessions_generate(
        start=start, end=closure.ends_on, classrooms=Classroom.objects.filter(pk__in=chunk.ids)
    )


def _notice_order(key: str) -> int:
    """The change a closure notice is for, as an order: the declaration first (its key is the
    closure's own), then each later change by its id."""
    _, _, change = key.partition(":change:")
    return int(change) if change else 0


def _write_notices(chunk: FanoutChunk) -> int:
    change = chunk.change
    key = notice_key(change)
    with translation.override(settings.LANGUAGE_CODE):
        text = notice_text(change)
    # An earlier notice of the same closure is replaced: it no longer shows as unread, so a
    # guardian never sees two notices with different dates side by side. Chunks of two changes
    # may run in either order (two workers, a retried chunk): the latest change always wins.
    now = timezone.now()
    order = _notice_order(key)
    others = Notice.objects.filter(
        Q(key=f"closure:{change.closure_id}") | Q(key__startswith=f"closure:{change.closure_id}:"),
        user_id__in=chunk.ids,
    ).exclude(key=key)
    earlier, superseded = [], set()
    for pk, uid, other, read_at in others.values_list("pk", "user_id", "key", "read_at"):
        if _notice_order(other) > order:
            superseded.add(uid)
        elif read_at is None:
            earlier.append(pk)
    Notice.objects.filter(pk__in=earlier).update(read_at=now)
    Notice.objects.bulk_create(
        [
            Notice(
                user_id=uid,
                kind=Notice.Kind.CLOSURE,
                text=text,
                url="/",
                key=key,
                read_at=now if uid in superseded else None,
            )
            for uid in chunk.ids
        ],
        ignore_conflicts=True,
    )
    # Nor is an e-mail with the earlier dates sent after the later one.
    addresses = (
        User.objects.filter(pk__in=chunk.ids)
        .exclude(pk__in=superseded)
        .exclude(email="")
        .values_list("pk", "email")
    )
    ClosureEmail.objects.bulk_create(
        [
            ClosureEmail(change=change, user_id=uid, chunk=chunk.index, address=email)
            for uid, email in addresses
        ],
        ignore_conflicts=True,
    )
    return len(chunk.ids)


def message_id(change_id: int, user_id: int) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "hoctiep.local"
    return f"<closure-change-{change_id}-user-{user_id}@{domain}>"


def _claim_pending_email(change_id: int, chunk: int, after: int) -> ClosureEmail | None:
    """The chunk's next pending e-mail that no other worker holds, locked by this transaction:
    a chunk queued twice runs in two workers, and each e-mail is sent by one of them. PostgreSQL
    skips the rows another worker has locked; SQLite takes its one write lock when the
    transaction starts (IMMEDIATE), so the second worker waits and then sees the row sent."""
    return (
        ClosureEmail.objects.select_for_update(skip_locked=True)
        .filter(change_id=change_id, chunk=chunk, status=ClosureEmail.Status.PENDING, pk__gt=after)
        .order_by("pk")
        .first()
    )


@task()
def closure_emails_send(change_id: int, chunk: int, *, attempt: int = 0) -> int:
    """Send the chunk's e-mails that are not sent yet, over one connection; each one is claimed
    (row lock) and recorded in its own transaction."""
    change = ClosureChange.objects.select_related("closure").get(pk=change_id)
    with translation.override(settings.LANGUAGE_CODE):
        text = notice_text(change)
        if change.action != ClosureChange.Action.CANCELLED:
            # Floods take the network: the start page offers the closure days' lessons to keep
            # on the phone (courses.offline, docs/offline.md).
            text += "\n\n" + _(
                "Students: open HọcTiếp on your phone and save the lessons of these days "
                "(“Download the lessons of the days off” on your start page) to keep learning "
                "if the network goes down."
            )
        subject = _("HọcTiếp: classes study online")
    rows = ClosureEmail.objects.filter(
        change_id=change_id, chunk=chunk, status=ClosureEmail.Status.PENDING
    )
    sent = failed = 0
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - the mail server is down: retry them all later
        rows.update(attempts=F("attempts") + 1, error=str(error)[:300])
        failed = rows.count()
    else:
        try:
            last = 0
            while True:
                with transaction.atomic():
                    row = _claim_pending_email(change_id, chunk, last)
                    if row is None:
                        break
                    last = row.pk
                    message = EmailMessage(
                        subject, text, to=[row.address], connection=connection,
                        headers={"Message-ID": message_id(change_id, row.user_id)},
                    )  # fmt: skip
                    try:
                        message.send()
                    except Exception as error:  # noqa: BLE001 - one address refused, go on
                        row.error = str(error)[:300]
                        failed += 1
                    else:
                        row.status, row.error = ClosureEmail.Status.SENT, ""
                        sent += 1
                    row.attempts += 1
                    row.save(update_fields=["status", "attempts", "error", "updated_at"])
        finally:
            connection.close()
    if failed and not retry(closure_emails_send, change_id, chunk, attempt=attempt):
        gave_up = rows.update(status=ClosureEmail.Status.FAILED)
        logger.error("Closure change %s: %s e-mails failed for good", change_id, gave_up)
    return sent
