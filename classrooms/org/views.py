from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Notice, Role

from . import selectors, services
from .forms import ClassroomForm, add_form_errors


def next_or(request, default):
    """The page named by ?next= (or a POST's next) when it is on this site, else default."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def classroom_detail(request, pk: int):
    classroom = selectors.classroom_get(user=request.user, pk=pk)
    assignments = classroom.teaching_assignments.select_related("subject", "teacher")
    roster = selectors.classroom_roster(user=request.user, classroom=classroom)
    return render(
        request,
        "classrooms/classroom_detail.html",
        {
            "classroom": classroom,
            "assignments": assignments,
            "roster": roster,
            "roster_is_partial": request.user.role == Role.GUARDIAN,
            "can_print_slips": selectors.slips_allowed(user=request.user, classroom=classroom),
        },
    )


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
