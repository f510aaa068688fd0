"""What the simulated users of `make load` request, and the figures printed at the end.

Kept apart from locustfile.py (which needs locust, from the api-test extra) so that the
suite checks, without locust, that every path here is a route of the service
(tests/test_loadtest.py) and that the figures print as `name: value` lines.

Paths are templates: `{child}` is a child's id (a caseworker's from /api/children/, a
designated teacher's from the portal's list), `{agreement}` an agreement's id (from the
token's /api/sharing/agreements/).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# The name each request is reported under: the sign-in steps are counted (an error there is
# an error) but left out of the response times and throughput, which measure the traffic of
# people who are signed in (each simulated user signs in once and keeps the session).
SIGN_IN_PREFIX = "sign-in"


@dataclass(frozen=True)
class Request:
    name: str
    path: str
    weight: int


CASEWORKER = (
    Request("caseworker: home", "/", 2),
    Request("caseworker: caseload", "/children/", 3),
    Request("caseworker: child", "/children/{child}/", 4),
    Request("caseworker: attendance tab", "/children/{child}/attendance/", 3),
    Request("caseworker: behaviour tab", "/children/{child}/behaviour/", 2),
    Request("caseworker: api children", "/api/children/", 2),
    Request("caseworker: api child", "/api/children/{child}/", 2),
)
MANAGER = (
    Request("manager: home", "/", 1),
    Request("manager: attendance dashboard", "/dashboards/attendance/", 4),
    Request("manager: attendance dashboard CLA", "/dashboards/attendance/?cohort=CLA", 2),
    Request("manager: attendance by school", "/dashboards/attendance/?by=school", 1),
    Request("manager: exclusions dashboard", "/dashboards/exclusions/", 2),
    Request("manager: attainment dashboard", "/dashboards/attainment/", 1),
    Request("manager: pep dashboard", "/dashboards/pep/", 2),
    Request("manager: children", "/children/", 2),
)
TEACHER = (
    Request("teacher: portal", "/portal/", 3),
    Request("teacher: portal child", "/portal/children/{child}/", 3),
    Request("teacher: portal pep", "/portal/children/{child}/pep/", 2),
)
TOKEN = (
    Request("token: agreements", "/api/sharing/agreements/", 6),
    Request("token: dataset jsonl", "/api/sharing/agreements/{agreement}/dataset.jsonl", 1),
)
# Where a user finds the ids its templates need.
CASEWORKER_CHILDREN = "/api/children/"
TEACHER_CHILDREN = "/portal/"
AGREEMENTS = "/api/sharing/agreements/"
# A child's link on the portal's list (templates/sharing/portal.html).
PORTAL_CHILD_LINK = re.compile(r'href="/portal/children/([0-9a-f-]{36})/"')
ALL = CASEWORKER + MANAGER + TEACHER + TOKEN


def percentile(response_times: dict[int, int], share: float) -> int:
    """The nearest-rank percentile of response times given as {milliseconds: count}, as
    locust keeps them (p95 of 40 requests is the 38th fastest)."""
    total = sum(response_times.values())
    if not total:
        return 0
    rank = max(1, -(-total * share // 1))
    seen = 0
    for milliseconds in sorted(response_times):
        seen += response_times[milliseconds]
        if seen >= rank:
            return milliseconds
    return max(response_times)


@dataclass(frozen=True)
class Entry:
    """One request name's figures, as locust's StatsEntry holds them."""

    name: str
    requests: int
    failures: int
    response_times: dict[int, int]


def slug(name: str) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", name.lower()))


def figures(entries: Iterable[Entry], seconds: float, *, exceptions: int = 0) -> dict[str, object]:
    """requests_per_s and p95_ms over the signed-in traffic; errors over every request
    (sign-in included, and `exceptions`: tasks that failed in the simulated user itself); the
    sign-ins, the run's length and each request's p95 for the record."""
    entries = list(entries)
    measured = [entry for entry in entries if not entry.name.startswith(SIGN_IN_PREFIX)]
    times: dict[int, int] = {}
    for entry in measured:
        for milliseconds, count in entry.response_times.items():
            times[milliseconds] = times.get(milliseconds, 0) + count
    requests = sum(entry.requests for entry in measured)
    return {
        "requests": requests,
        "requests_per_s": round(requests / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": percentile(times, 0.50),
        "p95_ms": percentile(times, 0.95),
        "errors": sum(entry.failures for entry in entries) + exceptions,
        "sign_ins": sum(
            entry.requests for entry in entries if entry.name.startswith(SIGN_IN_PREFIX)
        ),
        "seconds": round(seconds, 1),
        **{
            f"p95_ms_{slug(entry.name)}": percentile(entry.response_times, 0.95)
            for entry in sorted(measured, key=lambda entry: entry.name)
        },
    }


def summary(entries: Iterable[Entry], seconds: float, *, exceptions: int = 0) -> list[str]:
    """The figures as `name: value` lines."""
    return [
        f"{name}: {value}"
        for name, value in figures(entries, seconds, exceptions=exceptions).items()
    ]
