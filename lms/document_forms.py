"""The Wagtail document form (WAGTAILDOCS_DOCUMENT_FORM_BASE): uploads are scanned for viruses.

Every document upload goes through it: the single and the multiple upload views, the chooser's
upload tab, and replacing a document's file.
"""

from django.core.files.uploadedfile import UploadedFile
from wagtail.documents.forms import BaseDocumentForm

from .uploads import scan_file


class ScannedDocumentForm(BaseDocumentForm):
    def clean_file(self):
        file = self.cleaned_data.get("file")
        if isinstance(file, UploadedFile):  # not the stored file of an unchanged document
            scan_file(file, name=file.name)
        return file
