from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors
from .forms import RosterUploadForm
from .jobs import (
    roster_import_create,
    roster_import_start,
    roster_import_state,
)
from .slips import (
    classroom_slips,
    school_teacher_slips,
    slips_hand_out,
    slips_of,
    slips_person,
    slips_reset,
    slips_xlsx,
)
from .templates import roster_template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _schools_or_404(user):
    schools = selectors.roster_school_list(user=user)
    if not schools.exists():
        raise Http404
    return schools


@login_required
def roster_upload(request):
    schools = _schools_or_404(request.user)
    form = RosterUploadForm(request.POST or None, request.FILES or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        job = roster_import_create(
            user=request.user,
            school=form.cleaned_data["school"],
            upload=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
        )
        return redirect("roster_import_detail", pk=job.pk)
    return render(request, "classrooms/roster/roster_upload.html", {"form": form})


@login_required
def roster_template(request, kind: str):
    _schools_or_404(request.user)
    if kind not in ("students", "teachers"):
        raise Http404
    response = HttpResponse(roster_template_xlsx(kind), content_type=XLSX)
    name = "mau-danh-sach-hoc-sinh.xlsx" if kind == "students" else "mau-danh-sach-giao-vien.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def roster_import_detail(request, pk: int):
    job = selectors.roster_import_get(user=request.user, pk=pk)
    classrooms = []
    if job.status == job.Status.DONE and job.kind == "students":
        classrooms = job.school.classrooms.filter(year__is_current=True).order_by("grade", "name")
    return render(
        request,
        "classrooms/roster/roster_import.html",
        {
            "job": job,
            "state": roster_import_state(job),
            "classrooms": classrooms,
            "can_print_slips": selectors.slips_school_allowed(user=request.user, school=job.school),
        },
    )


@login_required
def roster_import_status(request, pk: int):
    job = selectors.roster_import_get(user=request.user, pk=pk)
    return JsonResponse(roster_import_state(job))


@login_required
@require_POST
def roster_import_confirm(request, pk: int):
    job = selectors.roster_import_get(user=request.user, pk=pk)
    if job.errors or job.status != job.Status.PREVIEWED:
        messages.error(request, _("This file cannot be imported as it is."))
    else:
        roster_import_start(roster_import=job)
    return redirect("roster_import_detail", pk=job.pk)


def _slips_page(request, *, school, group, place, slips, action_url, filename):
    site_url = request.build_absolute_uri("/")
    # ?only=<user id>: the slip of one person (after a new slip was issued), to print alone.
    only = request.GET.get("only", "")
    if only:
        slips = slips_of(slips=slips, user_id=only)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            slips_xlsx(school=school, group=group, slips=slips, site_url=site_url),
            content_type=XLSX,
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = render(
            request,
            "classrooms/roster/slips.html",
            {
                "place": place,
                "slips": slips,
                "site_url": site_url,
                "action_url": action_url,
                "readable": sum(1 for s in slips if s.password),
                "only": only,
            },
        )
    response["Cache-Control"] = "no-store"
    return response


def _slips_action(request, slips, page_url: str):
    """Hand out, reset the ticked accounts, or issue one person a new slip (their password
    forgotten): that slip is shown alone, ready to print."""
    action = request.POST.get("action")
    if action == "new_slip":
        person = slips_person(slips=slips, user_id=request.POST.get("user", ""))
        if person is None:
            messages.error(request, _("This account is not on these slips."))
            return redirect(page_url)
        slips_reset(slips=slips, user_ids=[person.pk])
        messages.success(
            request,
            _(
                "%(name)s has a new password: print this slip and hand it over. "
                "The old password no longer works."
            )
            % {"name": person.display_name},
        )
        return redirect(f"{page_url}?only={person.pk}")
    elif action == "hand_out":
        only = request.POST.get("only")  # handed out from the page of one slip: that one only
        count = slips_hand_out(slips=slips_of(slips=slips, user_id=only) if only else slips)
        messages.success(
            request,
            _("The initial passwords of %(count)s accounts are no longer shown.")
            % {"count": count},
        )
    elif action == "reset":
        count = slips_reset(slips=slips, user_ids=request.POST.getlist("user"))
        messages.success(
            request, _("%(count)s accounts got a new initial password.") % {"count": count}
        )
    else:
        messages.error(request, _("Unknown action."))
    return redirect(page_url)


@login_required
def classroom_slips_view(request, pk: int):
    classroom = selectors.slips_classroom_get(user=request.user, pk=pk)
    return _slips_page(
        request,
        school=classroom.school,
        group=classroom.name,
        place=_("%(school)s · class %(name)s")
        % {"school": classroom.school, "name": classroom.name},
        slips=classroom_slips(classroom=classroom),
        action_url=reverse("classroom_slips_action", args=[classroom.pk]),
        filename=f"phieu-dang-nhap-{classroom.school.code}-{classroom.pk}.xlsx",
    )


@login_required
@require_POST
def classroom_slips_action(request, pk: int):
    classroom = selectors.slips_classroom_get(user=request.user, pk=pk)
    return _slips_action(
        request,
        classroom_slips(classroom=classroom),
        reverse("classroom_slips", args=[classroom.pk]),
    )


@login_required
def teacher_slips_view(request, pk: int):
    school = selectors.slips_school_get(user=request.user, pk=pk)
    return _slips_page(
        request,
        school=school,
        group=_("Teachers"),
        place=_("%(school)s · teachers") % {"school": school},
        slips=school_teacher_slips(school=school),
        action_url=reverse("teacher_slips_action", args=[school.pk]),
        filename=f"phieu-dang-nhap-giao-vien-{school.code}.xlsx",
    )


@login_required
@require_POST
def teacher_slips_action(request, pk: int):
    school = selectors.slips_school_get(user=request.user, pk=pk)
    return _slips_action(
        request, school_teacher_slips(school=school), reverse("teacher_slips", args=[school.pk])
    )
