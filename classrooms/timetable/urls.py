from django.urls import path

from . import views

urlpatterns = [
    path("schools/<int:pk>/timetable/", views.school_timetable, name="school_timetable"),
    path("timetable/slots/<int:pk>/delete/", views.slot_delete, name="slot_delete"),
    path("schools/<int:pk>/holidays/", views.school_holidays, name="school_holidays"),
    path("holidays/<int:pk>/delete/", views.holiday_delete, name="holiday_delete"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.ical_feed, name="ical_feed"),
]
