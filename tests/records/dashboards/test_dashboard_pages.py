"""The exclusions and attainment dashboard pages, through the test client: the hand-worked
figures of the selectors' tests as a reader sees them, national figures with their year,
filters, every kind of drill-down link, a caseworker's view, CSV downloads that a spreadsheet
opens safely, the attainment page's default year, small-number marking, and a number of queries
that does not grow with the children in view.

The cohorts are the selector tests' own fixtures (`cohort` in test_exclusions_dashboard.py,
`pupils` in test_attainment_dashboard.py), whose figures are worked by hand there."""

from __future__ import annotations

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from records.calendar import academic_year_label, academic_year_of
from records.codes import Cohort
from records.models import Child, Enrolment, School
from records.selectors.dashboards.scope import DIMENSIONS
from tests.conftest import signed_in
from tests.factories import SchoolFactory, UserFactory
from tests.records.dashboards import test_attainment_dashboard as attainment_tests
from tests.records.dashboards import test_exclusions_dashboard as exclusions_tests
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db

# The hand-worked cohorts, shared with the selectors' tests.
cohort = exclusions_tests.cohort
pupils = attainment_tests.pupils

YEAR = 2024  # 2024/25, the year both cohorts are worked for
D = datetime.date
EXCLUSIONS = reverse("dashboards:exclusions")
EXCLUSIONS_CHILDREN = reverse("dashboards:exclusions-children")
ATTAINMENT = reverse("dashboards:attainment")
ATTAINMENT_CHILDREN = reverse("dashboards:attainment-children")
HIDDEN_COMMA = '<span class="govuk-visually-hidden">,</span>'
HIDDEN_MET = '<span class="govuk-visually-hidden"> met, </span>'
SMALL = "(fewer than {} children)"
CHILD_LINK = re.compile(r'<a class="govuk-link" href="/children/[^"/]+/(\w+)/">([^<]*)</a>')
FORMULA_STARTS = ("=", "+", "-", "@")
# The exclusions drill-down CSV's headings (UPN and caseworker: issue 16).
EXCLUSIONS_LIST_HEADINGS = [
    *("Name", "UPN", "Cohort", "School", "Caseworker"),
    *("Suspensions", "Permanent exclusions", "Sessions lost"),
]


