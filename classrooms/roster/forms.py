from django import forms
from django.utils.translation import gettext_lazy as _

from lms.uploads import scan_file

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class RosterUploadForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, label=_("School"))
    kind = forms.ChoiceField(
        label=_("The file lists"),
        choices=[
            ("", _("Detect from the columns")),
            ("students", _("Students")),
            ("teachers", _("Teachers")),
        ],
        required=False,
    )
    file = forms.FileField(
        label=_("Roster file (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        if schools.count() == 1:
            self.fields["school"].initial = schools.first()
            self.fields["school"].widget = forms.HiddenInput()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        scan_file(upload, name=upload.name)
        return upload
