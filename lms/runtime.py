"""Start-up of a server process: one cache handle for all its connections, what start-up
made kept out of the garbage collector's way, the collector's thresholds set for a process
that holds thousands of sockets, and no debug line built per websocket.

A Daphne process lives for days with a few hundred thousand objects made at start-up (modules,
models, the URLconf, translations) that never become garbage. Python's full collections still
walk every one of them, and they run every second or two under a busy live room, each a pause
in which no socket is served: with 1,000 students connected, 200–300 ms of latency for whoever
is waiting. `gc.freeze()` moves them to a generation that collections skip, so a full collection
walks only what the sockets themselves hold. Reference counting still frees these objects; only
a cycle among them would stay (start-up makes none that matter).
"""

import contextvars
import gc
import pprint
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

# Backends safe to share between threads (redis-py's pool gives each call its own connection).
# Memcached clients are closed at the end of each request, so they stay per context.
SHARED_CACHE_BACKENDS = {
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.db.DatabaseCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def share_caches() -> None:
    """Make the cache handles now, in the root context, before the server runs.

    Django keeps cache handles per async context (asgiref's Local), and every websocket and
    every request runs in a context of its own: a handle first used inside one stays with it, so
    each socket opened its own Redis client and connection pool (a thousand sockets, a thousand
    Redis connections, and their objects for the garbage collector to walk). A handle made in
    the root context is the one every connection's context inherits, and so is shared."""
    for alias, options in settings.CACHES.items():
        if options["BACKEND"] in SHARED_CACHE_BACKENDS:
            caches[alias]


def freeze_startup(load: Callable[[], object] | None = None) -> int:
    """Run `load` (what the server would otherwise load on its first request), then freeze
    everything alive. `load` runs in a context of its own: asgiref's Locals it sets (the URL
    resolvers set one while loading) must not be inherited by every connection's context.
    Returns how many objects were frozen."""
    if load is not None:
        contextvars.Context().run(load)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def tune_collector(spec: str) -> tuple[int, ...]:
    """Set the garbage collector's thresholds from `spec` (settings.GC_THRESHOLDS: one to three
    whole numbers, comma-separated; what is not given keeps its value). Returns them all.

    A worker holding 5,000 sockets keeps about a million objects that live as long as their
    sockets, and a million more for a while when a storm of reconnects replaces them. With
    Python's thresholds (700, 10, 10) it runs a full collection whenever the objects that have
    outlived two younger collections reach a quarter of those that survived the last full one,
    checked every 100 young collections: when thousands of sockets reconnect, a dozen full
    collections in 20 s, 0.3–1.4 s each, in which the worker serves no socket; under chat one
    every 5–10 s, each a latency spike for every member of its rooms (docs/benchmarks.md,
    "Sixth round"). With 10,000 objects before a young collection, those checks come about
    fourteen times less often: a storm costs a worker one full collection, and 20 s of chat
    after it none. Each young collection looks at more objects (the middle generation's took
    up to 240 ms in a storm here), and a worker holds more memory (garbage with reference
    cycles, which every closed socket leaves, waits for the rarer full collections: 90 MB
    more at 5,000 sockets). That garbage is still collected: young cycles by the young
    collections, older ones at the full collections."""
    try:
        values = tuple(int(part) for part in spec.split(","))
    except ValueError:
        values = ()
    if not 1 <= len(values) <= 3 or min(values) < 0:
        raise ImproperlyConfigured(
            f"GC_THRESHOLDS must be one to three whole numbers ≥ 0, comma-separated "
            f"(Python's own: 700,10,10), not {spec!r}"
        )
    gc.set_threshold(*values)
    return gc.get_threshold()


def _pformat_when_debug(obj, *args, **kwargs) -> str:
    """`pprint.pformat` while autobahn's loggers let debug lines through, else an empty
    string: autobahn only formats for its debug lines (and for `Timings.__str__`, a debug
    aid of its own)."""
    import txaio
    from txaio.interfaces import log_levels

    if log_levels.index(txaio.get_global_log_level()) < log_levels.index("debug"):
        return ""
    return pprint.pformat(obj, *args, **kwargs)


def quiet_websocket_debug() -> bool:
    """Every new websocket in autobahn (26.11, under Daphne) builds a debug line of its thirty
    protocol options with `pprint.pformat`, before its logger decides whether debug lines are
    wanted (`WebSocketProtocol._connectionMade`): 0.17 ms of worker CPU per handshake on this
    machine, 3–4% of a whole reconnect's (docs/benchmarks.md), for a line no production log
    keeps. The module's `pformat` is swapped for one that formats only while debug logging is
    on. No setting of autobahn's or Daphne's turns it off. Returns False, changing nothing, if
    autobahn no longer uses `pprint.pformat` there."""
    from autobahn.websocket import protocol

    if getattr(protocol, "pformat", None) is not pprint.pformat:
        return False
    protocol.pformat = _pformat_when_debug
    return True