def _page(client, url, params=None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def _listed(page: str) -> list[str]:
    """The children a drill-down page lists, by name, in the order shown."""
    return [unescape(name) for _, name in CHILD_LINK.findall(page)]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def _table(rows: list[list[str]]) -> list[list[str]]:
    """A dashboard CSV's table: what follows the blank line that ends its preamble (the
    period, filters, breakdown and the day it was made, issue 16)."""
    assert rows[0][0].endswith(" dashboard") and rows[rows.index([]) - 1][:1] == ["Made on"]
    return rows[rows.index([]) + 1 :]


def _no_formula_cells(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (cell, row)


def _national(value: str, year: str) -> str:
    """A national figure as _national.html shows it, with its year."""
    return f'{value} <span class="govuk-hint govuk-!-display-inline">({year})</span>'


def _small(count: int) -> str:
    return SMALL.format(count)


def _marker(count: int) -> str:
    """_small.html as rendered for a small figure."""
    hidden = f'<span class="govuk-visually-hidden"> {_small(count)}</span>'
    return f'<strong class="app-small">*{hidden}</strong>'


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        assert response.status_code == 200
    return len(captured)


# --- Exclusions: the dashboard --------------------------------------------------------------


def _exclusion_link(**params: str) -> str:
    query = "&amp;".join(f"{key}={value}" for key, value in {"year": YEAR, **params}.items())
    return f'href="{EXCLUSIONS_CHILDREN}?{query}"'


def test_exclusions_page_shows_the_worked_figures(manager, cohort):
    page = _page(signed_in(manager), EXCLUSIONS, {"year": YEAR})

    assert "All children · Academic year 2024/25" in page
    # 5 children; 4 suspensions (80.0 per 100); 3 children suspended (60.0%); 1 permanent
    # exclusion, 1 child (20.0%); 17 sessions lost (4 + 1 + 10 + 2).
    assert f"{_exclusion_link()}>5 children</a>" in page
    assert f"{_exclusion_link(show='suspended')}>4</a>" in page
    assert f"{_exclusion_link(show='suspended')}>80.0</a>" in page
    assert f"{_exclusion_link(show='suspended')}>60.0%{HIDDEN_COMMA} (3)</a>" in page
    assert f"{_exclusion_link(show='permanent')}>1</a>" in page
    assert f"{_exclusion_link(show='permanent')}>20.0%{HIDDEN_COMMA} (1)</a>" in page
    assert f"{_exclusion_link(show='suspended')}>17</a>" in page
    # National figures, with their year.
    assert _national("11.31", "2023/24") in page
    assert _national("3.13%", "2021/22") in page
    assert _national("0.08%", "2021/22") in page
    # Reasons (children link to the list) and excluding schools.
    assert f"{_exclusion_link(reason='DB')}>2</a>" in page
    assert f"{_exclusion_link(reason='PA')}>1</a>" in page
    assert f"{_exclusion_link(reason='VA')}>2</a>" in page
    assert f"{_exclusion_link(reason='PP')}>1</a>" in page
    assert "DB – Persistent or general disruptive behaviour" in page
    for school in (cohort.birch, cohort.elm, cohort.oak):
        assert f"{_exclusion_link(exclusion_school=school.pk)}>1</a>" in page
        assert escape(school.name) in page
    # A breakdown row: looked after, 4 children, 3 suspensions (75.0), 2 suspended, 1 excluded.
    assert f"{_exclusion_link(cohort='CLA')}>4</a>" in page
    assert f"{_exclusion_link(cohort='CLA', show='suspended')}>50.0% (2)</a>" in page
    assert f"{_exclusion_link(cohort='CLA', show='permanent')}>25.0% (1)</a>" in page
    assert f"{_exclusion_link(cohort='CIN', show='suspended')}>100.0% (1)</a>" in page
    # Eve is not in view; her exclusion is not counted anywhere.
    assert escape(cohort.eve.full_name) not in page


def test_exclusions_filter_in_the_url_changes_the_figures(manager, cohort):
    client = signed_in(manager)
    page = _page(client, EXCLUSIONS, {"year": YEAR, "cohort": Cohort.CLA})

    assert '<option value="CLA" selected>Looked after</option>' in page
    # 4 children; 3 suspensions (75.0 per 100); 2 suspended (50.0%); 1 excluded (25.0%).
    assert f"{_exclusion_link(cohort='CLA')}>4 children</a>" in page
    assert ">5 children</a>" not in page
    assert f"{_exclusion_link(cohort='CLA', show='suspended')}>3</a>" in page
    assert f"{_exclusion_link(cohort='CLA', show='suspended')}>75.0</a>" in page
    assert f"{_exclusion_link(cohort='CLA', show='suspended')}>50.0%{HIDDEN_COMMA} (2)</a>" in page
    assert f"{_exclusion_link(cohort='CLA', show='permanent')}>25.0%{HIDDEN_COMMA} (1)</a>" in page
    assert f"{_exclusion_link(cohort='CLA', show='suspended')}>15</a>" in page
    # Cara (CIN) is filtered out: Birch, the school that excluded only her, is gone.
    assert escape(cohort.birch.name) not in page
    assert f"{_exclusion_link(cohort='CLA', reason='DB')}>1</a>" in page

    # A term: Ava's 4-session suspension and Ben's 10-session one.
    page = _page(client, EXCLUSIONS, {"year": YEAR, "period": "autumn"})
    assert "Autumn 2024 term" in page
    assert f"{_exclusion_link(period='autumn', show='suspended')}>2</a>" in page
    assert f"{_exclusion_link(period='autumn', show='suspended')}>40.0</a>" in page
    assert f"{_exclusion_link(period='autumn', show='suspended')}>14</a>" in page


# --- Exclusions: the drill-down lists -------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "title", "expected"),
    [
        (
            {},
            "Children counted",
            ["Ben Brown", "Ava Adams", "Cara Clark", "Dan Davies", "Finn Ford"],
        ),
        (
            {"show": "suspended"},
            "Children with one or more suspension",
            ["Ben Brown", "Ava Adams", "Cara Clark"],
        ),
        ({"show": "permanent"}, "Children permanently excluded", ["Ben Brown"]),
        (
            {"reason": "DB"},
            "Children excluded for DB – Persistent or general disruptive behaviour",
            ["Cara Clark", "Ava Adams"],
        ),
        ({"reason": "PP"}, "Children excluded for PP", ["Ava Adams"]),
        ({"reason": "VA", "show": "permanent"}, "Children excluded for VA", ["Ben Brown"]),
        ({"reason": "VA", "show": "suspended"}, "Children excluded for VA", ["Ava Adams"]),
        ({"exclusion_school": "elm"}, "Children excluded by one school", ["Ben Brown"]),
        ({"exclusion_school": "oak"}, "Children excluded by one school", ["Ava Adams"]),
        ({"exclusion_school": "birch"}, "Children excluded by one school", ["Cara Clark"]),
        ({"exclusion_school": "birch", "reason": "PA"}, "Children excluded for PA", []),
        # With a dimension filter: the breakdown row's lists.
        ({"cohort": "CIN", "show": "suspended"}, "Cohort: Child in need", ["Cara Clark"]),
        (
            {"cohort": "CLA", "show": "suspended"},
            "Cohort: Looked after",
            ["Ben Brown", "Ava Adams"],
        ),
        ({"cohort": "CIN", "reason": "DB"}, "Cohort: Child in need", ["Cara Clark"]),
        ({"cohort": "CLA", "exclusion_school": "oak"}, "Cohort: Looked after", ["Ava Adams"]),
        ({"school": "oak", "show": "permanent"}, "School: Oak Primary School", ["Ben Brown"]),
    ],
)
def test_exclusions_drill_down_lists_exactly_the_children(manager, cohort, params, title, expected):
    params = dict(params)
    if "exclusion_school" in params:
        params["exclusion_school"] = getattr(cohort, params["exclusion_school"]).pk
    if "school" in params:
        params["school"] = getattr(cohort, params["school"]).pk
    page = _page(signed_in(manager), EXCLUSIONS_CHILDREN, {"year": YEAR, **params})

    assert title in page
    assert _listed(page) == expected
    everyone = ("ava", "ben", "cara", "dan", "finn", "eve")
    for child in (getattr(cohort, key) for key in everyone):
        assert (escape(child.full_name) in page) is (child.full_name in expected)
    count = len(expected)
    assert f"{count} child{'' if count == 1 else 'ren'}." in page
    assert "Exclusions · Academic year 2024/25" in page
    # Each name links to the child's behaviour tab.
    assert {tab for tab, _ in CHILD_LINK.findall(page)} <= {"behaviour"}


def test_exclusions_drill_down_shows_the_applied_filter(manager, cohort):
    page = _page(
        signed_in(manager),
        EXCLUSIONS_CHILDREN,
        {"year": YEAR, "cohort": Cohort.CIN, "show": "suspended"},
    )
    assert "Filtered to:" in page
    assert '<strong class="govuk-tag govuk-tag--grey">Cohort: Child in need</strong>' in page
    # The way back keeps the filter; the download is of the same list.
    assert f'href="{EXCLUSIONS}?year={YEAR}&amp;cohort=CIN"' in page
    assert f'href="?year={YEAR}&amp;cohort=CIN&amp;download=csv&amp;show=suspended"' in page

    unfiltered = _page(signed_in(manager), EXCLUSIONS_CHILDREN, {"year": YEAR})
    assert "Filtered to:" not in unfiltered


def test_every_exclusions_link_on_the_page_leads_to_its_list(manager, cohort):
    """Follow each drill-down link the dashboard shows: each answers a list."""
    client = signed_in(manager)
    links = set()
    for dimension in DIMENSIONS:  # each breakdown is a page of its own (?by=)
        page = _page(client, EXCLUSIONS, {"year": YEAR, "by": dimension.key})
        links |= set(re.findall(rf'href="({re.escape(EXCLUSIONS_CHILDREN)}\?[^"]*)"', page))
    kinds = {key for link in links for key in re.findall(r"[?;](\w+)=", link)}
    assert {"show", "reason", "exclusion_school", "cohort", "school", "caseworker"} <= kinds
    for link in links:
        response = client.get(unescape(link))
        assert response.status_code == 200, link


@pytest.mark.parametrize(
    "params",
    [
        {"show": "bogus"},
        {"show": "persistent"},
        {"reason": "ZZZ"},
        {"reason": "db"},
        {"exclusion_school": "oak"},
        {"exclusion_school": "-1"},
        {"year": "1999"},
        {"cohort": "XYZ"},
    ],
)
def test_exclusions_drill_down_refuses_invalid_values(manager, cohort, params):
    response = signed_in(manager).get(EXCLUSIONS_CHILDREN, {"year": YEAR, **params})
    assert response.status_code == 404


# --- Exclusions: a caseworker's view --------------------------------------------------------


def test_a_caseworker_sees_only_their_allocated_children(caseworker, cohort):
    client = signed_in(caseworker)
    page = _page(client, EXCLUSIONS, {"year": YEAR})

    assert "Your caseload · Academic year 2024/25" in page
    assert "These figures count only the children allocated to you." in page
    # Ava and Cara: 3 suspensions (150.0 per 100), both suspended, none excluded, 7 sessions.
    assert f"{_exclusion_link()}>2 children</a>" in page
    assert f"{_exclusion_link(show='suspended')}>3</a>" in page
    assert f"{_exclusion_link(show='suspended')}>150.0</a>" in page
    assert f"{_exclusion_link(show='suspended')}>100.0%{HIDDEN_COMMA} (2)</a>" in page
    assert f"{_exclusion_link(show='permanent')}>0.0%{HIDDEN_COMMA} (0)</a>" in page
    assert escape(cohort.elm.name) not in page  # only Ben was excluded by Elm
    assert 'name="caseworker"' not in page  # no caseworker filter on one's own caseload

    page = _page(client, EXCLUSIONS_CHILDREN, {"year": YEAR})
    assert _listed(page) == ["Ava Adams", "Cara Clark"]
    assert "2 children." in page
    page = _page(client, EXCLUSIONS_CHILDREN, {"year": YEAR, "show": "permanent"})
    assert _listed(page) == []
    assert "0 children." in page
    page = _page(client, EXCLUSIONS_CHILDREN, {"year": YEAR, "exclusion_school": cohort.elm.pk})
    assert _listed(page) == []
    page = _page(client, EXCLUSIONS_CHILDREN, {"year": YEAR, "reason": "DB"})
    assert _listed(page) == ["Cara Clark", "Ava Adams"]


def test_another_caseworker_sees_none_of_them(other_caseworker, cohort):
    client = signed_in(other_caseworker)
    page = _page(client, EXCLUSIONS, {"year": YEAR})

    assert f"{_exclusion_link()}>0 children</a>" in page
    assert "No suspensions or exclusions recorded in this period." in page
    for params in ({}, {"show": "suspended"}, {"reason": "DB"}, {"show": "permanent"}):
        listed = _page(client, EXCLUSIONS_CHILDREN, {"year": YEAR, **params})
        assert _listed(listed) == []
        assert "0 children." in listed
    csv_rows = _table(_csv(client.get(EXCLUSIONS_CHILDREN, {"year": YEAR, "download": "csv"})))
    assert csv_rows == [EXCLUSIONS_LIST_HEADINGS]
    for child in (cohort.ava, cohort.ben, cohort.cara, cohort.dan, cohort.finn):
        assert escape(child.full_name) not in page


# --- Exclusions: CSV ------------------------------------------------------------------------


def test_exclusions_dashboard_csv(manager, cohort):
    rows = _csv(signed_in(manager).get(EXCLUSIONS, {"year": YEAR, "download": "csv"}))

    assert rows[0] == ["Exclusions dashboard", "Academic year 2024/25"]
    assert [
        "All",
        "All children in view",
        "5",
        "4",
        "80.0",
        "3",
        "60.0",
        "1",
        "20.0",
        "17",
        "no",
    ] in rows
    assert [
        "Cohort",
        "Looked after",
        "4",
        "3",
        "75.0",
        "2",
        "50.0",
        "1",
        "25.0",
        "15",
        "yes",
    ] in rows
    # The excluding schools are a table of their own (issue 16: one CSV stacked several).
    assert ["Elm High School", "1", "2", "1", "1", "10"] not in rows
    schools = _table(
        _csv(
            signed_in(manager).get(
                EXCLUSIONS, {"year": YEAR, "download": "csv", "table": "schools"}
            )
        )
    )
    assert ["Elm High School", "1", "2", "1", "1", "10"] in schools


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_exclusions_csv_escapes_formulas(manager, caseworker, cohort, start):
    school_name = f'{start}HYPERLINK("x")'
    School.objects.filter(pk=cohort.oak.pk).update(name=school_name)
    Child.objects.filter(pk=cohort.ava.pk).update(first_name=f"{start}Ava")
    client = signed_in(manager)

    page = _page(client, EXCLUSIONS, {"year": YEAR})
    assert escape(school_name) in page  # on the page, the name as it is

    rows = _csv(client.get(EXCLUSIONS, {"year": YEAR, "download": "csv"}))
    cells = [cell for row in rows for cell in row]
    assert f"'{school_name}" in cells  # excluding school, and school breakdown rows
    assert [
        "School",
        f"'{school_name}",
        "4",
        "3",
        "75.0",
        "2",
        "50.0",
        "1",
        "25.0",
        "15",
        "yes",
    ] in rows
    _no_formula_cells(rows)
    schools = _csv(client.get(EXCLUSIONS, {"year": YEAR, "download": "csv", "table": "schools"}))
    assert [f"'{school_name}", "1", "2", "2", "0", "5"] in _table(schools)
    _no_formula_cells(schools)

    ava, ben = Child.objects.get(pk=cohort.ava.pk), Child.objects.get(pk=cohort.ben.pk)
    for params in ({}, {"show": "suspended"}, {"exclusion_school": cohort.oak.pk}):
        every = _csv(client.get(EXCLUSIONS_CHILDREN, {"year": YEAR, "download": "csv", **params}))
        rows = _table(every)
        assert rows[0] == EXCLUSIONS_LIST_HEADINGS
        assert [
            f"'{start}Ava Adams",
            ava.upn,
            "CLA",
            f"'{school_name}",
            caseworker.get_full_name(),
            "2",
            "0",
            "5",
        ] in rows
        _no_formula_cells(every)
    rows = _table(
        _csv(
            client.get(EXCLUSIONS_CHILDREN, {"year": YEAR, "download": "csv", "show": "permanent"})
        )
    )
    assert rows[1:] == [["Ben Brown", ben.upn, "CLA", f"'{school_name}", "", "1", "1", "10"]]


# --- Exclusions: small numbers --------------------------------------------------------------


def test_exclusions_small_numbers_are_marked(manager, cohort, settings):
    client = signed_in(manager)
    page = _page(client, EXCLUSIONS, {"year": YEAR})

    # Fewer than 5 children: 4 reasons, 3 excluding schools, and the rows of the breakdown
    # shown: both cohorts (by default), both schools (Oak, no school), both caseworker rows;
    # the whole view (5) and the year group, borough and SEN rows (5 each) are not.
    assert page.count(_small(5)) == 4 + 3 + 2
    for by, marked in (("school", 2), ("caseworker", 2), ("year_group", 0), ("sen", 0)):
        by_page = _page(client, EXCLUSIONS, {"year": YEAR, "by": by})
        assert by_page.count(_small(5)) == 4 + 3 + marked, by
    marker = _marker(5)
    assert f"{_exclusion_link(reason='DB')}>2</a>{marker}" in page
    assert f"Looked after{marker}" in page
    assert "in view in this period. \n" in page  # no marker after the 5 children in view
    assert "rests on fewer than\n  5 children" in page

    settings.DASHBOARD_MIN_CHILDREN = 6
    page = _page(client, EXCLUSIONS, {"year": YEAR})
    assert f"in view in this period. {_marker(6)}" in page

    settings.DASHBOARD_MIN_CHILDREN = 1
    page = _page(client, EXCLUSIONS, {"year": YEAR})
    assert "(fewer than" not in page
    assert 'class="app-small">*<span' not in page


# --- Attainment: the dashboard --------------------------------------------------------------


def _attainment_link(**params: str) -> str:
    query = "&amp;".join(f"{key}={value}" for key, value in {"year": YEAR, **params}.items())
    return f'href="{ATTAINMENT_CHILDREN}?{query}"'


def _met(figure: str, value: str, met: int, **params: str) -> str:
    """The 'these children' cell of a percentage figure: the share that met it, linked."""
    return f"{_attainment_link(**params, figure=figure, met='yes')}>{value}{HIDDEN_MET} ({met})</a>"


def _counted(figure: str, children: int, **params: str) -> str:
    return f"{_attainment_link(**params, figure=figure)}>{children}</a>"


WORKED_ATTAINMENT = [
    # figure, % met, met, children counted (test_attainment_dashboard.py works these)
    ("phonics", "50.0%", 2, 4),
    ("ks2_rwm", "20.0%", 1, 5),
    ("ks2_reading", "40.0%", 2, 5),
    ("ks2_writing", "60.0%", 3, 5),
    ("ks2_maths", "80.0%", 4, 5),
    ("ks4_em4", "60.0%", 3, 5),
    ("ks4_em5", "40.0%", 2, 5),
]


def test_attainment_page_shows_the_worked_figures(manager, pupils):
    page = _page(signed_in(manager), ATTAINMENT, {"year": YEAR})

    assert "Results for 18 children in view; 15 with a result counted below." in page
    for figure, value, met, children in WORKED_ATTAINMENT:
        assert _met(figure, value, met) in page, figure
        assert _counted(figure, children) in page, figure
    # Attainment 8: an average (147.75 / 4), linked to the children it averages, not as a
    # share that met it.
    assert f"{_attainment_link(figure='ks4_a8')}>36.9</a>" in page
    assert _counted("ks4_a8", 4) in page
    assert _attainment_link(figure="ks4_a8", met="yes") not in page
    # National figures, with their year.
    assert _national("35%", "2024/25") in page  # KS2 RWM, looked-after children
    assert _national("62%", "2024/25") in page  # KS2 RWM, all pupils
    assert _national("17.3", "2024/25") in page  # Attainment 8, looked-after children
    assert _national("46.2", "2022/23") in page  # Attainment 8, all pupils
    # A breakdown row: looked after, KS2 RWM 33.3% of 3.
    assert f"{_attainment_link(cohort='CLA', figure='ks2_rwm')}>33.3% (3)</a>" in page
    assert f"{_attainment_link(cohort='CLA', figure='ks4_a8')}>48.8 (2)</a>" in page
    assert f"{_attainment_link(cohort='CIN', figure='ks4_a8')}>20.3 (1)</a>" in page


def test_attainment_filter_in_the_url_changes_the_figures(manager, pupils):
    client = signed_in(manager)
    page = _page(client, ATTAINMENT, {"year": YEAR, "cohort": Cohort.CIN})

    assert '<option value="CIN" selected>Child in need</option>' in page
    # Pip (phonics A), Kit (KS2 99, WTS, 105) and Guy (GCSE English 9, maths U; A8 20.25).
    assert "Results for 3 children in view; 3 with a result counted below." in page
    assert _met("phonics", "0.0%", 0, cohort="CIN") in page
    assert _met("ks2_rwm", "0.0%", 0, cohort="CIN") in page
    assert _met("ks2_writing", "0.0%", 0, cohort="CIN") in page
    assert _met("ks2_maths", "100.0%", 1, cohort="CIN") in page
    assert _met("ks4_em4", "0.0%", 0, cohort="CIN") in page
    assert _counted("ks2_rwm", 1, cohort="CIN") in page
    assert f"{_attainment_link(cohort='CIN', figure='ks4_a8')}>20.3</a>" in page
    assert _met("ks2_rwm", "20.0%", 1) not in page

    # Another year: only Olly's 2023/24 phonics result (40, met).
    page = _page(client, ATTAINMENT, {"year": YEAR - 1})
    assert "Academic year 2023/24" in page
    assert _met("phonics", "100.0%", 1, year=YEAR - 1) in page
    assert _counted("phonics", 1, year=YEAR - 1) in page


def test_attainment_opens_on_the_latest_results_year(
    manager, caseworker, other_caseworker, pupils, allocate
):
    page = _page(signed_in(manager), ATTAINMENT)
    assert "All children · Academic year 2024/25" in page
    assert "Results in academic year 2024/25" in page
    assert '<option value="2024" selected>2024/25</option>' in page
    assert _met("ks2_rwm", "20.0%", 1) in page  # the links carry the year
    page = _page(signed_in(manager), ATTAINMENT_CHILDREN, {"figure": "ks2_rwm", "met": "yes"})
    assert "Attainment · Academic year 2024/25" in page
    assert _listed(page) == ["Kai Kaison"]

    # A caseworker whose only child has results in 2023/24 opens on 2023/24.
    allocate(pupils["old"], caseworker)
    page = _page(signed_in(caseworker), ATTAINMENT)
    assert "Your caseload · Academic year 2023/24" in page
    assert '<option value="2023" selected>2023/24</option>' in page
    assert '<option value="2024" selected>' not in page
    assert "Results for 1 child in view; 1 with a result counted below." in page
    page = _page(signed_in(caseworker), ATTAINMENT_CHILDREN, {"figure": "phonics"})
    assert _listed(page) == ["Olly Ollyson"]

    # No results in view: the current academic year.
    current = academic_year_of(timezone.localdate())
    page = _page(signed_in(other_caseworker), ATTAINMENT)
    assert f"Your caseload · Academic year {academic_year_label(current)}" in page
    assert f'<option value="{current}" selected>' in page
    assert "Results for 0 children in view; 0 with a result counted below." in page


# --- Attainment: the drill-down lists -------------------------------------------------------

KS2_RWM = "Key stage 2: expected standard in reading, writing and maths"


@pytest.mark.parametrize(
    ("params", "title", "expected"),
    [
        ({"figure": "ks2_rwm", "met": "yes"}, f"{KS2_RWM}: met", ["Kai Kaison"]),
        (
            {"figure": "ks2_rwm", "met": "no"},
            f"{KS2_RWM}: did not meet",
            ["Kay Kayson", "Kev Kevson", "Kim Kimson", "Kit Kitson"],
        ),
        (
            {"figure": "ks2_rwm"},
            KS2_RWM,
            ["Kai Kaison", "Kay Kayson", "Kev Kevson", "Kim Kimson", "Kit Kitson"],
        ),
        (
            {"figure": "ks4_a8"},
            "Key stage 4: average Attainment 8 score",
            ["Gia Giason", "Gil Gilson", "Gus Gusson", "Guy Guyson"],
        ),
        ({"figure": "phonics", "met": "no"}, "phonics", ["Pat Patson", "Pip Pipson"]),
        ({"figure": "ks4_em4", "met": "yes"}, "", ["Gil Gilson", "Gus Gusson", "Gwen Gwenson"]),
        # With a dimension filter: the breakdown row's lists.
        (
            {"figure": "ks2_rwm", "met": "no", "cohort": "CIN"},
            "Cohort: Child in need",
            ["Kit Kitson"],
        ),
        (
            {"figure": "ks2_rwm", "cohort": "CLA"},
            "Cohort: Looked after",
            ["Kai Kaison", "Kev Kevson", "Kim Kimson"],
        ),
        ({"figure": "ks4_a8", "cohort": "CPP"}, "Cohort: Child protection plan", ["Gia Giason"]),
        ({"figure": "ks4_em4", "met": "yes", "cohort": "CPP"}, "Cohort: Child protection plan", []),
    ],
)
def test_attainment_drill_down_lists_exactly_the_children(manager, pupils, params, title, expected):
    page = _page(signed_in(manager), ATTAINMENT_CHILDREN, {"year": YEAR, **params})

    assert title in page
    assert sorted(_listed(page)) == expected
    for child in pupils.values():
        assert (escape(child.full_name) in page) is (child.full_name in expected), child.full_name
    count = len(expected)
    assert f"{count} child{'' if count == 1 else 'ren'}." in page
    assert {tab for tab, _ in CHILD_LINK.findall(page)} <= {"attainment"}


def test_attainment_drill_down_rows_and_applied_filter(manager, pupils):
    client = signed_in(manager)
    page = _page(client, ATTAINMENT_CHILDREN, {"year": YEAR, "figure": "ks4_a8", "cohort": "CIN"})
    assert '<strong class="govuk-tag govuk-tag--grey">Cohort: Child in need</strong>' in page
    assert ">20.25<" in page and "20.25 out of 90" in page  # Guy's score
    assert f'href="{ATTAINMENT}?year={YEAR}&amp;cohort=CIN"' in page
    assert f'href="?year={YEAR}&amp;cohort=CIN&amp;download=csv&amp;figure=ks4_a8"' in page

    page = _page(client, ATTAINMENT_CHILDREN, {"year": YEAR, "figure": "ks2_rwm", "met": "no"})
    assert "Filtered to:" not in page
    assert ">Not met<" in page and ">Met<" not in page


def test_every_attainment_link_on_the_page_leads_to_its_list(manager, pupils):
    client = signed_in(manager)
    page = _page(client, ATTAINMENT, {"year": YEAR})
    links = set(re.findall(rf'href="({re.escape(ATTAINMENT_CHILDREN)}\?[^"]*)"', page))
    assert len(links) > 20
    for link in links:
        response = client.get(unescape(link))
        assert response.status_code == 200, link


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"figure": "bogus"},
        {"figure": "ks2_rwm", "met": "maybe"},
        {"figure": "ks2_rwm", "met": "true"},
        {"figure": "ks4_a8", "met": "yes"},
        {"figure": "ks4_a8", "met": "no"},
        {"figure": "ks2_rwm", "cohort": "XYZ"},
        {"figure": "ks2_rwm", "year": "1999"},
    ],
)
def test_attainment_drill_down_refuses_invalid_values(manager, pupils, params):
    response = signed_in(manager).get(ATTAINMENT_CHILDREN, params)
    assert response.status_code == 404


