"""WCAG 2.1 AA on every role's main pages (issue 19 item 15), checked by axe-core.

axe-core comes from npm (package.json's devDependencies: `npm ci --ignore-scripts`); it is
injected into each page and run with the WCAG 2.0/2.1 A and AA rules. Every role signs in once
(students and guardians on a phone, staff on a laptop) and each of its main pages must show
zero violations: the start pages, the coverage dashboard and its drill-down down to a student,
a lesson, the live room and the lesson editor. A failure lists each rule with the elements it
found and axe's help.

The live room needs a live session: one is added to the demo class 9A for this module and
cancelled at the end, so the other journeys (which use the demo's own session) never see it.
"""

import datetime
import sqlite3
from pathlib import Path

import pytest

from .helpers import login, server_now

pytestmark = pytest.mark.e2e

# Adds (then cancels) a live session of 9A: after the start-page screenshots.
E2E_WRITES_DATA = True

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FAMILY = {"hocsinh", "phuhuynh"}

# Pages axe still fails, each with the fix it needs (xfail, strict=False), so that a violation
# on one page never hides behind another's. Empty: every page below passes.
KNOWN: dict[tuple[str, str], str] = {}

PAGES = [
    ("hocsinh", "/"),
    ("hocsinh", "{lesson}"),
    ("hocsinh", "{room}"),
    ("phuhuynh", "/"),
    ("giaovien", "/"),
    ("giaovien", "{lesson}"),
    ("giaovien", "{room}"),
    ("giaovien", "/admin/pages/{lesson_id}/edit/"),
    ("bgh", "/"),
    ("bgh", "/coverage/"),
    ("bgh", "/coverage/schools/{school}/"),
    ("bgh", "/coverage/classes/{classroom}/"),
    ("phonggd", "/"),
    ("phonggd", "/coverage/"),
    ("phonggd", "/coverage/districts/{district}/"),
    ("phonggd", "/coverage/schools/{school}/"),
    ("phonggd", "/coverage/classes/{classroom}/"),
    ("phonggd", "/coverage/students/{student}/"),
    ("phonggd", "/coverage/report/"),
    # Officers check the dashboard on their phones too: wide tables scroll there.
    ("phonggd", "/coverage/", "phone"),
    ("phonggd", "/coverage/classes/{classroom}/", "phone"),
    ("phonggd", "/coverage/students/{student}/", "phone"),
    ("sogd", "/"),
    ("sogd", "/coverage/"),
]

