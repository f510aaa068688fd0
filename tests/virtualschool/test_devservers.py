"""The command lines of virtualschool/devdb.py and devredis.py, and what they share in
virtualschool/devserver.py, run as `make` runs them.

Only the paths that use a server already there are run (the suite's PostgreSQL at DATABASE_URL
and Redis at REDIS_URL): starting the embedded servers would touch this checkout's .run/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from virtualschool.devserver import without_password

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHOW = "import os, sys; print(os.environ[sys.argv[1]]); sys.exit(int(sys.argv[2]))"


def _run(tool: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter and a fixed command line
        [sys.executable, "-m", f"virtualschool.{tool}", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://vs:s3cret@db:5432/vs", "postgresql://vs@db:5432/vs"),
        ("redis://:s3cret@127.0.0.1:6379/2", "redis://127.0.0.1:6379/2"),
        (
            "postgresql://db/vs?password=s3cret&sslmode=require",
            "postgresql://db/vs?sslmode=require",
        ),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ],
)
def test_urls_are_shown_without_their_password(url, shown):
    assert without_password(url) == shown


def test_devdb_with_database_url_runs_the_command_on_it_and_hides_the_password():
    url = "postgresql://postgres:s3cret@127.0.0.1:5432/anything"
    done = _run("devdb", "--", sys.executable, "-c", SHOW, "DATABASE_URL", "3", DATABASE_URL=url)
    assert done.returncode == 3  # the command's own exit status
    assert done.stdout.strip() == url  # the command sees the URL unchanged
    assert "devdb: using DATABASE_URL from the environment: " in done.stderr
    assert "postgresql://postgres@127.0.0.1:5432/anything" in done.stderr
    assert "s3cret" not in done.stderr


def test_devredis_with_a_redis_answering_runs_the_command_on_it():
    url = settings.REDIS_URL
    done = _run("devredis", "--", sys.executable, "-c", SHOW, "REDIS_URL", "0", REDIS_URL=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == url
    assert f"devredis: using the Redis answering at {without_password(url)}" in done.stderr


@pytest.mark.parametrize("tool", ["devdb", "devredis"])
def test_a_command_that_cannot_run_gives_127(tool):
    done = _run(
        tool,
        "--",
        "no-such-command-anywhere",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgresql://127.0.0.1/x"),
        REDIS_URL=settings.REDIS_URL,
    )
    assert done.returncode == 127
    assert f"{tool}: cannot run no-such-command-anywhere" in done.stderr


@pytest.mark.parametrize("tool", ["devdb", "devredis"])
@pytest.mark.parametrize(
    ("args", "complaint"),
    [(("--stop", "--", "true"), "--stop takes no command"), ((), "give the command to run")],
)
def test_a_wrong_command_line_is_refused_with_usage(tool, args, complaint):
    done = _run(tool, *args)
    assert done.returncode == 2
    assert "usage:" in done.stderr
    assert complaint in done.stderr


def test_devdb_refuses_a_database_name_needing_quotes():
    done = _run("devdb", "--name", "Robert'); DROP", "--", "true")
    assert done.returncode == 2
    assert "--name must be lower-case letters" in done.stderr
