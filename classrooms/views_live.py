"""Pages around live classes: running a session, the timetable, attendance sheets and
summaries, guardians' view, calendar feeds. The live room itself is in views_room.py."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Notice

from . import attendance, exports, ical, selectors, services, timetable
from .forms import (
    AttendanceOverrideForm,
    GenerateSessionsForm,
    OneOffSessionForm,
    ReasonForm,
    SchoolHolidayForm,
    TimetableSlotForm,
)
from .models import AttendanceRecord, SchoolHoliday, Subject, TimetableSlot


def _next_or(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


def _live_url(session) -> str | None:
    try:
        return reverse("classrooms:session_live", args=[session.pk])
    except NoReverseMatch:  # the live room is not installed
        return None


# --- Running a session ---------------------------------------------------------------------


@login_required
@require_POST
def session_start(request, pk: int):
    session = selectors.session_get(user=request.user, pk=pk)
    try:
        session = services.session_start(session=session, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_next_or(request, "/"))
    messages.success(request, _("The session has started."))
    return redirect(_live_url(session) or _next_or(request, "/"))


@login_required
@require_POST
def session_end(request, pk: int):
    session = selectors.session_get(user=request.user, pk=pk)
    try:
        session = services.session_end(session=session, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_next_or(request, "/"))
    messages.success(request, _("The session has ended. Attendance has been taken."))
    return redirect("classrooms:session_attendance", pk=session.pk)


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
            _form_errors(form, exc)
        else:
            messages.success(request, _("The session was cancelled."))
            return redirect(_next_or(request, "/"))
    return render(request, "classrooms/sessions/cancel.html", {"session": session, "form": form})


@login_required
def session_add(request, pk: int):
    """A one-off session of a class, taught by the requesting teacher."""
    classroom = selectors.classroom_get(user=request.user, pk=pk)
    if not selectors.user_teaches_classroom(request.user, classroom):
        raise Http404
    if classroom.homeroom_teacher_id == request.user.pk:
        subjects = Subject.objects.all()
    else:
        subjects = Subject.objects.filter(
            assignments__classroom=classroom, assignments__teacher=request.user
        )
    form = OneOffSessionForm(request.POST or None, subjects=subjects)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_create_one_off(
                classroom=classroom, teacher=request.user, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The session was added."))
            return redirect("/")
    return render(request, "classrooms/sessions/add.html", {"classroom": classroom, "form": form})


# --- Attendance ------------------------------------------------------------------------------


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
    terms, term = selectors.terms_for(year=classroom.year, term_id=request.GET.get("term"))
    rows = selectors.attendance_summary(classrooms=[classroom], term=term, year=classroom.year)
    sessions = selectors.held_sessions(classrooms=[classroom], term=term, year=classroom.year)
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
    year = selectors.academic_year_current()
    if year is None:
        raise Http404
    terms, term = selectors.terms_for(year=year, term_id=request.GET.get("term"))
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
    child = selectors.ward_get(user=request.user, pk=student_id)
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
@require_POST
def notice_read(request, pk: int):
    notice = get_object_or_404(Notice, pk=pk, user=request.user)
    services.notice_mark_read(notice=notice)
    return redirect(_next_or(request, "/"))


# --- Timetable and holidays (school admins) --------------------------------------------------


@login_required
def school_timetable(request, pk: int):
    school = selectors.school_managed_get(user=request.user, pk=pk)
    year = selectors.academic_year_current()
    classrooms = selectors.classroom_list(user=request.user).filter(school=school)
    if year is not None:
        classrooms = classrooms.filter(year=year)
    slot_form = TimetableSlotForm(
        request.POST if request.POST.get("action") == "slot" else None,
        school=school,
        classrooms=classrooms,
    )
    today = timezone.localdate()
    generate_form = GenerateSessionsForm(
        request.POST if request.POST.get("action") == "generate" else None,
        initial={"start": today, "end": today + datetime.timedelta(days=13)},
    )
    if request.method == "POST":
        if request.POST.get("action") == "slot" and slot_form.is_valid():
            try:
                timetable.slot_create(**slot_form.cleaned_data)
            except ValidationError as exc:
                _form_errors(slot_form, exc)
            else:
                messages.success(request, _("The lesson was added to the timetable."))
                return redirect("classrooms:school_timetable", pk=school.pk)
        elif request.POST.get("action") == "generate" and generate_form.is_valid():
            created = timetable.sessions_generate(school=school, **generate_form.cleaned_data)
            messages.success(request, _("%(count)s sessions were created.") % {"count": created})
            return redirect("classrooms:school_timetable", pk=school.pk)
    slots = (
        TimetableSlot.objects.filter(classroom__in=classrooms)
        .select_related("classroom", "subject", "teacher")
        .order_by("classroom__grade", "classroom__name", "weekday", "period")
    )
    return render(
        request,
        "classrooms/sessions/timetable.html",
        {
            "school": school,
            "slots": slots,
            "slot_form": slot_form,
            "generate_form": generate_form,
        },
    )


@login_required
@require_POST
def slot_delete(request, pk: int):
    slot = get_object_or_404(
        TimetableSlot.objects.select_related("classroom"),
        pk=pk,
        classroom__school__in=selectors.school_managed_list(user=request.user),
    )
    timetable.slot_delete(slot=slot)
    messages.success(request, _("The lesson was removed from the timetable."))
    return redirect("classrooms:school_timetable", pk=slot.classroom.school_id)


@login_required
def school_holidays(request, pk: int):
    school = selectors.school_managed_get(user=request.user, pk=pk)
    form = SchoolHolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            timetable.holiday_create(school=school, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The holiday was added."))
            return redirect("classrooms:school_holidays", pk=school.pk)
    return render(
        request,
        "classrooms/sessions/holidays.html",
        {"school": school, "holidays": school.holidays.all(), "form": form},
    )


@login_required
@require_POST
def holiday_delete(request, pk: int):
    holiday = get_object_or_404(
        SchoolHoliday, pk=pk, school__in=selectors.school_managed_list(user=request.user)
    )
    timetable.holiday_delete(holiday=holiday)
    return redirect("classrooms:school_holidays", pk=holiday.school_id)


# --- Calendar --------------------------------------------------------------------------------


@login_required
def calendar(request):
    feed_url = request.build_absolute_uri(
        reverse("classrooms:ical_feed", args=[ical.token_for(request.user)])
    )
    return render(request, "classrooms/sessions/calendar.html", {"feed_url": feed_url})


def ical_feed(request, token: str):
    user = ical.user_for_token(token)
    if user is None:
        raise Http404
    response = HttpResponse(ical.feed(user=user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="hoctiep.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
