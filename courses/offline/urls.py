"""URLs of the offline layer; included at the site's root by courses.urls (the service worker
must be served from "/" to control the whole site)."""

from django.urls import path

from . import views

urlpatterns = [
    path("manifest.webmanifest", views.manifest, name="offline_manifest"),
    path("sw.js", views.service_worker, name="offline_service_worker"),
    path("offline/", views.offline_page, name="offline_page"),
    path("offline/sync/", views.sync, name="offline_sync"),
    path("offline/lessons/", views.assigned_bundles, name="offline_assigned_bundles"),
    path("offline/closures/", views.closure_bundles, name="offline_closure_bundles"),
    path("offline/lessons/<int:pk>/", views.lesson_bundle, name="offline_lesson_bundle"),
    path("offline/lessons/<int:pk>/page/", views.lesson_page_copy, name="offline_lesson_page"),
]
