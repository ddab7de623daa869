"""`lms.cache_ops.delete_each`: the presence grace's claims (classrooms.live.room.claim_leaving)
rest on it telling, key by key, whether each was there, on the local cache and on Redis."""

import os

import pytest
from django.test import override_settings

from lms.cache_ops import delete_each


def _claims(cache):
    cache.set_many({"leaving:1": 1, "leaving:2": 1}, 30)
    first = delete_each(["leaving:1", "leaving:2", "leaving:3", "leaving:1"])
    return first, delete_each(["leaving:2"]), cache.get("leaving:1")


def test_delete_each_says_which_keys_were_there_on_the_local_cache():
    from django.core.cache import cache

    assert _claims(cache) == ([True, True, False, False], [False], None)
    assert delete_each([]) == []


def test_delete_each_says_which_keys_were_there_on_redis_in_one_round_trip(redis_url):
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-cache-ops-{os.getpid()}",
        }
    }
    with override_settings(CACHES=redis_cache):
        from django.core.cache import caches

        cache = caches["default"]
        sent = []
        client_class = cache._cache._client
        execute = client_class.execute_command

        def counting(self, *args, **options):
            sent.append(args[0])
            return execute(self, *args, **options)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(client_class, "execute_command", counting)
            result = _claims(cache)
        assert result == ([True, True, False, False], [False], None)
        assert "DEL" not in sent  # the deletes went pipelined, not one call each
