from allauth.account.authentication import get_authentication_records
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .selectors import user_has_totp, user_must_set_up_mfa


class ForcePasswordChangeMiddleware:
    """Accounts signed in with a slip's initial password must choose their own first."""

    ALLOWED_PREFIXES = ("/static/", "/i18n/", "/accounts/logout/", "/accounts/password/reset/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and request.path != reverse("account_change_password")
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            messages.info(
                request,
                _("Welcome! Please choose your own password before you continue."),
            )
            return redirect("account_change_password")
        return self.get_response(request)


class MfaRequiredMiddleware:
    """Staff roles must set up an authenticator app first; the admins need a session that
    passed it.

    A role in settings.MFA_REQUIRED_ROLES without TOTP reaches only the MFA setup pages (and
    the forced password change before them). Anyone with an authenticator enters the Wagtail or
    Django admin only with a session that entered a code, else allauth asks for one.
    """

    ALLOWED_PREFIXES = (
        "/static/",
        "/i18n/",
        "/accounts/logout/",
        "/accounts/2fa/",
        "/accounts/reauthenticate/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        path = request.path
        if (
            not path.startswith(self.ALLOWED_PREFIXES)
            and path != reverse("account_change_password")
            and user_must_set_up_mfa(user=user)
        ):
            messages.info(
                request,
                _(
                    "Your account can see many students' data: set up two-factor "
                    "authentication with an authenticator app before you continue."
                ),
            )
            return redirect("mfa_activate_totp")
        if (
            path.startswith(self._admin_prefixes())
            and not self._session_passed_mfa(request)
            and user_has_totp(user=user)
        ):
            return redirect_to_login(request.get_full_path(), reverse("mfa_reauthenticate"))
        return self.get_response(request)

    @staticmethod
    def _admin_prefixes() -> tuple[str, str]:
        return reverse("wagtailadmin_home"), reverse("admin:index")

    @staticmethod
    def _session_passed_mfa(request) -> bool:
        records = get_authentication_records(request, request.user)
        return any(record.get("method") == "mfa" for record in records)
