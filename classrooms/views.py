from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.models import Role
from accounts.selectors import slips_allowed

from . import selectors


@login_required
def classroom_detail(request, pk: int):
    classroom = selectors.classroom_get(user=request.user, pk=pk)
    assignments = classroom.teaching_assignments.select_related("subject", "teacher")
    roster = selectors.classroom_roster(user=request.user, classroom=classroom)
    return render(
        request,
        "classrooms/classroom_detail.html",
        {
            "classroom": classroom,
            "assignments": assignments,
            "roster": roster,
            "roster_is_partial": request.user.role == Role.GUARDIAN,
            "can_print_slips": slips_allowed(user=request.user, classroom=classroom),
        },
    )


@login_required
def school_detail(request, pk: int):
    school = selectors.school_get(user=request.user, pk=pk)
    classrooms = selectors.with_student_counts(
        selectors.classroom_list(user=request.user).filter(school=school)
    )
    year = selectors.academic_year_current()
    if year is not None:
        classrooms = classrooms.filter(year=year)
    return render(
        request,
        "classrooms/school_detail.html",
        {"school": school, "classrooms": classrooms, "year": year},
    )
