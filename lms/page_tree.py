"""A version for the Wagtail page tree, for caches of what the tree answers: the request's site
(home.sites), routing (home.models) and view restrictions (courses.models).

Any saved, deleted or moved page, changed site or changed view restriction gives the tree a new
version, so entries made before it are never read again; they expire on their own.
"""

from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction, Site, get_page_models
from wagtail.signals import post_page_move

from .cache_versions import cache_version, cache_version_bump

ENTRY_SECONDS = 600


def page_tree_version() -> str:
    return cache_version("page-tree")


def page_tree_changed(**kwargs) -> None:
    cache_version_bump("page-tree")


def page_tree_signals_connect() -> None:
    """Called once the apps are loaded (LmsConfig.ready). Each page class is named as sender:
    a receiver for every model would cost Django its fast deletes everywhere."""
    for model in [*get_page_models(), PageViewRestriction, Site]:
        for signal in (post_save, post_delete):
            signal.connect(page_tree_changed, sender=model, dispatch_uid="lms.page_tree")
    post_page_move.connect(page_tree_changed, dispatch_uid="lms.page_tree")
