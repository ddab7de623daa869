from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Notice, Role

from . import selectors, services
from .forms import ClassroomForm, ClassroomMeetingForm, add_form_errors


def next_or(request, default):
    """The page named by ?next= (or a POST's next) when it is on this site, else default."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _classroom_page(request, classroom, meeting_form=None):
    assignments = classroom.teaching_assignments.select_related("subject", "teacher")
    roster = selectors.classroom_roster(user=request.user, classroom=classroom)
    if meeting_form is None and selectors.classroom_meeting_editable(
        user=request.user, classroom=classroom
    ):
        meeting_form = ClassroomMeetingForm(initial={"meeting_url": classroom.meeting_url})
    return render(
        request,
        "classrooms/classroom_detail.html",
        {
            "classroom": classroom,
            "assignments": assignments,
            "roster": roster,
            "roster_is_partial": request.user.role == Role.GUARDIAN,
            "can_print_slips": selectors.slips_allowed(user=request.user, classroom=classroom),
            "meeting_form": meeting_form,
        },
    )


@login_required
def classroom_detail(request, pk: int):
    return _classroom_page(request, selectors.classroom_get(user=request.user, pk=pk))


@login_required
@require_POST
def classroom_meeting(request, pk: int):
    """Set the class's own meeting link (its homeroom teacher, the school's admins)."""
    classroom = selectors.classroom_get(user=request.user, pk=pk)
    if not selectors.classroom_meeting_editable(user=request.user, classroom=classroom):
        raise Http404
    form = ClassroomMeetingForm(request.POST)
    if form.is_valid():
        try:
            services.classroom_meeting_url_set(
                classroom=classroom, by=request.user, meeting_url=form.cleaned_data["meeting_url"]
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The class's meeting link was saved."))
            return redirect("classrooms:classroom_detail", pk=classroom.pk)
    return _classroom_page(request, classroom, form)


@login_required
def school_detail(request, pk: int):
    school = selectors.school_get(user=request.user, pk=pk)
    classrooms = selectors.with_student_counts(
        selectors.classroom_list(user=request.user).filter(school=school)
    )
    year = selectors.academic_year_current()
    if year is not None:
        classrooms = classrooms.filter(year=year)
    manages = selectors.school_managed_list(user=request.user).filter(pk=school.pk).exists()
    return render(
        request,
        "classrooms/school_detail.html",
        {
            "school": school,
            "classrooms": classrooms,
            "year": year,
            "manages": manages,
            "can_print_slips": selectors.slips_school_allowed(user=request.user, school=school),
            "classroom_form": ClassroomForm(school=school) if manages and year else None,
        },
    )


@login_required
def classroom_add(request, pk: int):
    school = selectors.school_managed_get(user=request.user, pk=pk)
    year = selectors.academic_year_current()
    form = ClassroomForm(request.POST or None, school=school)
    if request.method == "POST" and year is not None and form.is_valid():
        try:
            classroom = services.classroom_create(school=school, year=year, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Class %(name)s was added.") % {"name": classroom.name})
            return redirect("classrooms:school_detail", pk=school.pk)
    return render(
        request, "classrooms/classroom_add.html", {"school": school, "year": year, "form": form}
    )


@login_required
@require_POST
def notice_read(request, pk: int):
    notice = get_object_or_404(Notice, pk=pk, user=request.user)
    services.notice_mark_read(notice=notice)
    return redirect(next_or(request, "/"))
