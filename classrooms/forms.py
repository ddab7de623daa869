from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User

from .models import AttendanceStatus, Subject
from .models.live import Weekday


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
        ).order_by("full_name")

    def clean_name(self):
        return "".join(self.cleaned_data["name"].split()).upper()


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


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
