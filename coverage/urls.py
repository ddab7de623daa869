from django.urls import path

from . import views

app_name = "coverage"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("attention/", views.attention, name="attention"),
    path("districts/<int:pk>/", views.district, name="district"),
    path("schools/<int:pk>/", views.school, name="school"),
    path("classes/<int:pk>/", views.classroom, name="classroom"),
    path("students/<int:pk>/", views.student, name="student"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("report/", views.report_print, name="report_print"),
]
