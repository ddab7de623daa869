from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


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
