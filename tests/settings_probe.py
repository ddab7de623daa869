"""Settings as a fresh process builds them from an environment: what a deployment with these
variables would run with (the test process's own settings were built once, at start-up)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SETUP = "import django, json; django.setup(); from django.conf import settings as s; "


def settings_output(expression: str, *, env: dict[str, str], timeout: int = 60) -> str:
    """The last line `print(<expression>)` writes, with `s` the django.conf settings, run in a
    new Python process with exactly `env` (DJANGO_SETTINGS_MODULE included)."""
    result = subprocess.run(
        [sys.executable, "-c", f"{SETUP}print({expression})"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]
