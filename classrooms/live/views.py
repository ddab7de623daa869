"""Pages around live sessions: running a session, its live room, attendance sheets and
summaries, a guardian's view of a child. The room's page is a shell that static/js/live-room.js
fills from the websocket (consumers.LiveSessionConsumer)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..org import selectors as org_selectors
from ..org.forms import add_form_errors
from ..org.views import next_or
from . import actions, attendance, exports, lessons, room, selectors, services
from .forms import (
    AttendanceOverrideForm,
    MeetingLinkForm,
    OneOffSessionForm,
    ReasonForm,
    SessionLessonForm,
)
from .models import AttendanceRecord, SessionStatus


def _live_url(session) -> str | None:
    try:
        return reverse("classrooms:session_live", args=[session.pk])
    except NoReverseMatch:  # the live room is not installed
        return None


def _session_step(request, pk: int, step, done: str, then):
    """Start or end a session (the teacher's one-tap steps): the service decides; a refusal
    comes back as a message on the page the teacher came from, a session out of reach as 404;
    after the step, `then(session)` says where the teacher goes."""
    session = selectors.session_get(user=request.user, pk=pk)
    try:
        session = step(session=session, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(next_or(request, "/"))
    messages.success(request, done)
    return then(session)


@login_required
@require_POST
def session_start(request, pk: int):
    return _session_step(
        request,
        pk,
        services.session_start,
        _("The session has started."),
        then=lambda session: redirect(_live_url(session) or next_or(request, "/")),
    )


@login_required
@require_POST
def session_end(request, pk: int):
    return _session_step(
        request,
        pk,
        services.session_end,
        _("The session has ended. Attendance has been taken."),
        then=lambda session: redirect("classrooms:session_attendance", pk=session.pk),
    )


@login_required
def session_cancel(request, pk: int):
    session = selectors.session_get(user=request.user, pk=pk)
    if not selectors.session_can_run(session=session, user=request.user):
        raise Http404
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(
                session=session, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The session was cancelled."))
            return redirect(next_or(request, "/"))
    return render(request, "classrooms/sessions/cancel.html", {"session": session, "form": form})


@login_required
def session_meeting(request, pk: int):
    """Change a scheduled session's meeting link (its teacher or the school)."""
    session = selectors.session_get(user=request.user, pk=pk)
    if not selectors.session_can_run(session=session, user=request.user):
        raise Http404
    form = MeetingLinkForm(request.POST or None, initial={"meeting_url": session.meeting_url})
    if request.method == "POST" and form.is_valid():
        try:
            services.session_meeting_url_set(
                session=session, by=request.user, meeting_url=form.cleaned_data["meeting_url"]
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The meeting link was saved."))
            return redirect(next_or(request, "/"))
    return render(
        request,
        "classrooms/sessions/meeting.html",
        {"session": session, "form": form, "current": services.session_meeting_url(session)},
    )


@login_required
def session_lesson(request, pk: int):
    """Choose the lesson of a scheduled session (its teacher); in the room, `lesson.set`."""
    session = selectors.session_get(user=request.user, pk=pk)
    if selectors.session_room_role(user=request.user, session=session) != room.TEACHER:
        raise Http404
    if session.status == SessionStatus.LIVE and _live_url(session):
        return redirect(_live_url(session))  # the room's picker tells every phone at once
    choices = lessons.lesson_choices(
        user=request.user, classroom=session.classroom, subject=session.subject
    )
    form = SessionLessonForm(
        request.POST or None, lessons=choices, initial={"lesson": session.lesson_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_lesson_set(
                session=session, by=request.user, lesson=form.cleaned_data["lesson"]
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The lesson was saved."))
            return redirect(next_or(request, "/"))
    return render(
        request,
        "classrooms/sessions/lesson.html",
        {"session": session, "form": form, "has_choices": choices.exists()},
    )


@login_required
def session_add(request, pk: int):
    """A one-off session of a class, taught by the requesting teacher."""
    classroom = org_selectors.classroom_get(user=request.user, pk=pk)
    if not org_selectors.user_teaches_classroom(request.user, classroom):
        raise Http404
    form = OneOffSessionForm(
        request.POST or None,
        subjects=org_selectors.subjects_for_teacher(user=request.user, classroom=classroom),
        lessons=lessons.lesson_choices(user=request.user, classroom=classroom),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_create_one_off(
                classroom=classroom, teacher=request.user, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The session was added."))
            return redirect("/")
    return render(request, "classrooms/sessions/add.html", {"classroom": classroom, "form": form})


@login_required
def session_attendance(request, pk: int):
    session = selectors.session_attendance_get(user=request.user, pk=pk)
    rows = selectors.session_attendance_rows(session=session)
    can_override = attendance.record_override_allowed(
        record=AttendanceRecord(session=session), user=request.user
    )
    return render(
        request,
        "classrooms/attendance/session.html",
        {
            "session": session,
            "rows": rows,
            "can_override": can_override,
            "form": AttendanceOverrideForm(),
        },
    )


@login_required
@require_POST
def record_override(request, pk: int):
    record = selectors.record_get(user=request.user, pk=pk)
    form = AttendanceOverrideForm(request.POST)
    url = reverse("classrooms:session_attendance", args=[record.session_id])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(f"{url}#student-{record.student_id}")
    try:
        attendance.record_override(record=record, by=request.user, **form.cleaned_data)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Attendance of %(name)s was changed.") % {"name": record.student.display_name},
        )
    return redirect(f"{url}#student-{record.student_id}")


def _export_or_render(request, *, rows, title, filename, template, context):
    fmt = request.GET.get("format")
    if fmt == "csv":
        return exports.summary_csv(rows, filename=filename)
    if fmt == "xlsx":
        return exports.summary_xlsx(rows, filename=filename, title=title)
    return render(request, template, context)


@login_required
def classroom_attendance(request, pk: int):
    classroom = selectors.classroom_attendance_get(user=request.user, pk=pk)
    terms, term = org_selectors.terms_for(year=classroom.year, term_id=request.GET.get("term"))
    rows = selectors.attendance_summary(classrooms=[classroom], term=term, year=classroom.year)
    sessions = selectors.ended_sessions(classrooms=[classroom], term=term, year=classroom.year)
    filename = f"chuyen-can-{classroom.name}-{term.name if term else classroom.year.name}"
    return _export_or_render(
        request,
        rows=rows,
        title=classroom.name,
        filename=filename,
        template="classrooms/attendance/classroom.html",
        context={
            "classroom": classroom,
            "terms": terms,
            "term": term,
            "rows": rows,
            "sessions": sessions,
        },
    )


@login_required
def school_attendance(request, pk: int):
    school = selectors.school_attendance_get(user=request.user, pk=pk)
    year = org_selectors.academic_year_current()
    if year is None:
        raise Http404
    terms, term = org_selectors.terms_for(year=year, term_id=request.GET.get("term"))
    classrooms = list(
        selectors.classroom_attendance_list(user=request.user).filter(school=school, year=year)
    )
    rows = selectors.attendance_summary(classrooms=classrooms, term=term, year=year)
    return _export_or_render(
        request,
        rows=rows,
        title=school.name,
        filename=f"chuyen-can-{school.code}-{term.name if term else year.name}",
        template="classrooms/attendance/school.html",
        context={
            "school": school,
            "terms": terms,
            "term": term,
            "classes": selectors.class_totals(rows, classrooms),
        },
    )


@login_required
def child_attendance(request, student_id: int):
    child = org_selectors.ward_get(user=request.user, pk=student_id)
    records = selectors.child_records(child=child)
    upcoming = selectors.sessions_upcoming(user=request.user, days=7).filter(
        classroom__enrollments__student=child, classroom__enrollments__active=True
    )
    return render(
        request,
        "classrooms/attendance/child.html",
        {
            "child": child,
            "records": records,
            "counts": selectors.status_counts(records),
            "upcoming": upcoming,
        },
    )


@login_required
def sessions_status(request):
    """The user's sessions of today, for the start page to notice a class going live without a
    reload (static/js/sessions-live.js polls it)."""
    rows = selectors.session_states(user=request.user)
    for row in rows:
        row["join_url"] = (
            reverse("classrooms:session_live", args=[row["id"]]) if row["can_join"] else None
        )
    return JsonResponse({"sessions": rows}, headers={"Cache-Control": "no-store"})


@login_required
def session_live(request, pk: int):
    session = selectors.session_get(user=request.user, pk=pk)
    role = selectors.session_room_role(user=request.user, session=session)
    if role is None:
        raise Http404
    lesson = session.lesson.specific if getattr(session, "lesson", None) else None
    lesson_choices = None
    if role == room.TEACHER and session.status in (SessionStatus.SCHEDULED, SessionStatus.LIVE):
        lesson_choices = lessons.lesson_choices(
            user=request.user, classroom=session.classroom, subject=session.subject
        )
    return render(
        request,
        "classrooms/live_room.html",
        {
            "session": session,
            "role": role,
            "is_live": session.status == SessionStatus.LIVE,
            "can_end": selectors.session_can_run(session=session, user=request.user),
            "meeting_url": services.session_meeting_url(session),
            "meeting_embed": settings.MEETING_EMBED,
            "lesson": lesson,
            # The lesson's blocks read their page from the context: an H5P block then records
            # a student's answers against this lesson (and the teacher sees them live).
            "page": lesson,
            "anchors": actions.lesson_anchors(session) if role == room.TEACHER else None,
            "lesson_choices": lesson_choices,
            "poll_option_slots": range(actions.POLL_MAX_OPTIONS),
            "chat_max_length": settings.LIVE_CHAT_MAX_LENGTH,
            "room_config": {
                "ws": f"/ws/sessions/{session.pk}/",
                "role": role,
                "me": request.user.pk,
                "heartbeat": settings.LIVE_HEARTBEAT_SECONDS,
                "chatMax": settings.LIVE_CHAT_MAX_LENGTH,
                "attendanceUrl": reverse("classrooms:session_attendance", args=[session.pk]),
                "lesson": lesson.pk if lesson else None,
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
        "lessonChanged": _("The teacher opened another lesson: {title}"),
        "lessonRemoved": _("The teacher closed the lesson."),
    }
