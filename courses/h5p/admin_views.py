"""The Wagtail admin page "Hoạt động H5P": list, upload (imported by a worker, followed on its
job page) and delete packages."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.access import has_role
from lms.roles import STAFF_ROLES

from . import selectors
from .storage import PackageRejected, package_delete
from .tasks import package_upload_start


def may_manage(user) -> bool:
    return has_role(user, STAFF_ROLES)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("H5P file"),
        help_text=gettext_lazy("An .h5p file exported from h5p.org, Lumi or another H5P tool."),
        widget=forms.ClearableFileInput(attrs={"accept": ".h5p"}),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("Leave empty to use the package's own title."),
    )
    library = forms.BooleanField(
        label=gettext_lazy("Put it in the province's shared library"), required=False
    )

    def __init__(self, *args, targets: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets
        if not targets["library"]:
            del self.fields["library"]
        elif targets["school"] is None:
            self.fields["library"].initial = True
            self.fields["library"].disabled = True

    def destination(self):
        if self.targets["school"] is None or self.cleaned_data.get("library"):
            return None
        return self.targets["school"]


def _base_context(title: str) -> dict:
    return {
        "header_title": title,
        "page_title": title,
        "header_icon": "form",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse("h5p_admin:index"), "label": _("H5P activities")},
        ],
    }


def index(request):
    user = request.user
    if not may_manage(user):
        raise Http404
    targets = selectors.package_upload_targets(user=user)
    can_upload = targets["school"] is not None or targets["library"]
    form = UploadForm(targets=targets) if can_upload else None
    problems = None
    if request.method == "POST" and can_upload:
        form = UploadForm(request.POST, request.FILES, targets=targets)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = package_upload_start(
                    upload=upload,
                    package_title=form.cleaned_data["title"],
                    school=form.destination(),
                    uploaded_by=user,
                )
            except PackageRejected as exc:
                problems = exc.result.errors
                messages.error(
                    request,
                    _("“%(name)s” was refused; nothing was saved.") % {"name": upload.name},
                )
            else:
                # A worker validates, scans and stores it; its page shows how far it got.
                return redirect("jobs:job", pk=job.pk)
    packages = list(selectors.package_list(user=user).prefetch_related("libraries"))
    for package in packages:
        package.can_delete = selectors.package_can_delete(user=user, package=package)
    context = _base_context(_("H5P activities"))
    context["breadcrumbs_items"] = context["breadcrumbs_items"][:1] + [
        {"url": "", "label": _("H5P activities")}
    ]
    context.update(
        {
            "packages": packages,
            "form": form,
            "problems": problems,
            "imports": selectors.package_imports_recent(user=user),
        }
    )
    return TemplateResponse(request, "courses/h5p/admin_index.html", context)


def delete(request, pk):
    user = request.user
    if not may_manage(user):
        raise Http404
    package = selectors.package_get(user=user, pk=pk)
    if not selectors.package_can_delete(user=user, package=package):
        raise Http404
    if request.method == "POST":
        title = package.title
        package_delete(package=package)
        messages.success(request, _("“%(title)s” was deleted.") % {"title": title})
        return redirect("h5p_admin:index")
    context = _base_context(_("Delete “%(title)s”") % {"title": package.title})
    context.update({"package": package, "result_count": package.results.count()})
    return TemplateResponse(request, "courses/h5p/admin_delete.html", context)
