"""Issue 16 on the dashboards: every CSV is one table under lines naming its period, filters
and breakdown and the day it was made; drill-down lists show each child's UPN and caseworker
in a fixed number of queries; the period's "Dates" reveals the date inputs; every table of a
dashboard sits in a labelled scroll region (reflow at 320 px). The cohort is the exclusions
selector tests' hand-worked one (test_exclusions_dashboard.py `cohort`): five children in
view, the caseworker allocated Ava and Cara."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records import services
from records.codes import Cohort, LegalStatus
from records.models import Child
from records.services.attendance import attendance_record
from tests.conftest import signed_in
from tests.factories import ChildFactory, EpisodeFactory, UserFactory
from tests.records.dashboards import test_exclusions_dashboard as exclusions_tests
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db
cohort = exclusions_tests.cohort
YEAR = 2024
D = datetime.date
TODAY = datetime.datetime(2026, 12, 4, 12, tzinfo=datetime.UTC)
DASHBOARDS = ("attendance", "exclusions", "attainment")


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _split(rows: list[list[str]]) -> tuple[dict[str, str], list[list[str]]]:
    """The preamble (up to the first blank line) as {name: value}, and the table after it."""
    blank = rows.index([])
    head = {row[0]: row[1] for row in rows[1:blank]}
    return {"title": rows[0][0], "period": rows[0][1], **head}, rows[blank + 1 :]


def _rectangular(table: list[list[str]]) -> None:
    assert table, "no table"
    assert len({len(row) for row in table}) == 1, [len(row) for row in table]
    assert [] not in table


@pytest.mark.parametrize("name", DASHBOARDS)
def test_every_dashboard_csv_names_its_filters_period_and_breakdown(manager, cohort, name):
    client = signed_in(manager)
    url = reverse(f"dashboards:{name}")
    with time_machine.travel(TODAY, tick=False):
        rows = _rows(client.get(url, {"year": YEAR, "cohort": Cohort.CLA, "download": "csv"}))
    head, table = _split(rows)
    assert head["title"] == f"{name.capitalize()} dashboard"
    assert head["period"] == "Academic year 2024/25"
    assert head["Dates"] == "2024-08-01 to 2025-07-31"
    assert head["Children"] == "All children"
    assert head["Filters"] == "Cohort: Looked after"
    assert head["Broken down by"] == (
        "Cohort, School, Year group, In or out of borough, SEN provision, Caseworker"
    )
    assert head["Table"] == "Figures by group, every breakdown"
    assert head["Made on"] == "2026-12-04"
    _rectangular(table)
    assert table[0][:2] == ["Breakdown", "Group"]


def test_a_csv_without_filters_says_so_and_a_caseworker_s_says_whose(caseworker, cohort):
    rows = _rows(
        signed_in(caseworker).get(
            reverse("dashboards:exclusions"), {"year": YEAR, "period": "autumn", "download": "csv"}
        )
    )
    head, _ = _split(rows)
    assert head["Filters"] == "None"
    assert head["Children"] == "Your caseload"
    assert head["period"] == "Autumn 2024 term"


@pytest.mark.parametrize(
    ("name", "table", "heading"),
    [
        ("attendance", "weeks", "Week beginning"),
        ("attendance", "reasons", "Absence reason"),
        ("attendance", "national", "National figure"),
        ("exclusions", "reasons", "Reason"),
        ("exclusions", "schools", "Excluding school"),
        ("exclusions", "national", "National figure"),
        ("attainment", "national", "National figure"),
    ],
)
def test_each_table_is_a_csv_of_its_own(manager, cohort, name, table, heading):
    client = signed_in(manager)
    url = reverse(f"dashboards:{name}")
    response = client.get(url, {"year": YEAR, "download": "csv", "table": table})
    assert response["Content-Disposition"].endswith(f'-{table}.csv"')
    head, rows = _split(_rows(response))
    assert head["Broken down by"] == "Not broken down"
    assert rows[0][0] == heading
    _rectangular(rows)
    # The page links to it.
    page = client.get(url, {"year": YEAR}).content.decode()
    assert f"download=csv&amp;table={table}" in page


def test_the_figures_csv_holds_one_table_only(manager, cohort):
    rows = _rows(
        signed_in(manager).get(reverse("dashboards:exclusions"), {"year": YEAR, "download": "csv"})
    )
    _, table = _split(rows)
    _rectangular(table)
    assert not any(row[0] in ("Reason", "Excluding school", "National figure") for row in table)


def test_an_unknown_table_is_not_found(manager, cohort):
    response = signed_in(manager).get(
        reverse("dashboards:attendance"), {"year": YEAR, "download": "csv", "table": "nope"}
    )
    assert response.status_code == 404


# --- Drill-down lists: UPN and caseworker ---------------------------------------------------


def _drill_down(client, **params):
    return client.get(reverse("dashboards:exclusions-children"), {"year": YEAR, **params})


def test_drill_down_lists_show_upn_and_caseworker(manager, caseworker, cohort):
    caseworker.first_name, caseworker.last_name = "Casey", "Worker"
    caseworker.save()
    client = signed_in(manager)
    page = _drill_down(client).content.decode()
    headings = re.findall(r'<th scope="col" class="govuk-table__header[^"]*">([^<]*)</th>', page)
    assert headings[:5] == ["Name", "UPN", "Status", "School", "Caseworker"]
    assert cohort.ava.upn and f">{cohort.ava.upn}</td>" in page
    assert '<td class="govuk-table__cell">Casey Worker</td>' in page
    assert '<td class="govuk-table__cell">Not allocated</td>' in page  # Ben, Dan, Finn

    with time_machine.travel(TODAY, tick=False):
        head, table = _split(_rows(_drill_down(client, download="csv")))
    assert head["Made on"] == "2026-12-04"
    assert head["Table"] == "Children counted"
    assert table[0][:5] == ["Name", "UPN", "Cohort", "School", "Caseworker"]
    by_name = {row[0]: row for row in table[1:]}
    assert by_name["Ava Adams"][1] == cohort.ava.upn
    assert by_name["Ava Adams"][4] == "Casey Worker"
    assert by_name["Ben Brown"][4] == ""
    _rectangular(table)


def test_a_child_without_upn_reads_not_recorded(manager, cohort):
    Child.objects.filter(pk=cohort.ben.pk).update(upn="", upn_unknown="UN1")
    page = _drill_down(signed_in(manager)).content.decode()
    assert '<td class="govuk-table__cell">Not recorded</td>' in page


def test_drill_down_queries_do_not_grow_with_the_list(manager, cohort):
    client = signed_in(manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _drill_down(client).status_code == 200
            assert _drill_down(client, download="csv").status_code == 200
        return len(captured)

    small = queries()
    for index in range(12):
        child = ChildFactory()
        EpisodeFactory(
            child=child, cohort=Cohort.CLA, legal_status=LegalStatus.C2, start_date=D(2024, 1, 1)
        )
        services.allocation_create(
            actor=manager,
            child=child,
            caseworker=UserFactory(role=Role.CASEWORKER, first_name=f"Case{index}"),
            start_date=D(2024, 1, 1),
        )
    page = _drill_down(client).content.decode()
    assert "Case11" in page
    assert queries() == small


# --- Filters: the period's "Dates" reveals the date inputs ----------------------------------


def test_dates_are_a_conditional_reveal_under_the_period_radios(manager, cohort):
    client = signed_in(manager)
    page = client.get(reverse("dashboards:exclusions"), {"year": YEAR}).content.decode()
    assert 'data-module="govuk-radios"' in page
    # The project's reveal script shows it (frontend/build.mjs): GOV.UK Frontend's own sets
    # aria-expanded on the radio, which ARIA does not allow there (axe-core, aria-allowed-attr).
    assert (
        'id="conditional-dates" data-app-reveal-name="period" data-app-reveal-for="range"' in page
    )
    assert "data-aria-controls" not in page
    assert re.search(r'id="id_period" name="period" type="radio" value="year" checked', page)
    reveal = page[page.index('id="conditional-dates"') :]
    reveal = reveal[: reveal.index('name="cohort"')]  # up to the next filter
    # The date inputs are inside the reveal, hidden (once GOV.UK Frontend's script runs)
    # until "Dates" is chosen; without the script they show.
    assert 'name="date_from_0"' in reveal and 'name="date_to_0"' in reveal
    assert 'govuk-radios__conditional--hidden" id="conditional-dates"' in page
    assert "<select" not in page[: page.index('id="conditional-dates"')].split('name="period"')[-1]

    chosen = client.get(
        reverse("dashboards:exclusions"),
        {
            "year": YEAR,
            "period": "range",
            **{"date_from_0": "2", "date_from_1": "9", "date_from_2": "2024"},
            **{"date_to_0": "20", "date_to_1": "12", "date_to_2": "2024"},
        },
    ).content.decode()
    assert 'class="govuk-radios__conditional" id="conditional-dates"' in chosen
    assert 'value="range" checked>' in chosen


def test_a_bad_date_links_from_the_error_summary_into_the_reveal(manager, cohort):
    page = (
        signed_in(manager)
        .get(
            reverse("dashboards:exclusions"),
            {"year": YEAR, "period": "range", "date_from_0": "31", "date_from_1": "2"},
        )
        .content.decode()
    )
    assert "There is a problem" in page
    assert 'href="#id_date_from_0"' in page
    reveal = page[page.index('id="conditional-dates"') :]
    assert 'id="id_date_from_0"' in reveal


# --- Reflow: wide tables scroll inside labelled regions -------------------------------------


@pytest.mark.parametrize("name", [*DASHBOARDS, "pep"])
def test_every_dashboard_table_is_in_a_labelled_scroll_region(manager, cohort, name):
    attendance_record(
        actor=manager,
        child=cohort.ava,
        sessions=[(D(2024, 9, 2), "AM", "/"), (D(2024, 9, 2), "PM", "I")],
    )
    page = signed_in(manager).get(reverse(f"dashboards:{name}"), {"year": YEAR}).content.decode()
    tables = page.count('<table class="govuk-table">')
    assert tables
    regions = re.findall(
        r'<div class="app-table-scroll" role="region" aria-label="([^"]+)" tabindex="0">\s*'
        r'<table class="govuk-table">',
        page,
    )
    assert len(regions) == tables
    assert all(label.strip() for label in regions)


def test_drill_down_table_is_in_a_labelled_scroll_region(manager, cohort):
    page = _drill_down(signed_in(manager)).content.decode()
    assert re.search(
        r'<div class="app-table-scroll" role="region" aria-label="Children counted" '
        r'tabindex="0">\s*<table class="govuk-table">',
        page,
    )


def test_bar_charts_write_each_bar_s_category_and_value(manager, cohort):
    page = signed_in(manager).get(reverse("dashboards:exclusions"), {"year": YEAR}).content.decode()
    figure = page[page.index('<figure class="app-bar-chart">') :]
    figure = figure[: figure.index("</figure>")]
    labels = re.findall(r'<p class="govuk-body-s app-bar-chart__label">([^<]*)</p>', figure)
    assert labels and all(re.search(r": \d+$", label) for label in labels)
    assert figure.count("<rect ") == len(labels)
    assert 'aria-hidden="true"' in figure
