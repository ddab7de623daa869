"""Closure pages: list, declare, detail with history, edit, end early, cancel. The rules are in
selectors.py (who may see and declare what) and services.py (declaring and its side effects)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.collation import vi_order

from ..org.forms import add_form_errors
from . import selectors, services
from .forms import CancelForm, ClosureForm, EndEarlyForm
from .models import Closure


@login_required
def closure_list(request):
    qs = selectors.closure_list(user=request.user)
    if not selectors.user_declares_closures(request.user):
        raise Http404
    today = timezone.localdate()
    items = list(qs.order_by("-starts_on", "-created_at")[:200])
    return render(
        request,
        "classrooms/closures/list.html",
        {
            "in_force": [
                c for c in items if not c.cancelled_at and c.starts_on <= today <= c.ends_on
            ],
            "upcoming": [c for c in items if not c.cancelled_at and c.starts_on > today],
            "past": [c for c in items if c.cancelled_at or c.ends_on < today],
        },
    )


@login_required
def closure_new(request):
    if not selectors.user_declares_closures(request.user):
        raise Http404
    today = timezone.localdate()
    initial = {"starts_on": today, "ends_on": today + datetime.timedelta(days=4)}
    form = ClosureForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            closure = services.closure_declare(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Closure declared: the classes are marked as studying online, their sessions "
                  "are scheduled and students and guardians are being notified."),
            )  # fmt: skip
            return redirect("classrooms:closure_detail", pk=closure.pk)
    return render(request, "classrooms/closures/form.html", {"form": form, "closure": None})


@login_required
def closure_detail(request, pk: int):
    closure = selectors.closure_get(user=request.user, pk=pk)
    can_manage = selectors.closure_can_manage(user=request.user, closure=closure)
    affected = selectors.closure_classrooms(closure).select_related("school")
    return render(
        request,
        "classrooms/closures/detail.html",
        {
            "closure": closure,
            "can_manage": can_manage and closure.cancelled_at is None,
            "classroom_count": affected.count(),
            "classrooms": affected.order_by(vi_order("school__name"), "grade", "name")[:50],
            "history": selectors.closure_history(closure),
            "end_form": EndEarlyForm(initial={"last_day": timezone.localdate()}),
            "cancel_form": CancelForm(),
        },
    )


@login_required
def closure_progress(request, pk: int):
    """The fan-out of each change, for the closure page's live progress (polled)."""
    closure = selectors.closure_get(user=request.user, pk=pk)
    changes = [h["progress"] for h in selectors.closure_history(closure)]
    return JsonResponse({"changes": changes}, headers={"Cache-Control": "no-store"})


def _managed(request, pk: int) -> Closure:
    closure = selectors.closure_get(user=request.user, pk=pk)
    if not selectors.closure_can_manage(user=request.user, closure=closure):
        raise Http404
    return closure


@login_required
def closure_edit(request, pk: int):
    closure = _managed(request, pk)
    initial = {k: getattr(closure, k) for k in ("starts_on", "ends_on", "reason", "note")}
    form = ClosureForm(request.POST or None, user=request.user, fixed_target=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.closure_update(closure=closure, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The closure was changed."))
            return redirect("classrooms:closure_detail", pk=closure.pk)
    return render(request, "classrooms/closures/form.html", {"form": form, "closure": closure})


@login_required
@require_POST
def closure_end(request, pk: int):
    closure = _managed(request, pk)
    form = EndEarlyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("last_day") or _("Choose a day."))
        services.closure_end_early(
            closure=closure, by=request.user, last_day=form.cleaned_data["last_day"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The closure was ended early."))
    return redirect("classrooms:closure_detail", pk=closure.pk)


@login_required
@require_POST
def closure_cancel(request, pk: int):
    closure = _managed(request, pk)
    form = CancelForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.closure_cancel(closure=closure, by=request.user, note=note)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The closure was cancelled."))
    return redirect("classrooms:closure_detail", pk=closure.pk)
