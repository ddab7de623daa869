from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.collation import vi_order

from ..org.models import AcademicYear
from ..org.selectors import classroom_list, district_list, school_list
from .models import ClosureReason, ClosureScope
from .selectors import closure_scopes_for

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
        scopes = closure_scopes_for(user)
        self.fields["scope"].choices = [c for c in ClosureScope.choices if c[0] in scopes]
        self.fields["district"].queryset = district_list(user=user)
        self.fields["school"].queryset = school_list(user=user).order_by(vi_order("name"))
        year = AcademicYear.objects.filter(is_current=True).first()
        classes = classroom_list(user=user).order_by(vi_order("school__name"), "grade", "name")
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
