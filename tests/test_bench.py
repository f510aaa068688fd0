"""The benchmark harness is dev-only (STYLE.md 6b) and still runs as `make bench-*` runs it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _bench(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "virtualschool.settings.test"}
    return subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_benchmarks_are_not_commands_of_the_service():
    commands = ROOT / "records" / "management" / "commands"
    assert not list(commands.glob("bench*"))
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert packages["packages"]["find"]["include"] == [
        "virtualschool*",
        "staff*",
        "records*",
        "sharing*",
        "retention*",
    ]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY bench" not in dockerfile and "COPY . " not in dockerfile
    assert "bench" in (ROOT / ".dockerignore").read_text().split()


def test_the_makefile_runs_them_from_the_bench_package():
    makefile = (ROOT / "Makefile").read_text()
    assert "$(PY) -m bench import $(IMPORT_BENCH_ARGS)" in makefile
    assert "$(PY) -m bench dashboard $(DASHBOARD_BENCH_ARGS)" in makefile
    assert "$(PY) -m bench returns $(RETURNS_BENCH_ARGS)" in makefile
    assert "$(PY) -m bench retention $(RETENTION_BENCH_ARGS)" in makefile


def test_without_a_benchmark_named_it_says_which_there_are():
    result = _bench()
    assert result.returncode == 2
    assert "usage: python -m bench {import,dashboard,returns,sharing,retention}" in result.stderr


@pytest.mark.parametrize(
    ("name", "flags"),
    [
        ("import", ["--children", "--seed"]),
        ("dashboard", ["--children", "--years", "--repeat", "--keep", "--reuse"]),
        ("returns", ["--children", "--seed"]),
        ("retention", ["--children", "--destroy"]),
        ("sharing", ["--children"]),
    ],
)
def test_each_benchmark_takes_its_flags(name, flags):
    result = _bench(name, "--help")
    assert result.returncode == 0, result.stderr
    assert f"usage: python -m bench {name}" in result.stdout
    for flag in flags:
        assert flag in result.stdout


@pytest.mark.django_db
def test_the_import_benchmark_prints_its_figures_and_leaves_nothing():
    from bench.attendance_import import Command
    from records.models import AttendanceSession, Child, ImportRun, School

    out = io.StringIO()
    call_command(Command(), children=3, stdout=out)
    names = [line.split(": ")[0] for line in out.getvalue().splitlines()]
    assert names == [
        "children",
        "sessions",
        "file_mb",
        "rss_before_import_mb",
        "import_peak_rss_mb",
        "import_rss_growth_mb",
        "import_seconds",
        "copy_seconds",
        "bare_copy_seconds",
        "import_sessions_per_s",
        "copy_sessions_per_s",
        "bare_copy_sessions_per_s",
        "import_vs_copy_ratio",
        "import_vs_bare_copy_ratio",
        "sessions_created",
        "summaries_refreshed",
    ]
    figures = dict(line.split(": ") for line in out.getvalue().splitlines())
    assert figures["children"] == "3" and figures["sessions"] == figures["sessions_created"]
    assert figures["sessions"] == str(3 * 380)
    for model in (AttendanceSession, Child, ImportRun, School):
        assert not model.objects.exists(), model


@pytest.mark.django_db
def test_the_returns_benchmark_prints_its_figures_and_leaves_nothing():
    from bench.returns import Command
    from records.models import Child, ImportRun, LegalStatusEpisode

    out = io.StringIO()
    call_command(Command(), children=4, stdout=out)
    figures = dict(line.split(": ") for line in out.getvalue().splitlines())
    for name in (
        "returns_903_children_per_s",
        "returns_903_reimport_s",
        "returns_cin_children_per_s",
        "returns_peak_rss_mb",
    ):
        assert float(figures[name]) > 0, name
    assert figures["returns_903_children_created"] == "4"
    assert figures["returns_903_reimport_children_unchanged"] == "4"
    assert figures["returns_cin_children_created"] == "4"
    for model in (Child, ImportRun, LegalStatusEpisode):
        assert not model.objects.exists(), model


@pytest.mark.django_db
def test_the_sharing_benchmark_prints_its_figures_and_leaves_nothing():
    from bench.sharing import Command, _agreement
    from records.models import Child, LegalStatusEpisode
    from sharing.datasets import plan
    from sharing.models import DisclosureLogEntry

    out = io.StringIO()
    call_command(Command(), children=5, stdout=out)
    figures = dict(line.split(": ") for line in out.getvalue().splitlines())
    assert list(figures) == [
        "sharing_children",
        "sharing_rows",
        "sharing_bytes",
        "sharing_seconds",
        "sharing_rows_per_s",
        "sharing_copy_seconds",
        "sharing_vs_copy_ratio",
        "sharing_peak_rss_mb",
        "sharing_queries",
    ]
    assert figures["sharing_children"] == "5"
    assert figures["sharing_rows"] == "10"  # each child's row and their episode
    assert int(figures["sharing_bytes"]) > 0
    for name in ("sharing_rows_per_s", "sharing_vs_copy_ratio", "sharing_peak_rss_mb"):
        assert float(figures[name]) > 0, name
    # One a table the agreement releases from, rows or none.
    assert figures["sharing_queries"] == str(len(plan(_agreement())[1]))
    for model in (Child, LegalStatusEpisode, DisclosureLogEntry):
        assert not model.objects.exists(), model


@pytest.mark.django_db
def test_the_retention_benchmark_prints_its_figures_and_leaves_nothing():
    from bench.retention import Command
    from records.models import AccessLogEntry, Child, ImportRejection, ImportRun
    from retention.models import ChildRetention, DestructionCertificate, DestructionList

    out = io.StringIO()
    call_command(Command(), children=6, destroy=3, stdout=out)
    names = [line.split(": ")[0] for line in out.getvalue().splitlines()]
    assert names == [
        "retention_evaluate_children",
        "retention_evaluate_s",
        "retention_evaluate_children_per_s",
        "retention_destroy_children",
        "retention_destroy_s",
        "retention_destroy_children_per_s",
    ]
    figures = dict(line.split(": ") for line in out.getvalue().splitlines())
    assert figures["retention_evaluate_children"] == "6"
    assert figures["retention_destroy_children"] == "3"  # every one of them destroyed
    for name in ("retention_evaluate_children_per_s", "retention_destroy_children_per_s"):
        assert float(figures[name]) > 0, name
    for model in (
        AccessLogEntry,
        Child,
        ChildRetention,
        DestructionCertificate,
        DestructionList,
        ImportRejection,
        ImportRun,
    ):
        assert not model.objects.exists(), model
