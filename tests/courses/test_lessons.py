"""Reading, assigning and completing lessons, through the pages a person uses."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import PageViewRestriction
from wagtail.rich_text import RichText

from courses import services
from courses.blocks import VideoBlock, video_embed_src
from courses.models import LessonAssignment, LessonProgress
from tests.factories import ClassroomFactory, GuardianFactory, GuardianshipFactory

from .conftest import add_course, add_lesson

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def assign(world, lesson=None, **dates):
    return services.lesson_assign(
        lesson=lesson or world.lesson, classrooms=[world.classroom], by=world.teacher, **dates
    )[0]


def test_student_finds_opens_and_completes_an_assigned_lesson(client, world):
    assign(world, due_at=timezone.now() + timedelta(days=1))
    client.force_login(world.student)

    page = client.get("/lessons/", **EN).content.decode()
    assert world.lesson.title in page and 'data-status="new"' in page

    response = client.get(world.lesson.url, **EN)
    assert response.status_code == 200
    progress = LessonProgress.objects.get(student=world.student, lesson=world.lesson)
    assert progress.opened_at and progress.completed_at is None
    assert 'data-status="opened"' in client.get("/lessons/", **EN).content.decode()

    response = client.post(f"/lessons/{world.lesson.pk}/complete/", **EN)
    assert response.status_code == 302
    progress.refresh_from_db()
    assert progress.completed_at is not None
    assert 'data-status="completed"' in client.get("/lessons/", **EN).content.decode()
    # Opening it again keeps the first-open time.
    first_open = progress.opened_at
    client.get(world.lesson.url)
    progress.refresh_from_db()
    assert progress.opened_at == first_open


def test_the_lesson_line_under_the_title_has_no_stray_separator(client, world):
    """Without an estimated duration the line reads "Due: …", not "· Due: …"."""
    assign(world, due_at=timezone.now() + timedelta(days=1))
    client.force_login(world.student)
    for minutes, expected in ((None, '<p class="hint">Due:'), (40, "About 40 minutes · Due:")):
        world.lesson.duration_minutes = minutes
        world.lesson.save_revision(user=world.teacher).publish()
        html = client.get(world.lesson.url, **EN).content.decode()
        assert expected in " ".join(html.split()).replace('"hint"> ', '"hint">'), minutes


def test_the_start_page_lists_the_students_lessons(client, world):
    assign(world)
    client.force_login(world.student)
    page = client.get("/", **EN).content.decode()
    assert world.lesson.title in page


def test_students_of_other_schools_get_404_and_anonymous_users_sign_in(client, world):
    assign(world)
    client.force_login(world.other_student)
    assert client.get(world.lesson.url).status_code == 404
    assert client.post(f"/lessons/{world.lesson.pk}/complete/").status_code == 404
    assert not LessonProgress.objects.filter(student=world.other_student).exists()
    client.logout()
    response = client.get(world.lesson.url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unassigned_and_not_yet_available_lessons_are_hidden_from_students(client, world):
    client.force_login(world.student)
    assert client.get(world.lesson.url).status_code == 404
    assign(world, available_from=timezone.now() + timedelta(hours=2))
    assert client.get(world.lesson.url).status_code == 404
    assert world.lesson.title not in client.get("/lessons/", **EN).content.decode()
    # The shared library is open to every student.
    assert client.get(world.library_lesson.url).status_code == 200


def test_a_lesson_past_its_due_date_is_overdue(client, world):
    assign(world, due_at=timezone.now() - timedelta(hours=1))
    client.force_login(world.student)
    page = client.get("/lessons/", **EN).content.decode()
    assert 'data-status="overdue"' in page and "Overdue" in page


def test_guardians_read_what_is_assigned_to_their_child(client, world):
    guardian = GuardianFactory()
    GuardianshipFactory(guardian=guardian, student=world.student)
    client.force_login(guardian)
    assert client.get(world.lesson.url).status_code == 404
    assign(world)
    assert client.get(world.lesson.url).status_code == 200
    assert not LessonProgress.objects.exists()


def test_students_and_guardians_follow_the_lesson_breadcrumb_to_their_lessons(client, world):
    """The crumb "Toán 9" on a lesson page opens the course with the lessons assigned to the
    reader, and nothing else of the school's; its own crumb to the school is not a link."""
    unassigned = add_lesson(world.course, "Bài chưa giao", owner=world.teacher)
    assign(world)
    guardian = GuardianFactory()
    GuardianshipFactory(guardian=guardian, student=world.student)
    for reader in (world.student, guardian):
        client.force_login(reader)
        lesson_page = client.get(world.lesson.url, **EN).content.decode()
        assert f'href="{world.course.url}"' in lesson_page
        response = client.get(world.course.url, **EN)
        assert response.status_code == 200, reader.role
        course_page = response.content.decode()
        assert world.lesson.title in course_page
        assert unassigned.title not in course_page
        school_index = world.course.get_parent()
        assert f'href="{school_index.url}"' not in course_page
        assert client.get(school_index.url).status_code == 404
    # A course with nothing assigned to them stays hidden.
    client.force_login(world.other_student)
    assert client.get(world.course.url).status_code == 404


