"""The site of a request and its root page, kept in the cache between requests (issue 17).

Wagtail looks both up on every page request (two queries). The entry belongs to the page tree's
version (lms.page_tree), which a saved Site or page changes.
"""

from django.core.cache import cache
from django.http.request import split_domain_port
from wagtail.models import Site
from wagtail.views import serve as wagtail_serve

from lms.page_tree import ENTRY_SECONDS, page_tree_version

# Hosts were checked against ALLOWED_HOSTS already (CommonMiddleware); this only bounds the entry.
MAX_HOSTS = 16


def site_for_request(request) -> Site | None:
    """Wagtail's Site.find_for_request, with the root page already specific."""
    hostname = split_domain_port(request._get_raw_host())[0]
    host = f"{hostname}:{request.get_port()}"
    key = f"home:sites:{page_tree_version()}"
    sites = cache.get(key) or {}
    if host in sites:
        return sites[host]
    site = Site._find_for_request(request)
    if site is not None:
        site.root_page = site.root_page.specific
    if len(sites) < MAX_HOSTS:
        cache.set(key, {**sites, host: site}, ENTRY_SECONDS)
    return site


class CachedSiteMiddleware:
    """Gives Wagtail's page view the request's site from the cache (Site.find_for_request reads
    `request._wagtail_site` before it queries). Other views never look a site up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is wagtail_serve:
            request._wagtail_site = site_for_request(request)
