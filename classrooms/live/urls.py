from django.urls import path

from . import views

urlpatterns = [
    path("sessions/status/", views.sessions_status, name="sessions_status"),
    path("sessions/<int:pk>/start/", views.session_start, name="session_start"),
    path("sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("sessions/<int:pk>/meeting/", views.session_meeting, name="session_meeting"),
    path("sessions/<int:pk>/lesson/", views.session_lesson, name="session_lesson"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("classes/<int:pk>/sessions/add/", views.session_add, name="session_add"),
    # The room's page; its websocket is consumers.LiveSessionConsumer (routing.py).
    path("sessions/<int:pk>/live/", views.session_live, name="session_live"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("attendance/<int:pk>/change/", views.record_override, name="record_override"),
    path("classes/<int:pk>/attendance/", views.classroom_attendance, name="classroom_attendance"),
    path("schools/<int:pk>/attendance/", views.school_attendance, name="school_attendance"),
    path("children/<int:student_id>/attendance/", views.child_attendance, name="child_attendance"),
]
