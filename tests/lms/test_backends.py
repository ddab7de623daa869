"""The production engines: Redis (channel layer and cache) and PostgreSQL.

Outside CI these skip with a reason when the service is absent; in CI they must run.
"""

import asyncio
import json
import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections

from tests.settings_probe import settings_output


def _layer_and_cache_backends(env: dict) -> list[str]:
    env = {**env, "DJANGO_SETTINGS_MODULE": "lms.settings.test"}
    return json.loads(
        settings_output(
            "json.dumps([s.CHANNEL_LAYERS['default']['BACKEND'], s.CACHES['default']['BACKEND']])",
            env=env,
        )
    )


def test_redis_url_switches_channel_layer_and_cache():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    assert _layer_and_cache_backends({**env, "REDIS_URL": "redis://127.0.0.1:6379/3"}) == [
        "lms.layers.RedisChannelLayer",
        "django.core.cache.backends.redis.RedisCache",
    ]
    assert _layer_and_cache_backends(env) == [
        "channels.layers.InMemoryChannelLayer",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


@pytest.mark.asyncio
async def test_redis_channel_layer_fans_out_to_hundreds_of_channels(redis_url):
    """Hundreds of listeners on one process must all get the message (redis-py < 8), and the
    hundreds of calls in flight at once (a class reconnecting) share the worker's bounded pool
    of Redis connections instead of opening one each (lms.layers)."""
    from lms.layers import RedisChannelLayer

    layer = RedisChannelLayer(hosts=[redis_url], prefix=f"test-{os.getpid()}", pool_size=8)
    group = "classroom.fanout"
    channels = [await layer.new_channel() for _ in range(300)]
    try:
        await asyncio.gather(*(layer.group_add(group, ch) for ch in channels))
        await layer.group_send(group, {"type": "classroom.notice", "text": "Nghỉ học do lũ"})
        received = await asyncio.wait_for(
            asyncio.gather(*(layer.receive(ch) for ch in channels)), timeout=20
        )
        assert len(received) == 300
        assert all(msg["text"] == "Nghỉ học do lũ" for msg in received)
        await asyncio.gather(*(layer.group_discard(group, ch) for ch in channels))
        pool = layer.connection(0).connection_pool
        # 8 for the sends and group changes, one for the process's reader of its queue.
        assert len(pool._available_connections) + len(pool._in_use_connections) <= 8 + 1
    finally:
        await asyncio.gather(*(layer.group_discard(group, ch) for ch in channels))
        await layer.flush()
        await layer.close_pools()


def test_redis_cache_roundtrip(redis_url):
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache(redis_url, {"KEY_PREFIX": f"test-{os.getpid()}"})
    cache.set("coverage:today", {"taught": 7, "closed": 9}, 30)
    assert cache.get("coverage:today") == {"taught": 7, "closed": 9}
    cache.delete("coverage:today")


@pytest.mark.django_db(transaction=True)
def test_concurrent_enrolments_cannot_both_pass_on_postgresql(request):
    """Two school admins enrol the same student into two classes at the same moment."""
    from django.db import connection

    if connection.vendor != "postgresql":
        if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail("DATABASE_URL names PostgreSQL but the suite is not using it.")
        pytest.skip("needs PostgreSQL: runs when DATABASE_URL points at PostgreSQL (CI's 2nd pass)")

    from classrooms.models import Enrollment
    from classrooms.org.services import enrollment_create
    from tests.factories import ClassroomFactory, StudentFactory

    class_a = ClassroomFactory(name="9A")
    class_b = ClassroomFactory(name="9B", school=class_a.school, year=class_a.year)
    student = StudentFactory(school=class_a.school)
    barrier = threading.Barrier(2)
    outcomes = []

    def enrol(classroom):
        try:
            barrier.wait(timeout=10)
            enrollment_create(student=student, classroom=classroom)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=enrol, args=(c,)) for c in (class_a, class_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    assert Enrollment.objects.filter(student=student, active=True).count() == 1


def test_ci_second_pass_really_uses_postgresql(db):
    from django.db import connection

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("DATABASE_URL is not PostgreSQL in this pass")
    assert connection.vendor == "postgresql"


@pytest.mark.asyncio
async def test_redis_channel_layer_connections_do_not_read_package_metadata(redis_url):
    """Opening a Redis connection must not read redis-py's version from the installed
    packages' metadata each time (4.7% of the workers' CPU in a reconnect storm)."""
    from importlib import metadata

    from lms.layers import RedisChannelLayer

    layer = RedisChannelLayer(hosts=[redis_url], prefix=f"test-{os.getpid()}", pool_size=8)
    reads = []
    version = metadata.version

    def counting(name):
        reads.append(name)
        return version(name)

    channels = [await layer.new_channel() for _ in range(40)]
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(metadata, "version", counting)
            await asyncio.gather(*(layer.group_add("classroom.meta", ch) for ch in channels))
        pool = layer.connection(0).connection_pool
        assert len(pool._available_connections) + len(pool._in_use_connections) > 1
        assert "redis" not in reads
    finally:
        await layer.flush()
        await layer.close_pools()
