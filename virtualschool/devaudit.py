"""Check the pinned dependencies against a vulnerability database with pip-audit.

    python -m virtualschool.devaudit [--requirement FILE] [--service pypi --service osv]

`make audit` runs this on constraints.txt: the exact releases `make run`, `make test` and the
Docker image install. pip-audit looks each one up in a vulnerability database, PyPI's JSON API
(https://pypi.org/pypi/NAME/VERSION/json) or OSV (https://api.osv.dev/v1/query), over the
network. On its own it can mislead in both directions when the database is out of reach:

- where PyPI answers 404 for every release (a mirror or proxy that serves packages but not the
  JSON API), it skips them all and still prints "No known vulnerabilities found", exit status 0;
- where the network is down, it dies with a traceback and exit status 1, the status it also
  gives for a found vulnerability.

So this runs pip-audit with JSON output, tries each service in turn until one answers, and
tells the outcomes apart:

- a known vulnerability in a pinned release: each is listed, exit status 1;
- every pin checked, none known: says so with the count, exit status 0 (a pin the database has
  no record of, e.g. a private package, is named as not checked);
- no service reachable: "could not reach the vulnerability database (why); dependencies NOT
  checked", exit status 0, so a machine without network still passes `make audit` but says
  plainly that it did not check;
- pip-audit failing for another reason (a requirements line it cannot read): its error, exit
  status 2.

Only the standard library is used here; pip-audit (the dev extra) runs as a child process.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REQUIREMENTS = PROJECT_ROOT / "constraints.txt"
DEFAULT_SERVICES = ("pypi", "osv")
SERVICE_NAMES = {"pypi": "PyPI", "osv": "OSV"}
# pip-audit's own default socket timeout, in seconds.
DEFAULT_TIMEOUT = 15

VULNERABLE, CLEAN, UNREACHABLE, FAILED = "vulnerable", "clean", "unreachable", "failed"
EXIT_STATUS = {VULNERABLE: 1, CLEAN: 0, UNREACHABLE: 0, FAILED: 2}

# What pip-audit's stderr holds when the service could not be reached: the exception requests
# raised (a traceback's last line), pip-audit's own connection message, or its ServiceError for
# an HTTP error other than 404.
_NETWORK_FAILURE = re.compile(
    r"^(?P<error>requests\.exceptions\.\w+|pip_audit\.\S*(?:ConnectionError|ServiceError))"
    r"(?::\s*(?P<detail>.*))?$",
    re.MULTILINE,
)
_PIP_AUDIT_CONNECTION = re.compile(r"^ERROR:pip_audit\._cli:(?P<detail>.+)$", re.MULTILINE)
_HOST = re.compile(r"host='([^']+)'")
# The cause inside a requests error, in words, most specific first.
_CAUSES = (
    ("Failed to resolve", "the host name does not resolve"),
    ("Unable to connect to proxy", "the proxy refused the connection"),
    ("Connection refused", "the connection was refused"),
    ("timed out", "the connection timed out"),
    ("CERTIFICATE_VERIFY_FAILED", "the TLS certificate was not trusted"),
    ("Network is unreachable", "the network is unreachable"),
)


@dataclass(frozen=True)
class Outcome:
    kind: str
    message: str

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS[self.kind]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m virtualschool.devaudit",
        description=(
            "Audit pinned requirements with pip-audit; say plainly when no vulnerability "
            "database could be reached."
        ),
    )
    parser.add_argument(
        "--requirement",
        "-r",
        type=Path,
        default=DEFAULT_REQUIREMENTS,
        help="a file of exact pins (default: constraints.txt)",
    )
    parser.add_argument(
        "--service",
        "-s",
        action="append",
        choices=sorted(SERVICE_NAMES),
        help="a vulnerability service, tried in the order given (default: pypi, then osv)",
    )
    parser.add_argument(
        "--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds to wait for each answer"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not args.requirement.is_file():
        parser.error(f"no such file: {args.requirement}")

    outcome = audit(args.requirement, tuple(args.service or DEFAULT_SERVICES), args.timeout)
    print(outcome.message, file=sys.stderr if outcome.kind != CLEAN else sys.stdout, flush=True)
    return outcome.exit_status


def audit(requirements: Path, services: tuple[str, ...], timeout: int) -> Outcome:
    """The first answer from `services` in turn; UNREACHABLE, with every reason, if none."""
    reasons = []
    for service in services:
        outcome = audit_with(service, requirements, timeout)
        if outcome.kind != UNREACHABLE:
            return outcome
        reasons.append(outcome.message)
    return Outcome(
        UNREACHABLE,
        f"pip-audit: could not reach the vulnerability database ({'; '.join(reasons)}); "
        "dependencies NOT checked",
    )


def audit_with(service: str, requirements: Path, timeout: int) -> Outcome:
    """pip-audit's answer from one service. An UNREACHABLE outcome's message is the reason."""
    with tempfile.TemporaryDirectory(prefix="devaudit-") as scratch:
        report = Path(scratch) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(requirements),
            # The file pins every release exactly: look those up, resolve nothing, install
            # nothing (pip-audit needs both flags for an unhashed file).
            "--no-deps",
            "--disable-pip",
            "--vulnerability-service",
            service,
            "--format",
            "json",
            "--output",
            str(report),
            "--progress-spinner",
            "off",
            "--timeout",
            str(timeout),
        ]
        # Our own fixed command line, run without a shell.
        completed = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, check=False
        )
        text = report.read_text() if report.is_file() else ""
    return classify(service, completed.returncode, text, completed.stderr)


def classify(service: str, returncode: int, report: str, stderr: str) -> Outcome:
    """What one pip-audit run found, from its JSON report (empty when it wrote none), its exit
    status and its stderr."""
    name = SERVICE_NAMES.get(service, service)
    if report.strip():
        try:
            dependencies = json.loads(report)["dependencies"]
        except (ValueError, KeyError, TypeError) as error:
            return Outcome(FAILED, f"pip-audit wrote a report this cannot read ({error})")
        return _from_report(name, dependencies)
    reason = _network_reason(stderr)
    if reason is not None:
        return Outcome(UNREACHABLE, f"{name}: {reason}")
    # Leave out pip-audit's advice to hash the pins (constraints.txt pins without hashes).
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("WARNING:")]
    tail = "\n".join(lines[-10:])
    return Outcome(FAILED, f"pip-audit failed (exit status {returncode}):\n{tail}")


def _from_report(name: str, dependencies: list[dict]) -> Outcome:
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    checked = [dep for dep in dependencies if "skip_reason" not in dep]
    vulnerable = [dep for dep in checked if dep.get("vulns")]
    if vulnerable:
        count = sum(len(dep["vulns"]) for dep in vulnerable)
        lines = [
            f"pip-audit: {count} known "
            f"{'vulnerability' if count == 1 else 'vulnerabilities'} in "
            f"{len(vulnerable)} pinned {'release' if len(vulnerable) == 1 else 'releases'} "
            f"({name}):"
        ]
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
                lines.append(f"  {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
        return Outcome(VULNERABLE, "\n".join(lines))
    if skipped and not checked:
        return Outcome(
            UNREACHABLE,
            f"{name} had no record of any of the {len(skipped)} pinned releases, e.g. "
            f'"{skipped[0]["skip_reason"]}": a mirror or proxy that serves packages but not '
            "vulnerability data?",
        )
    message = f"pip-audit: no known vulnerabilities in {len(checked)} pinned releases ({name})"
    if skipped:
        names = ", ".join(dep["name"] for dep in skipped)
        message += f"; {len(skipped)} NOT checked, {name} has no record of them: {names}"
    return Outcome(CLEAN, message)


def _network_reason(stderr: str) -> str | None:
    """Why the service could not be reached, in a few words, or None if that is not why
    pip-audit stopped."""
    failures = list(_NETWORK_FAILURE.finditer(stderr))
    if not failures:
        connection = _PIP_AUDIT_CONNECTION.search(stderr)
        if connection and "network may be blocking" in stderr:
            return connection.group("detail").strip()
        return None
    last = failures[-1]
    error = last.group("error").rsplit(".", 1)[-1]
    detail = last.group("detail") or ""
    host = _HOST.search(detail)
    cause = next((words for marker, words in _CAUSES if marker in detail), None)
    reason = error + (f" for {host.group(1)}" if host else "")
    if cause:
        return f"{reason}, {cause}"
    return f"{reason}: {detail[:200]}" if detail else reason


if __name__ == "__main__":
    sys.exit(main())
