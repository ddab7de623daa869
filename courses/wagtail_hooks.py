"""Wagtail admin: the "Hoạt động H5P" page (upload, list, delete) and the package chooser."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .h5p import admin_views
from .h5p.chooser import h5p_package_chooser_viewset


class H5PMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.may_manage(request.user)


@hooks.register("register_admin_viewset")
def register_h5p_chooser():
    return h5p_package_chooser_viewset


@hooks.register("register_admin_urls")
def register_h5p_urls():
    urls = [
        path("", admin_views.index, name="index"),
        path("<int:pk>/delete/", admin_views.delete, name="delete"),
    ]
    return [path("h5p-activities/", include((urls, "h5p_admin"), namespace="h5p_admin"))]


@hooks.register("register_admin_menu_item")
def register_h5p_menu_item():
    return H5PMenuItem(_("H5P activities"), reverse("h5p_admin:index"), icon_name="form", order=250)
