"""lms.runtime: what a server process does once started, before it serves."""

import gc
import json
import os
import pprint
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import txaio
from asgiref.local import Local
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket import protocol
from django.core.exceptions import ImproperlyConfigured

from lms.runtime import freeze_startup, quiet_websocket_debug, tune_collector

REPO = Path(__file__).resolve().parents[2]


def test_startup_is_frozen_and_what_loading_set_is_not_inherited_by_connections():
    # The URL resolvers set asgiref Locals while loading; set in the process's root context,
    # every connection's context would carry them (measured: 64 objects more per socket).
    loaded, seen = Local(), []

    def load():
        loaded.urls = "ready"
        seen.append(loaded.urls)

    try:
        frozen = freeze_startup(load)
        assert frozen > 1000 and gc.get_freeze_count() == frozen
        assert seen == ["ready"]  # it ran, in a context of its own
        assert not hasattr(loaded, "urls")
    finally:
        gc.unfreeze()


@pytest.fixture
def formatted(monkeypatch) -> list:
    """What gets pretty-printed, with autobahn as it comes (its `pformat` is pprint's)."""
    seen = []
    real = pprint.pformat

    def pformat(obj, *args, **kwargs):
        seen.append(obj)
        return real(obj, *args, **kwargs)

    monkeypatch.setattr(pprint, "pformat", pformat)
    monkeypatch.setattr(protocol, "pformat", pformat)
    level = txaio.get_global_log_level()
    yield seen
    txaio.set_global_log_level(level)


def new_websocket() -> None:
    ws = WebSocketServerProtocol()
    ws.factory = WebSocketServerFactory()
    ws.factory.setProtocolOptions(openHandshakeTimeout=60)
    ws._connectionMade()


def test_a_new_websocket_builds_no_debug_line_unless_debug_logging_is_on(formatted):
    new_websocket()
    assert len(formatted) == 1  # autobahn as it comes: every connection, debug on or not

    assert quiet_websocket_debug() is True
    new_websocket()
    assert len(formatted) == 1

    txaio.set_global_log_level("debug")  # an operator turned debug logging on: the line is whole
    new_websocket()
    assert ("openHandshakeTimeout", 60, "WebSocketServerFactory") in formatted[-1]


def test_an_autobahn_that_no_longer_pretty_prints_is_left_as_it_is(formatted, monkeypatch):
    own = object()
    monkeypatch.setattr(protocol, "pformat", own)
    assert quiet_websocket_debug() is False
    assert protocol.pformat is own


# A worker's sockets, as the garbage collector sees them: each keeps a few dozen containers
# alive as long as it is connected, with a reference cycle (as a consumer and its tasks make),
# so that a dropped socket is garbage only the collector frees. `storms` times, every socket
# drops and reconnects. Run in a fresh interpreter, whose collections depend on nothing else.
STORMS = textwrap.dedent(
    """
    import gc, json, sys, weakref
    from lms.runtime import tune_collector
    if sys.argv[1] != "python":
        tune_collector(sys.argv[1])
    full = []
    gc.callbacks.append(lambda phase, info: phase == "stop" and info["generation"] == 2
                        and full.append(1))

    class Socket:
        def __init__(self, n):
            self.frames = [[] for _ in range(20)]
            self.peer = ("127.0.0.1", n)
            self.consumer = self

    sockets = [Socket(n) for n in range(20000)]
    dropped = [weakref.ref(s) for s in sockets]
    for _ in range(int(sys.argv[2])):
        sockets = [Socket(n) for n in range(20000)]
    print(json.dumps({"full": len(full), "first_dropped_alive": sum(r() is not None
                                                                   for r in dropped)}))
    """
)


def storms(thresholds: str, count: int) -> dict:
    out = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", STORMS, thresholds, str(count)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout)


def test_sockets_reconnecting_cost_a_worker_few_full_collections_with_its_thresholds():
    # Python's thresholds: a full collection (every socket of the worker waits for it) each
    # time long-lived objects grow by a quarter; a dozen for 20,000 sockets and three storms.
    python, ours = storms("python", 3), storms("10000,10,10", 3)
    assert python["full"] >= 8
    assert ours["full"] <= python["full"] // 4


def test_dropped_sockets_are_still_collected_with_the_worker_thresholds():
    # Rarer full collections must not mean memory that only grows: the sockets dropped in the
    # first storm are freed by the collector on its own (no gc.collect() here) a few storms on.
    assert storms("10000,10,10", 1)["first_dropped_alive"] == 20000  # not yet: pending
    assert storms("10000,10,10", 4)["first_dropped_alive"] == 0


@pytest.fixture
def thresholds():
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_gc_thresholds_are_set_from_one_to_three_numbers(thresholds):
    assert tune_collector("12000,11,9") == (12000, 11, 9)
    assert gc.get_threshold() == (12000, 11, 9)
    assert tune_collector(" 5000 ") == (5000, 11, 9)  # the rest keep their value


@pytest.mark.parametrize("spec", ["", "fast", "1000,,10", "-1", "1,2,3,4", "1000.5"])
def test_gc_thresholds_that_are_not_whole_numbers_stop_the_worker_with_a_clear_error(
    thresholds, spec
):
    before = gc.get_threshold()
    with pytest.raises(ImproperlyConfigured, match="GC_THRESHOLDS must be one to three"):
        tune_collector(spec)
    assert gc.get_threshold() == before


def test_a_worker_starts_with_the_thresholds_of_its_settings():
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="lms.settings.test",
        GC_THRESHOLDS="4321,12,13",
    )
    out = subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-c", "import gc, lms.asgi; print(*gc.get_threshold())"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.split() == ["4321", "12", "13"]
