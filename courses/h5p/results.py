"""Writes for H5P play: xAPI statements → H5PResult, lesson completion, live-room messages,
and saved resume state."""

import logging
import math
import re

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from classrooms.events import announce
from classrooms.live.room import teachers_group
from classrooms.models import LiveSession, SessionStatus

from ..events import learning_recorded
from ..models import H5PPackage, H5PResult, H5PUserData, LessonPage, XAPIStatement
from ..services import progress_complete
from .selectors import requirements_in

logger = logging.getLogger(__name__)

SCORED_VERBS = {"answered", "completed"}
SUB_CONTENT = "http://h5p.org/x-api/h5p-subContentId"
KEY_RE = re.compile(r"[\w-]{1,64}", re.ASCII)


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        return None
    return number if math.isfinite(number) else None


def statement_check(statement) -> str:
    """The verb of a well-formed statement ("answered", …); ValidationError otherwise."""
    if not isinstance(statement, dict):
        raise ValidationError(_("The statement must be a JSON object."))
    verb = statement.get("verb")
    obj = statement.get("object")
    if not (isinstance(verb, dict) and isinstance(verb.get("id"), str)):
        raise ValidationError(_("The statement has no verb."))
    if not (isinstance(obj, dict) and isinstance(obj.get("id"), str)):
        raise ValidationError(_("The statement has no object."))
    result = statement.get("result")
    if result is not None and not isinstance(result, dict):
        raise ValidationError(_("The statement's result must be an object."))
    return verb["id"].rstrip("/").rsplit("/", 1)[-1][:255]


def _score(statement: dict) -> tuple[float, float] | None:
    """(raw, max) when the statement scores the whole activity, else None."""
    extensions = (statement["object"].get("definition") or {}).get("extensions") or {}
    if isinstance(extensions, dict) and extensions.get(SUB_CONTENT):
        return None  # one question inside a question set: the set reports its own total
    score = (statement.get("result") or {}).get("score")
    if not isinstance(score, dict):
        return None
    raw, maximum = _number(score.get("raw")), _number(score.get("max"))
    if raw is None or maximum is None or maximum < 0 or not 0 <= raw <= maximum:
        return None
    return raw, maximum


@transaction.atomic
def xapi_record(
    *,
    user: User,
    package: H5PPackage,
    lesson: LessonPage,
    statement: dict,
    statement_id: str = "",
    occurred_at=None,
) -> H5PResult | None:
    """Keep a student's statement and, for a scored answer, update their result.

    Returns the result when it changed. Access is the caller's business (the view checks the
    lesson holds the package and the student may read it). A statement synced from a phone
    (courses.offline) brings its id (a second copy raises IntegrityError, nothing is written)
    and the time it was answered."""
    verb = statement_check(statement)
    occurred_at = occurred_at or timezone.now()
    XAPIStatement.objects.create(
        raw=statement,
        verb=verb,
        user=user,
        package=package,
        lesson=lesson,
        statement_id=statement_id,
        occurred_at=occurred_at,
    )
    if verb in SCORED_VERBS and user.role == Role.STUDENT:
        # An answer is learning done, whenever it arrives (coverage counts it on this day).
        announce(learning_recorded, sender=XAPIStatement, student_id=user.pk,
                 lesson_id=lesson.pk, at=occurred_at)  # fmt: skip
    score = _score(statement) if verb in SCORED_VERBS else None
    if score is None or user.role != Role.STUDENT:
        return None
    raw, maximum = score
    result, _created = H5PResult.objects.select_for_update().get_or_create(
        package=package, student=user, lesson=lesson
    )
    result.score, result.max_score = raw, maximum
    result.best_score = raw if result.best_score is None else max(result.best_score, raw)
    result.attempts += 1
    finished = (statement.get("result") or {}).get("completion") is True or verb == "completed"
    if finished and not result.completed:
        result.completed, result.completed_at = True, occurred_at
    result.save()
    _complete_lesson_if_done(user, lesson, at=occurred_at)
    transaction.on_commit(lambda: _notify_live_teachers(user, result))
    return result


def _complete_lesson_if_done(user: User, lesson: LessonPage, *, at=None) -> None:
    """The lesson is done when every activity meets its block's requirement (answered, or
    passed: the teacher's choice), not merely when each was finished."""
    needed = requirements_in(lesson.specific)
    results = {
        r.package_id: r
        for r in H5PResult.objects.filter(student=user, lesson=lesson, package_id__in=needed)
    }
    if needed and all(req.met_by(results.get(pk)) for pk, req in needed.items()):
        progress_complete(student=user, lesson=lesson, at=at)


def _notify_live_teachers(user: User, result: H5PResult) -> None:
    """During a live session of the student's class, the teachers see the result at once."""
    sessions = LiveSession.objects.filter(
        status=SessionStatus.LIVE,
        classroom__enrollments__student=user,
        classroom__enrollments__active=True,
    ).values_list("pk", flat=True)
    layer = get_channel_layer()
    if layer is None:
        return
    message = {
        "type": "h5p.result",
        "student": user.pk,
        "name": user.display_name,
        "package": str(result.package.uuid),
        "title": result.package.title,
        "lesson": result.lesson_id,
        "score": result.score,
        "max_score": result.max_score,
        "completed": result.completed,
    }
    for session_id in set(sessions):
        try:
            async_to_sync(layer.group_send)(teachers_group(session_id), message)
        except Exception:  # a broken layer must not lose the student's result
            logger.exception("h5p.result to session %s failed", session_id)


# --- Resume state ----------------------------------------------------------------------------


def user_data_get(*, user: User, package: H5PPackage, data_type: str, sub_content_id: str):
    row = H5PUserData.objects.filter(
        user=user, package=package, data_type=data_type, sub_content_id=sub_content_id
    ).first()
    return row.data if row else None


def user_data_set(
    *, user: User, package: H5PPackage, data_type: str, sub_content_id: str, data: str | None
) -> None:
    """Save (or, with None or "RESET", forget) a user's state; capped in size."""
    if not (KEY_RE.fullmatch(data_type) and KEY_RE.fullmatch(sub_content_id)):
        raise ValidationError(_("Invalid state key."))
    lookup = {
        "user": user,
        "package": package,
        "data_type": data_type,
        "sub_content_id": sub_content_id,
    }
    if data is None or data == "RESET":
        H5PUserData.objects.filter(**lookup).delete()
        return
    if not isinstance(data, str):
        raise ValidationError(_("The state must be text."))
    if len(data.encode()) > settings.H5P_USER_DATA_MAX_BYTES:
        raise ValidationError(_("The saved state is too large."))
    H5PUserData.objects.update_or_create(**lookup, defaults={"data": data})
