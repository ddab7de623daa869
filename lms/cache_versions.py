"""Versions for cached answers that many cache keys depend on (the page tree's routes, the H5P
libraries' version tokens): a key holds the version, so a change makes every entry made before
it unreachable at once, and those entries expire on their own.
"""

import uuid

from django.core.cache import cache
from django.db import transaction


def _key(name: str) -> str:
    return f"lms:cache-version:{name}"


def cache_version(name: str) -> str:
    version = cache.get(_key(name))
    if version is None:
        cache.add(_key(name), uuid.uuid4().hex[:12], None)
        version = cache.get(_key(name)) or ""
    return version


def _new_version(name: str) -> None:
    cache.set(_key(name), uuid.uuid4().hex[:12], None)


def cache_version_bump(name: str) -> None:
    """Now, for what this process reads before the commit, and again at the commit: a request
    in between still read the old rows and may have cached them under the new version."""
    _new_version(name)
    transaction.on_commit(lambda: _new_version(name))
