"""Closure pages: list, declare, detail with history, edit, end early, cancel. The rules and
side effects are in classrooms/closures.py."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import closures
from .models import AcademicYear, Closure, ClosureReason, ClosureScope
from .selectors import classroom_list, district_list, school_list

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClosureForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=ClosureScope.choices)
    district = forms.ModelChoiceField(
        label=gettext_lazy("District"), queryset=None, required=False,
        error_messages={"invalid_choice": gettext_lazy(
            "You can only declare closures for your own district.")},
    )  # fmt: skip
    school = forms.ModelChoiceField(
        label=gettext_lazy("School"), queryset=None, required=False,
        error_messages={"invalid_choice": gettext_lazy(
            "You can only declare closures for schools you are responsible for.")},
    )  # fmt: skip
    classroom = forms.ModelChoiceField(
        label=gettext_lazy("Class"), queryset=None, required=False,
        error_messages={"invalid_choice": gettext_lazy(
            "You can only declare closures for classes you are responsible for.")},
    )  # fmt: skip
    starts_on = forms.DateField(label=gettext_lazy("First day"), widget=DATE)
    ends_on = forms.DateField(label=gettext_lazy("Last day"), widget=DATE)
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=ClosureReason.choices)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}))  # fmt: skip

    def __init__(self, *args, user, fixed_target=False, **kwargs):
        super().__init__(*args, **kwargs)
        scopes = closures.closure_scopes_for(user)
        self.fields["scope"].choices = [c for c in ClosureScope.choices if c[0] in scopes]
        self.fields["district"].queryset = district_list(user=user)
        self.fields["school"].queryset = school_list(user=user).order_by("name")
        year = AcademicYear.objects.filter(is_current=True).first()
        classes = classroom_list(user=user).order_by("school__name", "grade", "name")
        self.fields["classroom"].queryset = classes.filter(year=year) if year else classes
        self.fields["classroom"].label_from_instance = lambda c: f"{c.name} – {c.school.name}"
        if fixed_target:
            for name in ("scope", "district", "school", "classroom"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The last day cannot be before the first day."))
        return data


class EndEarlyForm(forms.Form):
    last_day = forms.DateField(label=gettext_lazy("Last closed day"), widget=DATE)


class CancelForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Why is it cancelled?"), required=False,
                           max_length=300)  # fmt: skip


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


@login_required
def closure_list(request):
    qs = closures.closure_list(user=request.user)
    if not closures.user_declares_closures(request.user):
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
    if not closures.user_declares_closures(request.user):
        raise Http404
    today = timezone.localdate()
    initial = {"starts_on": today, "ends_on": today + datetime.timedelta(days=4)}
    form = ClosureForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            closure = closures.closure_declare(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
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
    closure = closures.closure_get(user=request.user, pk=pk)
    can_manage = closures.closure_can_manage(user=request.user, closure=closure)
    affected = closures.closure_classrooms(closure).select_related("school")
    return render(
        request,
        "classrooms/closures/detail.html",
        {
            "closure": closure,
            "can_manage": can_manage and closure.cancelled_at is None,
            "classroom_count": affected.count(),
            "classrooms": affected.order_by("school__name", "grade", "name")[:50],
            "changes": closure.changes.select_related("changed_by"),
            "end_form": EndEarlyForm(initial={"last_day": timezone.localdate()}),
            "cancel_form": CancelForm(),
        },
    )


def _managed(request, pk: int) -> Closure:
    closure = closures.closure_get(user=request.user, pk=pk)
    if not closures.closure_can_manage(user=request.user, closure=closure):
        raise Http404
    return closure


@login_required
def closure_edit(request, pk: int):
    closure = _managed(request, pk)
    initial = {k: getattr(closure, k) for k in ("starts_on", "ends_on", "reason", "note")}
    form = ClosureForm(request.POST or None, user=request.user, fixed_target=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            closures.closure_update(closure=closure, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
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
        closures.closure_end_early(
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
        closures.closure_cancel(closure=closure, by=request.user, note=note)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The closure was cancelled."))
    return redirect("classrooms:closure_detail", pk=closure.pk)
