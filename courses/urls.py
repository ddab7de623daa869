from django.urls import include, path

from . import views
from .h5p import views as h5p_views

app_name = "courses"

urlpatterns = [
    path("lessons/", views.my_lessons, name="my_lessons"),
    path("lessons/search/", views.lesson_search, name="lesson_search"),
    path("lessons/new/", views.lesson_new, name="lesson_new"),
    path("lessons/<int:pk>/complete/", views.lesson_complete, name="lesson_complete"),
    path("lessons/<int:pk>/assign/", views.lesson_assign, name="lesson_assign"),
    path("lessons/<int:pk>/copy/", views.lesson_copy, name="lesson_copy"),
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/export.xlsx", views.assignment_export, name="assignment_export"),
    path("assignments/<int:pk>/delete/", views.assignment_delete, name="assignment_delete"),
    path("schools/<int:pk>/lesson-review/", views.school_moderation, name="school_moderation"),
    path("library/editors/", views.library_editors, name="library_editors"),
    # H5P activities (courses/h5p, docs/h5p.md)
    path("h5p/results/", h5p_views.my_results, name="h5p_my_results"),
    path(
        "h5p/results/assignments/<int:pk>/",
        h5p_views.assignment_results,
        name="h5p_assignment_results",
    ),
    path(
        "h5p/results/assignments/<int:pk>/export.xlsx",
        h5p_views.assignment_results_export,
        name="h5p_assignment_results_export",
    ),
    path("h5p/gradebook/<int:pk>/", h5p_views.gradebook, name="h5p_gradebook"),
    path(
        "h5p/gradebook/<int:pk>/export.xlsx",
        h5p_views.gradebook_export,
        name="h5p_gradebook_export",
    ),
    path(
        "h5p/libraries/<str:version>/<str:folder>/<path:path>",
        h5p_views.library_file,
        name="h5p_library",
    ),
    path("h5p/<uuid:uuid>/xapi/<int:lesson_pk>/", h5p_views.xapi, name="h5p_xapi"),
    path(
        "h5p/<uuid:uuid>/state/<slug:data_type>/<slug:sub_content_id>/",
        h5p_views.user_data,
        name="h5p_state",
    ),
    path("h5p/<uuid:uuid>/<path:path>", h5p_views.package_file, name="h5p_file"),
    # The installable app and offline sync (courses/offline, docs/offline.md)
    path("", include("courses.offline.urls")),
]
