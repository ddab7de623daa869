"""Personal calendar feeds (iCal) at a secret URL, for phone and desktop calendar apps.

The token is an HMAC of the user's id and password hash (django.utils.crypto.salted_hmac, keyed
by SECRET_KEY): nothing is stored, and changing the password revokes every link handed out
before, which is what a user who leaked the link (or lost the phone) would do anyway.
"""

from __future__ import annotations

import datetime

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import Role, User
from lms.roles import FAMILY_ROLES

from ..live.models import LiveSession, SessionStatus
from ..live.selectors import session_list

FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 90


def _signature(user: User) -> str:
    value = f"{user.pk}:{user.password}"
    return salted_hmac("classrooms.ical", value, algorithm="sha256").hexdigest()[:40]


def token_for(user: User) -> str:
    return f"{user.pk}-{_signature(user)}"


def user_for_token(token: str) -> User | None:
    pk, _sep, signature = token.partition("-")
    if not pk.isdigit() or not signature:
        return None
    user = User.objects.filter(pk=int(pk), is_active=True).first()
    if user is None or not constant_time_compare(signature, _signature(user)):
        return None
    return user


def feed_sessions(*, user: User, now=None):
    """Students and guardians get their classes' sessions, teachers the sessions they teach."""
    now = now or timezone.now()
    if user.role == Role.TEACHER:
        sessions = LiveSession.objects.filter(teacher=user).select_related(
            "classroom", "subject", "teacher"
        )
    elif user.role in FAMILY_ROLES:
        sessions = session_list(user=user)
    else:
        return LiveSession.objects.none()
    return sessions.filter(
        starts_at__gte=now - datetime.timedelta(days=FEED_PAST_DAYS),
        starts_at__lt=now + datetime.timedelta(days=FEED_FUTURE_DAYS),
    ).order_by("starts_at")


def feed(*, user: User, now=None) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//HọcTiếp//Live classes//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "HọcTiếp")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for session in feed_sessions(user=user, now=now):
        event = icalendar.Event()
        event.add("uid", f"session-{session.pk}@hoctiep")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        summary = f"{session.subject.name} – {session.classroom.name}"
        if session.title:
            summary = f"{summary}: {session.title}"
        event.add("summary", summary)
        description = session.teacher.display_name
        if session.status == SessionStatus.CANCELLED:
            event.add("status", "CANCELLED")
            if session.cancelled_reason:
                description = f"{description}\n{session.cancelled_reason}"
        else:
            event.add("status", "CONFIRMED")
        event.add("description", description)
        cal.add_component(event)
    return cal.to_ical()