def test_teachers_write_a_new_lesson_from_their_course_page_in_one_click(client, world):
    add_form = f"/admin/pages/add/courses/lessonpage/{world.course.pk}/"
    client.force_login(world.teacher)
    course_page = client.get(world.course.url).content.decode()
    assert f'href="{add_form}"' in course_page
    assert "Soạn bài mới" in course_page
    assert client.get(add_form).status_code == 200
    # The start page's link: their one course's form at once, or a choice of their courses.
    assert client.get("/lessons/new/")["Location"] == add_form
    second = add_course(world.course.get_parent(), world.course.subject, grade=8)
    choice = client.get("/lessons/new/").content.decode()
    assert f'href="{add_form}"' in choice
    assert f'href="/admin/pages/add/courses/lessonpage/{second.pk}/"' in choice
    assert f"/lessonpage/{world.library_course.pk}/" not in choice  # not a library editor
    # Readers who do not write get neither.
    assign(world)
    client.force_login(world.student)
    assert "/admin/pages/add/" not in client.get(world.course.url).content.decode()
    assert client.get("/lessons/new/").status_code == 404


def test_teacher_assigns_to_their_own_classes_only(client, world):
    foreign = ClassroomFactory(school=world.school_b)
    client.force_login(world.teacher)
    form = client.get(f"/lessons/{world.lesson.pk}/assign/", **EN).content.decode()
    assert f'value="{world.classroom.pk}"' in form and f'value="{foreign.pk}"' not in form

    response = client.post(f"/lessons/{world.lesson.pk}/assign/", {"classrooms": [foreign.pk]})
    assert response.status_code == 200
    assert not LessonAssignment.objects.exists()

    response = client.post(
        f"/lessons/{world.lesson.pk}/assign/",
        {
            "classrooms": [world.classroom.pk],
            "available_from": "2026-12-02T08:00",
            "due_at": "2026-12-01T08:00",
        },
    )
    assert "Hạn nộp phải sau thời điểm giao bài." in response.content.decode()
    assert not LessonAssignment.objects.exists()

    response = client.post(
        f"/lessons/{world.lesson.pk}/assign/",
        {"classrooms": [world.classroom.pk], "due_at": "2026-12-01T08:00"},
    )
    assert response.status_code == 302
    assignment = LessonAssignment.objects.get()
    assert assignment.classroom == world.classroom and assignment.assigned_by == world.teacher
    assert timezone.localtime(assignment.due_at).hour == 8


def test_other_schools_teachers_cannot_assign_or_see_the_table(client, world):
    assignment = assign(world)
    client.force_login(world.other_teacher)
    assert client.get(f"/lessons/{world.lesson.pk}/assign/").status_code == 404
    assert client.get(f"/assignments/{assignment.pk}/").status_code == 404
    assert client.get(f"/assignments/{assignment.pk}/export.xlsx").status_code == 404
    client.force_login(world.student)
    assert client.get(f"/assignments/{assignment.pk}/").status_code == 404


def test_teacher_sees_who_opened_and_completed_and_exports_it(client, world):
    assignment = assign(world)
    services.progress_complete(student=world.student, lesson=world.lesson)
    client.force_login(world.teacher)
    page = client.get(f"/assignments/{assignment.pk}/", **EN).content.decode()
    assert f'data-student="{world.student.username}" data-status="completed"' in page
    assert "1 of 1 opened, 1 completed" in page

    response = client.get(f"/assignments/{assignment.pk}/export.xlsx", **EN)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0] == ("Student", "Username", "Status", "First opened", "Completed")
    assert rows[1][0] == world.student.full_name and rows[1][2] == "Completed"
    assert rows[1][3] is not None and rows[1][4] is not None


