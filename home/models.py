from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

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
