"""A teacher attaches a lesson to a session (issue 19 item 14): when adding it, before it starts,
and from inside the room, where every phone then loads it and follows the teacher through it.
The choice is the teacher's own: lessons of their school's courses for the class's grade, in the
subjects they teach there."""

import datetime

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from classrooms.live import lessons, services
from classrooms.models import LiveSession
from courses import selectors as course_selectors
from courses import services as course_services
from tests.classrooms.live.test_consumers import error_for, join, next_of, send
from tests.courses.conftest import add_course, add_lesson
from tests.factories import (
    ClassroomFactory,
    EnrollmentFactory,
    LiveSessionFactory,
    SubjectFactory,
    TeacherFactory,
    TeachingAssignmentFactory,
)

pytestmark = pytest.mark.django_db

ERROR_FOREIGN = "Hãy chọn một bài học của thầy/cô cho lớp này."


def build_world(*, site_needed=False) -> dict:
    """Class 9A of school A; its Toán teacher; Toán 9 and Ngữ văn 9 courses of school A, a Toán 8
    course, a draft, and school B's Toán 9 lesson."""
    if site_needed and not Site.objects.filter(is_default_site=True).exists():
        # A transactional test's database was emptied by a flush: no page tree, no site.
        language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
        Locale.objects.get_or_create(language_code=language)
        Collection.get_first_root_node() or Collection.add_root(name="Root")
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root"))
        home = root.add_child(instance=Page(title="HọcTiếp", slug="hoctiep"))
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    toan = SubjectFactory(code="toan", name="Toán")
    van = SubjectFactory(code="nguvan", name="Ngữ văn")
    classroom = ClassroomFactory(name="9A", grade=9)
    teacher = TeachingAssignmentFactory(classroom=classroom, subject=toan).teacher
    index = course_services.school_index_ensure(classroom.school)
    toan9 = add_course(index, toan, grade=9)
    mine = add_lesson(toan9, "Hệ hai phương trình", owner=teacher)
    colleague = add_lesson(toan9, "Phương pháp thế", owner=TeacherFactory(school=classroom.school))
    draft = add_lesson(toan9, "Bản nháp", owner=teacher)
    draft.unpublish()
    van_lesson = add_lesson(add_course(index, van, grade=9), "Truyện Kiều")
    grade8 = add_lesson(add_course(index, toan, grade=8), "Toán lớp 8")
    other = ClassroomFactory(grade=9)
    foreign = add_lesson(
        add_course(course_services.school_index_ensure(other.school), toan), "Trường khác"
    )
    return {
        "classroom": classroom,
        "teacher": teacher,
        "toan": toan,
        "van": van,
        "mine": mine,
        "colleague": colleague,
        "draft": draft,
        "van_lesson": van_lesson,
        "grade8": grade8,
        "foreign": foreign,
    }


@pytest.fixture
def lessons_world(db):
    return build_world()


def add_url(w) -> str:
    return f"/classes/{w['classroom'].pk}/sessions/add/"


def add_data(w, **extra) -> dict:
    start = timezone.localtime() + datetime.timedelta(days=2)
    return {
        "subject": w["toan"].pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 45,
        "title": "Ôn tập",
        **extra,
    }


def test_the_add_form_offers_only_the_teachers_lessons_for_the_class(client, lessons_world):
    w = lessons_world
    client.force_login(w["teacher"])
    form = client.get(add_url(w)).context["form"]
    offered = {lesson.pk for lesson in form.fields["lesson"].queryset}
    # The school's Toán 9 lessons (theirs and a colleague's), published: not the draft, not
    # Ngữ văn (they do not teach it), not grade 8, not another school's.
    assert offered == {w["mine"].pk, w["colleague"].pk}
    labels = [label for _value, label in form.fields["lesson"].choices]
    assert "Toán 9 · Hệ hai phương trình" in labels
    # The subjects are theirs too, not every subject.
    assert [s.name for s in form.fields["subject"].queryset] == ["Toán"]


def test_adding_a_session_with_a_lesson_attaches_it(client, lessons_world):
    w = lessons_world
    client.force_login(w["teacher"])
    response = client.post(add_url(w), add_data(w, lesson=w["mine"].pk))
    assert response.status_code == 302
    assert LiveSession.objects.get(title="Ôn tập").lesson_id == w["mine"].pk


@pytest.mark.parametrize("which", ["foreign", "van_lesson", "draft"])
def test_a_lesson_that_is_not_theirs_is_refused_in_vietnamese(client, lessons_world, which):
    w = lessons_world
    client.force_login(w["teacher"])
    response = client.post(add_url(w), add_data(w, lesson=w[which].pk))
    assert response.status_code == 200
    assert ERROR_FOREIGN in response.content.decode()
    # What was typed is kept, nothing is created.
    assert 'value="Ôn tập"' in response.content.decode()
    assert not LiveSession.objects.filter(title="Ôn tập").exists()


def test_a_lesson_of_another_subject_of_theirs_is_refused_for_this_subject(lessons_world):
    w = lessons_world
    TeachingAssignmentFactory(classroom=w["classroom"], subject=w["van"], teacher=w["teacher"])
    with pytest.raises(Exception) as caught:
        services.session_create_one_off(
            classroom=w["classroom"],
            subject=w["toan"],
            teacher=w["teacher"],
            by=w["teacher"],
            starts_at=timezone.now() + datetime.timedelta(days=1),
            duration_minutes=45,
            lesson=w["van_lesson"],
        )
    assert "Toán" in caught.value.message_dict["lesson"][0]