# --- Attainment: a caseworker's view --------------------------------------------------------


def test_attainment_caseworker_sees_only_their_allocated_children(
    caseworker, other_caseworker, pupils, allocate
):
    allocate(pupils["k1"], caseworker)
    allocate(pupils["k3"], caseworker)
    client = signed_in(caseworker)
    page = _page(client, ATTAINMENT, {"year": YEAR})

    assert "Your caseload · Academic year 2024/25" in page
    assert "Results for 2 children in view; 2 with a result counted below." in page
    # Kai met all three; Kit only maths.
    assert _met("ks2_rwm", "50.0%", 1) in page
    assert _met("ks2_reading", "50.0%", 1) in page
    assert _met("ks2_maths", "100.0%", 2) in page
    assert _counted("ks2_rwm", 2) in page
    assert _counted("phonics", 0) in page
    page = _page(client, ATTAINMENT_CHILDREN, {"year": YEAR, "figure": "ks2_rwm"})
    assert _listed(page) == ["Kai Kaison", "Kit Kitson"]
    page = _page(client, ATTAINMENT_CHILDREN, {"year": YEAR, "figure": "ks4_em4"})
    assert _listed(page) == []

    other = signed_in(other_caseworker)
    page = _page(other, ATTAINMENT, {"year": YEAR})
    assert "Results for 0 children in view; 0 with a result counted below." in page
    for figure in ("ks2_rwm", "phonics", "ks4_a8"):
        page = _page(other, ATTAINMENT_CHILDREN, {"year": YEAR, "figure": figure})
        assert _listed(page) == []
        assert "0 children." in page


