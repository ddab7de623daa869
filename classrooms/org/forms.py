from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from lms.collation import vi_order


class ClassroomForm(forms.Form):
    name = forms.CharField(label=_("Class name"), max_length=20, help_text=_("e.g. 9A, 10A1"))
    grade = forms.TypedChoiceField(
        label=_("Grade"), coerce=int, choices=[(g, g) for g in range(1, 13)]
    )
    homeroom_teacher = forms.ModelChoiceField(
        label=_("Homeroom teacher"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [(g, g) for g in range(1, 13) if school.teaches_grade(g)]
        self.fields["homeroom_teacher"].queryset = User.objects.filter(
            school=school, role=Role.TEACHER, is_active=True
        ).order_by(vi_order("full_name"), "username")

    def clean_name(self):
        return "".join(self.cleaned_data["name"].split()).upper()


class MeetingLinkField(forms.URLField):
    """A video meeting link; `meet.jit.si/lop-9a` (no scheme) is read as https."""

    default_error_messages = {
        "invalid": _(
            "Enter a meeting link such as meet.jit.si/lop-9a or https://meet.google.com/abc-defg-hij."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Meeting link"))
        kwargs.setdefault("required", False)
        super().__init__(assume_scheme="https", **kwargs)

    def to_python(self, value):
        return super().to_python((value or "").strip())


class ClassroomMeetingForm(forms.Form):
    meeting_url = MeetingLinkField(
        help_text=_(
            "The class's sessions use it when neither they nor their timetable slot have one."
        )
    )


def add_form_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError shown on the form: on its field when the form has one, else
    above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)
