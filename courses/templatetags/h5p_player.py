"""The H5P block's per-reader part (the player's options, the student's score), computed
while the block's template renders: the block itself is loaded with the page models, which
the player's reads import."""

from django import template

from ..h5p.player import block_context

register = template.Library()


@register.simple_tag(takes_context=True)
def h5p_player(context, value) -> dict:
    return block_context(value, context)
