"""The users of many websocket handshakes loaded together (lms.routing.UserBatch): a class
reconnecting at once is read in one cache round trip and one query, and every socket gets the
user Django's own get_user gives it, whatever its session holds."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import LazyObject

from lms.routing import UserBatch
from lms.sessions import SessionStore
from tests.factories import StudentFactory

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sessions_read_through_the_cache(settings):
    # Production's engine with Redis; the test cache is local memory.
    settings.SESSION_ENGINE = "lms.sessions"


def signed_in(user, *, backend=MODEL_BACKEND, session_hash=None) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = session_hash or user.get_session_auth_hash()
    store.save()
    return store.session_key


def handshake(session_key) -> dict:
    """A handshake's scope as channels' SessionMiddleware leaves it: a store not read yet."""
    session = LazyObject()
    session._wrapped = SessionStore(session_key)
    return {"session": session}


def test_a_class_reconnecting_is_read_in_one_query(django_assert_num_queries):
    students = StudentFactory.create_batch(40)
    scopes = [handshake(signed_in(student)) for student in students]

    with django_assert_num_queries(1):
        users = UserBatch().write(scopes)

    assert [user.pk for user in users] == [student.pk for student in students]


def test_every_socket_gets_the_user_djangos_get_user_gives_it(settings):
    settings.SECRET_KEY_FALLBACKS = ["an-older-secret-key-" + "x" * 40]
    member, changed, left, other_backend, twice = StudentFactory.create_batch(5)
    stale_hash = changed.get_session_auth_hash()
    changed.set_password("mật khẩu mới 2026")
    changed.save()
    left.is_active = False
    left.save()
    settings.SECRET_KEY, rotated = settings.SECRET_KEY_FALLBACKS[0], settings.SECRET_KEY
    old_key_hash = member.get_session_auth_hash()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = rotated, [settings.SECRET_KEY]

    cases = {
        "signed in": (signed_in(member), member),
        "password changed since": (signed_in(changed, session_hash=stale_hash), None),
        "account deactivated": (signed_in(left), None),
        "backend no longer listed": (
            signed_in(other_backend, backend="some.removed.Backend"),
            None,
        ),
        "same student, first tab": (signed_in(twice), twice),
        "same student, second tab": (signed_in(twice), twice),
        "signed in before the key was rotated": (
            signed_in(member, session_hash=old_key_hash),
            member,
        ),
        "no session": (None, None),
        "session expired or unknown": ("x" * 32, None),
    }
    scopes = {name: handshake(key) for name, (key, _) in cases.items()}

    users = dict(zip(scopes, UserBatch().write(list(scopes.values())), strict=True))

    for name, (_, expected) in cases.items():
        if expected is None:
            assert isinstance(users[name], AnonymousUser), name
        else:
            assert users[name].pk == expected.pk, name
    # As for pages: a session whose password changed is flushed, one of a rotated key is
    # moved to a new key with the current hash.
    assert not SessionStore().exists(cases["password changed since"][0])
    rotated_session = scopes["signed in before the key was rotated"]["session"]
    assert rotated_session.session_key != cases["signed in before the key was rotated"][0]
    assert rotated_session[HASH_SESSION_KEY] == member.get_session_auth_hash()
