"""Thin views: read through courses.selectors, write through courses.services. The lesson
pages render themselves (courses.models: serve and get_context)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from classrooms.org.selectors import school_managed_get
from lms.access import has_role
from lms.exports import xlsx_response
from lms.roles import STAFF_ROLES

from . import selectors, services
from .forms import AssignForm, CopyForm, LibraryEditorForm, ModerationForm


@login_required
def my_lessons(request):
    if request.user.role != Role.STUDENT:
        return redirect("courses:assignment_list")
    rows = selectors.student_lessons(user=request.user)
    return render(request, "courses/my_lessons.html", {"rows": rows})


@login_required
@require_POST
def lesson_complete(request, pk):
    if request.user.role != Role.STUDENT:
        raise Http404
    lesson = selectors.lesson_get(user=request.user, pk=pk)
    services.progress_complete(student=request.user, lesson=lesson)
    messages.success(request, _("Well done! The lesson is marked as completed."))
    return redirect(lesson.url)


@login_required
def lesson_assign(request, pk):
    lesson = selectors.lesson_get(user=request.user, pk=pk).specific
    classrooms = selectors.assignable_classrooms(user=request.user)
    if not classrooms.exists():
        raise Http404
    form = AssignForm(request.POST or None, classrooms=classrooms)
    if request.method == "POST" and form.is_valid():
        try:
            services.lesson_assign(
                lesson=lesson,
                classrooms=list(form.cleaned_data["classrooms"]),
                by=request.user,
                available_from=form.cleaned_data["available_from"],
                due_at=form.cleaned_data["due_at"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            names = ", ".join(c.name for c in form.cleaned_data["classrooms"])
            messages.success(
                request,
                _("“%(lesson)s” is assigned to %(classes)s.")
                % {"lesson": lesson.title, "classes": names},
            )
            return redirect("courses:assignment_list")
    existing = selectors.assignment_list(user=request.user).filter(lesson=lesson)
    return render(
        request,
        "courses/lesson_assign.html",
        {"lesson": lesson, "form": form, "existing": existing},
    )


@login_required
@require_POST
def lesson_copy(request, pk):
    lesson = selectors.lesson_get(user=request.user, pk=pk).specific
    if request.user.role != Role.TEACHER or not lesson.in_library:
        raise Http404
    form = CopyForm(request.POST, courses=selectors.own_school_courses(user=request.user))
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["course"]))
        return redirect(lesson.url)
    try:
        copy = services.lesson_copy_to_course(
            lesson=lesson, course=form.cleaned_data["course"], user=request.user
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(
            request, " ".join(getattr(exc, "messages", [_("This lesson cannot be copied.")]))
        )
        return redirect(lesson.url)
    messages.success(request, _("A draft copy is in your course. Edit it, then publish it."))
    return redirect("wagtailadmin_pages:edit", copy.pk)


@login_required
def lesson_new(request):
    """The "Soạn bài mới" link: straight to Wagtail's new-lesson form when the teacher writes in one
    course, else the list of their courses to choose from."""
    courses = list(selectors.lesson_new_courses(user=request.user))
    if not courses:
        raise Http404
    if len(courses) == 1:
        return redirect(courses[0].new_lesson_url)
    return render(request, "courses/lesson_new.html", {"courses": courses})


@login_required
def assignment_list(request):
    if not has_role(request.user, STAFF_ROLES):
        raise Http404
    assignments = selectors.assignment_list(user=request.user)[:200]
    return render(request, "courses/assignment_list.html", {"assignments": assignments})


@login_required
def assignment_detail(request, pk):
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    rows = selectors.assignment_progress(assignment)
    return render(
        request,
        "courses/assignment_detail.html",
        {
            "assignment": assignment,
            "rows": rows,
            "counts": selectors.assignment_counts(rows),
            "can_delete": request.user.role == Role.TEACHER,
        },
    )


@login_required
def assignment_export(request, pk):
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    rows = selectors.assignment_progress(assignment)
    return xlsx_response(
        f"bai-hoc-{assignment.pk}-{assignment.classroom.name}.xlsx",
        assignment.classroom.name,
        [_("Student"), _("Username"), _("Status"), _("First opened"), _("Completed")],
        (
            [
                r.student.display_name,
                r.student.username,
                str(selectors.LessonStatus(r.status).label),
                r.opened_at,
                r.completed_at,
            ]
            for r in rows
        ),
    )


@login_required
@require_POST
def assignment_delete(request, pk):
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    if request.user.role != Role.TEACHER:
        raise Http404
    services.assignment_delete(assignment=assignment)
    messages.success(request, _("The assignment was removed."))
    return redirect("courses:assignment_list")


@login_required
def lesson_search(request):
    if not has_role(request.user, STAFF_ROLES):
        raise Http404
    query = request.GET.get("q", "").strip()[:200]
    results = list(selectors.lesson_search(user=request.user, query=query)[:50]) if query else []
    return render(request, "courses/lesson_search.html", {"query": query, "results": results})


@login_required
def school_moderation(request, pk):
    school = school_managed_get(user=request.user, pk=pk)
    if request.user.role != Role.SCHOOL_ADMIN and not request.user.is_superuser:
        raise Http404
    index = services.school_index_ensure(school)
    workflow = services.school_moderation_workflow(index)
    heads_group = services.school_heads_group_name(school)
    initial = {
        "enabled": workflow is not None,
        "heads": list(index.school.users.filter(groups__name=heads_group)),
    }
    form = ModerationForm(request.POST or None, school=school, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_moderation_set(
                school=school,
                enabled=form.cleaned_data["enabled"],
                heads=list(form.cleaned_data["heads"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Review settings saved."))
            return redirect("courses:school_moderation", school.pk)
    return render(
        request,
        "courses/school_moderation.html",
        {"school": school, "form": form, "workflow": workflow},
    )


@login_required
def library_editors(request):
    if not (request.user.is_superuser or request.user.role == Role.PROVINCE_OFFICER):
        raise Http404
    form = LibraryEditorForm(request.POST or None)
    if request.method == "POST":
        remove = request.POST.get("remove")
        if remove:
            teacher = get_object_or_404(User.objects.filter(role=Role.TEACHER), pk=remove)
            services.library_editor_set(user=teacher, editor=False, by=request.user)
            messages.success(
                request, _("%(name)s no longer edits the library.") % {"name": teacher.display_name}
            )
            return redirect("courses:library_editors")
        if form.is_valid():
            teacher = form.cleaned_data["username"]
            services.library_editor_set(user=teacher, editor=True, by=request.user)
            messages.success(
                request, _("%(name)s can now edit the library.") % {"name": teacher.display_name}
            )
            return redirect("courses:library_editors")
    return render(
        request,
        "courses/library_editors.html",
        {"form": form, "editors": services.library_editors(), "now": timezone.now()},
    )
