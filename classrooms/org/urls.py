from django.urls import path

from . import views

urlpatterns = [
    path("classes/<int:pk>/", views.classroom_detail, name="classroom_detail"),
    path("classes/<int:pk>/meeting/", views.classroom_meeting, name="classroom_meeting"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/classes/add/", views.classroom_add, name="classroom_add"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice_read"),
]
