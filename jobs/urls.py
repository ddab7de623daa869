from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("ops/tasks/", views.status, name="status"),
    path("ops/tasks/<uuid:task_id>/retry/", views.retry, name="retry"),
    path("jobs/<uuid:pk>/", views.job, name="job"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
]
