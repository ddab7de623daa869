"""Every role's start page and main pages read in Vietnamese: no visible English UI word.

Each demo role signs in (Vietnamese is the default language), opens its start page, then every
page its menu and start page link to on this site (one level deep, at most MAX_PAGES), plus the
pages named for it below. On each page the visible text outside lesson content (what authors
wrote, which may be English in an English lesson) must contain none of ENGLISH_UI: the words our
templates, allauth, Wagtail's admin and H5P's player show when a string is not translated.
"""

import re

import pytest

from .helpers import login

pytestmark = pytest.mark.e2e

MAX_PAGES = 25

# Words of untranslated UI, matched as whole words, case-sensitive (an English UI label starts
# with a capital; Vietnamese never spells these). Common to Django, allauth, Wagtail and H5P.
ENGLISH_UI = [
    "Add", "All", "Attendance", "Back", "Cancel", "Check", "Class", "Classes", "Close", "Closures",
    "Coverage", "Dashboard", "Delete", "Documents", "Download", "Draft", "Edit", "End",
    "Export", "False", "Filter", "Help", "History", "Home", "Images", "Join", "Lesson", "Lessons",
    "Live", "Loading", "Log", "More", "Name", "Next", "No", "None", "Page", "Pages",
    "Password", "Previous", "Profile", "Promote", "Publish", "Reports", "Retry", "Save", "Search",
    "Settings", "Show", "Sign", "Start", "Status", "Student", "Students", "Submit", "Teacher",
    "Timetable", "Today", "True", "Upload", "Username", "View", "Welcome", "Yes", "You", "Your",
    "the", "and", "with", "your", "for", "has", "been", "this", "not",
]  # fmt: skip
WORDS = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ENGLISH_UI)) + r")(?![\w-])")

# Text that is content, not UI: lesson bodies and rich text (authors write them), people's and
# places' names are Vietnamese anyway; the language switcher names "English" on purpose.
VISIBLE_UI_TEXT = """() => {
  const skip = el => el.closest(
    '.lesson-body, .rich-text, .lang-switcher, [lang]:not([lang^="vi"]), script, style, code, pre'
  );
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || skip(el) || !node.textContent.trim()) continue;
    const style = getComputedStyle(el);
    const hidden = style.visibility === 'hidden' || style.display === 'none';
    if (hidden || !el.getClientRects().length) continue;
    out.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]'))
    if (!skip(el) && el.getClientRects().length) out.push(el.placeholder);
  for (const el of document.querySelectorAll('[aria-label]'))
    if (!skip(el)) out.push(el.getAttribute('aria-label'));
  return out;
}"""

# Beyond what the start page links to: the pages each role uses most ("{lesson}" is a lesson
# assigned to 9A, with an H5P activity when the demo has one; "{lesson_id}" its page id, for
# its page and its editor).
EXTRA = {
    "hocsinh": ["{lesson}"],
    "phuhuynh": [],
    "giaovien": ["/admin/", "{lesson}", "/admin/pages/{lesson_id}/edit/"],
    "bgh": ["/admin/"],
    "phonggd": ["/coverage/"],
    "sogd": ["/coverage/"],
}
ASSIGNED_LESSON = """
    SELECT p.id, p.url_path FROM wagtailcore_page p
    JOIN courses_lessonassignment a ON a.lesson_id = p.id
    JOIN classrooms_classroom c ON c.id = a.classroom_id
    JOIN courses_lessonpage l ON l.page_ptr_id = p.id
    WHERE c.name = '9A' ORDER BY l.body LIKE '%"h5p"%' DESC, p.id LIMIT 1
"""
# Links not to follow: sign-out, language switch, files, feeds, admin actions with side effects.
NOT_FOLLOWED = re.compile(
    r"logout|/i18n/|\.(ics|csv|xlsx|pdf|png|jpg|h5p)(\?|$)|/export|/download|/slips|/ws/|^#|"
    r"/documents/|/media/|/delete|/ical"
)


def _links(page, base_url: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "header a[href], main a[href]", "els => els.map(a => a.getAttribute('href'))"
    )
    seen, out = set(), []
    for href in hrefs:
        if not href or not href.startswith("/") or NOT_FOLLOWED.search(href):
            continue
        path = href.split("#")[0]
        if path not in seen:
            seen.add(path)
            out.append(path)
    return out


def _english_on(page) -> list[str]:
    """In the page and its frames (the H5P player runs in one)."""
    texts = []
    for frame in page.frames:
        try:
            texts += frame.evaluate(VISIBLE_UI_TEXT)
        except Exception:  # noqa: BLE001, S112 - a frame that navigated away or is cross-origin
            continue
    found = []
    for text in texts:
        for match in WORDS.finditer(text):
            found.append(f"{match.group(0)!r} in {text[:80]!r}")
    return found


@pytest.mark.parametrize("username", list(EXTRA))
def test_every_main_page_of_each_role_is_in_vietnamese(browser, live_server_e2e, username):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        login(page, live_server_e2e.url, username)
        start = page.url.replace(live_server_e2e.url, "") or "/"
        lesson_id, url_path = live_server_e2e.query(ASSIGNED_LESSON)[0]
        lesson = url_path.removeprefix("/home")  # the site root is the HomePage at /home/
        extra = [p.format(lesson=lesson, lesson_id=lesson_id) for p in EXTRA[username]]
        paths = [start, *_links(page, live_server_e2e.url), *extra]
        problems = {}
        for path in list(dict.fromkeys(paths))[:MAX_PAGES]:
            response = page.goto(live_server_e2e.url + path)
            assert response is not None, path
            assert response.status < 500, (path, live_server_e2e.log_tail())
            if response.status >= 400:
                continue  # a link another test covers (and a 4xx page is checked by its own test)
            page.wait_for_load_state("networkidle")
            starts = page.locator("[data-h5p-start]")
            for i in range(starts.count()):  # play each H5P activity: its texts count too
                starts.nth(i).click()
            if starts.count():
                page.locator(".h5p-player iframe").first.wait_for(timeout=15000)
                page.wait_for_timeout(2000)  # the player builds its buttons after loading
            found = _english_on(page)
            if found:
                problems[path] = found[:8]
        assert not problems, "English on Vietnamese pages:\n" + "\n".join(
            f"{path}: {words}" for path, words in problems.items()
        )
    finally:
        context.close()
