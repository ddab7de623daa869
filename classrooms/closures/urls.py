from django.urls import path

from . import views

urlpatterns = [
    path("closures/", views.closure_list, name="closure_list"),
    path("closures/new/", views.closure_new, name="closure_new"),
    path("closures/<int:pk>/", views.closure_detail, name="closure_detail"),
    path("closures/<int:pk>/progress/", views.closure_progress, name="closure_progress"),
    path("closures/<int:pk>/edit/", views.closure_edit, name="closure_edit"),
    path("closures/<int:pk>/end/", views.closure_end, name="closure_end"),
    path("closures/<int:pk>/cancel/", views.closure_cancel, name="closure_cancel"),
]
