"""Finding a page from its address (HomePage.route, home.sites): the same answers as Wagtail's
own routing, in fewer queries."""

from wagtail.models import Page, Site

from courses import services
from tests.courses.conftest import add_course, add_lesson


def assign(world, lesson):
    services.lesson_assign(lesson=lesson, classrooms=[world.classroom], by=world.teacher)


def test_lessons_with_the_same_address_in_two_courses_each_open_their_own(client, world):
    other_course = add_course(world.course.get_parent(), world.course.subject, grade=8)
    ours = add_lesson(world.course, "Ôn tập chương", owner=world.teacher)
    theirs = add_lesson(other_course, "Ôn tập chương", owner=world.teacher)
    ours.title = "Ôn tập chương (lớp 9)"
    ours.save_revision().publish()
    assign(world, ours)
    assign(world, theirs)
    client.force_login(world.student)
    assert ours.slug == theirs.slug
    assert "Ôn tập chương (lớp 9)" in client.get(ours.url).content.decode()
    page = client.get(theirs.url).content.decode()
    assert "<h1>Ôn tập chương</h1>" in page and "Toán" in page


def test_a_wrong_step_on_the_way_or_an_unpublished_lesson_is_not_found(client, world):
    assign(world, world.lesson)
    withdrawn = add_lesson(world.course, "Bài rút lại", owner=world.teacher)
    assign(world, withdrawn)
    withdrawn.unpublish()
    client.force_login(world.student)
    assert client.get(world.lesson.url).status_code == 200
    wrong_course = world.lesson.url.replace(f"/{world.course.slug}/", "/khong-co/")
    assert client.get(wrong_course).status_code == 404
    assert client.get(world.lesson.url + "them/").status_code == 404
    assert client.get(f"{world.course.url}{withdrawn.slug}/").status_code == 404


def test_a_new_site_root_takes_effect_at_once(client, world):
    assign(world, world.lesson)
    client.force_login(world.student)
    assert client.get(world.lesson.url).status_code == 200  # the site is cached now
    elsewhere = Page.get_first_root_node().add_child(instance=Page(title="Khác", slug="khac"))
    site = Site.objects.get(is_default_site=True)
    old_root = site.root_page
    site.root_page = elsewhere
    site.save()
    assert client.get(world.lesson.url).status_code == 404
    site.root_page = old_root
    site.save()
    assert client.get(world.lesson.url).status_code == 200


def test_a_lesson_withdrawn_or_moved_after_it_was_opened_follows_at_once(client, world):
    assign(world, world.lesson)
    client.force_login(world.student)
    old_url = world.lesson.url
    assert client.get(old_url).status_code == 200  # routed once: the route is cached now
    other_course = add_course(world.course.get_parent(), world.course.subject, grade=8)
    world.lesson.move(other_course, pos="last-child")
    lesson = type(world.lesson).objects.get(pk=world.lesson.pk)
    moved = client.get(old_url)  # Wagtail's redirect to the new address, not the old page
    assert moved.status_code == 301 and moved["Location"] == lesson.url
    assert client.get(lesson.url).status_code == 200
    lesson.unpublish()
    assert client.get(lesson.url).status_code == 404
