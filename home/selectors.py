"""What each role's start page shows. Every query goes through the scoped org selectors."""

from collections import Counter

from django.core.paginator import Paginator
from django.db.models import Count, Q

from accounts.models import Role, User
from classrooms.closures.selectors import online_today
from classrooms.closures.tasks import notice_closure_id
from classrooms.live.selectors import session_rows, sessions_upcoming
from classrooms.models import Enrollment, SessionStatus
from classrooms.org.selectors import (
    academic_year_current,
    classroom_list,
    district_list,
    notices_unread,
    school_list,
    student_list,
    with_student_counts,
)
from courses.offline.selectors import closure_offer
from courses.selectors import student_lessons
from lms.access import scope_role
from lms.collation import vi_order

from .filters import SchoolFilter

SCHOOLS_PER_PAGE = 25
START_PAGE_LESSONS = 8
UPCOMING_SESSIONS = 10
START_PAGE_NOTICES = 20


def _notice_rows(user: User, offer=None) -> list[dict]:
    """Unread notices; a closure's notice links to the page's offer of its lessons, if any."""
    offered = {item["closure"].pk for item in offer.closures} if offer and offer.rows else set()
    return [
        {"notice": notice, "offers_lessons": notice_closure_id(notice.key) in offered}
        for notice in notices_unread(user=user)[:START_PAGE_NOTICES]
    ]


def _sessions_context(user: User, sessions=None) -> dict:
    """Today's live classes (and any still live) and the next ones of the coming week."""
    if sessions is None:
        sessions = sessions_upcoming(user=user, days=7)
    rows = session_rows(sessions[:200], user=user)
    today, later = [], []
    for row in rows:
        # A class that is live or already over is never "coming up" (one started early,
        # before midnight, and ended is today's).
        happened = row["session"].status in (SessionStatus.LIVE, SessionStatus.ENDED)
        (today if row["is_today"] or happened else later).append(row)
    return {"sessions_today": today, "sessions_later": later[:UPCOMING_SESSIONS]}


def _current_classrooms(user: User):
    qs = classroom_list(user=user)
    year = academic_year_current()
    return qs.filter(year=year) if year else qs


def _student_context(user: User, params) -> dict:
    classrooms = list(
        _current_classrooms(user).prefetch_related(
            "teaching_assignments__subject", "teaching_assignments__teacher"
        )
    )
    lessons = student_lessons(user=user)
    offer = closure_offer(user=user, lessons=lessons)
    return {
        "classrooms": classrooms,
        "lesson_rows": lessons[:START_PAGE_LESSONS],
        "closure_offer": offer,
        "notice_rows": _notice_rows(user, offer),
        **_sessions_context(user),
    }


def _teacher_context(user: User, params) -> dict:
    classrooms = with_student_counts(_current_classrooms(user)).prefetch_related(
        "teaching_assignments__subject"
    )
    rows = []
    for classroom in classrooms:
        subjects = [
            ta.subject for ta in classroom.teaching_assignments.all() if ta.teacher_id == user.pk
        ]
        rows.append(
            {
                "classroom": classroom,
                "subjects": subjects,
                "is_homeroom": classroom.homeroom_teacher_id == user.pk,
            }
        )
    return {
        "teaching_rows": rows,
        "total_students": sum(r["classroom"].student_count for r in rows),
        **_sessions_context(user, sessions_upcoming(user=user, days=7).filter(teacher=user)),
    }


def _school_sessions_context(user: User) -> dict:
    """A school has dozens of lessons a day: the admin sees the ones live now and a count of
    the day's sessions by status."""
    today = list(sessions_upcoming(user=user, days=0))
    by_status = Counter(s.status for s in today)
    return {
        "sessions_today": session_rows([s for s in today if s.status == "live"], user=user),
        "sessions_count": len(today),
        "sessions_by_status": [(s, by_status.get(s.value, 0)) for s in SessionStatus],
    }


def _school_admin_context(user: User, params) -> dict:
    school = school_list(user=user).first()
    classrooms = list(with_student_counts(_current_classrooms(user)))
    teachers = (
        User.objects.filter(role=Role.TEACHER, school=school, is_active=True)
        .annotate(
            class_count=Count("teaching_assignments__classroom", distinct=True),
        )
        .order_by(vi_order("full_name"), "username")
    )
    return {
        "school": school,
        "classrooms": classrooms,
        **_school_sessions_context(user),
        "teachers": teachers,
        "counts": {
            "classes": len(classrooms),
            "teachers": teachers.count(),
            "students": student_list(user=user).count(),
        },
    }


def _officer_context(user: User, params) -> dict:
    districts = district_list(user=user)
    year = academic_year_current()
    in_year = Q(classrooms__year=year) if year else Q()
    schools = (
        school_list(user=user)
        .annotate(
            class_count=Count("classrooms", filter=in_year, distinct=True),
            student_count=Count(
                "classrooms__enrollments",
                filter=in_year & Q(classrooms__enrollments__active=True),
                distinct=True,
            ),
        )
        .order_by("district__code", vi_order("name"))
    )
    school_filter = SchoolFilter(params, queryset=schools, districts=districts)
    page = Paginator(school_filter.qs, SCHOOLS_PER_PAGE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return {
        "school_filter": school_filter,
        "schools_page": page,
        "filter_query": query.urlencode(),
        "counts": {
            "districts": districts.count(),
            "schools": school_list(user=user).count(),
            "students": student_list(user=user).count(),
        },
        "scope_district": user.district if user.role == Role.DISTRICT_OFFICER else None,
    }


def _guardian_context(user: User, params) -> dict:
    children = list(student_list(user=user).order_by(vi_order("full_name"), "username"))
    # Each child's current class: the active enrolment of the latest year, in one query.
    classroom_of = {}
    for enrollment in (
        Enrollment.objects.filter(student__in=children, active=True)
        .select_related("classroom", "classroom__school", "classroom__homeroom_teacher")
        .order_by("classroom__year__starts_on")
    ):
        classroom_of[enrollment.student_id] = enrollment.classroom
    return {
        "children": [{"student": c, "classroom": classroom_of.get(c.pk)} for c in children],
        "notice_rows": _notice_rows(user),
        **_sessions_context(user, sessions_upcoming(user=user, days=0)),
    }


ROLE_CONTEXTS = {
    Role.STUDENT: _student_context,
    Role.TEACHER: _teacher_context,
    Role.SCHOOL_ADMIN: _school_admin_context,
    Role.DISTRICT_OFFICER: _officer_context,
    Role.PROVINCE_OFFICER: _officer_context,
    Role.GUARDIAN: _guardian_context,
}


def start_page_context(*, user: User, params) -> dict:
    role = scope_role(user)  # a superuser sees the province
    context = ROLE_CONTEXTS[role](user, params)
    context.update(online_today(user=user))  # classes closed today study online
    context["role"] = role
    context["role_template"] = f"home/start/{role}.html"
    return context
