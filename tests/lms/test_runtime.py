"""lms.runtime: what a server process does once started, before it serves."""

import gc
import pprint

import pytest
import txaio
from asgiref.local import Local
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket import protocol

from lms.runtime import freeze_startup, quiet_websocket_debug


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
