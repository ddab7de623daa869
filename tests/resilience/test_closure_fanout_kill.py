"""Kill -9 the background worker in the middle of a district closure's fan-out (issue 15).

A real `manage.py run_worker` process runs the fan-out on a SQLite file with e-mails written
to files; it is killed when some chunks are done and others are not, then a new worker starts.
The new worker puts the killed one's task back in the queue (its heartbeat went stale), and in
the end every student and guardian has exactly one notice and one e-mail (one Message-ID each;
a message handed to the mail server twice carries the same Message-ID), and the closure page
shows the finished progress. Runs in both CI passes on the embedded defaults.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

from tests.resilience.servers import REPO_ROOT, manage, migrated_sqlite, server_env, sqlite_rows

STUDENTS = 300  # and as many guardians: 600 people, in chunks of 25
CHUNK = 25
STALE = 3

WORLD = """
from django.contrib.auth.hashers import make_password
from accounts.models import User
from tests.factories import (ClassroomFactory, DistrictFactory, DistrictOfficerFactory,
                             EnrollmentFactory, GuardianshipFactory, SchoolFactory, PASSWORD)
_hash = make_password(PASSWORD)
User.set_password = lambda self, raw: setattr(self, "password", _hash)
district = DistrictFactory()
officer = DistrictOfficerFactory(district=district)
for s in range(3):
    school = SchoolFactory(district=district)
    for c in range(4):
        classroom = ClassroomFactory(school=school)
        for _ in range(N // 12):
            GuardianshipFactory(student=EnrollmentFactory(classroom=classroom).student)
print("OFFICER=%d" % officer.pk)
"""
DECLARE = """
import datetime
from django.utils import timezone
from accounts.models import User
from classrooms.closures.services import closure_declare
officer = User.objects.get(pk=OFFICER)
today = timezone.localdate()
closure = closure_declare(by=officer, scope="district", district=officer.district,
                          starts_on=today, ends_on=today + datetime.timedelta(days=3),
                          reason="flood")
print("CLOSURE=%d" % closure.pk)
"""
PROGRESS = """
import json
from django.test import Client
from classrooms.models import Closure
closure = Closure.objects.get(pk=CLOSURE)
client = Client(SERVER_NAME="localhost", HTTP_ACCEPT_LANGUAGE="vi")
client.force_login(closure.declared_by)
p = client.get("/closures/%d/progress/" % CLOSURE).json()["changes"][0]
page = client.get("/closures/%d/" % CLOSURE).content.decode()
start = page.index('id="closure-history"')
p["page"] = page[start : page.index("</section>", start)]
print("PROGRESS=" + json.dumps(p, separators=(",", ":"), ensure_ascii=True))
"""
CHUNKS = "SELECT COUNT(*), COUNT(done_at) FROM classrooms_fanoutchunk"
PENDING = "SELECT COUNT(*) FROM classrooms_closureemail WHERE status = 'pending'"


def _value(out: str, name: str) -> str:
    return re.search(rf"{name}=(\S+)", out).group(1)


def _worker(env, log):
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--no-reload", "--interval", "0.1",
         "--no-startup-delay"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _message_ids_by_address(maildir) -> dict[str, list[str]]:
    """Django's file backend writes each message followed by a line of 79 dashes."""
    found: dict[str, list[str]] = {}
    for path in maildir.iterdir():
        for block in path.read_text(errors="replace").split("-" * 79):
            to = re.search(r"^To: (\S+)$", block, re.M)
            mid = re.search(r"^Message-ID: (\S+)$", block, re.M)
            if to and mid:
                found.setdefault(to.group(1), []).append(mid.group(1))
    return found


def test_a_worker_killed_mid_fanout_leaves_one_notice_and_one_email_each(
    tmp_path, tmp_path_factory
):
    db = migrated_sqlite(tmp_path_factory.getbasetemp(), tmp_path / "fanout.sqlite3")
    maildir = tmp_path / "mail"
    maildir.mkdir()
    env = server_env(
        db,
        EMAIL_URL=f"filemail:///{maildir}",  # django-environ drops one leading slash
        CLOSURE_FANOUT_CHUNK_PEOPLE=str(CHUNK),
        JOBS_WORKER_STALE_SECONDS=str(STALE),
    )
    officer = int(_value(manage("shell", "-c", f"N = {STUDENTS}\n{WORLD}", env=env), "OFFICER"))
    closure = int(
        _value(manage("shell", "-c", f"OFFICER = {officer}\n{DECLARE}", env=env), "CLOSURE")
    )
    rows = sqlite_rows(db)
    assert rows(CHUNKS)[0] == (0, 0)  # the declaring request did none of the fan-out

    log = (tmp_path / "worker.log").open("wb")
    first = _worker(env, log)
    try:
        deadline = time.monotonic() + 120
        while True:  # kill it mid-way: some chunks done, not all
            total, done = rows(CHUNKS)[0]
            if total and 2 <= done < total - 4:
                break
            assert first.poll() is None and time.monotonic() < deadline, (total, done)
            time.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        total, done_at_kill = rows(CHUNKS)[0]
        assert done_at_kill < total, "the fan-out finished before the kill"

        second = _worker(env, log)
        try:
            deadline = time.monotonic() + 120
            while True:
                total, done = rows(CHUNKS)[0]
                pending = rows(PENDING)[0][0]
                if done == total and pending == 0:
                    break
                assert time.monotonic() < deadline, (total, done, pending)
                time.sleep(0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
        log.close()

    people = 2 * STUDENTS
    notices = Counter(
        user for (user,) in rows("SELECT user_id FROM accounts_notice WHERE kind = 'closure'")
    )
    assert len(notices) == people and set(notices.values()) == {1}
    ids_by_address = _message_ids_by_address(maildir)
    addresses = {
        a for (a,) in rows("SELECT email FROM accounts_user WHERE role IN ('student', 'guardian')")
    }
    assert set(ids_by_address) == addresses and len(addresses) == people, "someone got no e-mail"
    assert all(len(set(ids)) == 1 for ids in ids_by_address.values()), "someone got two e-mails"
    handed_twice = sum(len(ids) - 1 for ids in ids_by_address.values())
    assert handed_twice <= 1  # at most the one message in flight at the kill, same Message-ID
    out = manage("shell", "-c", f"CLOSURE = {closure}\n{PROGRESS}", env=env)
    state = json.loads(out.split("PROGRESS=", 1)[1].splitlines()[0])
    assert state["finished"] and state["notified"] == people == state["emails_sent"]
    assert state["emails_failed"] == 0 and state["finished_at"]
    # What the officer sees on the closure page: the finished figures, nothing polling.
    page = state["page"]
    assert f"Thông báo đã gửi: {people}/{people}" in page
    assert f"Email đã gửi: {people}, lỗi: 0, đang chờ: 0" in page
    assert 'data-finished="1"' in page and 'data-finished="0"' not in page and "Xong" in page