# --- Attainment: CSV ------------------------------------------------------------------------


def test_attainment_dashboard_csv(manager, pupils):
    rows = _csv(signed_in(manager).get(ATTAINMENT, {"download": "csv"}))

    assert rows[0] == ["Attainment dashboard", "Academic year 2024/25"]
    assert _table(rows)[1] == [
        "All",
        "All children in view",
        *("50.0", "4", "20.0", "5", "40.0", "5", "60.0", "5"),
        *("80.0", "5", "36.9", "4", "60.0", "5", "40.0", "5"),
    ]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_attainment_csv_escapes_formulas(manager, pupils, start):
    school_name = f'{start}HYPERLINK("x")'
    school = SchoolFactory(name=school_name)
    kai = pupils["k1"]
    Enrolment.objects.create(child=kai, school=school, start_date=D(2023, 9, 1))
    Child.objects.filter(pk=kai.pk).update(first_name=f"{start}Kai")
    client = signed_in(manager)

    page = _page(client, ATTAINMENT_CHILDREN, {"year": YEAR, "figure": "ks2_rwm", "met": "yes"})
    assert escape(f"{start}Kai Kaison") in page and escape(school_name) in page

    rows = _csv(client.get(ATTAINMENT, {"year": YEAR, "download": "csv"}))
    assert any(row[:2] == ["School", f"'{school_name}"] for row in rows)
    _no_formula_cells(rows)

    every = _csv(
        client.get(
            ATTAINMENT_CHILDREN,
            {"year": YEAR, "figure": "ks2_rwm", "met": "yes", "download": "csv"},
        )
    )
    rows = _table(every)
    assert rows[0] == ["Name", "UPN", "Cohort", "School", "Caseworker", "Outcome", "Results"]
    kai_upn = Child.objects.get(pk=kai.pk).upn
    assert rows[1][:6] == [f"'{start}Kai Kaison", kai_upn, "CLA", f"'{school_name}", "", "Met"]
    assert len(rows) == 2
    _no_formula_cells(every)
    rows = _table(
        _csv(client.get(ATTAINMENT_CHILDREN, {"year": YEAR, "figure": "ks4_a8", "download": "csv"}))
    )
    assert sorted(row[0] for row in rows[1:]) == [
        "Gia Giason",
        "Gil Gilson",
        "Gus Gusson",
        "Guy Guyson",
    ]


