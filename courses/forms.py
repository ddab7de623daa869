from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from lms.collation import vi_order


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class AssignForm(forms.Form):
    classrooms = forms.ModelMultipleChoiceField(
        label=_("Classes"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one class.")},
    )
    available_from = forms.DateTimeField(
        label=_("Available from"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("Leave empty to make it available now."),
    )
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DateTimeLocalInput())

    def __init__(self, *args, classrooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classrooms"].queryset = classrooms
        self.fields["classrooms"].label_from_instance = lambda c: c.name

    def clean(self):
        data = super().clean()
        start, due = data.get("available_from"), data.get("due_at")
        if start and due and start >= due:
            self.add_error("due_at", _("The due date must be after the available date."))
        return data


class CopyForm(forms.Form):
    course = forms.ModelChoiceField(
        label=_("Copy into course"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your school's courses.")},
    )

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses


class ModerationForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Lessons are reviewed by the head of the subject group before publishing"),
        required=False,
    )
    heads = forms.ModelMultipleChoiceField(
        label=_("Heads of subject groups (reviewers)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["heads"].queryset = User.objects.filter(
            school=school, role=Role.TEACHER, is_active=True
        ).order_by(vi_order("full_name"), "username")
        self.fields["heads"].label_from_instance = lambda u: u.display_name

    def clean(self):
        data = super().clean()
        if data.get("enabled") and not data.get("heads"):
            self.add_error(
                "heads", _("Choose at least one head of a subject group to review lessons.")
            )
        return data


class LibraryEditorForm(forms.Form):
    username = forms.CharField(label=_("Teacher's username"), max_length=150)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        teacher = User.objects.filter(username=username, role=Role.TEACHER, is_active=True).first()
        if teacher is None:
            raise forms.ValidationError(_("No teacher has this username."))
        return teacher
