"""Pages for a signed-in user are theirs: no shared cache (a proxy, a school's gateway) may keep
them. The service worker keeps its own per-user copies (docs/offline.md)."""

from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            patch_cache_control(response, private=True)
        return response
