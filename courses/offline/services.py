"""Work done on a phone without a network, sent when the network returns (docs/offline.md).

Each item is applied through the services the online pages use (courses.services,
courses.h5p.results), at most once, dated when it happened on the phone. An item about a lesson
the student may no longer read is refused with a reason the phone shows before dropping it."""

import datetime
import re
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import Role, User

from ..h5p import results
from ..h5p.selectors import lesson_with_package_get, package_playable_get
from ..models import H5PUserData, XAPIStatement
from ..selectors import lesson_get
from ..services import progress_complete, progress_open

ITEM_ID_RE = re.compile(r"[A-Za-z0-9-]{8,64}", re.ASCII)
KINDS = ("xapi", "complete", "open", "state")
# Older work is refused: a phone that comes back after a month holds last term's answers.
MAX_AGE_DAYS = 30
SAVED, DUPLICATE = "saved", "duplicate"


class SyncRefused(Exception):
    """The item cannot be applied, ever: the phone tells the student and drops it."""

    def __init__(self, reason: str, status: int = 403):
        super().__init__(reason)
        self.reason, self.status = reason, status


def _occurred_at(value) -> datetime.datetime:
    """When it happened on the phone: not in the future (a phone's clock may run ahead), not
    older than MAX_AGE_DAYS."""
    when = parse_datetime(value) if isinstance(value, str) else None
    if when is None:
        raise ValidationError(_("The time of this work is missing or invalid."))
    if timezone.is_naive(when):
        when = timezone.make_aware(when, datetime.UTC)
    now = timezone.now()
    if when < now - datetime.timedelta(days=MAX_AGE_DAYS):
        raise SyncRefused(
            _("This work was done more than %(days)s days ago and can no longer be sent.")
            % {"days": MAX_AGE_DAYS},
            status=409,
        )
    return min(when, now)


def _lesson(user: User, pk):
    try:
        return lesson_get(user=user, pk=pk).specific
    except (Http404, ValueError, TypeError) as exc:
        raise SyncRefused(
            _("You can no longer open this lesson, so this work was not saved.")
        ) from exc


def _package(user: User, item: dict):
    try:
        return package_playable_get(user=user, uuid=uuid.UUID(str(item.get("package"))))
    except (Http404, ValueError) as exc:
        raise SyncRefused(_("This activity is no longer available to you.")) from exc


def _xapi(user: User, item: dict, when) -> str:
    package = _package(user, item)
    try:
        lesson = lesson_with_package_get(user=user, package=package, lesson_pk=item.get("lesson"))
    except (Http404, ValueError, TypeError) as exc:
        raise SyncRefused(
            _("You can no longer open this lesson, so this work was not saved.")
        ) from exc
    if XAPIStatement.objects.filter(user=user, statement_id=item["id"]).exists():
        return DUPLICATE
    try:
        with transaction.atomic():
            results.xapi_record(
                user=user,
                package=package,
                lesson=lesson,
                statement=item.get("statement"),
                statement_id=item["id"],
                occurred_at=when,
            )
    except IntegrityError:  # the same statement, sent twice at the same moment
        return DUPLICATE
    return SAVED


def _progress(user: User, item: dict, when) -> str:
    lesson = _lesson(user, item.get("lesson"))
    if item["kind"] == "open":
        progress_open(student=user, lesson=lesson, at=when)
        return SAVED
    before = progress_open(student=user, lesson=lesson, at=when).completed_at
    progress_complete(student=user, lesson=lesson, at=when)
    return DUPLICATE if before is not None else SAVED


def _state(user: User, item: dict, when) -> str:
    package = _package(user, item)
    key = {
        "user": user,
        "package": package,
        "data_type": str(item.get("data_type", "")),
        "sub_content_id": str(item.get("sub_content_id", "")),
    }
    newer = H5PUserData.objects.filter(**key, updated_at__gt=when).exists()
    if newer:  # saved online since: the phone's older copy must not overwrite it
        return DUPLICATE
    data = item.get("data")
    results.user_data_set(**key, data=None if data in (None, "0") else data)
    return SAVED


def sync_item(*, user: User, item) -> str:
    """Apply one item of a student's offline work: "saved", or "duplicate" when it was already
    applied. ValidationError for a malformed item, SyncRefused for one that can never be."""
    if user.role != Role.STUDENT:
        raise SyncRefused(_("Only students' work is saved from the phone."))
    if not isinstance(item, dict) or item.get("kind") not in KINDS:
        raise ValidationError(_("Unknown kind of work."))
    if not (isinstance(item.get("id"), str) and ITEM_ID_RE.fullmatch(item["id"])):
        raise ValidationError(_("The work has no valid id."))
    if item.get("user") is not None and item.get("user") != user.pk:
        raise SyncRefused(_("This work belongs to another account."), status=409)
    when = _occurred_at(item.get("occurred_at"))
    if item["kind"] == "xapi":
        return _xapi(user, item, when)
    if item["kind"] == "state":
        return _state(user, item, when)
    return _progress(user, item, when)
