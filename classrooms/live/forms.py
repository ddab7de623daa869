from django import forms
from django.utils.translation import gettext_lazy as _

from ..org.forms import MeetingLinkField
from .models import AttendanceStatus


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class LessonChoiceField(forms.ModelChoiceField):
    """One of the teacher's lessons for the class (`lessons.lesson_choices`), named with its
    course so that two subjects' "Bài 1" are told apart."""

    default_error_messages = {
        "invalid_choice": _("Choose one of your lessons for this class."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Lesson"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", _("(no lesson)"))
        kwargs.setdefault(
            "help_text", _("Students' screens follow you through its sections in the room.")
        )
        super().__init__(queryset=None, **kwargs)

    def label_from_instance(self, obj):
        course = getattr(obj, "course_title", "")
        return f"{course} · {obj.title}" if course else obj.title


class OneOffSessionForm(forms.Form):
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=None)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput())
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=240, initial=45
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    meeting_url = MeetingLinkField()
    lesson = LessonChoiceField()

    def __init__(self, *args, subjects, lessons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        self.fields["lesson"].queryset = lessons


class SessionLessonForm(forms.Form):
    lesson = LessonChoiceField()

    def __init__(self, *args, lessons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lesson"].queryset = lessons


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
        help_text=_("Empty: the class's own link, else the province's default.")
    )
