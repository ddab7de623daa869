"""Every page of the classrooms packages, under one namespace ("classrooms:<name>")."""

from django.urls import include, path

app_name = "classrooms"

urlpatterns = [
    path("", include("classrooms.org.urls")),
    path("", include("classrooms.timetable.urls")),
    path("", include("classrooms.live.urls")),
    path("", include("classrooms.closures.urls")),
]
