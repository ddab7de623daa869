import os
import socket
from urllib.parse import urlparse

import pytest

IN_CI = bool(os.environ.get("CI"))
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url():
    """A real Redis for tests that need one: REDIS_URL, else the local default.

    Outside CI an unreachable Redis skips the test with the reason; in CI it fails it.
    """
    url = os.environ.get("REDIS_URL") or DEFAULT_TEST_REDIS_URL
    if not _reachable(url, 6379):
        if IN_CI:
            pytest.fail(f"Redis at {url} is not reachable, and CI must run the Redis tests.")
        pytest.skip(f"Redis at {url} is not reachable (set REDIS_URL or start redis-server).")
    return url


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and other cached state must not leak from one test into the next.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    # Each asyncio test runs on its own event loop. channels-redis keeps per-loop connection
    # pools, but also asyncio locks that belong to the loop that made them: a layer reused by
    # the next test can fail with "bound to a different event loop". A Daphne process has one
    # loop; here every test gets its own layer instance.
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def pytest_collection_modifyitems(config, items):
    # Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    # for as long as the browser is open, which would break the asyncio tests after it.
    # Among them, modules that change the shared server's data (E2E_WRITES_DATA) run last, so
    # the start-page screenshots always show the seeded demo as it is.
    items.sort(
        key=lambda item: (
            item.get_closest_marker("e2e") is not None,
            getattr(item.module, "E2E_WRITES_DATA", False),
        )
    )
