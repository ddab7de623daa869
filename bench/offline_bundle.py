"""Bytes a student's phone downloads to save lessons for offline use (docs/offline.md).

A fresh SQLite database and media folder in a temporary directory, `migrate` and `seed_demo`
(with the H5P sample when ../shared/h5p/hello-truefalse.h5p exists), then as the demo student
`hocsinh` of 9A: the bundle of each assigned demo lesson (courses.offline.selectors, the list
the phone downloads), by kind, and "save all" for 9A's assignments, where files shared by
lessons (KaTeX, the H5P player, the site's CSS) count once. Sizes are the stored files'
(uncompressed; the page is rendered for the student).

    .venv/bin/python bench/offline_bundle.py
"""

import io
import os
import sys
import tempfile
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TMP = Path(tempfile.mkdtemp(prefix="offline-bundle-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="lms.settings.dev",
    DATABASE_URL=f"sqlite:///{TMP / 'bench.db'}",
    MEDIA_ROOT=str(TMP / "media"),
    ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
)
os.chdir(REPO)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402


def kind(url: str, lesson_url: str) -> str:
    if url == lesson_url:
        return "page"
    if "/vendor/katex/" in url:
        return "KaTeX"
    if "/vendor/h5p/" in url or url.endswith(("h5p-block.js", "h5p-frame.js")):
        return "H5P player"
    if url.startswith("/h5p/libraries/"):
        return "H5P libraries"
    if url.startswith("/h5p/"):
        return "H5P content"
    if url.startswith("/media/"):
        return "images"
    return "site (CSS, JS)"


def kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


def main() -> None:
    with redirect_stdout(io.StringIO()):
        call_command("migrate", "--noinput", verbosity=0)
        call_command("seed_demo")
    client = Client()
    client.force_login(User.objects.get(username="hocsinh"))
    data = client.get(reverse("courses:offline_assigned_bundles")).json()
    print(f"{'lesson':52} {'files':>5} {'bytes':>10}  by kind")
    for bundle in data["lessons"]:
        kinds = Counter()
        for file in bundle["files"]:
            kinds[kind(file["url"], bundle["url"])] += file["bytes"]
        detail = ", ".join(f"{name} {kb(size)}" for name, size in kinds.most_common())
        title, count, size = bundle["title"][:52], len(bundle["files"]), kb(bundle["bytes"])
        print(f"{title:52} {count:>5} {size:>10}  {detail}")
    unique = {f["url"] for b in data["lessons"] for f in b["files"]}
    label = "9A: all assigned lessons (shared files once)"
    print(f"{label:52} {len(unique):>5} {kb(data['bytes']):>10}")


if __name__ == "__main__":
    main()
