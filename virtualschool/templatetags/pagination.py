from django import template
from django.core.paginator import Page

register = template.Library()


@register.simple_tag
def elided_page_numbers(page: Page) -> list:
    """Page numbers around the current one, with Paginator.ELLIPSIS in the gaps."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
