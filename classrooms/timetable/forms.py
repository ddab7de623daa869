from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User

from ..org.forms import MeetingLinkField
from ..org.models import Subject
from .models import Weekday


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _school_teachers(school):
    return User.objects.filter(school=school, role=Role.TEACHER, is_active=True).order_by(
        "full_name", "username"
    )


class TimetableSlotForm(forms.Form):
    classroom = forms.ModelChoiceField(label=_("Class"), queryset=None)
    weekday = forms.TypedChoiceField(label=_("Weekday"), coerce=int, choices=Weekday.choices)
    period = forms.IntegerField(label=_("Period"), min_value=1, max_value=12)
    starts_at = forms.TimeField(label=_("Start time"), widget=TimeInput())
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=240, initial=45
    )
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.all())
    teacher = forms.ModelChoiceField(label=_("Teacher"), queryset=None)
    meeting_url = MeetingLinkField(
        help_text=_("The sessions of this lesson use it; they can still be changed one by one.")
    )

    def __init__(self, *args, school, classrooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = classrooms
        self.fields["teacher"].queryset = _school_teachers(school)


class SchoolHolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. Tết, flood break"))


class GenerateSessionsForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date must not be before the start date."))
            if (end - start).days > 366:
                raise forms.ValidationError(_("Generate at most one year at a time."))
        return data
