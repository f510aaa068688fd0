"""What the two embedded development servers share: virtualschool/devdb.py (PostgreSQL) and
virtualschool/devredis.py (Valkey).

Both are run as `python -m virtualschool.devX [OPTIONS] -- COMMAND [ARG ...]` or `... --stop`:
`command_line` reads that; both print `devX: message` lines to stderr, show URLs without their
password, and run the developer's command by replacing their own process or as a child.

Only the standard library is used, so either tool starts before anything else is installed.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def command_line(
    argv: list[str],
    *,
    prog: str,
    usage: str,
    description: str,
    add_options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> tuple[argparse.Namespace, list[str], argparse.ArgumentParser]:
    """The options before `--` (always including --stop) and the command after it.

    Exits with argparse's usage message for --stop with a command, or a command missing."""
    if "--" in argv:
        split = argv.index("--")
        options, command = argv[:split], argv[split + 1 :]
    else:
        options, command = argv, []
    parser = argparse.ArgumentParser(prog=prog, usage=usage, description=description)
    if add_options is not None:
        add_options(parser)
    parser.add_argument("--stop", action="store_true", help="stop the embedded server and exit")
    args = parser.parse_args(options)
    if args.stop and command:
        parser.error("--stop takes no command")
    if not args.stop and not command:
        parser.error("give the command to run after --")
    return args, command, parser


def stop_command(
    stop: Callable[[], None], error: type[Exception], say: Callable[[str], None]
) -> int:
    """Run `stop`; the exit status for --stop (1, with the reason said, if it raised `error`)."""
    try:
        stop()
    except error as problem:
        say(str(problem))
        return 1
    return 0


def sayer(tool: str) -> Callable[[str], None]:
    """A function printing `tool: message` to stderr at once (make interleaves the output)."""

    def say(message: str) -> None:
        print(f"{tool}: {message}", file=sys.stderr, flush=True)

    return say


def exec_command(
    command: list[str], say: Callable[[str], None], env: dict[str, str] | None = None
) -> int:
    """Replace this process with `command` (in `env`, else this environment); 127 if it cannot
    be run."""
    try:
        # Replaces this process: the developer's own command line, not untrusted input.
        os.execvpe(command[0], command, os.environ if env is None else env)  # noqa: S606
    except OSError as error:
        say(f"cannot run {command[0]}: {error.strerror}")
        return 127


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """One holder at a time of `lock_file` (two `make test` runs starting a server together)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def without_password(url: str) -> str:
    """The URL to show: any password removed, from the user part and from the query string."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}@{host}" if user else host
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "password"], safe="/")
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def relative(path: Path) -> str:
    """`path` relative to the working directory where it is under it (shorter to read)."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)