# --- Attainment: small numbers --------------------------------------------------------------


def test_attainment_small_numbers_are_marked(manager, pupils, settings):
    client = signed_in(manager)
    page = _page(client, ATTAINMENT, {"year": YEAR})
    marker = _marker(5)

    # Phonics and Attainment 8 rest on 4 children; the KS2 and GCSE figures on 5.
    assert f"{_counted('phonics', 4)}{marker}" in page
    assert f"{_counted('ks4_a8', 4)}{marker}" in page
    assert f"{_counted('ks2_rwm', 5)}</td>" in page
    assert f"{_counted('ks4_em4', 5)}</td>" in page
    assert f"{_attainment_link(cohort='CLA', figure='ks2_rwm')}>33.3% (3)</a>{marker}" in page

    settings.DASHBOARD_MIN_CHILDREN = 1
    page = _page(client, ATTAINMENT, {"year": YEAR})
    assert "(fewer than" not in page
    assert 'class="app-small">*<span' not in page
    assert f"{_counted('phonics', 4)}</td>" in page


# --- Queries do not grow with the children in view ------------------------------------------


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (EXCLUSIONS, {"year": YEAR}),
        (EXCLUSIONS, {"year": YEAR, "cohort": "CLA"}),
        (EXCLUSIONS, {"year": YEAR, "by": "school"}),
        (EXCLUSIONS, {"year": YEAR, "by": "caseworker"}),
        (EXCLUSIONS_CHILDREN, {"year": YEAR}),
        (EXCLUSIONS_CHILDREN, {"year": YEAR, "show": "suspended", "cohort": "CLA"}),
        (EXCLUSIONS_CHILDREN, {"year": YEAR, "reason": "DB"}),
    ],
)
@pytest.mark.parametrize("who", ["manager", "caseworker"])
def test_exclusions_query_count_does_not_grow(
    request, manager, caseworker, cohort, url, params, who
):
    client = signed_in(request.getfixturevalue(who))
    client.get(url, params)  # warm
    few = _queries(client, url, params)
    caseworkers = [caseworker, UserFactory(role=Role.CASEWORKER)]
    exclusions_tests._many(20, manager, caseworkers)
    many = _queries(client, url, params)
    assert few == many
    # the added children are in view (half of them, for the caseworker)
    listed = _listed(_page(client, EXCLUSIONS_CHILDREN, {"year": YEAR}))
    assert len(listed) == (25 if who == "manager" else 12)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (ATTAINMENT, {}),
        (ATTAINMENT, {"year": YEAR, "cohort": "CLA"}),
        (ATTAINMENT, {"year": YEAR, "by": "school"}),
        (ATTAINMENT, {"year": YEAR, "by": "caseworker"}),
        (ATTAINMENT_CHILDREN, {"figure": "ks2_rwm"}),
        (ATTAINMENT_CHILDREN, {"year": YEAR, "figure": "ks2_rwm", "met": "no"}),
        (ATTAINMENT_CHILDREN, {"year": YEAR, "figure": "ks4_a8", "cohort": "CIN"}),
    ],
)
def test_attainment_query_count_does_not_grow(manager, pupils, url, params):
    client = signed_in(manager)
    client.get(url, params)  # warm
    few = _queries(client, url, params)
    attainment_tests._more(10, 100)  # 20 more children with results
    many = _queries(client, url, params)
    assert few == many
    page = _page(client, ATTAINMENT, {"year": YEAR})
    assert "Results for 38 children in view" in page


