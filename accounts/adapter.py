import ipaddress
import math
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ACCOUNT_ACTION = "login_failed_account"


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the entry settings.TRUSTED_PROXY_COUNT hops from
    the right of X-Forwarded-For. Entries further left are written by the client, so never
    trusted (Daphne's --proxy-headers takes the left-most one)."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= hops and _valid_ip(forwarded[-hops]):
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def wait_text(seconds: float) -> str:
    # Django's own msgids, so its catalogue already has them in Vietnamese ("5 phút").
    minutes = max(1, math.ceil(seconds / 60))
    if minutes <= 90:
        return ngettext("%d minute", "%d minutes", minutes) % minutes
    hours = math.ceil(minutes / 60)
    return ngettext("%d hour", "%d hours", hours) % hours


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts come from school admins and roster imports, never from public signup.
        return False

    def get_client_ip(self, request) -> str:
        return client_ip(request) or super().get_client_ip(request)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth's "key" limits of login_failed count per account *and* client address, so an
        # attacker's failures lock out the attacker, not the owner on another network.
        # (IPv6 by its /64 prefix, like allauth's per-IP limits: one host holds a whole /64.)
        address = ratelimit.truncate_ip(self.get_client_ip(request))
        return f"{self._account_key(request, **credentials)}:{address}"

    def _account_key(self, request, **credentials) -> str:
        return super()._get_login_attempts_cache_key(request, **credentials)

    def pre_authenticate(self, request, **credentials) -> None:
        """allauth's limits (per address, per account and address) plus a slow one per account
        from all addresses (ACCOUNT_RATE_LIMITS); a refusal says how long to wait."""
        checks = [
            ("login_failed", self._get_login_attempts_cache_key(request, **credentials)),
            (ACCOUNT_ACTION, self._account_key(request, **credentials)),
        ]
        usages = []
        for action, key in checks:
            usage = ratelimit.consume(request, app="allauth.account", action=action, key=key)
            if not usage:
                for earlier in usages:
                    earlier.rollback()
                raise forms.ValidationError(
                    _("Too many failed sign-ins. Please try again in %(wait)s.")
                    % {"wait": wait_text(_seconds_until_allowed(request, action, key))},
                    code="too_many_login_attempts",
                )
            usages.append(usage)
        # allauth's authenticate() rolls this back when the password was right.
        self._login_failed_rl_usage = ratelimit.RateLimitUsage(
            usage=[u for usage in usages for u in usage.usage]
        )

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        # A completed password reset proves the owner: clear their per-account limit too.
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(
            request,
            app="allauth.account",
            action=ACCOUNT_ACTION,
            key=self._account_key(request, **credentials),
        )


def _seconds_until_allowed(request, action: str, key: str) -> float:
    """The longest wait among the limits of `action` that are full for `key`."""
    now, wait = time.time(), 0.0
    for rate in ratelimit.get_rates(app="allauth.account", action=action):
        cache_key = ratelimit.get_cache_key(
            request, app="allauth.account", action=action, rate=rate, key=key
        )
        history = [t for t in cache.get(cache_key, []) if t > now - rate.duration]
        if len(history) >= rate.amount:
            # History is newest first: the limit frees up when the amount-th newest expires.
            wait = max(wait, history[rate.amount - 1] + rate.duration - now)
    return wait
