"""The page tree's version (lms.page_tree), which the cached routes, sites and view restrictions
follow."""

import pytest
from wagtail.models import Site

from lms.page_tree import page_tree_version


@pytest.mark.django_db
def test_a_change_gives_a_new_version_at_once_and_again_when_it_commits(
    django_capture_on_commit_callbacks,
):
    before = page_tree_version()
    assert page_tree_version() == before
    with django_capture_on_commit_callbacks(execute=True):
        Site.objects.get(is_default_site=True).save()
        # A request served between the save and the commit read the old rows: what it cached
        # under this version must not outlive the commit.
        during = page_tree_version()
        assert during != before
    assert page_tree_version() not in (before, during)