def test_exclusions_drill_down_refuses_a_digit_int_cannot_read(manager, cohort):
    """APP BUG (records/views/dashboards.py, exclusions_children_page): `exclusion_school` is
    checked with str.isdigit(), which is true for Unicode digits such as "²" (superscript
    two) that int() refuses, so `int(school_text)` raises ValueError and the page answers a
    server error (500) instead of 404. Fails until the check is e.g. `school_text.isascii()
    and school_text.isdigit()` (or a try/except around int())."""
    client = signed_in(manager)
    client.raise_request_exception = False
    response = client.get(EXCLUSIONS_CHILDREN, {"year": YEAR, "exclusion_school": "²"})
    assert response.status_code == 404, (
        f"?exclusion_school=² answered {response.status_code}, not 404 (ValueError in int())"
    )


# --- One breakdown a page ---------------------------------------------------------------------


@pytest.mark.parametrize(("url", "world"), [(EXCLUSIONS, "cohort"), (ATTAINMENT, "pupils")])
def test_a_page_shows_the_breakdown_chosen_and_links_to_the_others(manager, request, url, world):
    request.getfixturevalue(world)
    client = signed_in(manager)
    page = _page(client, url, {"year": YEAR})
    # By cohort when none is chosen; every other breakdown one link away, with the filters.
    shown = client.get(url, {"year": YEAR}).context["shown_breakdowns"]
    assert [breakdown.dimension.key for breakdown in shown] == ["cohort"]
    assert 'aria-current="true">Cohort</a>' in page
    for dimension in DIMENSIONS[1:]:
        assert f'href="?year={YEAR}&amp;by={dimension.key}#breakdown"' in page
    filtered = _page(client, url, {"year": YEAR, "cohort": Cohort.CLA, "by": "sen"})
    assert 'aria-current="true">SEN provision</a>' in filtered
    assert f'href="?year={YEAR}&amp;cohort=CLA&amp;by=school#breakdown"' in filtered
    shown = client.get(url, {"year": YEAR, "by": "sen"}).context["shown_breakdowns"]
    assert [breakdown.dimension.key for breakdown in shown] == ["sen"]


