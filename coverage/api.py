"""The read-only coverage API, /api/v1/coverage/ (docs/api.md), and the page where staff get
their API token.

Django REST framework with drf-spectacular for the OpenAPI schema. The views are thin: every
figure and every scope check comes from coverage.selectors, the same functions the dashboards
use, so the API, the dashboards and the exports cannot disagree; anything outside the user's
scope answers 404.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role

from . import selectors, students
from .serializers import (
    AtRiskListSerializer,
    AttentionListSerializer,
    ClassListSerializer,
    DayListSerializer,
    DistrictListSerializer,
    FiltersSerializer,
    SchoolListSerializer,
    StudentListSerializer,
    SummarySerializer,
)


def only_api_v1(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: the schema describes /api/v1/ only (Wagtail has DRF
    views of its own)."""
    return [e for e in endpoints if e[0].startswith("/api/v1/")]


class CoverageViewer(BasePermission):
    """School admins and officers (and superusers). Students, teachers and guardians get 403:
    the API has nothing for them."""

    message = "Coverage is for school admins and district and province officers."

    def has_permission(self, request, view):
        return selectors.user_sees_coverage(request.user)


FILTER_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: 13 days ago)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (default: today)."),
    OpenApiParameter("level", str, enum=["tieu_hoc", "thcs", "thpt"], description="Cấp học."),
    OpenApiParameter("grade", int, description="Grade 1–12."),
    OpenApiParameter(
        "days",
        str,
        enum=["closed", "all"],
        description="Closed class-days only (default) or all school days.",
    ),
]

# The lists of the last days (at risk, needs attention) take the level and grade only.
LEVEL_PARAMETERS = [p for p in FILTER_PARAMETERS if p.name in ("level", "grade")]


class CoverageAPIView(APIView):
    # Token first: an anonymous request gets 401 with "WWW-Authenticate: Token".
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, CoverageViewer]

    def filters(self):
        return selectors.filters_from_params(self.request.query_params)

    def query(self, filters) -> str:
        return urlencode(filters.as_query())

    def link(self, name: str, filters, **kwargs) -> str:
        return f"{reverse(f'coverage_api:{name}', kwargs=kwargs)}?{self.query(filters)}"

    def listing(self, filters, rows: list[dict]) -> dict:
        return {"filters": _filters(filters), "count": len(rows), "results": rows}


def _filters(filters) -> dict:
    return FiltersSerializer(filters).data


class SummaryView(CoverageAPIView):
    @extend_schema(
        summary="Coverage of the user's whole scope over the period",
        parameters=FILTER_PARAMETERS,
        responses=SummarySerializer,
    )
    def get(self, request):
        filters = self.filters()
        summary = selectors.coverage_summary(user=request.user, filters=filters)
        summary["filters"] = _filters(filters)
        summary["links"] = {
            "schools": self.link("schools", filters),
            "daily": self.link("daily", filters),
            "at_risk": reverse("coverage_api:at_risk"),
            "attention": reverse("coverage_api:attention"),
        }
        if request.user.is_superuser or request.user.role != Role.SCHOOL_ADMIN:
            summary["links"]["districts"] = self.link("districts", filters)
        return Response(SummarySerializer(summary).data)


class DistrictListView(CoverageAPIView):
    @extend_schema(
        summary="One row per district in scope",
        parameters=FILTER_PARAMETERS,
        responses=DistrictListSerializer,
    )
    def get(self, request):
        filters = self.filters()
        rows = selectors.district_rows(user=request.user, filters=filters)
        for row in rows:
            row["schools_url"] = self.link("district_schools", filters, district_id=row["id"])
        return Response(DistrictListSerializer(self.listing(filters, rows)).data)


class SchoolListView(CoverageAPIView):
    @extend_schema(
        summary="One row per school in scope, or of one district",
        parameters=FILTER_PARAMETERS,
        responses=SchoolListSerializer,
    )
    def get(self, request, district_id=None):
        filters = self.filters()
        rows = selectors.school_rows(user=request.user, filters=filters, district_id=district_id)
        for row in rows:
            row["classes_url"] = self.link("school_classes", filters, school_id=row["id"])
        return Response(SchoolListSerializer(self.listing(filters, rows)).data)


class ClassListView(CoverageAPIView):
    @extend_schema(
        summary="One row per class of a school",
        parameters=FILTER_PARAMETERS,
        responses=ClassListSerializer,
    )
    def get(self, request, school_id):
        filters = self.filters()
        rows = selectors.class_rows(user=request.user, filters=filters, school_id=school_id)
        for row in rows:
            row["students_url"] = self.link("class_students", filters, classroom_id=row["id"])
        return Response(ClassListSerializer(self.listing(filters, rows)).data)


