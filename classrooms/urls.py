from django.urls import path

from . import views, views_closures, views_live, views_room

app_name = "classrooms"

urlpatterns = [
    path("classes/<int:pk>/", views.classroom_detail, name="classroom_detail"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/classes/add/", views.classroom_add, name="classroom_add"),
    # Live classes: running sessions, timetable, attendance, calendar (views_live.py).
    path("sessions/<int:pk>/start/", views_live.session_start, name="session_start"),
    path("sessions/<int:pk>/end/", views_live.session_end, name="session_end"),
    path("sessions/<int:pk>/cancel/", views_live.session_cancel, name="session_cancel"),
    path("classes/<int:pk>/sessions/add/", views_live.session_add, name="session_add"),
    path("sessions/<int:pk>/attendance/", views_live.session_attendance, name="session_attendance"),
    path("attendance/<int:pk>/change/", views_live.record_override, name="record_override"),
    path(
        "classes/<int:pk>/attendance/",
        views_live.classroom_attendance,
        name="classroom_attendance",
    ),
    path("schools/<int:pk>/attendance/", views_live.school_attendance, name="school_attendance"),
    path(
        "children/<int:student_id>/attendance/",
        views_live.child_attendance,
        name="child_attendance",
    ),
    path("notices/<int:pk>/read/", views_live.notice_read, name="notice_read"),
    path("schools/<int:pk>/timetable/", views_live.school_timetable, name="school_timetable"),
    path("timetable/slots/<int:pk>/delete/", views_live.slot_delete, name="slot_delete"),
    path("schools/<int:pk>/holidays/", views_live.school_holidays, name="school_holidays"),
    path("holidays/<int:pk>/delete/", views_live.holiday_delete, name="holiday_delete"),
    path("calendar/", views_live.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views_live.ical_feed, name="ical_feed"),
    # The live room (views_room.py; its websocket is classrooms.consumers.LiveSessionConsumer).
    path("sessions/<int:pk>/live/", views_room.session_live, name="session_live"),
    # Closures (views_closures.py; rules and side effects in closures.py).
    path("closures/", views_closures.closure_list, name="closure_list"),
    path("closures/new/", views_closures.closure_new, name="closure_new"),
    path("closures/<int:pk>/", views_closures.closure_detail, name="closure_detail"),
    path("closures/<int:pk>/edit/", views_closures.closure_edit, name="closure_edit"),
    path("closures/<int:pk>/end/", views_closures.closure_end, name="closure_end"),
    path("closures/<int:pk>/cancel/", views_closures.closure_cancel, name="closure_cancel"),
]
