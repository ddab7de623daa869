"""Production settings from the environment, and the deploy/ files (docs/deployment.md)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "SECRET_KEY": "x7!k2-" + "q" * 60,
    "ALLOWED_HOSTS": "hoctiep.example.vn",
    "DATABASE_URL": "sqlite:////tmp/hoctiep-production-settings.db",
}
SHOW = """
import json, logging, django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print("SETTINGS=" + json.dumps({
    "layer": s.CHANNEL_LAYERS["default"]["BACKEND"],
    "cache": s.CACHES["default"]["BACKEND"],
    "sessions": s.SESSION_ENGINE,
    "storage": s.STORAGES["default"],
    "conn": [db.get("CONN_MAX_AGE"), db.get("CONN_HEALTH_CHECKS")],
}))
logging.getLogger("hoctiep.test").warning("hello %s", "log")
"""


def _production(**env: str) -> tuple[dict, str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL", "SECRET_KEY"}}
    clean.update(REQUIRED, DJANGO_SETTINGS_MODULE="lms.settings.production", **env)
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("SETTINGS="))
    return json.loads(line[len("SETTINGS=") :]), result.stdout


def test_embedded_defaults_without_redis_or_bucket():
    settings, _ = _production()
    assert settings["layer"] == "channels.layers.InMemoryChannelLayer"
    assert settings["sessions"] == "django.contrib.sessions.backends.db"
    assert settings["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert settings["conn"] == [60, True]


def test_redis_pubsub_cached_sessions_s3_and_json_logs_from_the_environment():
    settings, stdout = _production(
        REDIS_URL="redis://127.0.0.1:6379/3",
        CHANNEL_LAYER="pubsub",
        AWS_STORAGE_BUCKET_NAME="hoctiep-media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
        CONN_MAX_AGE="120",
    )
    assert settings["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert settings["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert settings["sessions"] == "lms.sessions"
    assert settings["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = settings["storage"]["OPTIONS"]
    assert options["bucket_name"] == "hoctiep-media"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["file_overwrite"] is False
    assert settings["conn"] == [120, True]
    [log] = [json.loads(x) for x in stdout.splitlines() if x.startswith("{")]
    assert log["level"] == "WARNING"
    assert log["logger"] == "hoctiep.test"
    assert log["message"] == "hello log"


def test_redis_channel_layer_is_the_default_with_redis():
    settings, _ = _production(REDIS_URL="redis://127.0.0.1:6379/3")
    assert settings["layer"] == "lms.layers.RedisChannelLayer"


def test_an_unknown_channel_layer_is_refused():
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    clean.update(REQUIRED, DJANGO_SETTINGS_MODULE="lms.settings.production", CHANNEL_LAYER="kafka")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "CHANNEL_LAYER must be redis or pubsub" in result.stderr


def test_procfiles_and_units_name_real_commands():
    from django.core.management import get_commands

    commands = get_commands()
    procfile = (ROOT / "Procfile").read_text()
    dev = (ROOT / "Procfile.dev").read_text()
    for name in ("run_worker", "run_scheduler", "migrate", "collectstatic"):
        assert name in commands
        assert f"manage.py {name}" in procfile
    for name in ("run_worker", "run_scheduler"):
        assert f"manage.py {name}" in dev
    units = ROOT / "deploy" / "systemd"
    assert "manage.py run_worker" in (units / "hoctiep-worker@.service").read_text()
    assert "manage.py run_scheduler" in (units / "hoctiep-scheduler.service").read_text()
    # The periodic jobs that used to be timers are now the scheduler's.
    assert not list(units.glob("*.timer"))


def test_production_workers_queue_a_province_reconnecting_at_once(tmp_path):
    """Daphne as the Procfile and the systemd unit run it listens with a queue of 4,096
    connections (the kernel caps it at net.core.somaxconn), not Twisted's default of 50: when a
    province reconnects at once, a full queue drops connections, which the kernel retries only
    after 1, 3, 7 s (docs/deployment.md, "Restarts and outages")."""
    from tests.resilience.servers import Daphne, listen_backlog

    if not shutil.which("ss"):
        if IN_CI:
            pytest.fail("ss (iproute2) must be installed in CI (.ci/run installs it)")
        pytest.skip("ss is not installed (apt-get install iproute2)")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.dev", DATABASE_URL=f"sqlite:///{tmp_path / 'db'}"
    )
    server = Daphne(env, tmp_path / "daphne.log").start()
    try:
        somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
        assert listen_backlog(server.port) == min(4096, somaxconn)
    finally:
        server.stop()


def test_nginx_example_is_valid(tmp_path):
    """`nginx -t` on deploy/nginx.conf, with a throwaway certificate in place of the real one."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    openssl = shutil.which("openssl")
    if not nginx or not openssl:
        if IN_CI:
            pytest.fail("nginx and openssl must be installed in CI (.ci/run installs nginx-light)")
        pytest.skip("nginx or openssl is not installed (apt-get install nginx-light)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=hoctiep.example.vn",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/hoctiep.example.vn/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/hoctiep.example.vn/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "logs").mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/logs/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "location /media/h5p/" in site  # H5P never served straight from MEDIA_ROOT
