"""Issue 16, the record's pages as people read them: the History tab is the one highlighted on
the history page; every part of the record has the same back link; a single record reads as a
summary list (it reflows at 375 px) and lists of many rows scroll in a labelled region; the
history shows values as the pages do (records/display.py)."""

import re

import pytest
from django.urls import reverse

from records.display import display_value
from records.models import AssessmentResult, Characteristics
from records.services.characteristics import characteristics_record

pytestmark = pytest.mark.django_db


def _page(client, name, **kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    return response.content.decode()


def _current(html):
    return re.findall(r'aria-current="page">([^<]+)</a>', html)


def _back_links(html):
    return re.findall(r'<a href="([^"]+)" class="govuk-back-link">([^<]+)</a>', html)


def test_the_history_tab_is_highlighted_on_the_history_page(client_for, caseworker, in_care):
    client = client_for(caseworker)
    assert _current(_page(client, "records:child-history", pk=in_care.pk)) == ["History"]
    assert _current(_page(client, "records:child-detail", pk=in_care.pk)) == ["Summary"]


def test_every_part_of_the_record_has_the_same_back_link(client_for, caseworker, in_care):
    client = client_for(caseworker)
    pages = [
        _page(client, "records:child-detail", pk=in_care.pk),
        _page(client, "records:child-history", pk=in_care.pk),
        _page(client, "records:tab", pk=in_care.pk, tab="characteristics"),
        _page(client, "records:tab", pk=in_care.pk, tab="schools"),
    ]
    links = [_back_links(html) for html in pages]
    assert links[0] == [(reverse("records:caseload"), "Back to children")]
    assert all(found == links[0] for found in links)


def test_characteristics_read_as_a_summary_list_and_history_as_the_page(
    client_for, caseworker, in_care
):
    characteristics_record(
        actor=caseworker, child=in_care, arrived_from_overseas=True, placed_in_borough=True
    )
    client = client_for(caseworker)
    tab = _page(client, "records:tab", pk=in_care.pk, tab="characteristics")
    summary = tab[tab.index('<h3 class="govuk-heading-m">Characteristics</h3>') :]
    summary = summary[: summary.index("</dl>")]
    assert '<dl class="govuk-summary-list">' in summary and "<table" not in summary
    assert re.search(
        r'summary-list__key">Arrived from overseas</dt>\s*'
        r'<dd class="govuk-summary-list__value">Yes<',
        summary,
    )
    history = _page(client, "records:child-history", pk=in_care.pk)
    assert "Placed in borough</span>: (none) → Yes" in history
    assert "→ True" not in history


def test_tables_of_many_rows_scroll_in_a_labelled_focusable_region(client_for, caseworker, in_care):
    html = _page(client_for(caseworker), "records:child-history", pk=in_care.pk)
    regions = re.findall(
        r'<div class="app-table-scroll" role="region" aria-label="[^"]+" tabindex="0">', html
    )
    assert regions
    assert html.count("<table") == len(regions)


def test_one_formatter_reads_values_as_the_pages_do():
    year = AssessmentResult._meta.get_field("academic_year")
    placed = Characteristics._meta.get_field("placed_in_borough")
    assert display_value(2025, field=year) == "2025/26"
    assert display_value(True, field=placed) == "Yes"
    assert display_value(False) == "No"
    assert display_value(None) == ""
