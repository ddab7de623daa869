"""Writes for lessons: the page tree and its Wagtail permissions, moderation, copies,
assignments and progress.

Editing rights are Wagtail's own: one group per school holds page permissions on that school's
SchoolIndexPage, one group edits the shared library, and the optional "Tổ chuyên môn duyệt"
moderation is a Wagtail workflow with a group approval task. Nothing here re-implements them.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from accounts.models import Role, User
from classrooms.events import announce
from classrooms.models import Classroom, School
from lms.collation import vi_order

from .events import learning_recorded
from .models import (
    CoursePage,
    LessonAssignment,
    LessonPage,
    LessonProgress,
    LibraryIndexPage,
    SchoolIndexPage,
)
from .slugs import vietnamese_slug

LIBRARY_SLUG = "thu-vien"
LIBRARY_GROUP = "Biên tập thư viện tỉnh"
LIBRARY_COLLECTION = "Thư viện tỉnh"
MODERATION_TASK_NAME = "Tổ trưởng chuyên môn duyệt"

# Page permissions, by Wagtail's codenames: "add" lets a teacher create lessons and edit the
# ones they own; "change" edits any page below; "publish" puts it online.
TEACHER_PAGE_PERMISSIONS = ["add", "publish", "lock"]
EDITOR_PAGE_PERMISSIONS = ["add", "change", "publish", "lock", "unlock"]
MEDIA_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
]


def _free_slug(parent: Page, base: str) -> str:
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def site_root() -> Page | None:
    """The page the lesson tree hangs under: the default site's root, home.HomePage (home sits
    above this app, so it is found through Wagtail's Site, not imported). None in a database
    emptied by a flush (transactional tests): then there is nothing to attach to."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page if site else None


def _admin_access() -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")


def _grant_pages(group: Group, page: Page, kinds: list[str]) -> None:
    for kind in kinds:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=page,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=f"{kind}_page"
            ),
        )


def _grant_media(group: Group, collection: Collection) -> None:
    for app_label, codename in MEDIA_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=collection,
            permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
        )


def _collection(name: str) -> Collection:
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=name).first()
    return existing or root.add_child(name=name)


def _editor_group(name: str, page: Page, kinds: list[str], collection: Collection) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(_admin_access())
    _grant_pages(group, page, kinds)
    _grant_media(group, collection)
    return group


def school_teachers_group_name(school: School) -> str:
    return f"Giáo viên {school.code}"


def school_heads_group_name(school: School) -> str:
    return f"Tổ trưởng chuyên môn {school.code}"


@transaction.atomic
def school_index_ensure(school: School) -> SchoolIndexPage:
    """The school's lesson tree, its teachers' group and its media collection (idempotent)."""
    index = SchoolIndexPage.objects.filter(school=school).first()
    if index is None:
        home = site_root()
        index = home.add_child(
            instance=SchoolIndexPage(
                title=school.name,
                slug=_free_slug(home, vietnamese_slug(school.code)),
                school=school,
            )
        )
    collection = _collection(school.name)
    kinds = list(TEACHER_PAGE_PERMISSIONS)
    if school_moderation_workflow(index):
        kinds.remove("publish")
    _editor_group(school_teachers_group_name(school), index, kinds, collection)
    return index


@transaction.atomic
def library_index_ensure() -> LibraryIndexPage:
    library = LibraryIndexPage.objects.first()
    if library is None:
        home = site_root()
        library = home.add_child(
            instance=LibraryIndexPage(title="Thư viện bài giảng dùng chung", slug=LIBRARY_SLUG)
        )
    _editor_group(LIBRARY_GROUP, library, EDITOR_PAGE_PERMISSIONS, _collection(LIBRARY_COLLECTION))
    return library


def user_groups_sync(user: User) -> None:
    """Put a teacher in their school's group and a province officer among the library's
    editors. Runs when a user is saved and when accounts are created in bulk (roster import:
    accounts.events.users_created)."""
    if not user.pk:
        return
    managed = Group.objects.filter(name__startswith="Giáo viên ")
    if user.role == Role.TEACHER and user.school_id and user.is_active:
        name = school_teachers_group_name(user.school)
        keep = Group.objects.filter(name=name).first()
        if keep is None:
            school_index_ensure(user.school)
            keep = Group.objects.get(name=name)
        user.groups.remove(*managed.exclude(pk=keep.pk))
        user.groups.add(keep)
    else:
        user.groups.remove(*managed)
    if user.role == Role.PROVINCE_OFFICER and user.is_active:
        library_index_ensure()
        user.groups.add(Group.objects.get(name=LIBRARY_GROUP))


def library_editor_set(*, user: User, editor: bool, by: User) -> None:
    """A province officer designates (or withdraws) a teacher as a library editor."""
    if not (by.is_superuser or by.role == Role.PROVINCE_OFFICER):
        raise PermissionDenied
    if user.role != Role.TEACHER:
        raise ValidationError(_("Only teachers can be named library editors."))
    library_index_ensure()
    group = Group.objects.get(name=LIBRARY_GROUP)
    if editor:
        user.groups.add(group)
    else:
        user.groups.remove(group)


def library_editors() -> list[User]:
    return list(
        User.objects.filter(groups__name=LIBRARY_GROUP, role=Role.TEACHER)
        .select_related("school")
        .order_by(vi_order("full_name"), "username")
    )


# --- Moderation: "Tổ chuyên môn duyệt" -------------------------------------------------------


