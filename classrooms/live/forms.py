from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AttendanceStatus


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


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


class OneOffSessionForm(forms.Form):
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=None)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput())
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=240, initial=45
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    meeting_url = MeetingLinkField()

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class AttendanceOverrideForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AttendanceStatus.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        error_messages={"required": _("Give a reason for the change.")},
    )


class MeetingLinkForm(forms.Form):
    meeting_url = MeetingLinkField(
        help_text=_("Empty: the class's timetable link, else the province's default.")
    )
