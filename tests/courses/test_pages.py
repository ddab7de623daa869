"""The page tree and who may edit where: Wagtail's own permission model, per school."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from courses import services
from courses.models import CoursePage, LessonPage, LibraryIndexPage, SchoolIndexPage
from home.models import HomePage
from tests.factories import SchoolFactory, TeacherFactory

from .conftest import add_course, add_lesson


class TestPageTree(WagtailPageTestCase):
    def test_lessons_live_in_courses_and_courses_in_school_or_library(self):
        self.assertCanCreateAt(CoursePage, LessonPage)
        self.assertCanCreateAt(SchoolIndexPage, CoursePage)
        self.assertCanCreateAt(LibraryIndexPage, CoursePage)
        self.assertCanNotCreateAt(HomePage, LessonPage)
        self.assertCanNotCreateAt(HomePage, CoursePage)
        self.assertCanNotCreateAt(CoursePage, CoursePage)
        self.assertAllowedParentPageTypes(LessonPage, {CoursePage})
        self.assertAllowedSubpageTypes(LessonPage, {})

    def test_school_index_is_made_with_the_school_not_by_hand(self):
        assert SchoolIndexPage not in HomePage.creatable_subpage_models()
        school = SchoolFactory(name="Trường THCS Lê Lợi", code="THCS-LELOI")
        index = SchoolIndexPage.objects.get(school=school)
        assert index.get_parent().specific_class is HomePage
        assert index.slug == "thcs-leloi"
        assert index.title == "Trường THCS Lê Lợi"


def perms(user, page):
    # A fresh user each time: Wagtail caches a user's permissions on the instance.
    fresh = type(user).objects.get(pk=user.pk)
    return Page.objects.get(pk=page.pk).permissions_for_user(fresh)


def test_teachers_write_lessons_only_in_their_own_school(world):
    assert perms(world.teacher, world.course).can_add_subpage()
    assert not perms(world.other_teacher, world.course).can_add_subpage()
    assert not perms(world.other_teacher, world.lesson).can_edit()
    # The library is the province's: a teacher reads it but does not edit it.
    assert not perms(world.teacher, world.library_course).can_add_subpage()
    assert perms(world.officer, world.library_course).can_add_subpage()
    assert perms(world.officer, world.library_lesson).can_publish()


def test_teachers_edit_their_own_lessons_not_a_colleagues(world):
    colleague = TeacherFactory(school=world.school_a)
    theirs = add_lesson(world.course, "Bài của đồng nghiệp", owner=colleague)
    assert perms(world.teacher, world.lesson).can_edit()
    assert perms(world.teacher, world.lesson).can_publish()
    assert not perms(world.teacher, theirs).can_edit()


def test_province_officer_names_teachers_library_editors(world):
    services.library_editor_set(user=world.other_teacher, editor=True, by=world.officer)
    assert perms(world.other_teacher, world.library_course).can_add_subpage()
    services.library_editor_set(user=world.other_teacher, editor=False, by=world.officer)
    assert not perms(world.other_teacher, world.library_course).can_add_subpage()
    with pytest.raises(PermissionDenied):
        services.library_editor_set(user=world.other_teacher, editor=True, by=world.teacher)


def test_a_teacher_moved_to_another_school_loses_the_old_subtree(world):
    world.other_teacher.school = world.school_a
    world.other_teacher.save()
    assert perms(world.other_teacher, world.course).can_add_subpage()
    world.other_teacher.school = world.school_b
    world.other_teacher.save()
    assert not perms(world.other_teacher, world.course).can_add_subpage()


def test_teacher_opens_the_lesson_editor_in_the_wagtail_admin(client, world):
    client.force_login(world.teacher)
    url = f"/admin/pages/add/courses/lessonpage/{world.course.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    assert 'lang="vi"' in response.content.decode()
    client.force_login(world.other_teacher)
    response = client.get(url)
    assert response.status_code in (302, 403)


def test_moderation_workflow_makes_teachers_submit_and_heads_approve(world):
    head = TeacherFactory(school=world.school_a)
    services.school_moderation_set(school=world.school_a, enabled=True, heads=[head])
    draft = add_lesson(world.course, "Bài cần duyệt", owner=world.teacher, publish=False)
    assert not perms(world.teacher, draft).can_publish()
    assert perms(head, draft).can_publish()

    workflow = draft.get_workflow()
    assert workflow is not None and workflow.name.startswith("Tổ chuyên môn duyệt")
    state = workflow.start(draft, world.teacher)
    task_state = state.current_task_state
    assert task_state.task.specific.user_can_access_editor(draft, head)
    task_state.task.specific.on_action(task_state, head, "approve")
    draft.refresh_from_db()
    assert draft.live

    services.school_moderation_set(school=world.school_a, enabled=False, heads=[])
    assert perms(world.teacher, draft).can_publish()
    assert LessonPage.objects.get(pk=draft.pk).get_workflow() is None


def test_moderation_needs_a_head_from_the_school(world):
    with pytest.raises(ValidationError):
        services.school_moderation_set(school=world.school_a, enabled=True, heads=[])
    with pytest.raises(ValidationError):
        services.school_moderation_set(
            school=world.school_a, enabled=True, heads=[world.other_teacher]
        )


def test_teacher_copies_a_library_lesson_into_a_course_of_their_school(world):
    copy = services.lesson_copy_to_course(
        lesson=world.library_lesson, course=world.course, user=world.teacher
    )
    assert copy.get_parent().pk == world.course.pk
    assert not copy.live
    assert copy.owner == world.teacher
    assert copy.copied_from_id == world.library_lesson.pk
    assert [b.block_type for b in copy.body] == [b.block_type for b in world.library_lesson.body]
    assert perms(world.teacher, copy).can_edit()

    other_course = add_course(
        services.school_index_ensure(world.school_b),
        world.course.subject,
        owner=world.other_teacher,
    )
    with pytest.raises(PermissionDenied):
        services.lesson_copy_to_course(
            lesson=world.library_lesson, course=other_course, user=world.teacher
        )
    with pytest.raises(ValidationError):
        services.lesson_copy_to_course(lesson=world.lesson, course=world.course, user=world.teacher)


def test_top_level_blocks_keep_their_anchor_ids_across_revisions(world):
    before = [a["id"] for a in world.lesson.anchors()]
    revision = world.lesson.save_revision(user=world.teacher)
    revision.publish()
    after = [a["id"] for a in LessonPage.objects.get(pk=world.lesson.pk).anchors()]
    assert before == after and len(before) == 2
    assert world.lesson.anchors()[0]["label"] == "Khái niệm"


def test_a_slug_clash_is_a_form_error_and_vietnamese_titles_get_ascii_addresses(client, world):
    client.force_login(world.teacher)
    url = f"/admin/pages/add/courses/lessonpage/{world.course.pk}/"
    data = {
        "title": world.lesson.title,
        "slug": "hệ-hai-phương-trình-bậc-nhất-hai-ẩn",
        "summary": "",
        "body-count": "0",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error: nothing lost
    assert "slug" in response.context["form"].errors
    assert world.course.get_children().count() == 1

    data["title"] = "Phương trình bậc nhất một ẩn"
    data["slug"] = "phương-trình-bậc-nhất-một-ẩn"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert world.course.get_children().filter(slug="phuong-trinh-bac-nhat-mot-an").exists()


def test_library_editors_page_is_for_province_officers(client, world):
    client.force_login(world.teacher)
    assert client.get("/library/editors/").status_code == 404
    client.force_login(world.officer)
    response = client.post("/library/editors/", {"username": "khong-co-ai"})
    assert response.status_code == 200 and "username" in response.context["form"].errors
    response = client.post("/library/editors/", {"username": world.other_teacher.username})
    assert response.status_code == 302
    assert perms(world.other_teacher, world.library_course).can_add_subpage()
    client.post("/library/editors/", {"remove": world.other_teacher.pk})
    assert not perms(world.other_teacher, world.library_course).can_add_subpage()


def test_school_admin_turns_review_on_from_the_school_page(client, world):
    from tests.factories import SchoolAdminFactory

    admin = SchoolAdminFactory(school=world.school_a)
    head = TeacherFactory(school=world.school_a)
    client.force_login(admin)
    url = f"/schools/{world.school_a.pk}/lesson-review/"
    response = client.post(url, {"enabled": "on"})
    assert response.status_code == 200 and "heads" in response.context["form"].errors
    assert client.post(url, {"enabled": "on", "heads": [head.pk]}).status_code == 302
    assert not perms(world.teacher, world.lesson).can_publish()
    assert perms(head, world.lesson).can_publish()
    client.force_login(world.teacher)
    assert client.get(url).status_code == 404
