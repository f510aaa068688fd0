from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from records.codes import Cohort
from records.display import display_value
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


@register.filter
def cohort_label(cohort: str) -> str:
    """A cohort code in words ("Looked after")."""
    return Cohort(cohort).label if cohort in Cohort.values else cohort


@register.filter
def get_item(mapping: dict, key: object) -> object:
    """mapping[key] in a template, None when absent (dashboards' figures by key)."""
    return mapping.get(key) if mapping else None


@register.filter
def pct(value: object) -> str:
    """A percentage as dashboards show it ("12.5%"), or "–" when there is none (0.0% is a
    figure, not a blank)."""
    return "–" if value is None else f"{value}%"


@register.simple_tag
def small_mark(small: bool, min_children: int) -> str:
    """The mark beside a dashboard figure resting on fewer than `min_children` children: an
    asterisk for the eye (the page's legend explains it) and words for screen readers."""
    if not small:
        return ""
    return format_html(
        '<strong class="app-small">*<span class="govuk-visually-hidden"> (fewer than {} '
        "children)</span></strong>",
        min_children,
    )


@register.simple_tag
def national(benchmark, unit: str = "") -> str:
    """A national figure with its year, or "Not held" (records/codes/benchmarks.py)."""
    if not benchmark:  # None, or "" from a template lookup that found nothing
        return mark_safe('<span class="govuk-hint govuk-!-display-inline">Not held</span>')  # noqa: S308 - a constant
    return format_html(
        '{}{} <span class="govuk-hint govuk-!-display-inline">({})</span>',
        benchmark.value,
        unit,
        benchmark.year,
    )


@register.simple_tag
def week_query(scope, week_start) -> str:
    """A dashboard URL's query for `scope` narrowed to the week from Monday `week_start` to its
    Sunday, as the filter form's date range (period=range) writes it."""
    week_end = week_start + timedelta(days=6)
    changes = {"period": "range"}
    for name, day in (("date_from", week_start), ("date_to", week_end)):
        for index, part in enumerate((day.day, day.month, day.year)):
            changes[f"{name}_{index}"] = str(part)
    return scope.querystring(**changes)


@register.filter
def shown(value: object, form: str = "") -> str:
    """A recorded value as pages and the history show it (records/display.py), "–" for none;
    `cell|shown:"short"` shortens months, for a list's table."""
    return display_value(value, short_dates=form == "short") or "–"
