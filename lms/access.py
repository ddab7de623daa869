"""Who may see what (DESIGN.md): the one rule every app's selectors scope their querysets by.

A selector names, for each role, a rule (a function returning a Q) that picks the rows that
role may see; `scoped` applies it. Rules are functions so that only the user's own rule is
built (they often run a subquery). An object outside the user's scope is simply not in the
queryset, so a `*_get` answers 404 and existence does not leak.
"""

from collections.abc import Callable, Collection, Mapping

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import Q, QuerySet

from .roles import Role

Rules = Mapping[str, Callable[[], Q]]
AnyUser = AbstractUser | AnonymousUser


def scope_role(user: AnyUser) -> str:
    """The role the user's scope follows. A superuser made with createsuperuser has no real
    role: they see what a province officer sees."""
    return Role.PROVINCE_OFFICER if user.is_superuser else user.role


def has_role(user: AnyUser, roles: Collection[str]) -> bool:
    """Whether the user is signed in with one of `roles`; a superuser has them all."""
    return user.is_authenticated and (user.is_superuser or user.role in roles)


def scoped(qs: QuerySet, *, user: AnyUser, rules: Rules) -> QuerySet:
    """The part of qs the user may see. Province officers (and superusers) see everything;
    every other role sees what its rule lets through; an inactive or anonymous user, or a
    role without a rule, sees nothing."""
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if scope_role(user) == Role.PROVINCE_OFFICER:
        return qs
    rule = rules.get(user.role)
    return qs.filter(rule()) if rule else qs.none()
