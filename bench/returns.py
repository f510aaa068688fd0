"""`python -m bench returns [--children N]` (`make bench-returns`): how fast the social care
returns import (issue 12, docs/performance.md).

It writes a synthetic SSDA903 return (Header and Episodes CSVs in a zip; N children, one to
three episodes each, as the DfE specifies the tables: ../shared/reference/DOMAIN.md section
(i)) and a CIN census XML of N other children (a referral each, some closed, some with a
protection plan), then times, on an empty record, as a user's file goes (import_copy_file and
import_execute, adding the children the files name):
- the 903 import (`returns_903_children_per_s`), then the same file again
  (`returns_903_reimport_s`: nothing changes, every row is compared);
- the CIN census import (`returns_cin_children_per_s`);
- with `--changed`, after the re-import, the 903 again with every child's sex and ethnicity
  changed (`returns_903_changed_reimport_s`).
`returns_peak_rss_mb` is the process's peak resident set size over the imports, with DEBUG
off (Linux VmHWM, reset first; see bench/attendance_import.py). Everything is one
transaction, rolled back at the end, so the database is left as it was. All data is
synthetic.
"""

from __future__ import annotations

import csv
import gc
import io
import random
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import reset_queries
from django.test.utils import override_settings

from bench.common import peak_mb, reset_peak, rolled_back, status_mb
from records.models import ImportKind, ImportRun
from records.services.imports import import_copy_file, import_execute
from records.upn import check_letter

HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODES = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC"]
LEGAL_STATUSES = ["C1", "C2", "E1", "V2", "J1"]
ETHNIC = ["WBRI", "WIRI", "MWBC", "BAFR", "AIND", "CHNE", "OOTH"]


def _upn(number: int) -> str:
    body = f"873{2000 + number // 1000:04d}15{number % 1000:03d}"
    return check_letter(body) + body


def _dmy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def write_903(rng: random.Random, children: int, path: Path, *, changed: bool = False) -> int:
    """The 903 zip; returns its number of episodes. `changed`: the same return (from a
    generator seeded alike) with every child's sex and ethnicity changed."""
    headers, episodes = (
        io.StringIO(newline=""),
        io.StringIO(newline=""),
    )
    header_out = csv.writer(headers, lineterminator="\r\n")
    episode_out = csv.writer(episodes, lineterminator="\r\n")
    header_out.writerow(HEADER)
    episode_out.writerow(EPISODES)
    count = 0
    for n in range(children):
        child = f"B903{n:06d}"
        born = date(2008, 1, 1) + timedelta(days=rng.randint(0, 3650))
        sex, ethnic = rng.choice("12"), rng.choice(ETHNIC)
        if changed:
            sex, ethnic = "21"[int(sex) - 1], ETHNIC[(ETHNIC.index(ethnic) + 1) % len(ETHNIC)]
        header_out.writerow([child, sex, _dmy(born), ethnic, _upn(n), "", ""])
        start = date(2023, 4, 1) + timedelta(days=rng.randint(0, 360))
        ls = rng.choice(LEGAL_STATUSES)
        for index in range(rng.randint(1, 3)):
            last = index == 2 or rng.random() < 0.4
            dec = None if last and rng.random() < 0.7 else start + timedelta(rng.randint(5, 90))
            rec = "" if dec is None else ("E13" if last else "X1")
            episode_out.writerow(
                [child, _dmy(start), "S" if index == 0 else "P", ls, "N1", "U1", "PR1",
                 _dmy(dec), rec]
            )  # fmt: skip
            count += 1
            if dec is None or last:
                break
            start = dec
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("SSDA903_Header.csv", headers.getvalue())
        bundle.writestr("SSDA903_Episodes.csv", episodes.getvalue())
    return count