ASSIGNED_LESSON = """
    SELECT p.id, p.url_path FROM wagtailcore_page p
    JOIN courses_lessonassignment a ON a.lesson_id = p.id
    JOIN classrooms_classroom c ON c.id = a.classroom_id
    JOIN courses_lessonpage l ON l.page_ptr_id = p.id
    WHERE c.name = '9A' ORDER BY l.body LIKE '%"h5p"%' DESC, p.id LIMIT 1
"""

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({
      target: n.target.join(' '), html: n.html.slice(0, 160), summary: n.failureSummary,
    })),
  }));
}"""


def _one(server, sql, *params):
    rows = server.query(sql, params)
    assert rows, sql
    return rows[0]


def _add_live_session(server) -> int:
    """A live one-off session of 9A, taught by giaovien, started a minute ago."""
    (teacher_id,) = _one(server, "SELECT id FROM accounts_user WHERE username = 'giaovien'")
    (student_id,) = _one(server, "SELECT id FROM accounts_user WHERE username = 'hocsinh'")
    (classroom_id,) = _one(
        server,
        "SELECT classroom_id FROM classrooms_enrollment WHERE student_id = ? AND active = 1",
        student_id,
    )
    (subject_id,) = _one(
        server,
        "SELECT subject_id FROM classrooms_teachingassignment WHERE classroom_id = ? "
        "AND teacher_id = ? ORDER BY id",
        classroom_id,
        teacher_id,
    )
    now = server_now().replace(tzinfo=None)
    row = {
        "classroom_id": classroom_id, "subject_id": subject_id, "teacher_id": teacher_id,
        "title": "Kiểm tra trợ năng", "starts_at": now - datetime.timedelta(minutes=1),
        "ends_at": now + datetime.timedelta(minutes=44), "status": "live",
        "started_at": now - datetime.timedelta(minutes=1), "chat_enabled": True,
        "created_at": now, "updated_at": now,
    }  # fmt: skip
    # Any other required column (other features add some) gets its type's empty value.
    for _cid, name, kind, not_null, default, primary in server.query(
        "PRAGMA table_info(classrooms_livesession)"
    ):
        if not_null and default is None and not primary and name not in row:
            row[name] = 0 if kind.lower() in ("integer", "bool", "real", "bigint") else ""
    columns = {c[1] for c in server.query("PRAGMA table_info(classrooms_livesession)")}
    row = {k: v for k, v in row.items() if k in columns}
    with sqlite3.connect(server.db_path) as connection:
        cursor = connection.execute(
            f"INSERT INTO classrooms_livesession ({', '.join(row)}) "  # noqa: S608 - our names
            f"VALUES ({', '.join('?' for _ in row)})",
            [v.isoformat(sep=" ") if isinstance(v, datetime.datetime) else v for v in row.values()],
        )
        return cursor.lastrowid


@pytest.fixture(scope="module")
def places(live_server_e2e):
    """The ids the page paths name, and a live session for the room, cancelled afterwards."""
    server = live_server_e2e
    lesson_id, url_path = _one(server, ASSIGNED_LESSON)
    (student_id,) = _one(server, "SELECT id FROM accounts_user WHERE username = 'hocsinh'")
    classroom_id, school_id, district_id = _one(
        server,
        "SELECT c.id, s.id, s.district_id FROM classrooms_enrollment e "
        "JOIN classrooms_classroom c ON c.id = e.classroom_id "
        "JOIN classrooms_school s ON s.id = c.school_id WHERE e.student_id = ? AND e.active = 1",
        student_id,
    )
    session_id = _add_live_session(server)
    try:
        yield {
            "lesson": url_path.removeprefix("/home"),  # the site root is the HomePage at /home/
            "lesson_id": lesson_id,
            "room": f"/sessions/{session_id}/live/",
            "student": student_id,
            "classroom": classroom_id,
            "school": school_id,
            "district": district_id,
        }
    finally:
        with sqlite3.connect(server.db_path) as connection:
            connection.execute(
                "UPDATE classrooms_livesession SET status = 'cancelled' WHERE id = ?",
                (session_id,),
            )


@pytest.fixture(scope="module")
def signed_in(browser, live_server_e2e):
    """One signed-in browser context per role, made on first use. CSP is bypassed so that
    axe's script can be injected; the pages' own scripts are unchanged."""
    contexts = {}

    def context_for(username):
        if username not in contexts:
            context = browser.new_context(
                locale="vi-VN",
                viewport=PHONE if username in FAMILY else DESKTOP,
                bypass_csp=True,
            )
            context.set_default_timeout(15_000)
            login(context.new_page(), live_server_e2e.url, username)
            contexts[username] = context
        return contexts[username]

    yield context_for
    for context in contexts.values():
        context.close()


def _report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            lines.append(f"    {node['target']}: {node['summary'].splitlines()[-1].strip()}")
            lines.append(f"      {node['html']}")
    return "\n".join(lines)


def _params():
    for username, path, *viewport in PAGES:
        marks = []
        if (username, path) in KNOWN:
            marks.append(pytest.mark.xfail(reason=KNOWN[(username, path)], strict=False))
        name = f"{username}:{path}" + "".join(f":{v}" for v in viewport)
        yield pytest.param(username, path, (viewport or [None])[0], marks=marks, id=name)


@pytest.mark.parametrize(("username", "path", "viewport"), list(_params()))
def test_no_wcag_21_aa_violations(signed_in, places, live_server_e2e, username, path, viewport):
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci --ignore-scripts`"
    page = signed_in(username).new_page()
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    try:
        url = live_server_e2e.url + path.format(**places)
        response = page.goto(url)
        assert response is not None and response.status == 200, (url, response and response.status)
        page.wait_for_load_state("networkidle")
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN_AXE, WCAG_21_AA)
        assert not violations, f"{url}\n{_report(violations)}"
    finally:
        page.close()
