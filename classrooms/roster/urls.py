from django.urls import path

from . import views

urlpatterns = [
    path("roster/", views.roster_upload, name="roster_upload"),
    path("roster/template/<str:kind>.xlsx", views.roster_template, name="roster_template"),
    path("roster/imports/<int:pk>/", views.roster_import_detail, name="roster_import_detail"),
    path(
        "roster/imports/<int:pk>/status/", views.roster_import_status, name="roster_import_status"
    ),
    path(
        "roster/imports/<int:pk>/confirm/",
        views.roster_import_confirm,
        name="roster_import_confirm",
    ),
    path("classes/<int:pk>/slips/", views.classroom_slips_view, name="classroom_slips"),
    path(
        "classes/<int:pk>/slips/action/",
        views.classroom_slips_action,
        name="classroom_slips_action",
    ),
    path("schools/<int:pk>/teacher-slips/", views.teacher_slips_view, name="teacher_slips"),
    path(
        "schools/<int:pk>/teacher-slips/action/",
        views.teacher_slips_action,
        name="teacher_slips_action",
    ),
]
