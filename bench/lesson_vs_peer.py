"""A student's lesson page: HọcTiếp against wagtail-lms, the nearest project on the same stack.

    .venv/bin/python bench/lesson_vs_peer.py [--pairs 4] [--requests 300] [--peer-version X]

wagtail-lms is installed from PyPI into its own virtual environment in a temporary folder (never
into the project's .venv), with a minimal project around it: Wagtail's own project template
(settings, middleware, base.html) plus `wagtail_lms`. Both sides get the same content shape:
about 1,100 characters of rich text, then one H5P block with ../shared/h5p/hello-truefalse.h5p
(read from there, imported into the temporary media folder), published, and a signed-in student
who may read it (ours: the demo's 9A student, the lesson assigned to 9A with a due date; theirs:
a student enrolled in the course). Both use SQLite in the temporary folder with the same
connection options (ours from lms/settings/base.py), DEBUG off, plain static storage.

Each side runs in its own process with its own settings; a pair is ours then theirs, and
`--pairs` pairs run interleaved (A B A B) in the same run. A run is `--requests` sequential GETs
through Django's test client after 20 warm-up GETs (ours: the first of them is the first open);
it reports p50/p95 in ms, then queries per request from 5 more GETs counted as the tests count
them (CaptureQueriesContext). Printed: each run, each pair's ratios, and their medians.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
H5P_SAMPLE = REPO.parent / "shared" / "h5p" / "hello-truefalse.h5p"
WARMUP = 20
TITLE = "Hệ hai phương trình bậc nhất hai ẩn: luyện tập"
PACKAGE_TITLE = "Đúng hay sai?"
# About 1,100 characters of text once the tags are gone (checked in prepare()).
RICH_TEXT = (
    "<p>Một <b>hệ hai phương trình bậc nhất hai ẩn</b> gồm hai phương trình dạng ax + by = c, "
    "trong đó a và b không đồng thời bằng không. Mỗi cặp số (x; y) thỏa mãn cả hai phương "
    "trình được gọi là một <i>nghiệm</i> của hệ. Giải hệ là tìm tất cả các nghiệm của nó.</p>"
    "<p>Có hai cách giải thường dùng ở lớp 9:</p>"
    "<ul><li><b>Phương pháp thế</b>: từ một phương trình, biểu diễn một ẩn theo ẩn kia rồi thế "
    "vào phương trình còn lại để được phương trình một ẩn.</li>"
    "<li><b>Phương pháp cộng đại số</b>: nhân mỗi phương trình với một số thích hợp để hệ số "
    "của một ẩn đối nhau, rồi cộng từng vế hai phương trình.</li></ul>"
    "<p>Về mặt hình học, mỗi phương trình biểu diễn một đường thẳng trên mặt phẳng tọa độ. Nếu "
    "hai đường thẳng cắt nhau, hệ có đúng một nghiệm; nếu chúng song song, hệ vô nghiệm; nếu "
    "chúng trùng nhau, hệ có vô số nghiệm. Trước khi giải, em hãy so sánh các tỉ số a/a', b/b' "
    "và c/c' để đoán trước số nghiệm của hệ.</p>"
    "<p>Ví dụ: với hệ x + y = 3 và x − y = 1, cộng từng vế ta được 2x = 4, nên x = 2, rồi y = 1. "
    "Em hãy thử lại bằng phương pháp thế và kiểm tra rằng hai cách cho cùng một kết quả. Sau "
    "đó làm bài tập đúng/sai bên dưới để tự kiểm tra; kết quả của em được lưu lại và giáo viên "
    "sẽ xem được.</p>"
)

PEER_SETTINGS = '''
"""Wagtail's project template settings (wagtail start), plus wagtail_lms."""
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "bench-only-secret-key-0123456789abcdefghijklmnop"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "wagtail_lms",
    "wagtail.contrib.forms", "wagtail.contrib.redirects", "wagtail.embeds", "wagtail.sites",
    "wagtail.users", "wagtail.snippets", "wagtail.documents", "wagtail.images",
    "wagtail.search", "wagtail.admin", "wagtail", "modelcluster", "taggit", "django_filters",
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.debug",
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": BASE_DIR / "peer.db",
    # The same connection options as HọcTiếp's SQLite (lms/settings/base.py).
    "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_ROOT = BASE_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAIL_SITE_NAME = "peer"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_BASE_URL = "http://testserver"
