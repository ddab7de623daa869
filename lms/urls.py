from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms.admin_login import admin_login_redirect
from lms.health import healthz
from lms.pages import favicon

# Media folders that are never served straight from MEDIA_ROOT (nor by nginx).
PRIVATE_MEDIA = r"(?:h5p|documents|original_images)/"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    # Before the admins' own login views, which they replace (lms.admin_login).
    path("django-admin/login/", admin_login_redirect, {"home": "admin:index"}),
    path("admin/login/", admin_login_redirect, {"home": "wagtailadmin_home"}),
    path("django-admin/", admin.site.urls),
    # Wagtail's site history, scoped to the editor's school (courses.admin_reports).
    path("admin/reports/site-history/", include("courses.admin_reports")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("classrooms.urls")),
    path("", include("classrooms.roster.urls")),
    path("", include("courses.urls")),
    path("api/", include("coverage.api_urls")),
    path("coverage/", include("coverage.urls")),
    path("", include("jobs.urls")),
]

if settings.DEBUG:
    # Like deploy/nginx.conf: image renditions only. H5P files and documents go through views
    # that check access, and original images are never served.
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>(?!{PRIVATE_MEDIA}).*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# Wagtail's page serving is the catch-all, so it comes last.
urlpatterns += [path("", include(wagtail_urls))]

# Error pages in Vietnamese, in the site's layout; JSON under /api/ (lms/pages.py).
handler400 = "lms.pages.bad_request"
handler403 = "lms.pages.permission_denied"
handler404 = "lms.pages.page_not_found"
handler500 = "lms.pages.server_error"
