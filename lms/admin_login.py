"""One login for the whole site: allauth's (its rate limits, MFA). The Wagtail and Django admin
login URLs only send people there, so a password posted to them authenticates nobody."""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def admin_login_redirect(request, *, home: str):
    if request.user.is_authenticated:
        # Signed in but refused by the admin (no access, or no such page): redirecting to the
        # login page would bounce straight back here.
        raise Http404
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse(home)
    return redirect_to_login(next_url)