warnings.filterwarnings("ignore", module="wagtail_lms")
'''

PEER_URLS = """
from django.urls import include, path
from wagtail import urls as wagtail_urls

urlpatterns = [path("lms/", include("wagtail_lms.urls")), path("", include(wagtail_urls))]
"""

# Wagtail's project template base.html, with wagtail-lms's stylesheet as its templates ask.
PEER_BASE_HTML = """{% load static wagtailcore_tags wagtailuserbar %}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>{% block title %}{% if page.seo_title %}{{ page.seo_title }}{% else %}{{ page.title }}\
{% endif %}{% endblock %}{% block title_suffix %}{% wagtail_site as current_site %}\
{% if current_site and current_site.site_name %}- {{ current_site.site_name }}{% endif %}\
{% endblock %}</title>
{% if page.search_description %}\
<meta name="description" content="{{ page.search_description }}" />{% endif %}
<meta name="viewport" content="width=device-width, initial-scale=1" />
{% if request.in_preview_panel %}<base target="_blank">{% endif %}
<link rel="stylesheet" href="{% static 'wagtail_lms/css/course.css' %}">
{% block extra_css %}{% endblock %}
</head>
<body class="{% block body_class %}{% endblock %}">
{% wagtailuserbar %}
{% block content %}{% endblock %}
{% block extra_js %}{% endblock %}
</body>
</html>
"""

OURS_SETTINGS = """
import warnings
from lms.settings.base import *  # noqa: F403

ALLOWED_HOSTS = ["testserver"]
# Plain static URLs on both sides: no collectstatic manifest to build for a bench.
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
warnings.filterwarnings("ignore", message="No directory at")
"""


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


# --- Inside one side's process -----------------------------------------------------------------


def prepare_ours(state: Path) -> dict:
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from wagtail.rich_text import RichText

    from accounts.models import User
    from classrooms.models import Classroom
    from courses import services
    from courses.models import H5PPackage, LessonPage
    from demo import org
    from demo.h5p import DEMO_LESSON_TITLE, DEMO_PACKAGE_TITLE

    call_command("migrate", verbosity=0)
    call_command("seed_demo", quiet=True)
    package = H5PPackage.objects.get(title=DEMO_PACKAGE_TITLE)
    demo_lesson = LessonPage.objects.get(title=DEMO_LESSON_TITLE)
    course = demo_lesson.course
    teacher = User.objects.get(username=org.DEMO_TEACHER.username)
    lesson = course.add_child(
        instance=LessonPage(
            title=TITLE,
            slug=services.vietnamese_slug(TITLE),
            owner=teacher,
            body=[("text", RichText(RICH_TEXT)), ("h5p", {"package": package})],
        )
    )
    lesson.save_revision(user=teacher).publish()
    classroom = Classroom.objects.get(
        school=course.get_parent().specific.school, name=org.DEMO_CLASS_NAME, year__is_current=True
    )
    services.lesson_assign(
        lesson=lesson,
        classrooms=[classroom],
        by=teacher,
        due_at=timezone.now() + timedelta(days=7),
    )
    student = User.objects.get(username=org.DEMO_STUDENT.username)
    return {"user": student.pk, "url": LessonPage.objects.get(pk=lesson.pk).url}


def prepare_peer(state: Path) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.core.management import call_command
    from wagtail.models import Page, Site
    from wagtail.rich_text import RichText
    from wagtail_lms.models import CourseEnrollment, CoursePage, H5PActivity, H5PLessonPage

    call_command("migrate", verbosity=0)
    root = Site.objects.get(is_default_site=True).root_page
    course = root.add_child(instance=CoursePage(title="Toán 9", slug="toan-9"))
    course.save_revision().publish()
    with H5P_SAMPLE.open("rb") as source:
        activity = H5PActivity(title=PACKAGE_TITLE, package_file=File(source, H5P_SAMPLE.name))
        activity.save()
    lesson = course.add_child(
        instance=H5PLessonPage(
            title=TITLE,
            slug="he-hai-phuong-trinh-luyen-tap",
            body=[("paragraph", RichText(RICH_TEXT)), ("h5p_activity", {"activity": activity})],
        )
    )
    lesson.save_revision().publish()
    student = get_user_model().objects.create_user("hocsinh", password=None)
    CourseEnrollment.objects.create(user=student, course=course)
    assert Page.objects.get(pk=lesson.pk).live
    return {"user": student.pk, "url": Page.objects.get(pk=lesson.pk).url}


def measure(side: str, state: Path, requests: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils.html import strip_tags

    prepared = json.loads((state / f"{side}.json").read_text())
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(get_user_model().objects.get(pk=prepared["user"]))
    url = prepared["url"]
    times = []
    for i in range(WARMUP + requests):
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (side, response.status_code)
        if i >= WARMUP:
            times.append(elapsed)
    # Counted apart from the timed GETs, as the tests count them (BEGIN/COMMIT included).
    counts = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        counts.append(len(captured.captured_queries))
    html = response.content.decode()
    # Both pages carry the same text and one H5P player placeholder.
    assert "Phương pháp cộng đại số" in html, side
    assert html.count("data-h5p-options=" if side == "ours" else 'class="lms-h5p-activity"') == 1
    return {
        "p50": statistics.median(times),
        "p95": percentile(times, 95),
        "queries": statistics.median(counts),
        "max_queries": max(counts),
        "bytes": len(response.content),
        "text_chars": len(" ".join(strip_tags(RICH_TEXT).split())),
    }


def child(args) -> None:
    import django

    # Python put bench/ first on the path; its coverage.py would hide the `coverage` app.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
    django.setup()
    state = Path(args.state)
    if args.prepare:
        prepare = prepare_ours if args.side == "ours" else prepare_peer
        (state / f"{args.side}.json").write_text(json.dumps(prepare(state)))
        return
    print(json.dumps(measure(args.side, state, args.requests)))


# --- The orchestrating process -----------------------------------------------------------------


def peer_install(tmp: Path, version: str | None) -> tuple[Path, str]:
    venv = tmp / "peer-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    requirement = f"wagtail-lms=={version}" if version else "wagtail-lms"
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", requirement], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('wagtail-lms'), "
         "m.version('wagtail'), m.version('django'))"],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    return python, "wagtail-lms {} (Wagtail {}, Django {})".format(*installed)


def side_env(side: str, tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    if side == "peer":
        env.update(DJANGO_SETTINGS_MODULE="peer_settings", PYTHONPATH=str(tmp / "peer"))
        return env
    env.update(
        DJANGO_SETTINGS_MODULE="bench_ours_settings",
        PYTHONPATH=f"{tmp / 'ours'}{os.pathsep}{REPO}",
        SECRET_KEY="bench-only-secret-key-0123456789abcdefghijklmnop",  # noqa: S106
        DEBUG="false",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp / 'ours' / 'ours.db'}",
        STATIC_ROOT=str(tmp / "ours" / "static"),
        MEDIA_ROOT=str(tmp / "ours" / "media"),
        EMAIL_URL="consolemail://",
        H5P_DEMO_PACKAGE=str(H5P_SAMPLE),
    )
    return env


def run_side(python: Path, side: str, tmp: Path, *extra: str) -> str:
    done = subprocess.run(
        [str(python), str(Path(__file__).resolve()), "--side", side, "--state", str(tmp), *extra],
        cwd=tmp / side, env=side_env(side, tmp), capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        sys.exit(f"{side} {' '.join(extra)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--peer-version", help="wagtail-lms version (default: the latest)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--side", choices=["ours", "peer"], help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        return child(args)
    if not H5P_SAMPLE.is_file():
        sys.exit(f"The H5P sample is missing: {H5P_SAMPLE}")

    tmp = Path(tempfile.mkdtemp(prefix="lesson-vs-peer-"))
    try:
        print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
              f"{platform.python_version()}", flush=True)  # fmt: skip
        print("Installing wagtail-lms into a temporary virtual environment …", flush=True)
        peer_python, peer_versions = peer_install(tmp, args.peer_version)
        print(f"Peer: {peer_versions}", flush=True)
        (tmp / "peer" / "templates").mkdir(parents=True)
        (tmp / "peer" / "peer_settings.py").write_text(PEER_SETTINGS)
        (tmp / "peer" / "peer_urls.py").write_text(PEER_URLS)
        (tmp / "peer" / "templates" / "base.html").write_text(PEER_BASE_HTML)
        (tmp / "ours").mkdir()
        (tmp / "ours" / "bench_ours_settings.py").write_text(OURS_SETTINGS)
        pythons = {"ours": Path(sys.executable), "peer": peer_python}
        print("Preparing both databases (migrate, content, student) …", flush=True)
        for side in ("ours", "peer"):
            run_side(pythons[side], side, tmp, "--prepare")

        print(f"\n{args.pairs} pairs (HọcTiếp, then wagtail-lms), {args.requests} sequential "
              f"GETs each after {WARMUP} warm-up GETs; times in ms")  # fmt: skip
        print(f"{'pair':>4} {'side':12} {'p50':>7} {'p95':>7} {'queries':>8} {'KB':>6}")
        ratios = []
        for pair in range(1, args.pairs + 1):
            result = {}
            for side in ("ours", "peer"):
                result[side] = r = json.loads(
                    run_side(pythons[side], side, tmp, "--requests", str(args.requests))
                )
                name = "HọcTiếp" if side == "ours" else "wagtail-lms"
                print(f"{pair:>4} {name:12} {r['p50']:7.2f} {r['p95']:7.2f} "
                      f"{r['queries']:8g} {r['bytes'] / 1024:6.1f}", flush=True)  # fmt: skip
            ours, peer = result["ours"], result["peer"]
            ratio = {k: ours[k] / peer[k] for k in ("p50", "p95", "queries")}
            ratios.append(ratio)
            print(f"{pair:>4} {'ratio':12} {ratio['p50']:6.2f}× {ratio['p95']:6.2f}× "
                  f"{ratio['queries']:7.2f}×", flush=True)  # fmt: skip
        medians = {k: statistics.median(r[k] for r in ratios) for k in ("p50", "p95", "queries")}
        print(f"\nMedian ratios HọcTiếp / wagtail-lms: p50 {medians['p50']:.2f}×, "
              f"p95 {medians['p95']:.2f}×, queries {medians['queries']:.2f}×")  # fmt: skip
        print(f"Rich text: {ours['text_chars']} characters without tags.")
        print(
            "Targets (issue 17): p95 ≤ 0.80× wagtail-lms, ≤ 12 queries: "
            + ("met" if medians["p95"] <= 0.8 and ours["queries"] <= 12 else "not met")
        )
    finally:
        if args.keep:
            print(f"Kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
