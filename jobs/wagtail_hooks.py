"""Wagtail admin: a "Công việc chạy nền" menu item to the queue's status page, for staff."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_staff or request.user.is_superuser


@hooks.register("register_admin_menu_item")
def register_status_menu_item():
    return StaffMenuItem(_("Background work"), reverse("jobs:status"), icon_name="cogs", order=9000)