def test_an_unknown_breakdown_is_named_in_the_error_summary(manager, cohort):
    page = _page(signed_in(manager), EXCLUSIONS, {"year": YEAR, "by": "shoe_size"})
    assert "There is a problem" in page
    assert "Choose what to break the figures down by from the list" in page
    assert "shoe_size is not one of them" in page


def test_the_csv_has_every_breakdown_whichever_the_page_shows(manager, cohort):
    rows = _csv(signed_in(manager).get(EXCLUSIONS, {"year": YEAR, "by": "sen", "download": "csv"}))
    breakdowns = {row[0] for row in rows[2:] if row and row[0] != "All"}
    assert {dimension.label for dimension in DIMENSIONS} <= breakdowns


def _caption(page: str) -> str:
    return unescape(re.search(r'<span class="govuk-caption-l">([^<]*)</span>', page)[1])


def test_the_caption_names_the_cohort_filter_applied(manager, cohort):
    """Issue 16: "All children" only when no filter is applied; a cohort filter is named."""
    client = signed_in(manager)
    unfiltered = _page(client, EXCLUSIONS, {"year": YEAR})
    assert _caption(unfiltered).startswith("All children · ")
    filtered = _page(client, EXCLUSIONS, {"year": YEAR, "cohort": Cohort.CLA})
    assert _caption(filtered).startswith("Children filtered to cohort Looked after · ")
    assert "All children" not in _caption(filtered)


def test_break_down_by_appears_once(manager, cohort):
    page = _page(signed_in(manager), EXCLUSIONS, {"year": YEAR})
    assert page.count("Break down by") == 1