def test_the_teacher_chooses_the_lesson_of_a_scheduled_session(client, lessons_world):
    w = lessons_world
    session = LiveSessionFactory(classroom=w["classroom"], subject=w["toan"], teacher=w["teacher"])
    client.force_login(w["teacher"])
    url = f"/sessions/{session.pk}/lesson/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"lesson": w["foreign"].pk})
    assert ERROR_FOREIGN in response.content.decode()
    assert client.post(url, {"lesson": w["mine"].pk}).status_code == 302
    session.refresh_from_db()
    assert session.lesson_id == w["mine"].pk
    assert client.post(url, {"lesson": ""}).status_code == 302
    session.refresh_from_db()
    assert session.lesson_id is None
    # Once live, the page sends the teacher to the room, whose picker tells every phone.
    session.status = "live"
    session.save()
    assert client.get(url)["Location"] == f"/sessions/{session.pk}/live/"
    # A student of the class, a teacher of another class: 404.
    for outsider in (EnrollmentFactory(classroom=w["classroom"]).student, TeacherFactory()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_the_start_page_links_the_lesson_choice(client, lessons_world):
    w = lessons_world
    session = LiveSessionFactory(
        classroom=w["classroom"],
        subject=w["toan"],
        teacher=w["teacher"],
        starts_at=timezone.now() + datetime.timedelta(hours=2),
        ends_at=timezone.now() + datetime.timedelta(hours=3),
    )
    client.force_login(w["teacher"])
    assert f"/sessions/{session.pk}/lesson/" in client.get("/").content.decode()


def test_the_students_may_read_the_lesson_once_the_class_is_live(lessons_world):
    w = lessons_world
    student = EnrollmentFactory(classroom=w["classroom"]).student
    session = LiveSessionFactory(
        classroom=w["classroom"], subject=w["toan"], teacher=w["teacher"], lesson=w["mine"]
    )
    assert not course_selectors.lesson_readable(user=student, lesson=w["mine"])
    services.session_start(session=session, by=w["teacher"])
    assert course_selectors.lesson_readable(user=student, lesson=w["mine"])
    # Another class's student does not.
    other = EnrollmentFactory(classroom=ClassroomFactory(school=w["classroom"].school)).student
    assert not course_selectors.lesson_readable(user=other, lesson=w["mine"])


def test_without_a_registered_rule_no_lesson_can_be_chosen(lessons_world, monkeypatch):
    w = lessons_world
    assert lessons.lesson_choices(user=w["teacher"], classroom=w["classroom"]).exists()
    monkeypatch.setattr(lessons, "_provider", None)
    assert not lessons.lesson_choices(user=w["teacher"], classroom=w["classroom"]).exists()


def test_the_room_offers_the_teacher_their_lessons(client, lessons_world):
    w = lessons_world
    session = LiveSessionFactory(
        classroom=w["classroom"], subject=w["toan"], teacher=w["teacher"], status="live"
    )
    client.force_login(w["teacher"])
    html = client.get(f"/sessions/{session.pk}/live/").content.decode()
    assert 'id="room-lesson-form"' in html
    assert "Hệ hai phương trình" in html and "Trường khác" not in html
    client.force_login(EnrollmentFactory(classroom=w["classroom"]).student)
    assert (
        'id="room-lesson-form"' not in client.get(f"/sessions/{session.pk}/live/").content.decode()
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_lesson_chosen_in_the_room_reaches_the_students():
    w = await sync_to_async(build_world)(site_needed=True)

    @sync_to_async
    def live_session():
        session = LiveSessionFactory(
            classroom=w["classroom"],
            subject=w["toan"],
            teacher=w["teacher"],
            status="live",
            started_at=timezone.now(),
        )
        return session, EnrollmentFactory(classroom=w["classroom"]).student

    session, student = await live_session()
    teacher_ws, _ = await join(session, w["teacher"])
    student_ws, _ = await join(session, student)

    assert await error_for(teacher_ws, type="lesson.set", lesson=w["foreign"].pk) == "bad_lesson"
    assert await error_for(teacher_ws, type="lesson.set", lesson="1") == "invalid"
    assert await error_for(student_ws, type="lesson.set", lesson=w["mine"].pk) == "forbidden"

    await send(teacher_ws, type="lesson.set", lesson=w["mine"].pk)
    changed = await next_of(student_ws, "lesson.changed")
    assert changed["lesson"] == {"id": w["mine"].pk, "title": "Hệ hai phương trình"}
    saved = await sync_to_async(LiveSession.objects.get)(pk=session.pk)
    assert saved.lesson_id == w["mine"].pk

    # The teacher's socket now points the class at the new lesson's sections.
    anchor = (await sync_to_async(w["mine"].anchors)())[0]
    await send(teacher_ws, type="lesson.focus", anchor=anchor["id"])
    assert (await next_of(student_ws, "lesson.focus"))["anchor"] == anchor["id"]

    await send(teacher_ws, type="lesson.set", lesson=None)
    assert (await next_of(student_ws, "lesson.changed"))["lesson"] is None
    for ws in (teacher_ws, student_ws):
        await ws.disconnect()