def school_moderation_workflow(index: SchoolIndexPage) -> Workflow | None:
    link = WorkflowPage.objects.filter(page=index).select_related("workflow").first()
    return link.workflow if link and link.workflow.active else None


@transaction.atomic
def school_moderation_set(*, school: School, enabled: bool, heads: list[User]) -> None:
    """Turn the subject-group review on or off for a school.

    On: a Wagtail workflow with one group approval task is attached to the school's tree, the
    heads' group may approve and publish, and ordinary teachers can only submit. Off: the
    workflow is detached and teachers publish directly again.
    """
    index = school_index_ensure(school)
    teachers = Group.objects.get(name=school_teachers_group_name(school))
    heads_group, _created = Group.objects.get_or_create(name=school_heads_group_name(school))
    publish = Permission.objects.get(content_type__app_label="wagtailcore", codename="publish_page")
    if any(h.school_id != school.pk or h.role != Role.TEACHER for h in heads):
        raise ValidationError(_("Heads of subject groups must be teachers of this school."))
    if enabled and not heads:
        raise ValidationError(_("Choose at least one head of a subject group to review lessons."))
    heads_group.user_set.set(heads)
    if enabled:
        heads_group.permissions.add(_admin_access())
        _grant_pages(heads_group, index, EDITOR_PAGE_PERMISSIONS)
        _grant_media(heads_group, _collection(school.name))
        task, _created = GroupApprovalTask.objects.get_or_create(
            name=f"{MODERATION_TASK_NAME} – {school.code}"
        )
        task.groups.set([heads_group])
        workflow, _created = Workflow.objects.get_or_create(
            name=f"Tổ chuyên môn duyệt – {school.name}"
        )
        workflow.active = True
        workflow.save(update_fields=["active"])
        WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
        WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
        GroupPagePermission.objects.filter(group=teachers, page=index, permission=publish).delete()
    else:
        WorkflowPage.objects.filter(page=index).delete()
        _grant_pages(teachers, index, ["publish"])


# --- Copies from the library -----------------------------------------------------------------


@transaction.atomic
def lesson_copy_to_course(*, lesson: LessonPage, course: CoursePage, user: User) -> LessonPage:
    """A draft copy of a published library lesson in a course of the teacher's own school."""
    if not lesson.live or not isinstance(
        lesson.get_parent().get_parent().specific, LibraryIndexPage
    ):
        raise ValidationError(_("Only published lessons of the shared library can be copied."))
    school_index = course.get_parent().specific
    if not isinstance(school_index, SchoolIndexPage) or school_index.school_id != user.school_id:
        raise PermissionDenied
    copy = lesson.copy(
        to=course,
        update_attrs={
            "slug": _free_slug(course, lesson.slug),
            "owner": user,
            "copied_from": lesson,
        },
        keep_live=False,
        copy_revisions=False,
        user=user,
    )
    return copy


# --- Assignments -----------------------------------------------------------------------------


@transaction.atomic
def lesson_assign(
    *,
    lesson: LessonPage,
    classrooms: list[Classroom],
    by: User,
    available_from=None,
    due_at=None,
) -> list[LessonAssignment]:
    """Give a lesson to classes; assigning again updates the dates."""
    if not lesson.live:
        raise ValidationError(_("Publish the lesson before assigning it."))
    if not classrooms:
        raise ValidationError(_("Choose at least one class."))
    if available_from and due_at and available_from >= due_at:
        raise ValidationError(_("The due date must be after the available date."))
    assignments = []
    for classroom in classrooms:
        assignment, _created = LessonAssignment.objects.update_or_create(
            lesson=lesson,
            classroom=classroom,
            defaults={"available_from": available_from, "due_at": due_at, "assigned_by": by},
        )
        assignments.append(assignment)
    return assignments


def assignment_delete(*, assignment: LessonAssignment) -> None:
    assignment.delete()


# --- Progress --------------------------------------------------------------------------------


def progress_open(*, student: User, lesson: LessonPage, at=None) -> LessonProgress:
    """Record the first time a student opens a lesson (later opens change nothing). `at` is
    when it happened, for work synced later from a phone (courses.offline); now by default.

    A later open reads the row and writes nothing; the first inserts it if it is still absent
    (two tabs opening the lesson at the same moment keep the first time), with no transaction
    or savepoint around it."""
    progress = LessonProgress.objects.filter(student=student, lesson=lesson).first()
    if progress is None:
        opened = LessonProgress(student=student, lesson=lesson, opened_at=at or timezone.now())
        LessonProgress.objects.bulk_create([opened], ignore_conflicts=True)
        progress = LessonProgress.objects.get(student=student, lesson=lesson)
    return progress


def progress_complete(*, student: User, lesson: LessonPage, at=None) -> LessonProgress:
    """Record when a student first completed a lesson. A completion synced later from a phone
    (courses.offline) with an earlier time than the one stored moves it back: it is the first.
    The change is announced (courses.events.learning_recorded) in the caller's transaction."""
    at = at or timezone.now()
    with transaction.atomic():
        progress = progress_open(student=student, lesson=lesson, at=at)
        if progress.completed_at is None or at < progress.completed_at:
            moved_from = progress.completed_at
            progress.completed_at = at
            progress.opened_at = min(progress.opened_at, at)
            progress.save(update_fields=["completed_at", "opened_at"])
            announce(learning_recorded, sender=LessonProgress, student_id=student.pk,
                     lesson_id=lesson.pk, at=at, moved_from=moved_from)  # fmt: skip
    return progress
