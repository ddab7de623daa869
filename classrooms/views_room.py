"""The live room page: meeting, roster, chat, hands, polls and the lesson the teacher points at.

The page is a shell; static/js/live-room.js fills it from the websocket (classrooms.consumers).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import room, selectors, services
from .models import SessionStatus


@login_required
def session_live(request, pk: int):
    session = selectors.session_get(user=request.user, pk=pk)
    role = selectors.session_room_role(user=request.user, session=session)
    if role is None:
        raise Http404
    lesson = session.lesson.specific if getattr(session, "lesson", None) else None
    return render(
        request,
        "classrooms/live_room.html",
        {
            "session": session,
            "role": role,
            "is_live": session.status == SessionStatus.LIVE,
            "can_end": services.session_can_run(session=session, user=request.user),
            "meeting_url": services.session_meeting_url(session),
            "meeting_embed": settings.MEETING_EMBED,
            "lesson": lesson,
            "anchors": room.lesson_anchors(session) if role == room.TEACHER else None,
            "poll_option_slots": range(room.POLL_MAX_OPTIONS),
            "chat_max_length": settings.LIVE_CHAT_MAX_LENGTH,
            "room_config": {
                "ws": f"/ws/sessions/{session.pk}/",
                "role": role,
                "me": request.user.pk,
                "heartbeat": settings.LIVE_HEARTBEAT_SECONDS,
                "chatMax": settings.LIVE_CHAT_MAX_LENGTH,
                "attendanceUrl": reverse("classrooms:session_attendance", args=[session.pk]),
                "text": _client_text(),
            },
        },
    )


def _client_text() -> dict:
    """What the script writes on the page, in the user's language ({n}, {label}, {name} are
    filled in by the script)."""
    return {
        "connecting": _("Connecting…"),
        "reconnecting": _("Reconnecting…"),
        "notStarted": _("The class has not started yet. This page joins it when it starts."),
        "ended": _("The class has ended."),
        "forbidden": _("You cannot join this class."),
        "online": _("{n} online"),
        "you": _("(you)"),
        "teacher": _("teacher"),
        "observer": _("observer"),
        "raiseHand": _("Raise my hand"),
        "lowerHand": _("Lower my hand"),
        "lower": _("Lower"),
        "noHands": _("No hands raised."),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "delete": _("Delete"),
        "chatOff": _("The teacher has turned the chat off."),
        "muted": _("The teacher has muted you in the chat."),
        "turnChatOff": _("Turn chat off"),
        "turnChatOn": _("Turn chat on"),
        "answers": _("{n} answers"),
        "pollClosed": _("Poll closed"),
        "closePoll": _("Close poll"),
        "focus": _("The teacher is showing: {label}"),
        "follow": _("Follow the teacher"),
        "stopFollowing": _("Stop following"),
        "h5pLaunch": _("Your teacher opened an activity: {label}"),
        "h5pResult": _("{name}: {score} of {max}"),
    }