def write_cin(rng: random.Random, children: int, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<Message><Header><CollectionDetails>')
        out.write("<Collection>CIN</Collection><Year>2025</Year>")
        out.write("<ReferenceDate>2025-03-31</ReferenceDate></CollectionDetails></Header>")
        out.write("<Children>\n")
        for n in range(children):
            born = date(2008, 1, 1) + timedelta(days=rng.randint(0, 3650))
            referral = date(2024, 4, 1) + timedelta(days=rng.randint(0, 300))
            closure = referral + timedelta(days=rng.randint(10, 60)) if rng.random() < 0.4 else None
            out.write(
                f"<Child><ChildIdentifiers><LAchildID>BCIN{n:06d}</LAchildID>"
                f"<UPN>{_upn(500_000 + n)}</UPN><PersonBirthDate>{born.isoformat()}"
                "</PersonBirthDate><GenderCurrent>1</GenderCurrent></ChildIdentifiers>"
                f"<ChildCharacteristics><Ethnicity>{rng.choice(ETHNIC)}</Ethnicity>"
                "</ChildCharacteristics><CINdetails>"
                f"<CINreferralDate>{referral.isoformat()}</CINreferralDate>"
                "<PrimaryNeedCode>N1</PrimaryNeedCode>"
            )
            if closure:
                out.write(f"<CINclosureDate>{closure.isoformat()}</CINclosureDate>")
            elif rng.random() < 0.3:
                plan = referral + timedelta(days=14)
                out.write(
                    f"<ChildProtectionPlans><CPPstartDate>{plan.isoformat()}</CPPstartDate>"
                    "</ChildProtectionPlans>"
                )
            out.write("</CINdetails></Child>\n")
        out.write("</Children></Message>\n")


def _import(path: Path, kind: str) -> tuple[ImportRun, float]:
    started = time.perf_counter()
    run = import_copy_file(source=path, actor=None, kind=kind, options={"create_missing": True})
    try:
        run = import_execute(run_id=run.pk)
    finally:
        Path(run.stored_path).unlink(missing_ok=True)  # the run is rolled back
    seconds = time.perf_counter() - started
    if run.status != ImportRun.Status.SUCCEEDED:
        raise RuntimeError(f"The benchmark import did not succeed: {run.status} {run.counts}")
    return run, seconds


class Command(BaseCommand):
    help = "Benchmark the SSDA903 and CIN census imports on synthetic returns."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--children", type=int, default=2_000, help="children in each return (default 2,000)"
        )
        parser.add_argument("--seed", type=int, default=20_261_203)
        parser.add_argument(
            "--changed",
            action="store_true",
            help="also re-import the 903 with every child's sex and ethnicity changed",
        )

    def handle(self, *args, children: int, seed: int, changed: bool, **options) -> None:
        figures: dict[str, object] = {}
        # DEBUG off, as in production: with it on, Django keeps the text of every query (a
        # bulk INSERT of 500 children is ~150 KB), which grew the peak with the file.
        with (
            tempfile.TemporaryDirectory(prefix="bench-returns-") as directory,
            override_settings(DEBUG=False),
            rolled_back(),
        ):
            self._run(seed, children, Path(directory), figures, changed=changed)
        for name, value in figures.items():
            self.stdout.write(f"{name}: {value}")

    def _run(
        self, seed: int, children: int, directory: Path, figures: dict, *, changed: bool
    ) -> None:
        rng = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
        ssda903, cin = directory / "ssda903.zip", directory / "cin.xml"
        episodes = write_903(rng, children, ssda903)
        if changed:
            write_903(random.Random(seed), children, directory / "changed.zip", changed=True)  # noqa: S311
        write_cin(rng, children, cin)
        figures["children"] = children
        figures["returns_903_episodes"] = episodes
        reset_queries()
        gc.collect()
        figures["rss_before_imports_mb"] = round(status_mb("VmRSS") or peak_mb(), 1)
        reset_peak()

        run, seconds = _import(ssda903, ImportKind.SSDA903)
        figures["returns_903_seconds"] = round(seconds, 2)
        figures["returns_903_children_per_s"] = round(children / seconds)
        figures["returns_903_children_created"] = run.counts.get("children_created", 0)
        run, seconds = _import(ssda903, ImportKind.SSDA903)
        figures["returns_903_reimport_s"] = round(seconds, 2)
        figures["returns_903_reimport_children_unchanged"] = run.counts.get("children_unchanged", 0)
        if changed:
            run, seconds = _import(directory / "changed.zip", ImportKind.SSDA903)
            figures["returns_903_changed_reimport_s"] = round(seconds, 2)
            figures["returns_903_changed_children_updated"] = run.counts.get("children_updated", 0)
        run, seconds = _import(cin, ImportKind.CIN)
        figures["returns_cin_seconds"] = round(seconds, 2)
        figures["returns_cin_children_per_s"] = round(children / seconds)
        figures["returns_cin_children_created"] = run.counts.get("children_created", 0)
        figures["returns_peak_rss_mb"] = round(peak_mb(), 1)
