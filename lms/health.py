"""`/healthz` for the proxy and the process supervisor: database, cache, channel layer.

Answers 200 with {"status": "ok", ...} when every check passes, else 503 with the failing check
named "error". No authentication, and no detail beyond ok/error (the exception goes to the log),
so it can sit on a public path. Each check has its own timeout, so a dead dependency makes the
probe slow by at most that much, never hang.
"""

import asyncio
import logging
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 3.0


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just set")
    cache.delete(key)


async def _channel_layer() -> None:
    """A message through the layer and back: send to a fresh channel of this process, receive."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "healthz.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "healthz.ping":
        raise RuntimeError("channel layer returned another message")
    # A cancelled receive is how a consumer leaves a channel: RedisPubSubChannelLayer
    # unsubscribes from it only then, so do the same instead of leaking one per probe.
    leftover = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    leftover.cancel()
    try:
        await leftover
    except asyncio.CancelledError:
        pass


async def _run(name: str, check) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - any failure makes the check fail; the log says why
        logger.exception("health check %s failed", name)
        return "error"
    return "ok"


@never_cache
async def healthz(request):
    checks = {
        "database": await _run("database", sync_to_async(_database)),
        "cache": await _run("cache", sync_to_async(_cache)),
        "channel_layer": await _run("channel_layer", _channel_layer),
    }
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )
