"""Every app's websocket routes, gathered for lms.asgi, and the checks at the edge that hold for
every route: what the HTTP middleware enforces for pages must hold for sockets too."""

from types import SimpleNamespace

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.urls import re_path
from django.utils.crypto import constant_time_compare

from accounts.selectors import user_mfa_required, user_must_set_up_mfa
from classrooms.live.routing import websocket_urlpatterns as classroom_routes
from lms.batching import ProcessBatch

# The live room's "not a member" code (docs/live-protocol.md); a browser sees any refused
# handshake as 1006, so the code is for logs and tests.
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


async def refuse_handshake(receive, send, code: int) -> None:
    """Close before accepting: the server answers the handshake with 403, and nothing runs."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": code})


async def unknown_route(scope, receive, send):
    # Channels' router raises on a path it does not know: a 500 and a traceback per attempt.
    await refuse_handshake(receive, send, CLOSE_NOT_FOUND)


class UserBatch(ProcessBatch):
    """The users of handshakes that arrive while earlier ones are being loaded, loaded in one
    call to the process's one thread for database work instead of one call each (a class or a
    province reconnecting at once queues there): their sessions in one cache round trip
    (`lms.sessions.SessionStore.load_many`) and their users in one query. A socket gets the
    user Django's `auth.get_user` would give it; every case but the common one is left to
    `auth.get_user` itself (`_user`)."""

    def write(self, scopes: list[dict]) -> list:
        sessions = [scope["session"] for scope in scopes]
        stores = [session._wrapped for session in sessions]  # channels.sessions sets it
        for store_class in {type(store) for store in stores}:
            if hasattr(store_class, "load_many"):
                store_class.load_many([s for s in stores if type(s) is store_class])
        user_model = auth.get_user_model()
        ids = {_user_id(session, user_model) for session in sessions} - {None}
        users = user_model._default_manager.in_bulk(ids) if ids else {}
        return [_user(session, users, user_model) for session in sessions]


def _user_id(session, user_model):
    try:
        return user_model._meta.pk.to_python(session[auth.SESSION_KEY])
    except (KeyError, ValidationError):
        return None


def _user(session, users: dict, user_model):
    """`auth.get_user` for a session whose user was read with the others. The common case is
    decided here exactly as Django does: the session names a listed backend that reads users
    as ModelBackend does, that user may sign in, and the session's hash is the one of the
    current secret key. Anything else (no user, an inactive one, a changed password, a hash
    of a rotated key, another backend, a second socket of the same user in the batch) goes to
    `auth.get_user`, which also flushes or cycles the session as it must."""
    user = users.pop(_user_id(session, user_model), None)
    path = session.get(auth.BACKEND_SESSION_KEY)
    if user is not None and path in settings.AUTHENTICATION_BACKENDS:
        backend = auth.load_backend(path)
        session_hash = session.get(auth.HASH_SESSION_KEY)
        if (
            type(backend).get_user is ModelBackend.get_user
            and backend.user_can_authenticate(user)
            and session_hash
            and constant_time_compare(session_hash, user.get_session_auth_hash())
        ):
            return user
    return auth.get_user(SimpleNamespace(session=session))


class BatchedAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, with the user loaded through the process's `UserBatch`."""

    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await UserBatch.for_loop().add(scope)


def auth_middleware_stack(inner):
    """Channels' AuthMiddlewareStack (cookies, session, user), with `BatchedAuthMiddleware`."""
    return CookieMiddleware(SessionMiddleware(BatchedAuthMiddleware(inner)))


class AccountGateMiddleware(BaseMiddleware):
    """What accounts.middleware holds for pages holds for sockets: an account that must still
    choose its own password, or set up its required authenticator app, opens no socket. Goes
    inside AuthMiddlewareStack, which has loaded the user."""

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if user is not None and user.is_authenticated and await self._gated(user):
            return await refuse_handshake(receive, send, CLOSE_FORBIDDEN)
        return await super().__call__(scope, receive, send)

    @staticmethod
    async def _gated(user) -> bool:
        if user.must_change_password:
            return True
        # Most sockets are students', whose role needs no authenticator: no hop to the
        # process's one thread for database work (a class reconnecting at once queues there).
        if not user_mfa_required(user=user):
            return False
        return await database_sync_to_async(user_must_set_up_mfa)(user=user)


websocket_urlpatterns = [*classroom_routes, re_path(r"", unknown_route)]