def test_lesson_page_sections_have_anchor_ids_and_math_loads_katex(client, world):
    assign(world)
    client.force_login(world.student)
    page = client.get(world.lesson.url).content.decode()
    for anchor in world.lesson.anchors():
        assert f'id="{anchor["id"]}"' in page
    assert "vendor/katex/katex.min.js" in page

    plain = add_lesson(
        world.course,
        "Bài không có công thức",
        owner=world.teacher,
        body=[("heading", {"text": "Đọc hiểu", "level": "h2"})],
    )
    assign(world, lesson=plain)
    assert "katex" not in client.get(plain.url).content.decode()


def test_teachers_search_their_school_and_the_library_only(client, world):
    hidden = add_lesson(
        services.school_index_ensure(world.school_b).get_children().first() or world.library_course,
        "Phương trình bậc hai",
        owner=world.other_teacher,
    )
    client.force_login(world.teacher)
    page = client.get("/lessons/search/", {"q": "phương"}, **EN).content.decode()
    assert world.library_lesson.title in page
    if hidden.get_parent().pk != world.library_course.pk:
        assert hidden.title not in page
    page = client.get("/lessons/search/", {"q": "hệ phương trình"}, **EN).content.decode()
    assert world.lesson.title in page
    client.force_login(world.student)
    assert client.get("/lessons/search/", {"q": "phương"}).status_code == 404


def test_copying_from_the_library_through_the_lesson_page(client, world):
    client.force_login(world.teacher)
    page = client.get(world.library_lesson.url, **EN).content.decode()
    assert "Copy to my school" in page
    response = client.post(f"/lessons/{world.library_lesson.pk}/copy/", {"course": world.course.pk})
    assert response.status_code == 302 and "/admin/pages/" in response["Location"]
    assert world.course.get_children().filter(title=world.library_lesson.title).exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://example.org/video.html", None),
    ],
)
def test_video_links_become_players_loaded_on_demand(url, expected):
    assert video_embed_src(url) == expected


def test_a_video_block_needs_exactly_one_source():
    from django.core.exceptions import ValidationError

    block = VideoBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"title": "", "file": None, "url": ""}))
    assert block.clean(
        block.to_python({"title": "", "file": None, "url": "https://youtu.be/abcdefg"})
    )


def test_the_assignment_list_counts_opened_and_completed(client, world):
    assign(world)
    services.progress_complete(student=world.student, lesson=world.lesson)
    client.force_login(world.teacher)
    page = client.get("/assignments/", **EN).content.decode()
    assert page.count('<td class="num">1/1</td>') == 2


def test_a_password_on_the_course_still_guards_its_lessons(client, world):
    assign(world)
    client.force_login(world.student)
    assert "Nghiệm của hệ" in client.get(world.lesson.url).content.decode()
    PageViewRestriction.objects.create(
        page=world.course, restriction_type=PageViewRestriction.PASSWORD, password="bi-mat"
    )
    response = client.get(world.lesson.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="password"' in page and "Nghiệm của hệ" not in page


def test_a_published_change_shows_at_once_and_each_language_gets_its_own(client, world):
    assign(world)
    client.force_login(world.student)
    lesson = world.lesson
    lesson.body = [
        ("callout", {"kind": "note", "title": "", "body": RichText("<p>Hai cách giải.</p>")}),
        ("text", RichText(f'<p>Xem <a linktype="page" id="{world.course.pk}">khóa học</a>.</p>')),
    ]
    lesson.save_revision(user=world.teacher).publish()
    page = client.get(lesson.url).content.decode()
    assert "Ghi nhớ" in page and "Hai cách giải." in page
    assert f'href="{world.course.url}"' in page
    assert "Remember" in client.get(lesson.url, **EN).content.decode()

    lesson.refresh_from_db()
    lesson.body = [
        ("callout", {"kind": "note", "title": "", "body": RichText("<p>Ba cách giải.</p>")}),
    ]
    lesson.save_revision(user=world.teacher).publish()
    page = client.get(lesson.url).content.decode()
    assert "Ba cách giải." in page and "Hai cách giải." not in page
