"""The Wagtail chooser for H5P packages, scoped to the packages the editor manages.

Wagtail's own ChooserViewSet (modal, search); only the querysets are ours, so a teacher can
never pick, or learn the title of, another school's package. The widget and the StreamField
block are courses.blocks' (the page models load them, and these views read those models)."""

from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

from ..blocks import H5PPackageChooser
from .selectors import package_list


def _packages(request):
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
    model = H5PPackageChooser.model
    icon = H5PPackageChooser.icon
    choose_one_text = H5PPackageChooser.choose_one_text
    choose_another_text = H5PPackageChooser.choose_another_text
    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView
    chosen_multiple_view_class = ChosenMultipleView
    # Packages are uploaded through the "H5P activities" page, which validates them.
    creation_form_class = None
    form_fields = None

    @property
    def widget_class(self):
        # The lesson's StreamField block uses the same widget (courses.blocks).
        return H5PPackageChooser


h5p_package_chooser_viewset = H5PPackageChooserViewSet(
    "h5p_package_chooser", url_prefix="h5p-activities/chooser"
)
