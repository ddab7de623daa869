"""Sessions kept in the database and read through the cache, surviving a cache outage.

Django's cached_db store already falls back to the database when reading the cache fails, but
then raises when it writes the value back. With Redis down that would refuse every request and
every websocket handshake, although the database holds the session. Here reading never needs
the cache. Deleting (logging out) still does: a cache entry left behind would keep the session
alive, so a logout during an outage fails instead of pretending.
"""

import logging

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            return super().load()
        except Exception:  # noqa: BLE001 - any cache failure; the database decides
            logger.warning("Session cache unavailable; reading the session from the database")
            session = self._get_session_from_db()
            return self.decode(session.session_data) if session else {}

    async def aload(self):
        try:
            return await super().aload()
        except Exception:  # noqa: BLE001
            logger.warning("Session cache unavailable; reading the session from the database")
            session = await self._aget_session_from_db()
            return self.decode(session.session_data) if session else {}

    @classmethod
    def load_many(cls, stores: list["SessionStore"]) -> None:
        """Read many stores' sessions from the cache in one round trip (the sockets of a class
        reconnecting at once, lms.routing.UserBatch). A store whose session is not in the
        cache, or every store while the cache is down, reads it as usual when first used."""
        waiting = {
            store.cache_key: store
            for store in stores
            if store.session_key is not None and not hasattr(store, "_session_cache")
        }
        if not waiting:
            return
        try:
            found = caches[settings.SESSION_CACHE_ALIAS].get_many(list(waiting))
        except Exception:  # noqa: BLE001 - any cache failure; each store reads the database
            logger.warning("Session cache unavailable; reading the sessions one by one")
            return
        for key, data in found.items():
            waiting[key]._session_cache = data  # what SessionBase._get_session keeps
