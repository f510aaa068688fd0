"""The seams between apps hold (STYLE.md 6b), checked by import-linter with the tests.

`make lint` runs the same contracts (`lint-imports`). The contracts live in pyproject.toml
[tool.importlinter]; the expectations below are written out here, not read from them, so a
contract loosened or removed there fails this file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("virtualschool", "staff", "records", "sharing", "retention")
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def _lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = None
    if pythonpath is not None:
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(pythonpath), "NO_COLOR": "1"}
    return subprocess.run(  # noqa: S603 - our own virtualenv's script, fixed arguments
        [LINT_IMPORTS, "--no-cache", "--config", str(cwd / "pyproject.toml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_contract_is_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_state_the_seams():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert config["root_packages"] == list(APPS)
    contracts = {contract["id"]: contract for contract in config["contracts"]}
    assert contracts["apps"]["type"] == "layers"
    assert contracts["apps"]["layers"] == [
        "retention",
        "sharing",
        "records",
        "staff",
        "virtualschool",
    ]
    assert contracts["record-pages"]["type"] == "forbidden"
    assert contracts["record-pages"]["source_modules"] == ["sharing", "retention"]
    assert contracts["record-pages"]["forbidden_modules"] == [
        "records.views",
        "records.api",
        "records.sections",
    ]
    assert contracts["record-core"]["type"] == "forbidden"
    assert contracts["record-core"]["source_modules"] == [
        "records.models",
        "records.services",
        "records.selectors",
        "records.permissions",
        "records.access",
        "records.calendar",
        "records.spans",
        "records.tasks",
    ]
    assert contracts["record-core"]["forbidden_modules"] == [
        "records.views",
        "records.api",
        "records.sections",
        "records.urls",
    ]
    assert contracts["tasks-beside-services"]["type"] == "forbidden"
    assert contracts["tasks-beside-services"]["source_modules"] == [
        "records.models",
        "records.services",
        "records.selectors",
        "records.imports",
    ]
    assert contracts["tasks-beside-services"]["forbidden_modules"] == ["records.tasks"]
    # Sections describe the tabs; pages render them (the import loop through
    # records.views.attendance is gone).
    assert contracts["sections-not-pages"]["type"] == "forbidden"
    assert contracts["sections-not-pages"]["source_modules"] == ["records.sections"]
    assert contracts["sections-not-pages"]["forbidden_modules"] == [
        "records.views",
        "records.api",
        "records.urls",
    ]
    # A broken contract is fixed by moving code, never by listing the import as allowed.
    for contract in config["contracts"]:
        assert "ignore_imports" not in contract, contract["id"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of the project's packages and its import-linter configuration, to plant
    imports in without touching the real tree."""
    root = tmp_path_factory.mktemp("tree")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    for app in APPS:
        shutil.copytree(
            ROOT / app,
            root / app,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static", "*.csv"),
        )
    return root


# (package planted in, its import, whether the contracts allow it), one line per seam.
PLANTED = [
    ("virtualschool", "import records.models", False),
    ("virtualschool", "from sharing import models", False),
    ("virtualschool", "import retention.models", False),
    ("records", "import sharing.models", False),
    ("records", "from retention import models", False),
    ("sharing", "import retention.models", False),
    ("sharing", "from records.views import children", False),
    ("sharing", "import records.api.views", False),
    ("sharing", "from records.sections import notes", False),
    ("retention", "from records.views.imports import progress_text", False),
    ("retention", "import records.api", False),
    ("retention", "import records.sections.notes", False),
    ("sharing", "from records import access, selectors, services", True),
    ("retention", "import records.models, sharing.models, virtualschool.errors", True),
    ("records", "from virtualschool import roles", True),
    # Staff accounts sit between records and the project package (docs/adr/0007).
    ("virtualschool", "import staff.services", False),
    ("staff", "import records.services", False),
    ("staff", "from records import models", False),
    ("records", "from staff import access, services", True),
    ("staff", "from virtualschool import lockout, roles", True),
    ("records/services", "from records.sections import notes", False),
    ("records/selectors", "import records.api.views", False),
    ("records/services", "from records import selectors, permissions, models", True),
    ("records/views", "from records import access, api, sections", True),
    ("records/services", "from records.tasks import import_run", False),
    ("records/imports", "import records.tasks", False),
    ("records/sections", "from records.views.attendance import attendance_record_page", False),
    ("records/sections", "from records.selectors import attendance", True),
]


@pytest.mark.parametrize(("package", "statement", "allowed"), PLANTED)
def test_a_planted_import_is_judged_by_the_contracts(tree, package, statement, allowed):
    planted = tree / package / "_planted.py"
    planted.write_text(f"{statement}\n")
    try:
        result = _lint_imports(tree, pythonpath=tree)
    finally:
        planted.unlink()
    output = result.stdout + result.stderr
    if allowed:
        assert result.returncode == 0, output
    else:
        assert result.returncode == 1, output
        assert f"{package.replace('/', '.')}._planted ->" in output
