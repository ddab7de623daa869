"""Timetable and holidays (school admins), and each user's calendar feed."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..org import selectors
from ..org.forms import add_form_errors
from . import ical, services
from .forms import GenerateSessionsForm, SchoolHolidayForm, TimetableSlotForm
from .models import SchoolHoliday, TimetableSlot
from .selectors import timetable_grids


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
                services.slot_create(**slot_form.cleaned_data)
            except ValidationError as exc:
                add_form_errors(slot_form, exc)
            else:
                messages.success(request, _("The lesson was added to the timetable."))
                return redirect("classrooms:school_timetable", pk=school.pk)
        elif request.POST.get("action") == "generate" and generate_form.is_valid():
            created = services.sessions_generate(school=school, **generate_form.cleaned_data)
            messages.success(request, _("%(count)s sessions were created.") % {"count": created})
            return redirect("classrooms:school_timetable", pk=school.pk)
    # One class's week (?class=<id>), or the school's: one grid per class.
    shown = classrooms
    chosen = request.GET.get("class", "")
    if chosen.isdigit():
        shown = classrooms.filter(pk=int(chosen))
    return render(
        request,
        "classrooms/sessions/timetable.html",
        {
            "school": school,
            "grids": timetable_grids(classrooms=shown),
            "classrooms": classrooms.order_by("grade", "name"),
            "chosen": int(chosen) if chosen.isdigit() else None,
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
    services.slot_delete(slot=slot)
    messages.success(request, _("The lesson was removed from the timetable."))
    return redirect("classrooms:school_timetable", pk=slot.classroom.school_id)


@login_required
def school_holidays(request, pk: int):
    school = selectors.school_managed_get(user=request.user, pk=pk)
    form = SchoolHolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.holiday_create(school=school, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
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
    services.holiday_delete(holiday=holiday)
    return redirect("classrooms:school_holidays", pk=holiday.school_id)


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
