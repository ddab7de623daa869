"""The Wagtail chooser for H5P packages, scoped to the packages the editor manages.

Wagtail's own ChooserViewSet (modal, search, block class); only the querysets are ours, so a
teacher can never pick, or learn the title of, another school's package."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet


def _packages(request):
    # The chooser block is built when courses.models loads its StreamFields, and the selectors
    # read those models: they can only be imported at request time (app-loading order).
    from .selectors import package_list

    return package_list(user=request.user)


class ScopedMixin:
    def get_object_list(self):
        return _packages(self.request)


class ChooseView(ScopedMixin, chooser_views.ChooseView):
    pass


class ChooseResultsView(ScopedMixin, chooser_views.ChooseResultsView):
    pass


class ChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        return _packages(self.request).get(pk=pk)


class ChosenMultipleView(chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        return _packages(self.request).filter(pk__in=pks)


class H5PPackageChooserViewSet(ChooserViewSet):
    model = "courses.H5PPackage"
    icon = "form"
    choose_one_text = _("Choose an H5P activity")
    choose_another_text = _("Choose another H5P activity")
    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView
    chosen_multiple_view_class = ChosenMultipleView
    # Packages are uploaded through the "H5P activities" page, which validates them.
    creation_form_class = None
    form_fields = None


h5p_package_chooser_viewset = H5PPackageChooserViewSet(
    "h5p_package_chooser", url_prefix="h5p-activities/chooser"
)
