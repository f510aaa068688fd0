"""`make load`'s plan without running it (loadtest/): every address its simulated users
request is a route of the service, and the figures print as `name: value` lines."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

from loadtest import plan

LOCUSTFILE = Path(plan.__file__).with_name("locustfile.py")
FIGURE = re.compile(r"^[a-z0-9_]+: [0-9.]+$")


def _route(path: str):
    concrete = path.format(child=uuid.uuid4(), agreement=7).split("?", 1)[0]
    try:
        return resolve(concrete)
    except Resolver404:
        pytest.fail(f"{path} is no route of the service")


def _addresses() -> list[str]:
    literals = re.findall(r'"(/[^"\s]*)"', LOCUSTFILE.read_text())
    return sorted(
        {request.path for request in plan.ALL}
        | {plan.CASEWORKER_CHILDREN, plan.TEACHER_CHILDREN, plan.AGREEMENTS}
        | set(literals)
    )


@pytest.mark.parametrize("path", _addresses())
def test_every_address_the_load_requests_is_a_route(path):
    match = _route(path)
    # children/<id>/<anything> resolves to the API's catch-all, which answers 404.
    assert match.url_name != "no-such-route", path


def test_the_locustfile_asks_for_nothing_the_plan_does_not_name():
    literals = set(re.findall(r'"(/[^"\s]*)"', LOCUSTFILE.read_text()))
    assert literals == {"/sign-in/", "/sign-in/code/"}


def test_each_kind_of_user_stays_in_its_part_of_the_service():
    assert all(r.path.startswith("/portal/") for r in plan.TEACHER)
    assert all(r.path.startswith("/api/sharing/") for r in plan.TOKEN)
    assert not any(r.path.startswith(("/portal/", "/api/sharing/")) for r in plan.CASEWORKER)
    assert all(r.weight > 0 for r in plan.ALL)
    assert len({r.name for r in plan.ALL}) == len(plan.ALL)


def test_the_figures_print_as_name_value_lines():
    entries = [
        plan.Entry("manager: home", requests=20, failures=1, response_times={100: 19, 900: 1}),
        plan.Entry("token: agreements", requests=20, failures=0, response_times={40: 20}),
        plan.Entry("sign-in: /sign-in/", requests=4, failures=0, response_times={5000: 4}),
    ]
    lines = plan.summary(entries, 10.0, exceptions=2)
    assert all(FIGURE.match(line) for line in lines), lines
    figures = dict(line.split(": ") for line in lines)
    # The sign-ins are counted but not timed: 40 requests in 10 s, p95 the 38th fastest.
    assert figures["requests_per_s"] == "4.0"
    assert figures["p95_ms"] == "100"
    assert figures["p50_ms"] == "40"
    assert figures["errors"] == "3"
    assert figures["sign_ins"] == "4"
    assert figures["p95_ms_manager_home"] == "100"
    assert {"requests_per_s", "p95_ms", "errors"} <= set(figures)


def test_a_slow_tail_shows_in_the_p95():
    times = {10: 90, 2000: 10}
    assert plan.percentile(times, 0.95) == 2000
    assert plan.percentile(times, 0.90) == 10
    assert plan.percentile({}, 0.95) == 0
