"""`python -m tests.api_fuzz` (`make test-api`): schemathesis against the API's own OpenAPI
schema, on the real server, as each kind of caller.

It starts the server as the browser journeys do (tests/liveserver.py: a fresh database
`<name>_api_fuzz` beside DATABASE_URL's, migrated, seed_demo with a fresh password and
two-factor secret, runserver on a free port of 127.0.0.1, with DEBUG off so that errors are
answered as in production), then:

- signs in caseworker, manager, admin and the youth service's recipient user with their
  password and authenticator code, as a person would, and keeps each session's cookies
  (writes send the CSRF token as the browser's scripts would);
- issues an API token for the youth service's agreement through the real token service
  (tests/issue_token.py);
- fetches the schema (/api/schema/?format=json, as the manager) and runs `schemathesis run`
  once per caller with the checks in CHECKS: no 5xx (not_a_server_error) and every response
  as the schema says (status code documented, body and content type as documented).
  Each caller's `{id}` in a path is one that caller may reach (the first child of its
  /api/children/, or for a recipient the first agreement of /api/sharing/agreements/), given
  to schemathesis in a config file, so the operations reach the code behind the 404; the
  other parameters and the bodies are generated.

Each caller's run is bounded (FUZZ_MAX_EXAMPLES examples per operation, FUZZ_MAX_SECONDS in
all), with a fixed seed (FUZZ_SEED) so a failure can be replayed. Reports are written to
.run/api-fuzz/<caller>/ (JUnit XML); the run fails if any caller's did. Extra arguments are
passed to every `schemathesis run` (e.g. `--include-path-regex sharing`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.liveserver import PROJECT_ROOT, Server, ServerError, prepared_server, sign_in

OUTPUT = PROJECT_ROOT / ".run" / "api-fuzz"
PEOPLE = ("caseworker", "manager", "admin", "youth")
TOKEN = "youth-token"
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "20")
MAX_SECONDS = os.environ.get("FUZZ_MAX_SECONDS", "60")
SEED = os.environ.get("FUZZ_SEED", "16")


def _session_headers(server: Server, username: str) -> list[str]:
    session = sign_in(server, username)
    cookies = session.cookies.get_dict()
    cookie = "; ".join(f"{name}={value}" for name, value in sorted(cookies.items()))
    return [f"Cookie: {cookie}", f"X-CSRFToken: {cookies['csrftoken']}"]


def _reachable_id(server: Server, caller: str, headers: list[str]) -> str | None:
    """The id of the first child (staff) or agreement (a recipient) the caller may reach."""
    import requests

    listing = "/api/sharing/agreements/" if caller.startswith("youth") else "/api/children/"
    answer = requests.get(
        server.url + listing,
        headers=dict(header.split(": ", 1) for header in headers),
        timeout=60,
    )
    answer.raise_for_status()
    results = answer.json()["results"]
    return str(results[0]["id"]) if results else None


def _config(caller: str, reachable: str | None) -> Path:
    path = OUTPUT / caller / "schemathesis.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[parameters]\n"path.id" = "{reachable}"\n' if reachable else "")
    return path


def _token_headers(server: Server) -> list[str]:
    secret = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.issue_token"],
        cwd=PROJECT_ROOT,
        env=server.env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return [f"Authorization: Bearer {secret}"]


def _schema(server: Server, headers: list[str]) -> Path:
    import requests

    answer = requests.get(
        f"{server.url}/api/schema/?format=json",
        headers=dict(header.split(": ", 1) for header in headers),
        timeout=60,
    )
    answer.raise_for_status()
    path = OUTPUT / "schema.json"
    path.write_text(json.dumps(answer.json(), indent=1))
    return path


def _fuzz(server: Server, schema: Path, caller: str, headers: list[str], extra: list[str]) -> int:
    report = OUTPUT / caller
    argv = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(_config(caller, _reachable_id(server, caller, headers))),
        "run",
        str(schema),
        "--url",
        server.url,
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        MAX_EXAMPLES,
        "--max-time",
        MAX_SECONDS,
        "--seed",
        SEED,
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-dir",
        str(report),
        *[part for header in headers for part in ("--header", header)],
        *extra,
    ]
    print(f"\n=== schemathesis as {caller} ===", flush=True)
    return subprocess.run(argv, cwd=PROJECT_ROOT, check=False).returncode  # noqa: S603


def main(extra: list[str]) -> int:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        with prepared_server(
            suffix="api_fuzz",
            log_path=OUTPUT / "server.log",
            # Errors answered as in production (JSON under /api/, not Django's debug pages).
            environment={"DEBUG": "false"},
        ) as server:
            callers = {username: _session_headers(server, username) for username in PEOPLE}
            callers[TOKEN] = _token_headers(server)
            schema = _schema(server, callers["manager"])
            results = {
                caller: _fuzz(server, schema, caller, headers, extra)
                for caller, headers in callers.items()
            }
    except ServerError as error:
        print(f"api fuzzing could not start: {error}", file=sys.stderr)
        return 2
    print()
    for caller, code in results.items():
        print(f"api_fuzz_{caller.replace('-', '_')}: {'passed' if code == 0 else 'FAILED'}")
    print(f"api_fuzz_seconds: {time.monotonic() - started:.0f}")
    return max(results.values())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
