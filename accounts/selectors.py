"""Reads for accounts, scoped to the user."""

from allauth.mfa.models import Authenticator
from django.conf import settings

from .models import User


def user_mfa_required(*, user: User) -> bool:
    """Whether the user must have an authenticator app (settings.MFA_REQUIRED_ROLES)."""
    roles = settings.MFA_REQUIRED_ROLES
    return user.role in roles or (user.is_superuser and "superuser" in roles)


def user_has_totp(*, user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def user_must_set_up_mfa(*, user: User) -> bool:
    """A role that must have an authenticator app and has none yet: pages send it to the setup,
    sockets refuse it (accounts.middleware, lms.routing)."""
    return user_mfa_required(user=user) and not user_has_totp(user=user)
