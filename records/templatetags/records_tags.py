from django import template
from django.utils import timezone

from records.codes import Cohort
from records.models import Child

register = template.Library()

_TAG_COLOURS = {
    Cohort.CLA: "govuk-tag--blue",
    Cohort.CIN: "govuk-tag--yellow",
    Cohort.CPP: "govuk-tag--red",
    Cohort.PLAC: "govuk-tag--green",
}


@register.filter
def cohort_tag_class(cohort: str) -> str:
    """The GOV.UK tag colour for a cohort, so each status reads the same on every page."""
    return _TAG_COLOURS.get(cohort, "govuk-tag--grey")


@register.filter
def age(child: Child) -> int:
    """The child's age in whole years today (Europe/London)."""
    return child.age_on(timezone.localdate())


@register.simple_tag
def scope_query(scope, dimension: str = "", value: object = "", **changes: object) -> str:
    """A dashboard URL's query for `scope`, narrowed to one breakdown row (`dimension` =
    `value`) and with other parameters changed (show=, band=, reason=, download=)."""
    extra = {key: str(item) for key, item in changes.items() if item not in (None, "")}
    if dimension and dimension != "all":
        extra[dimension] = str(value)
    return scope.querystring(**extra)