class StudentListView(CoverageAPIView):
    @extend_schema(
        summary="One row per student of a class: attendance and consecutive absences",
        parameters=FILTER_PARAMETERS,
        responses=StudentListSerializer,
    )
    def get(self, request, classroom_id):
        filters = self.filters()
        rows = selectors.student_rows(user=request.user, filters=filters, classroom_id=classroom_id)
        return Response(StudentListSerializer(self.listing(filters, rows)).data)


class DailyView(CoverageAPIView):
    @extend_schema(
        summary="Per day of the period: the chart's series",
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("school", int, description="Only this school."),
            OpenApiParameter("district", int, description="Only this district."),
        ],
        responses=DayListSerializer,
    )
    def get(self, request):
        filters = self.filters()
        try:
            school = _int_or_none(request.query_params.get("school"))
            district = _int_or_none(request.query_params.get("district"))
        except ValueError as error:
            raise Http404 from error
        rows = selectors.daily_series(
            user=request.user, filters=filters, school_id=school, district_id=district
        )
        return Response(DayListSerializer(self.listing(filters, rows)).data)


AT_RISK_PAGE = 500
AT_RISK_PAGE_MAX = 2000
# Past any list's end, and within the database's integers: a larger offset (SQLite overflowed
# on 10**20) asks for the same empty page.
AT_RISK_OFFSET_MAX = 10**9


class AtRiskView(CoverageAPIView):
    @extend_schema(
        summary="Students at risk: absent from the last N held sessions of their class",
        parameters=[
            OpenApiParameter("classroom", int, description="Only this class."),
            OpenApiParameter(
                "limit", int, description=f"Rows per page (default {AT_RISK_PAGE}, "
                f"at most {AT_RISK_PAGE_MAX})."
            ),
            OpenApiParameter("offset", int, description="Rows to skip (default 0)."),
            *LEVEL_PARAMETERS,
        ],
        responses=AtRiskListSerializer,
    )  # fmt: skip
    def get(self, request):
        try:
            classroom = _int_or_none(request.query_params.get("classroom"))
        except ValueError as error:
            raise Http404 from error
        try:
            limit = _int_or_none(request.query_params.get("limit"))
            offset = _int_or_none(request.query_params.get("offset")) or 0
        except ValueError:
            limit = offset = -1
        limit = AT_RISK_PAGE if limit is None else limit
        if not (1 <= limit <= AT_RISK_PAGE_MAX and offset >= 0):
            return Response(
                {
                    "detail": _(
                        "limit must be a whole number from 1 to %(max)d and offset a whole "
                        "number from 0."
                    )
                    % {"max": AT_RISK_PAGE_MAX}
                },
                status=400,
            )
        count, rows = students.at_risk_page(
            user=request.user,
            classroom_id=classroom,
            filters=self.filters(),
            limit=limit,
            offset=min(offset, AT_RISK_OFFSET_MAX),
        )
        body = {
            "sessions": settings.COVERAGE_AT_RISK_SESSIONS,
            "count": count,
            "next": self.page_url(request, offset + limit) if offset + limit < count else None,
            "previous": self.page_url(request, max(0, offset - limit)) if offset else None,
            "results": rows,
        }
        return Response(AtRiskListSerializer(body).data)

    @staticmethod
    def page_url(request, offset):
        query = request.query_params.copy()
        query["offset"] = offset
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class AttentionView(CoverageAPIView):
    @extend_schema(
        summary="Schools below the coverage threshold over the last 5 school days",
        parameters=LEVEL_PARAMETERS,
        responses=AttentionListSerializer,
    )
    def get(self, request):
        rows = selectors.attention_schools(user=request.user, filters=self.filters())
        body = {
            "threshold_pct": settings.COVERAGE_THRESHOLD_PCT,
            "count": len(rows),
            "results": rows,
        }
        return Response(AttentionListSerializer(body).data)


def _int_or_none(value):
    return int(value) if value not in (None, "") else None


# --- The API token page --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    """ "API access token": shows the user's token, creates or replaces it on POST. Only the
    roles that can read coverage have one; for everyone else the page does not exist."""
    if not selectors.user_sees_coverage(request.user):
        raise Http404
    token = Token.objects.filter(user=request.user).first()
    if request.method == "POST":
        if token is not None:
            token.delete()
        token = Token.objects.create(user=request.user)
        messages.success(request, _("A new API token was created. The old one no longer works."))
        return redirect("coverage_api:token")
    return render(
        request,
        "coverage/api_token.html",
        {
            "token": token,
            "summary_url": request.build_absolute_uri(reverse("coverage_api:summary")),
            "docs_url": reverse("coverage_api:docs"),
        },
    )
