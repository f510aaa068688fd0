"""The real server on 127.0.0.1 over a database of its own, for the runs that drive it from
outside: the browser journeys (tests/e2e/conftest.py), the API fuzzing (tests/api_fuzz/) and
the load run (loadtest/).

- `fresh_database` makes a new empty database beside DATABASE_URL's (dropped first if an
  earlier run left it); `drop_database` removes it again.
- `prepared_server` migrates it, seeds the demo (`seed_demo`) with a fresh password and
  two-factor secret, runs any further set-up commands, starts the server on a free port and
  yields it once /healthz answers; at the end it stops the server and drops the database.
- `sign_in` signs a person in as they would: the password, then the authenticator code from
  the demo secret, and returns the requests session holding the cookies.

Nothing here imports Django or the project: the server and its commands are subprocesses.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SERVER_START_TIMEOUT = 120
TOTP_STEP_SECONDS = 30
# The variables a started server must not inherit: it runs make run's settings, without a
# broker (tasks in the web process), whatever the calling shell had.
NOT_INHERITED = frozenset({"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"})


@dataclass(frozen=True)
class Server:
    url: str
    password: str
    totp_secret: str
    # The environment the server runs with (its DATABASE_URL and demo secrets), for commands
    # run against the same database while it is up.
    env: dict[str, str] | None = None

    def manage(self, *args: str) -> str:
        """Run a management command against the server's database while it is up, as an
        operator would (the journeys' daily retention sweep, which beat runs in production);
        its output. A server named by E2E_SERVER_URL has no env: the caller's own, make run's
        settings."""
        env = self.env or {**os.environ, "DJANGO_SETTINGS_MODULE": "virtualschool.settings.local"}
        done = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout


class ServerError(RuntimeError):
    """The server or one of its set-up commands failed; the message names the log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(base_url: str, suffix: str) -> tuple[str, str]:
    """A new empty database `<name>_<suffix>` beside DATABASE_URL's, and the URL of its
    server's `postgres` database (to drop it again)."""
    parts = urlsplit(base_url)
    name = parts.path.lstrip("/") or "virtualschool"
    new_name = f"{name}_{suffix}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{new_name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{new_name}"')
    return urlunsplit(parts._replace(path=f"/{new_name}")), admin_url


def drop_database(admin_url: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def new_totp_secret() -> str:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "virtualschool.totp", "--new"],
        check=True,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    ).stdout.strip()


def manage(env: dict[str, str], command: Sequence[str], log) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *command],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        check=False,
    )


RUNSERVER = (sys.executable, "manage.py", "runserver", "--noreload", "127.0.0.1:{port}")


def _set_up(env: dict[str, str], setup: Sequence[Sequence[str]], log, log_path: Path) -> None:
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        if manage(env, command, log).returncode:
            raise ServerError(f"manage.py {command[0]} failed: see {log_path}")
    for command in setup:
        log.flush()
        if subprocess.run(  # noqa: S603
            list(command), cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        ).returncode:
            raise ServerError(f"{' '.join(command)} failed: see {log_path}")


def _start(env: dict[str, str], serve: Sequence[str], log, log_path: Path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log.flush()
    process = subprocess.Popen(  # noqa: S603
        [part.format(port=port) for part in serve],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not healthy(url):
        if process.poll() is not None:
            raise ServerError(f"the server exited ({process.returncode}): see {log_path}")
        if time.monotonic() > deadline:
            stop(process)
            raise ServerError(f"the server did not answer /healthz in {SERVER_START_TIMEOUT}s")
        time.sleep(0.5)
    return process, url


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def prepared_server(
    *,
    suffix: str,
    log_path: Path,
    setup: Sequence[Sequence[str]] = (),
    serve: Sequence[str] = RUNSERVER,
    environment: dict[str, str] | None = None,
) -> Iterator[Server]:
    """The server on a free port of 127.0.0.1 over a fresh, seeded database `<name>_<suffix>`.

    `setup` are further commands (argument lists, run with the server's environment) after
    seed_demo; `serve` the command that serves, with `{port}` for the port (default
    `manage.py runserver --noreload`); `environment` adds to (or overrides) make run's
    settings, e.g. DEBUG=false to answer as production does."""
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        raise ServerError("DATABASE_URL is unset: run this through make, which provides one.")
    database_url, admin_url = fresh_database(base_url, suffix)
    password = secrets.token_urlsafe(12)
    totp_secret = new_totp_secret()
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="virtualschool.settings.local",
        DATABASE_URL=database_url,
        DEMO_PASSWORD=password,
        DEMO_TOTP_SECRET=totp_secret,
    )
    env.update(environment or {})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    process = None
    try:
        _set_up(env, setup, log, log_path)
        process, url = _start(env, serve, log, log_path)
        yield Server(url=url, password=password, totp_secret=totp_secret, env=env)
    finally:
        if process is not None:
            stop(process)
        log.close()
        drop_database(admin_url, database_url)


_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_last_step: dict[str, int] = {}


def fresh_code(secret: str, username: str) -> str:
    """The authenticator code now, waiting for the next one if this user was given the
    current one already (each code is taken once per account)."""
    from virtualschool.totp import code_now

    while int(time.time()) // TOTP_STEP_SECONDS <= _last_step.get(username, -1):
        time.sleep(1)
    _last_step[username] = int(time.time()) // TOTP_STEP_SECONDS
    return code_now(secret)


def _post_form(session, url: str, fields: dict[str, str]):
    page = session.get(url, timeout=30)
    token = _CSRF_INPUT.search(page.text)
    if token is None:
        raise ServerError(f"{url} showed no form ({page.status_code})")
    return session.post(
        url,
        data={**fields, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=30,
    )


def sign_in(server: Server, username: str, *, password: str | None = None):
    """A requests session signed in as `username`, past the second factor; its cookies are
    the session and CSRF cookies a browser would hold."""
    import requests

    session = requests.Session()
    answer = _post_form(
        session,
        f"{server.url}/sign-in/",
        {"username": username, "password": password or server.password},
    )
    if answer.status_code != 302 or not answer.headers["Location"].startswith("/sign-in/code/"):
        raise ServerError(f"{username}'s password was refused ({answer.status_code})")
    code = fresh_code(server.totp_secret, username)
    answer = _post_form(session, f"{server.url}/sign-in/code/", {"code": code})
    if answer.status_code != 302 or answer.headers["Location"].startswith("/sign-in/"):
        raise ServerError(f"{username}'s code was refused ({answer.status_code})")
    return session
