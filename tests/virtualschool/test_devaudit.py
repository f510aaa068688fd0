"""`make audit`'s pip-audit part (virtualschool/devaudit.py): a found vulnerability fails, and a
vulnerability database out of reach is reported as "NOT checked", never as "no known
vulnerabilities", without failing.

The reports classified here are written by pip-audit's own JSON formatter, so a change in its
format shows up here. The unreachable path is run for real, through a proxy nobody listens on.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.version import Version
from pip_audit._format import JsonFormat
from pip_audit._service.interface import (
    ResolvedDependency,
    SkippedDependency,
    VulnerabilityResult,
)

from virtualschool import devaudit

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _report(result: dict) -> str:
    return JsonFormat(output_desc=False, output_aliases=False).format(result, [])


def _vulnerability(vuln_id: str, *fixed_in: str) -> VulnerabilityResult:
    return VulnerabilityResult(
        id=vuln_id,
        description="",
        fix_versions=[Version(v) for v in fixed_in],
        aliases=set(),
    )


def _not_found(name: str, version: str) -> SkippedDependency:
    # pip-audit's wording for a release PyPI answers 404 for (pip_audit/_service/pypi.py).
    return SkippedDependency(
        name=name,
        skip_reason=f"Dependency not found on PyPI and could not be audited: {name} ({version})",
    )


def test_a_known_vulnerability_fails_and_is_named_with_its_fix():
    report = _report(
        {
            ResolvedDependency(name="django", version=Version("5.2.1")): [
                _vulnerability("PYSEC-2025-1", "5.2.2")
            ],
            ResolvedDependency(name="segno", version=Version("1.6.6")): [],
        }
    )
    outcome = devaudit.classify("pypi", 1, report, "")
    assert outcome.kind == devaudit.VULNERABLE
    assert outcome.exit_status == 1
    assert "django 5.2.1: PYSEC-2025-1 (fixed in 5.2.2)" in outcome.message
    assert "segno" not in outcome.message


def test_every_release_checked_and_none_known_passes_with_the_count():
    report = _report(
        {
            ResolvedDependency(name="django", version=Version("5.2.19")): [],
            ResolvedDependency(name="segno", version=Version("1.6.6")): [],
        }
    )
    outcome = devaudit.classify("pypi", 0, report, "")
    assert (outcome.kind, outcome.exit_status) == (devaudit.CLEAN, 0)
    assert "no known vulnerabilities in 2 pinned releases" in outcome.message
    assert "NOT checked" not in outcome.message


def test_a_release_the_database_does_not_know_is_named_as_not_checked():
    report = _report(
        {
            ResolvedDependency(name="django", version=Version("5.2.19")): [],
            _not_found("our-private-package", "1.0"): [],
        }
    )
    outcome = devaudit.classify("pypi", 0, report, "")
    assert outcome.kind == devaudit.CLEAN
    assert "no known vulnerabilities in 1 pinned releases" in outcome.message
    assert "1 NOT checked" in outcome.message
    assert "our-private-package" in outcome.message


def test_no_release_known_at_all_is_an_unreachable_database_not_a_clean_bill():
    # What a mirror that serves packages but not PyPI's JSON API gives: pip-audit itself says
    # "No known vulnerabilities found" and exits 0.
    report = _report({_not_found("django", "5.2.19"): [], _not_found("segno", "1.6.6"): []})
    outcome = devaudit.classify("pypi", 0, report, "No known vulnerabilities found\n")
    assert outcome.kind == devaudit.UNREACHABLE
    assert "no record of any of the 2 pinned releases" in outcome.message


def test_a_network_error_is_unreachable_but_another_error_fails():
    traceback_tail = (
        "Traceback (most recent call last):\n"
        '  File "requests/adapters.py", line 696, in send\n'
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443):"
        ' Max retries exceeded with url: /v1/query (Caused by NameResolutionError("Failed to '
        "resolve 'api.osv.dev'\"))\n"
    )
    unreachable = devaudit.classify("osv", 1, "", traceback_tail)
    assert unreachable.kind == devaudit.UNREACHABLE
    assert unreachable.message == (
        "OSV: ConnectionError for api.osv.dev, the host name does not resolve"
    )

    bad_file = "ERROR:pip_audit._cli:requirement file x contains invalid specifier at line 1\n"
    failed = devaudit.classify("pypi", 1, "", bad_file)
    assert (failed.kind, failed.exit_status) == (devaudit.FAILED, 2)
    assert "invalid specifier" in failed.message


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_with_no_database_reachable_it_says_not_checked_and_passes(tmp_path):
    requirements = tmp_path / "constraints.txt"
    requirements.write_text("django==5.2.19\n")
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in {"no_proxy", "http_proxy", "https_proxy", "all_proxy"}
    }
    env.update(HTTPS_PROXY=proxy, HTTP_PROXY=proxy)
    completed = subprocess.run(  # noqa: S603 - this interpreter and a fixed command line
        [sys.executable, "-m", "virtualschool.devaudit", "--requirement", str(requirements)],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "could not reach the vulnerability database" in output
    assert "PyPI: ProxyError for pypi.org" in output
    assert "OSV: ProxyError for api.osv.dev" in output
    assert "dependencies NOT checked" in output
    assert "no known vulnerabilities" not in output.lower()


@pytest.mark.parametrize("service", ["pypi", "osv"])
def test_a_requirements_file_pip_audit_cannot_read_fails(tmp_path, service):
    requirements = tmp_path / "constraints.txt"
    requirements.write_text("not a requirement!!\n")
    outcome = devaudit.audit_with(service, requirements, timeout=5)
    assert (outcome.kind, outcome.exit_status) == (devaudit.FAILED, 2)
