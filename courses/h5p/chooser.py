"""The Wagtail chooser for H5P packages, scoped to the packages the editor manages.

Wagtail's own ChooserViewSet (modal, search, block class); only the querysets are ours, so a
teacher can never pick, or learn the title of, another school's package."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet


class ScopedMixin:
    def get_object_list(self):
        from .selectors import package_list

        return package_list(user=self.request.user)


class ChooseView(ScopedMixin, chooser_views.ChooseView):
    pass


class ChooseResultsView(ScopedMixin, chooser_views.ChooseResultsView):
    pass


class ChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        from .selectors import package_list

        return package_list(user=self.request.user).get(pk=pk)


class ChosenMultipleView(chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        from .selectors import package_list

        return package_list(user=self.request.user).filter(pk__in=pks)


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
