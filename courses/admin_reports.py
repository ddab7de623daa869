"""Wagtail's "Site history" report, scoped to what the editor may see
(courses.selectors.admin_log_entries). lms/urls.py mounts these URLs in front of Wagtail's own,
which would list every school's pages and editors to any teacher."""

from django.urls import path
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.reports.audit_logging import (
    LogEntriesView,
    SiteHistoryReportFilterSet,
)
from wagtail.log_actions import registry as log_action_registry

from accounts.models import User

from .selectors import admin_log_entries


class ScopedSiteHistoryFilterSet(SiteHistoryReportFilterSet):
    def get_users_queryset(self):
        user, ids = self.request.user, set()
        for model in log_action_registry.get_log_entry_models():
            viewable = model.objects.viewable_by_user(user)
            ids |= admin_log_entries(viewable, user=user).get_user_ids()
        return User.objects.filter(pk__in=ids).order_by("username")


class ScopedSiteHistoryView(LogEntriesView):
    filterset_class = ScopedSiteHistoryFilterSet

    def filter_queryset(self, queryset):
        # Called once per log model, on Wagtail's viewable_by_user() queryset.
        return super().filter_queryset(admin_log_entries(queryset, user=self.request.user))


urlpatterns = [
    path("", require_admin_access(ScopedSiteHistoryView.as_view())),
    path(
        "results/",
        require_admin_access(ScopedSiteHistoryView.as_view(results_only=True)),
    ),
]
