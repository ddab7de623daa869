"""What a student's lesson page costs in database queries (issue 17: ≤ 12 is the target).

The ceilings are today's counts, so the page cannot creep up unnoticed (bench/lesson_vs_peer.py
measures the same page against wagtail-lms).
The lesson has the benchmark's shape: rich text, then one H5P activity, assigned to the class
with a due date.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.rich_text import RichText

from courses.models import LessonProgress
from courses.services import lesson_assign
from tests.courses.conftest import add_lesson
from tests.courses.test_h5p_storage import media  # noqa: F401 - fixture
from tests.courses.test_h5p_views import new_package

# Today's counts (test settings, SQLite), after issue 17's changes (27 and 23 before). Opened
# again: session, user, the student's assignments (scope and the due date), progress, the H5P
# package and the student's result; the site, the route and the view restrictions come from the
# cache while the page tree is unchanged (lms.page_tree), the H5P libraries' version while the
# libraries are. A first open also routes (the pages on the way, the lesson), reads the
# libraries' version and writes its progress (insert-if-absent, then the row). Never raise them
# silently.
FIRST_OPEN_MAX_QUERIES = 11
SECOND_OPEN_MAX_QUERIES = 6


@pytest.fixture
def h5p_lesson(world, media):  # noqa: F811
    package = new_package(world.school_a, title="Đúng hay sai?")
    lesson = add_lesson(
        world.course,
        "Luyện tập: hệ hai phương trình",
        owner=world.teacher,
        body=[
            ("text", RichText("<p>Giải hệ bằng <b>phương pháp thế</b> rồi trả lời.</p>")),
            ("h5p", {"package": package}),
        ],
    )
    due = timezone.now() + timedelta(days=3)
    lesson_assign(lesson=lesson, classrooms=[world.classroom], by=world.teacher, due_at=due)
    return lesson


def test_first_open_of_a_lesson_stays_within_its_query_budget(
    client, world, h5p_lesson, django_assert_max_num_queries
):
    client.force_login(world.student)
    # The student has used the site before (another lesson): the site and its root page are in
    # the cache (home.sites), as they are for every request but the first after a change.
    assert client.get(world.library_lesson.url).status_code == 200
    with django_assert_max_num_queries(FIRST_OPEN_MAX_QUERIES):
        response = client.get(h5p_lesson.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "phương pháp thế" in page and "data-h5p-options=" in page
    assert LessonProgress.objects.filter(student=world.student, lesson=h5p_lesson).count() == 1


def test_opening_a_lesson_again_stays_within_its_query_budget(
    client, world, h5p_lesson, django_assert_max_num_queries
):
    client.force_login(world.student)
    client.get(h5p_lesson.url)
    first_open = LessonProgress.objects.get(student=world.student, lesson=h5p_lesson).opened_at
    with django_assert_max_num_queries(SECOND_OPEN_MAX_QUERIES):
        response = client.get(h5p_lesson.url)
    assert response.status_code == 200
    assert "data-h5p-options=" in response.content.decode()
    progress = LessonProgress.objects.get(student=world.student, lesson=h5p_lesson)
    assert progress.opened_at == first_open
