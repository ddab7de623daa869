"""Sessions kept in the database and read through the cache, surviving a cache outage.

Django's cached_db store already falls back to the database when reading the cache fails, but
then raises when it writes the value back. With Redis down that would refuse every request and
every websocket handshake, although the database holds the session. Here reading never needs
the cache. Deleting (logging out) still does: a cache entry left behind would keep the session
alive, so a logout during an outage fails instead of pretending.
"""

import logging

from django.contrib.sessions.backends import cached_db

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
