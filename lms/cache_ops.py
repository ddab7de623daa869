"""Cache operations on many keys that Django's cache API does one round trip per key for."""

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache


def delete_each(keys: list[str]) -> list[bool]:
    """Delete each key; for each, whether it was there. Each delete is atomic on its own, so of
    two processes deleting the same key exactly one is told it was there (a claim). On Redis
    the deletes go in one pipelined round trip (a class reconnecting at once claims hundreds);
    `cache.delete_many` cannot tell which keys were there."""
    if not keys:
        return []
    cache = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(cache, RedisCache):
        made = [cache.make_and_validate_key(key) for key in keys]
        # Django's Redis client (RedisCacheClient); the same one `cache.delete` writes with.
        pipe = cache._cache.get_client(made[0], write=True).pipeline(transaction=False)
        for key in made:
            pipe.delete(key)
        return [bool(deleted) for deleted in pipe.execute()]
    return [cache.delete(key) for key in keys]
