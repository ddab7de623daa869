from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AttendanceStatus


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class OneOffSessionForm(forms.Form):
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=None)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput())
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=240, initial=45
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    meeting_url = forms.URLField(label=_("Meeting link"), required=False, assume_scheme="https")

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
