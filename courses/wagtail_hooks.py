"""Wagtail admin: the "Hoạt động H5P" page (upload, list, delete), the package chooser, who
may download documents, and admin lists scoped to the editor's school."""

from django.http import Http404
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import selectors
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


@hooks.register("before_serve_document")
def check_document_access(document, request):
    """/documents/<id>/<name> answers only those who may read a lesson that uses the file or
    who manage it (the same rule as H5P files); everyone else, anonymous too, gets 404."""
    if not selectors.document_readable(user=request.user, document=document):
        raise Http404


@hooks.register("construct_page_chooser_queryset")
def scope_page_chooser(pages, request):
    """Link and page choosers (browse and search) show the editor's school and the library."""
    return selectors.admin_pages(pages, user=request.user)


@hooks.register("construct_explorer_page_queryset")
def scope_explorer(parent_page, pages, request):
    return selectors.admin_pages(pages, user=request.user)
