import hashlib

from django.core.cache import cache
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page
from wagtail.url_routing import RouteResult

from lms.page_tree import ENTRY_SECONDS, page_tree_version

from .selectors import start_page_context


class HomePage(Page):
    """The site root. Signed-in users get the start page of their role; others a welcome."""

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")

    def get_template(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return "home/start_page.html"
        return "home/home_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if request.user.is_authenticated:
            context.update(start_page_context(user=request.user, params=request.GET))
        return context

    def route(self, request, path_components):
        """Wagtail's routing in one query instead of two per level (issue 17: a lesson is four
        levels down), and none while the page tree has not changed (lms.page_tree): the page
        found is cached with the pages on the way, each the parent of the next. A page class
        with its own `route` (RoutablePageMixin) still gets the rest of the path."""
        if not path_components:
            return super().route(request, path_components)
        address = hashlib.sha256("/".join(path_components).encode()).hexdigest()[:32]
        key = f"home:route:{page_tree_version()}:{self.pk}:{address}"
        page = cache.get(key)
        if page is not None:
            return RouteResult(page)
        page, remaining = self._route_walk(path_components)
        if remaining is not None:
            return page.specific.route(request, remaining)
        if not page.live:
            raise Http404
        page = page.specific
        cache.set(key, page, ENTRY_SECONDS)
        return RouteResult(page)

    def _route_walk(self, path_components) -> tuple[Page, list | None]:
        """The page at the end of the path, read with every page on the way in one query; each
        page on the way is its specific class with its own fields deferred (routing reads
        none), and the parent of the next. Stops early, with the rest of the path, at a page
        class that routes by itself."""
        candidates = list(
            Page.objects.filter(
                path__startswith=self.path,
                depth__gt=self.depth,
                depth__lte=self.depth + len(path_components),
                slug__in=set(path_components),
            ).order_by("path")
        )
        parent = self
        for index, slug in enumerate(path_components):
            page = next(
                (
                    p
                    for p in candidates
                    if p.depth == parent.depth + 1
                    and p.slug == slug
                    and p.path.startswith(parent.path)
                ),
                None,
            )
            if page is None:
                raise Http404
            page._cached_parent_obj = parent
            remaining = path_components[index + 1 :]
            if type(page.specific_deferred).route is not Page.route:
                return page, remaining
            if not remaining:
                return page, None
            parent = page.specific_deferred
        raise Http404  # not reached: the path is not empty
