"""/api/…: the coverage API v1, its OpenAPI schema and docs, and the token page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import api

app_name = "coverage_api"

v1 = [
    path("coverage/", api.SummaryView.as_view(), name="summary"),
    path("coverage/districts/", api.DistrictListView.as_view(), name="districts"),
    path(
        "coverage/districts/<int:district_id>/schools/",
        api.SchoolListView.as_view(),
        name="district_schools",
    ),
    path("coverage/schools/", api.SchoolListView.as_view(), name="schools"),
    path(
        "coverage/schools/<int:school_id>/classes/",
        api.ClassListView.as_view(),
        name="school_classes",
    ),
    path(
        "coverage/classes/<int:classroom_id>/students/",
        api.StudentListView.as_view(),
        name="class_students",
    ),
    path("coverage/daily/", api.DailyView.as_view(), name="daily"),
    path("coverage/at-risk/", api.AtRiskView.as_view(), name="at_risk"),
    path("coverage/attention/", api.AttentionView.as_view(), name="attention"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="coverage_api:schema"), name="docs"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("token/", api.api_token, name="token"),
]
