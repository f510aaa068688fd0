"""`python -m loadtest [--children N] [--users U] [--run-time T]` (`make load`): locust,
headless, against the service under gunicorn on 127.0.0.1, over N seeded children.

1. A fresh database `<name>_load` beside DATABASE_URL's (tests/liveserver.py, as the browser
   journeys and the API fuzzing use): migrated, seeded with the demo, then loadtest/seed.py's
   cohort and accounts.
2. gunicorn on a free port of 127.0.0.1 (WEB_CONCURRENCY workers of GUNICORN_THREADS threads,
   default 4 x 2, the application preloaded), DEBUG off, tasks in the web process (no broker),
   as `make run` has it; the sign-in page is fetched a few times by each thread to warm it.
3. locust, headless, U users (40% caseworkers, 20% managers, 20% designated teachers, 20% API
   tokens), spawned at --spawn-rate a second, for --run-time; each signs in once and keeps its
   session. Its figures (plan.summary) are printed as `name: value` lines: requests_per_s,
   p95_ms and errors among them. The run exits non-zero on any error, or a p95 over the
   --p95-target (500 ms).
4. gunicorn is stopped and the database dropped.

Logs (server, seeding, locust's own) are kept in .run/load/ (.run/<tag>/ with --tag).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.liveserver import PROJECT_ROOT, ServerError, prepared_server

SHARES = {"caseworkers": 0.4, "managers": 0.2, "teachers": 0.2, "tokens": 0.2}
FIGURE = re.compile(r"^[a-z0-9_]+: \S+$")


def counts(users: int) -> dict[str, int]:
    """Users of each kind for `users` in all, by SHARES (caseworkers take what rounding
    leaves), at least one of each from four users on."""
    result = {kind: max(1, round(users * share)) for kind, share in SHARES.items()}
    result["caseworkers"] = max(1, users - sum(v for k, v in result.items() if k != "caseworkers"))
    return result


def _warm_up(url: str, rounds: int = 3) -> None:
    """Each worker thread renders the sign-in page a few times (templates compiled, the
    connection to PostgreSQL open) before the measured users arrive."""
    import concurrent.futures
    import urllib.request

    def fetch(_: int) -> None:
        with urllib.request.urlopen(f"{url}/sign-in/", timeout=120) as answer:  # noqa: S310
            answer.read()

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(fetch, range(8 * rounds)))


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__)
    parser.add_argument("--children", type=int, default=2_000, help="default 2,000")
    parser.add_argument("--users", type=int, default=10, help="simulated users (default 10)")
    parser.add_argument("--run-time", default="30s", help="locust's --run-time (default 30s)")
    parser.add_argument("--spawn-rate", type=float, default=5, help="users a second (default 5)")
    parser.add_argument("--p95-target", type=float, default=500, help="ms (default 500)")
    parser.add_argument(
        "--tag",
        default="load",
        help="the database is <name>_<tag>, the logs in .run/<tag>/ (default load): two runs "
        "at once need two tags",
    )
    arguments = parser.parse_args(argv)
    if arguments.users < 4 or arguments.children < 40 * arguments.users:
        parser.error("at least 4 users, and 40 children for each (one caseworker to 40)")
    return arguments


def main(argv: list[str]) -> int:
    arguments = _arguments(argv)
    kinds = counts(arguments.users)
    output = PROJECT_ROOT / ".run" / arguments.tag
    output.mkdir(parents=True, exist_ok=True)
    accounts = output / "accounts.json"
    python = sys.executable
    seed = [
        python,
        "-m",
        "loadtest.seed",
        f"--children={arguments.children}",
        *(f"--{kind}={count}" for kind, count in kinds.items()),
        f"--accounts={accounts}",
    ]
    gunicorn = [
        str(Path(python).with_name("gunicorn")),
        "virtualschool.wsgi:application",
        "--bind=127.0.0.1:{port}",
        f"--workers={os.environ.get('WEB_CONCURRENCY', '4')}",
        f"--threads={os.environ.get('GUNICORN_THREADS', '2')}",
        "--timeout=60",
        # The application is loaded once, before the workers fork: a worker is ready when the
        # server answers, not still importing Django under the first users' requests.
        "--preload",
    ]
    started = time.monotonic()
    try:
        with prepared_server(
            suffix=arguments.tag,
            log_path=output / "server.log",
            setup=[seed],
            serve=gunicorn,
            environment={"DEBUG": "false"},
        ) as server:
            print(f"seconds_to_ready: {time.monotonic() - started:.0f}", flush=True)
            _warm_up(server.url)
            env = {
                **server.env,
                "LOADTEST_ACCOUNTS": str(accounts),
                "LOADTEST_COUNTS": ",".join(str(kinds[kind]) for kind in SHARES),
                "LOADTEST_PASSWORD": server.password,
                "LOADTEST_TOTP_SECRET": server.totp_secret,
            }
            with (output / "locust.log").open("w") as log:
                ran = subprocess.run(  # noqa: S603
                    [
                        str(Path(python).with_name("locust")),
                        "-f",
                        str(PROJECT_ROOT / "loadtest" / "locustfile.py"),
                        "--headless",
                        f"--host={server.url}",
                        f"--users={arguments.users}",
                        f"--spawn-rate={arguments.spawn_rate}",
                        f"--run-time={arguments.run_time}",
                        "--stop-timeout=10",
                        "--only-summary",
                    ],
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    check=False,
                )
    except ServerError as error:
        print(f"the load run could not start: {error}", file=sys.stderr)
        return 2
    lines = [line for line in ran.stdout.splitlines() if FIGURE.match(line)]
    figures = dict(line.split(": ", 1) for line in lines)
    print(f"children: {arguments.children}")
    print(f"users: {arguments.users}")
    for kind, count in kinds.items():
        print(f"users_{kind}: {count}")
    print("\n".join(lines))
    if "errors" not in figures:
        print(f"locust printed no figures (exit {ran.returncode}): see {output / 'locust.log'}")
        return 1
    failed = int(figures["errors"]) > 0 or float(figures["p95_ms"]) > arguments.p95_target
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
