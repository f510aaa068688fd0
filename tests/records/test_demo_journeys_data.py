"""What the browser journeys (tests/e2e/) need of `make run`'s demo (seed_demo's defaults, 60
children, seed 2026): looked-after children in year 10 who are persistently absent, for the
manager's drill-down; a looked-after child of `caseworker`'s on the demo school's roll with no
plan open, for the PEP journey. Both are read through the pages the journeys use."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from records.models import Pep
from sharing.cohort import cohort
from sharing.portal import portal_for
from tests.conftest import signed_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_make_runs_demo_has_what_the_journeys_drive():
    call_command("seed_demo", password=PASSWORD, verbosity=0)
    users = {user.username: user for user in get_user_model().objects.all()}

    # The manager's drill-down: looked-after children in year 10, persistently absent.
    manager = signed_in(users["manager"])
    url = reverse("dashboards:attendance-children")
    query = {"cohort": "CLA", "year_group": "10", "show": "persistent"}
    page = manager.get(url, query)
    assert page.status_code == 200
    assert page.context["total"] >= 1
    assert len(page.context["rows"]) == page.context["total"]
    download = manager.get(url, {**query, "download": "csv"})
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    names = {cells[0][1] for _, cells in page.context["rows"]}
    assert len([line for line in lines if line and line[0] in names]) == page.context["total"]

    # The PEP journey: a looked-after child on the demo school's roll, allocated to
    # `caseworker`, whose PEP tab offers to start the next plan.
    portal = portal_for(users["school"])
    on_roll = cohort(portal.agreement, portal.on).children
    caseworker = signed_in(users["caseworker"])
    startable = [
        child
        for child in on_roll
        if child.allocations.filter(caseworker=users["caseworker"], end_date=None).exists()
        and not any(plan.is_open for plan in Pep.objects.filter(child=child))
        and child.episodes.filter(cohort="CLA", end_date=None).exists()
    ]
    assert startable
    tab = caseworker.get(reverse("records:tab", kwargs={"pk": startable[0].pk, "tab": "pep"}))
    assert "Start the next plan" in tab.content.decode()
