"""`python -m bench dashboard [--children N] [--years Y]` (`make bench-dashboard`): how fast
the attendance dashboard is, against hand-written SQL that computes the same figures from the
same summaries (docs/performance.md).

It seeds a synthetic cohort in SQL (never as Python objects, so 20,000 children x 3 years,
about 23 million sessions, seed in minutes): N children (la_child_id 'BENCH-...'), each with
a legal status episode (CLA, CIN, CPP or PLAC; some with two, some ended before the current
year, so not in view), an enrolment at one of N/20 schools (some moved school, some with none),
characteristics (in or out of borough, SEN provision) and an allocation to one of N/40
caseworkers; then Y academic years, ending with the current one, of 190 school days, AM and
PM (380 sessions a child a year), with codes drawn from a per-child absence rate (most
children under 10%, about a fifth persistently and a few severely absent), the common absence
codes, some not-possible codes (X, D, and '#' on a school's closure days) and late or off-site
marks. The current year is seeded whole, as it stands at its end: the dashboard reads a full
year of weeks, the most it reads for a year. The summaries (AttendanceWeek per week,
AttendanceSummary per term, AttendanceYear per year) are built by the one service that
maintains them, attendance_summaries_refresh_from, as the import does; then the tables are
VACUUM ANALYZEd, as autovacuum would leave them in steady state.

It then measures, for two variants (no filters: the current academic year; two filters:
cohort=CLA and sen=K), alternating, after two warm-up requests of each:
- `dashboard_ms_p50`, `dashboard_ms_p95`: the page's server time through django.test.Client
  (in-process, signed in as a manager), over every timed request of both variants;
- `dashboard_sql_ms`: the median time of this module's own SQL (LIMIT_SQL, one statement, JIT
  off, no visibility filter: a manager sees every child) computing the same figures as the
  page shows (headline, the breakdown by cohort, weekly trend, absence reasons) from the same
  summary tables, timed the same way; `dashboard_vs_sql_ratio` = dashboard_ms_p50 /
  dashboard_sql_ms;
- `dashboard_queries`: the SQL queries one page request runs (CaptureQueriesContext);
- `dashboard_range_ms_p50` / `_p95` / `dashboard_range_queries`: the page for two date
  ranges of the current year, no filters (`_measure_ranges`; target p95 of 300 ms or less at
  20,000 children, issue 16);
- for the record, `dashboard_ms_p50_by_<dimension>`: the page broken down by each other
  dimension (?by=school and so on, no filters), which reads more tables than the cohort;
- for the record, `attainment_ms_p50_by_cohort` / `_by_school` and `attainment_queries`: the
  attainment dashboard of the latest year, over results seeded for the year groups that take
  them (phonics, KS2, Attainment 8 and GCSEs; re-seeded by --reuse, in about a second).
- `pep_dashboard_ms_p50` / `_p95` / `pep_dashboard_queries`: the PEP dashboard (this year, by
  cohort), over plans seeded for the children looked after today (`_seed_peps`: most with this
  term's plan complete and rated, some submitted, some overdue, a few with none; re-seeded by
  --reuse); `home_manager_ms_p50` / `_p95` / `home_manager_queries`: the home page for the
  manager, every "What needs doing" item counted over the whole cohort. Target for both: p95
  of 300 ms or less at 20,000 children (issue 15).
- for the record, `home_item_<key>_ms`: each home page item's own time, called directly
  (`headline`, and each "What needs doing" source by its key; `pep` counts both PEP items).
The figures of LIMIT_SQL are checked against what the dashboard's selector returns for the
same scope; the run fails if any differs.

The page has to read committed data, so the run cannot be one rolled-back transaction: at the
end it deletes what it seeded (the BENCH- children and every row referring to them, its
schools, caseworkers and manager) unless --keep. Leftovers of an earlier --keep run are
deleted first; --reuse measures them instead, without seeding.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench.attendance_import import school_days
from records.calendar import TERM_ORDER, academic_year_of, term_bounds, term_of, year_first_monday
from records.models import Term
from records.selectors.dashboards.attendance import attendance_dashboard
from records.selectors.dashboards.scope import (
    ALL_BREAKDOWNS,
    DEFAULT_BREAKDOWN,
    Period,
    Scope,
)
from records.selectors.todo import home_headline
from records.services.attendance import attendance_summaries_refresh_from
from records.todo import todo_sources
from staff.models import StaffChange
from staff.services import staff_user_ensure
from virtualschool.roles import Role

User = get_user_model()

MARKER = "BENCH-"
SCHOOL_PREFIX = "Bench dashboard school "
USER_PREFIX = "bench-dashboard-"
MANAGER = f"{USER_PREFIX}manager"
BATCH = 1_000  # children per statement when seeding sessions and summaries
WARM_UP = 2
VARIANTS: dict[str, dict[str, str]] = {
    "no_filters": {},
    "two_filters": {"cohort": "CLA", "sen": "K"},
}
TERMS = [str(term) for term in Term]

# The codes of a session, from one 62-bit hash of (child, day, session): r (the low 31 bits)
# against the child's absence rate decides absent or not; r2 (the next 31 bits) picks the code.
# Absence codes: mostly illness and unauthorised "other"; the rest as schools use them.
SESSION_CODE_SQL = """
    CASE
        WHEN (hashint8extended(k.school_id * 100000 + d.n, 3) & 127) = 0 THEN '#'
        WHEN h.r < k.absence THEN CASE
            WHEN h.r2 < 0.38 THEN 'I' WHEN h.r2 < 0.44 THEN 'M' WHEN h.r2 < 0.52 THEN 'C'
            WHEN h.r2 < 0.55 THEN 'E' WHEN h.r2 < 0.57 THEN 'R' WHEN h.r2 < 0.58 THEN 'T'
            WHEN h.r2 < 0.76 THEN 'O' WHEN h.r2 < 0.83 THEN 'G' WHEN h.r2 < 0.93 THEN 'N'
            WHEN h.r2 < 0.96 THEN 'U' WHEN h.r2 < 0.98 THEN 'C2' ELSE 'J1' END
        ELSE CASE
            WHEN h.r2 < 0.030 THEN 'L' WHEN h.r2 < 0.035 THEN 'B' WHEN h.r2 < 0.040 THEN 'X'
            WHEN h.r2 < 0.042 THEN 'D' WHEN s.session = 'AM' THEN '/' ELSE '\\' END
    END
"""


def _second_factor(client: Client, user: Any) -> None:
    """Pass the second step of signing in as a person would (virtualschool's two-factor
    sign-in): a single-use backup code of the bench's own manager, posted to the code page."""
    TOTPDevice.objects.get_or_create(
        user=user, name="Authenticator app", defaults={"confirmed": True}
    )
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "Backup codes", "confirmed": True}
    )
    code = f"{secrets.randbelow(10**8):08d}"
    device.token_set.create(token=code)
    url = reverse("sign-in-code")
    client.get(url)
    response = client.post(
        url, {"code": code, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )
    if response.status_code != 302:
        raise CommandError(f"The second sign-in step answered {response.status_code}")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 40 values is the 38th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


class Command(BaseCommand):
    help = "Benchmark the attendance dashboard against hand-written SQL on the same summaries."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--children",
            type=int,
            default=2_000,
            help="children in the synthetic cohort (default 2,000)",
        )
        parser.add_argument(
            "--years",
            type=int,
            default=1,
            help="academic years of sessions, ending with the current one (default 1)",
        )
        parser.add_argument(
            "--repeat", type=int, default=20, help="timed requests of each variant (default 20)"
        )
        parser.add_argument(
            "--keep", action="store_true", help="leave the seeded data in the database"
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="measure the cohort an earlier --keep run left, without seeding (implies --keep)",
        )

    def handle(
        self, *args, children: int, years: int, repeat: int, keep: bool, reuse: bool, **options
    ):
        if children < 1 or years < 1 or repeat < 1:
            raise CommandError("--children, --years and --repeat must be at least 1.")
        figures: dict[str, object] = {}
        if reuse:
            self._reuse(repeat, figures)
            for name, value in figures.items():
                self.stdout.write(f"{name}: {value}")
            return
        self._delete_seeded(quiet=False)
        try:
            self._run(children, years, repeat, figures)
        finally:
            if not keep:
                started = time.perf_counter()
                self._delete_seeded(quiet=True)
                figures["cleanup_seconds"] = round(time.perf_counter() - started, 1)
            # Printed even when the measure fails, so a long seeding is not lost.
            for name, value in figures.items():
                self.stdout.write(f"{name}: {value}")

    def _progress(self, message: str) -> None:
        print(f"[bench_dashboard {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr)

    # --- Seeding -------------------------------------------------------------------------

    def _reuse(self, repeat: int, figures: dict) -> None:
        current = academic_year_of(timezone.localdate())
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM records_child WHERE la_child_id LIKE %s", [f"{MARKER}%"]
            )
            (children,) = cursor.fetchone()
            if not children:
                raise CommandError("No seeded cohort to reuse: run with --keep first.")
            cursor.execute(
                "SELECT count(DISTINCT academic_year) FROM records_attendancesummary s "
                "JOIN records_child c ON c.id = s.child_id WHERE c.la_child_id LIKE %s",
                [f"{MARKER}%"],
            )
            (years,) = cursor.fetchone()
        figures["children"] = children
        figures["years"] = years
        figures["reused"] = "yes"
        figures["results"] = self._seed_results(current - years + 1, current)
        figures["peps"] = self._seed_peps()
        # The manager's staff log protects it from deletion (as in _delete_seeded).
        StaffChange.objects.filter(
            Q(subject__username=MANAGER) | Q(actor__username=MANAGER)
        ).delete()
        User.objects.filter(username=MANAGER).delete()
        self._measure(current, repeat, figures)

    def _run(self, children: int, years: int, repeat: int, figures: dict) -> None:
        current = academic_year_of(timezone.localdate())
        first_year = current - years + 1
        figures["children"] = children
        figures["years"] = years
        figures["academic_years"] = f"{first_year} to {current}"
        started = time.perf_counter()
        sessions = self._seed(children, first_year, current)
        figures["results"] = self._seed_results(first_year, current)
        figures["peps"] = self._seed_peps()
        figures["seed_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        self._vacuum()
        figures["vacuum_analyze_seconds"] = round(time.perf_counter() - started, 1)
        figures["sessions"] = sessions
        with connection.cursor() as cursor:
            for name, table in (
                ("summary_rows", "records_attendancesummary"),
                ("week_rows", "records_attendanceweek"),
                ("year_rows", "records_attendanceyear"),
            ):
                cursor.execute(
                    f"SELECT count(*) FROM {table} t JOIN records_child c ON c.id = t.child_id "  # noqa: S608 - fixed names
                    "WHERE c.la_child_id LIKE %s",
                    [f"{MARKER}%"],
                )
                figures[name] = cursor.fetchone()[0]
        self._measure(current, repeat, figures)

    def _seed(self, children: int, first_year: int, current: int) -> int:
        """Schools, caseworkers, children and their records, sessions, then summaries."""
        today = timezone.localdate()
        year_start = date(current, 8, 1)
        first_start = date(first_year, 9, 1)
        n_schools = max(10, children // 20)
        n_caseworkers = max(5, children // 40)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.42)")
            cursor.execute(
                "INSERT INTO records_school (urn, name, la_code, la_name, establishment_number, "
                "phase, establishment_type, is_open) "
                "SELECT u, %s::text || row_number() OVER (ORDER BY u), '', '', '', '', '', true "
                "FROM generate_series(900000, 999999) u "
                "WHERE NOT EXISTS (SELECT 1 FROM records_school s WHERE s.urn = u) "
                "ORDER BY u LIMIT %s",
                [SCHOOL_PREFIX, n_schools],
            )
            cursor.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
                "email, is_staff, is_active, date_joined) "
                "SELECT '!', false, %s::text || 'cw-' || i, 'Bench', 'Caseworker ' || i, '', "
                "false, true, now() FROM generate_series(1, %s) i",
                [USER_PREFIX, n_caseworkers],
            )
            cursor.execute(
                "INSERT INTO auth_user_groups (user_id, group_id) "
                "SELECT u.id, g.id FROM auth_user u, auth_group g "
                "WHERE u.username LIKE %s AND g.name = %s",
                [f"{USER_PREFIX}cw-%", Role.CASEWORKER.value],
            )
            # One row per child with everything the seeding draws for it.
            cursor.execute(
                """
                CREATE TEMPORARY TABLE bench_kids ON COMMIT PRESERVE ROWS AS
                SELECT idx, gen_random_uuid() AS id,
                    make_date(%(current)s, 9, 1) - (5 * 365 + floor(random() * 11 * 365))::int
                        AS date_of_birth,
                    s.id AS school_id, w.id AS caseworker_id,
                    random() AS u_cohort, random() AS u_history, random() AS u_school,
                    random() AS u_sen, random() AS u_borough, random() AS u_alloc,
                    CASE WHEN u < 0.04 THEN 0.55 + 0.30 * random()
                        WHEN u < 0.22 THEN 0.10 + 0.25 * random()
                        WHEN u < 0.50 THEN 0.05 + 0.05 * random()
                        ELSE 0.01 + 0.04 * random() END AS absence
                FROM (SELECT idx, random() AS u FROM generate_series(1, %(n)s) idx) g
                JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM records_school
                    WHERE name LIKE %(school)s) s ON s.n = (g.idx * 7919) %% %(n_schools)s
                JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM auth_user
                    WHERE username LIKE %(cw)s) w ON w.n = g.idx %% %(n_cw)s
                """,
                {
                    "current": current,
                    "school": f"{SCHOOL_PREFIX}%",
                    "n_schools": n_schools,
                    "cw": f"{USER_PREFIX}cw-%",
                    "n_cw": n_caseworkers,
                    "n": children,
                },
            )
            cursor.execute("CREATE INDEX ON bench_kids (idx)")
            cursor.execute("ANALYZE bench_kids")
            cursor.execute(
                "INSERT INTO records_child (id, first_name, last_name, date_of_birth, gender, "
                "upn, upn_unknown, former_upns, la_child_id, address_line_1, address_line_2, "
                "town, postcode, created_at, updated_at, version, upn_needs_checking) "
                "SELECT id, 'Bench', 'Pupil ' || idx, date_of_birth, "
                "CASE WHEN idx %% 2 = 0 THEN 'F' ELSE 'M' END, '', '', '{}', "
                "%s::text || lpad(idx::text, 6, '0'), '', '', '', '', now(), now(), 1, false "
                "FROM bench_kids",
                [MARKER],
            )
            # Cohorts: 45% CLA, 25% CIN, 10% CPP, 20% PLAC, open since before the first year;
            # 10% were in need first, then looked after from the middle of the current year;
            # 3% left their cohort before the current year (not in view this year).
            cohort = (
                "CASE WHEN u_cohort < 0.45 THEN 'CLA' WHEN u_cohort < 0.70 THEN 'CIN' "
                "WHEN u_cohort < 0.80 THEN 'CPP' ELSE 'PLAC' END"
            )
            cursor.execute(
                f"""
                INSERT INTO records_legalstatusepisode (child_id, cohort, legal_status,
                    plac_route, start_date, end_date, closure_date)
                SELECT id, cohort,
                    CASE WHEN cohort = 'CLA' THEN 'C2' ELSE '' END,
                    CASE WHEN cohort = 'PLAC' THEN 'adoption' ELSE '' END,
                    %(first_start)s::date - 400,
                    CASE WHEN u_history < 0.03 THEN %(year_start)s::date - 1
                        WHEN u_history < 0.13 AND cohort <> 'CIN' THEN %(year_start)s::date + 60
                        END,
                    NULL
                FROM (SELECT *, {cohort} AS cohort FROM bench_kids) k
                """,  # noqa: S608 - fixed SQL
                {"first_start": first_start, "year_start": year_start},
            )
            cursor.execute(
                f"""
                INSERT INTO records_legalstatusepisode (child_id, cohort, legal_status,
                    plac_route, start_date, end_date, closure_date)
                SELECT id, 'CIN', '', '', %(first_start)s::date - 800, %(first_start)s::date - 401,
                    NULL::date
                FROM bench_kids WHERE u_history >= 0.03 AND u_history < 0.13
                    AND {cohort} <> 'CIN'
                UNION ALL
                SELECT id, 'CLA', 'C1', '', %(year_start)s::date + 61, NULL::date, NULL::date
                FROM bench_kids WHERE u_history >= 0.03 AND u_history < 0.13
                    AND {cohort} IN ('CPP', 'PLAC')
                """,  # noqa: S608 - fixed SQL
                {"first_start": first_start, "year_start": year_start},
            )
            # Schools: 90% on one roll since before the first year; 8% moved in the current
            # year (two enrolments); 2% with none. NC year recorded for 70%.
            age_group = (
                f"({current} - (extract(year FROM date_of_birth)::integer"
                " - (extract(month FROM date_of_birth) < 9)::integer + 5))"
            )
            nc_year = (
                f"CASE WHEN u_sen < 0.70 AND {age_group} BETWEEN 1 AND 14 "
                f"THEN {age_group}::text ELSE '' END"
            )
            cursor.execute(
                f"""
                INSERT INTO records_enrolment (child_id, school_id, start_date, end_date, nc_year,
                    reason_for_leaving, version)
                SELECT id, school_id, %(first_start)s::date - 30,
                    CASE WHEN u_school < 0.08 THEN %(year_start)s::date + 60 END,
                    {nc_year}, '', 1
                FROM bench_kids WHERE u_school < 0.98
                UNION ALL
                SELECT k.id, s.id, %(year_start)s::date + 61, NULL, {nc_year}, '', 1
                FROM bench_kids k JOIN records_school s ON s.name = %(other)s::text
                    || (1 + (k.idx * 31) %% %(n_schools)s)
                WHERE k.u_school < 0.08
                """,  # noqa: S608 - fixed SQL
                {
                    "first_start": first_start,
                    "year_start": year_start,
                    "other": SCHOOL_PREFIX,
                    "n_schools": n_schools,
                },
            )
            cursor.execute(
                """
                INSERT INTO records_characteristics (child_id, version, ethnicity, first_language,
                    english_additional_language, arrived_from_overseas,
                    unaccompanied_asylum_seeking, sen_provision, sen_primary_need,
                    placed_in_borough)
                SELECT id, 1, '', '', NULL, NULL, false,
                    CASE WHEN u_sen < 0.15 THEN 'E' WHEN u_sen < 0.40 THEN 'K'
                        WHEN u_sen < 0.90 THEN 'N' ELSE '' END,
                    '',
                    CASE WHEN u_borough < 0.60 THEN true WHEN u_borough < 0.95 THEN false END
                FROM bench_kids WHERE u_borough < 0.97
                """
            )
            cursor.execute(
                "INSERT INTO records_allocation (child_id, caseworker_id, start_date, end_date) "
                "SELECT id, caseworker_id, %s::date - 200, NULL FROM bench_kids "
                "WHERE u_alloc < 0.90",
                [first_start],
            )
            days: list[date] = []
            for year in range(first_year, current + 1):
                days += school_days(year)
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_days ON COMMIT PRESERVE ROWS AS "
                "SELECT day, (day - DATE '2000-01-01') AS n FROM unnest(%s::date[]) AS day",
                [days],
            )
            bounds = [
                (year, term, *term_bounds(year, term))
                for year in range(first_year, current + 1)
                for term in TERMS
            ]
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_terms ON COMMIT PRESERVE ROWS AS "
                "SELECT * FROM unnest(%s::integer[], %s::text[], %s::date[], %s::date[]) "
                "AS t(academic_year, term, first_day, last_day)",
                [[column[i] for column in bounds] for i in range(4)],
            )
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_keys (child_id uuid, academic_year integer, "
                "term text, first_day date, last_day date) ON COMMIT PRESERVE ROWS"
            )
        self._progress(
            f"{children} children, {n_schools} schools, {n_caseworkers} caseworkers; "
            f"{len(days)} school days to {days[-1]} (today is {today})"
        )
        sessions = 0
        for low in range(1, children + 1, BATCH):
            high = min(children, low + BATCH - 1)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
                cursor.execute(
                    f"""
                    INSERT INTO records_attendancesession (child_id, school_id, date, session,
                        code)
                    SELECT k.id, k.school_id, d.day, s.session, {SESSION_CODE_SQL}
                    FROM (SELECT * FROM bench_kids WHERE idx BETWEEN %s AND %s ORDER BY id) k
                    CROSS JOIN bench_days d
                    CROSS JOIN (VALUES ('AM', 0), ('PM', 1)) AS s(session, part)
                    CROSS JOIN LATERAL (
                        SELECT (x & 2147483647)::float8 / 2147483648 AS r,
                            ((x >> 31) & 2147483647)::float8 / 2147483648 AS r2
                        FROM (SELECT hashint8extended(
                            k.idx::bigint * 100000 + d.n * 2 + s.part, 7) AS x) AS hashed
                    ) h
                    """,  # noqa: S608 - fixed SQL
                    [low, high],
                )
                sessions += cursor.rowcount
                cursor.execute("TRUNCATE bench_keys")
                cursor.execute(
                    "INSERT INTO bench_keys SELECT k.id, t.academic_year, t.term, t.first_day, "
                    "t.last_day FROM bench_kids k CROSS JOIN bench_terms t "
                    "WHERE k.idx BETWEEN %s AND %s",
                    [low, high],
                )
                attendance_summaries_refresh_from(keys_table="bench_keys")
            self._progress(f"children {low} to {high}: {sessions} sessions so far")
        with connection.cursor() as cursor:
            for table in ("bench_kids", "bench_days", "bench_terms", "bench_keys"):
                cursor.execute(f"DROP TABLE {table}")
        return sessions

    def _seed_results(self, first_year: int, current: int) -> int:
        """Each year's results of the children in the year groups that take them: phonics
        (year 1), KS2 reading, maths, GPS and writing (year 6), Attainment 8 and eight GCSEs,
        English and maths among them (year 11), drawn from a hash of (child, year). Replaces
        any the benchmark seeded before, so a --reuse run has them too."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM records_assessmentresult WHERE child_id IN "
                "(SELECT id FROM records_child WHERE la_child_id LIKE %s)",
                [f"{MARKER}%"],
            )
            cursor.execute(
                RESULTS_SQL, {"marker": f"{MARKER}%", "first": first_year, "last": current}
            )
            seeded = cursor.rowcount
            cursor.execute("ANALYZE records_assessmentresult")
        return seeded

    def _seed_peps(self) -> int:
        """Plans of the children looked after today, drawn from a hash of the child: 65% with
        this term's plan complete (rated red, amber, green or not at all), 10% with last
        term's complete and this term's in progress, 10% with this term's submitted and
        waiting for QA, 10% overdue (the latest complete two terms ago) and 5% with none.
        Replaces any the benchmark seeded before, so a --reuse run has them too."""
        today = timezone.localdate()
        terms = [(academic_year_of(today), str(term_of(today)))]
        for _ in range(2):
            year, term = terms[-1]
            index = TERM_ORDER.index(Term(term))
            terms.append((year - 1, "summer") if index == 0 else (year, TERM_ORDER[index - 1]))
        params: dict[str, Any] = {"marker": f"{MARKER}%", "today": today}
        for name, (year, term) in zip(("this", "last", "before"), terms, strict=True):
            start, _ = term_bounds(year, term)
            params |= {
                f"{name}_year": year,
                f"{name}_term": term,
                f"{name}_meeting": min(start + timedelta(days=20), today - timedelta(days=1)),
                f"{name}_created": min(start + timedelta(days=5), today - timedelta(days=1)),
            }
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM records_pep WHERE child_id IN "
                "(SELECT id FROM records_child WHERE la_child_id LIKE %s)",
                [f"{MARKER}%"],
            )
            cursor.execute(PEPS_SQL, params)
            seeded = cursor.rowcount
            cursor.execute("ANALYZE records_pep")
        return seeded

    def _vacuum(self) -> None:
        """What autovacuum would have done by the time anyone looks: visibility maps set (for
        index-only scans of the weeks) and statistics current."""
        self._progress("VACUUM ANALYZE")
        with connection.cursor() as cursor:
            for table in (
                "records_attendancesummary",
                "records_attendanceweek",
                "records_attendanceyear",
                "records_attendancesession",
                "records_child",
                "records_legalstatusepisode",
                "records_enrolment",
                "records_characteristics",
                "records_allocation",
                "records_school",
                "records_pep",
                "auth_user",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")

    def _delete_seeded(self, *, quiet: bool) -> None:
        """Every row the benchmark made: the BENCH- children and each row that refers to them
        (found from the database's foreign keys), its schools, caseworkers and manager.

        The referring rows go first, one table at a time, then the tables are vacuumed, and
        only then the children and schools: otherwise the foreign-key checks of their deletion
        would look up every child and school among millions of dead session index entries
        (this took many minutes at 20,000 children). A run interrupted half-way leaves no
        dangling reference; the next run deletes the rest."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM records_child WHERE la_child_id LIKE %s", [f"{MARKER}%"]
            )
            (left,) = cursor.fetchone()
            if left and not quiet:
                self._progress(f"deleting {left} children left by an earlier run")
            if left:
                cursor.execute(
                    "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
                    "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                    "WHERE c.contype = 'f' AND c.confrelid = 'records_child'::regclass"
                )
                referring = cursor.fetchall()
                gone = "SELECT id FROM records_child WHERE la_child_id LIKE %s"
                for table, column in referring:
                    with transaction.atomic():
                        cursor.execute("SET LOCAL synchronous_commit = off")
                        cursor.execute(
                            f'DELETE FROM {table} WHERE "{column}" IN ({gone})',  # noqa: S608 - names from the catalogue
                            [f"{MARKER}%"],
                        )
                for table, _ in referring:
                    cursor.execute(f"VACUUM {table}")
                cursor.execute(f"DELETE FROM records_child WHERE id IN ({gone})", [f"{MARKER}%"])  # noqa: S608
            cursor.execute("DELETE FROM records_school WHERE name LIKE %s", [f"{SCHOOL_PREFIX}%"])
        # The staff log of the bench's own accounts (it protects its users from deletion).
        StaffChange.objects.filter(
            Q(subject__username__startswith=USER_PREFIX)
            | Q(actor__username__startswith=USER_PREFIX)
        ).delete()
        User.objects.filter(username__startswith=USER_PREFIX).delete()

    # --- Measuring ------------------------------------------------------------------------

    def _measure(self, current: int, repeat: int, figures: dict) -> None:
        manager = staff_user_ensure(
            username=MANAGER,
            first_name="Bench",
            last_name="Manager",
            role=Role.MANAGER,
            password=secrets.token_urlsafe(16),
        )
        client = Client(SERVER_NAME="localhost")
        client.force_login(manager)
        _second_factor(client, manager)
        url = reverse("dashboards:attendance")
        period = Period.year(current)
        # The page breaks down by one dimension at a time, the cohort unless ?by= says otherwise.
        scopes = {
            name: Scope(period=period, filters=filters, breakdowns=(DEFAULT_BREAKDOWN,))
            for name, filters in VARIANTS.items()
        }

        def page(params: dict[str, str], path: str = url) -> Callable[[], Any]:
            def get() -> None:
                response = client.get(path, params)
                if response.status_code != 200:
                    raise CommandError(f"{path} {params} answered {response.status_code}")

            return get

        def limit(name: str) -> Callable[[], Any]:
            return lambda: limit_figures(scopes[name])

        self._check_figures(manager, scopes, figures)
        counts = {}
        for name in VARIANTS:
            with CaptureQueriesContext(connection) as captured:
                page(VARIANTS[name])()
            counts[name] = len(captured.captured_queries)
        figures["dashboard_queries"] = counts["no_filters"]
        figures["dashboard_queries_two_filters"] = counts["two_filters"]

        page_times = self._timed({name: page(params) for name, params in VARIANTS.items()}, repeat)
        sql_times = self._timed({name: limit(name) for name in VARIANTS}, repeat)
        every_page = [t for times in page_times.values() for t in times]
        every_sql = [t for times in sql_times.values() for t in times]
        page_p50 = statistics.median(every_page)
        sql_p50 = statistics.median(every_sql)
        figures["dashboard_ms_p50"] = _ms(page_p50)
        figures["dashboard_ms_p95"] = _ms(_percentile(every_page, 0.95))
        for name in VARIANTS:
            figures[f"dashboard_ms_p50_{name}"] = _ms(statistics.median(page_times[name]))
        figures["dashboard_sql_ms"] = _ms(sql_p50)
        figures["dashboard_sql_ms_p95"] = _ms(_percentile(every_sql, 0.95))
        for name in VARIANTS:
            figures[f"dashboard_sql_ms_{name}"] = _ms(statistics.median(sql_times[name]))
        figures["dashboard_vs_sql_ratio"] = round(page_p50 / sql_p50, 2)
        figures["timed_requests"] = len(every_page)
        self._measure_ranges(current, page, repeat, figures)
        # For the record, not a target: the page broken down by each other dimension, no
        # filters (school and caseworker read more tables and have the most rows).
        others = {key: page({"by": key}) for key in ALL_BREAKDOWNS if key != DEFAULT_BREAKDOWN}
        for key, times in self._timed(others, max(5, repeat // 2)).items():
            figures[f"dashboard_ms_p50_by_{key}"] = _ms(statistics.median(times))
        # Also for the record: the attainment dashboard of the latest year with results, which
        # judges each child's results in Python (records/codes/assessment.py).
        attainment = reverse("dashboards:attainment")
        with CaptureQueriesContext(connection) as captured:
            page({}, attainment)()
        figures["attainment_queries"] = len(captured.captured_queries)
        for key, times in self._timed(
            {
                "cohort": page({}, attainment),
                "school": page({"by": "school"}, attainment),
            },
            max(5, repeat // 2),
        ).items():
            figures[f"attainment_ms_p50_by_{key}"] = _ms(statistics.median(times))
        self._measure_pep(page, repeat, figures)
        client.logout()

    def _measure_ranges(
        self, current: int, page: Callable[..., Callable[[], Any]], repeat: int, figures: dict
    ) -> None:
        """The page for a date range, no filters (issue 16: 0.8 to 1.4 s at 20,000 children
        when a range summed its weeks): 1 October to the end of February, autumn and spring
        each partly in the range (each term's summary less its weeks outside), and
        4 November to 20 December (a few weeks, read as weeks). `dashboard_range_ms_p50` /
        `_p95` over both; `dashboard_range_queries`. Target: p95 of 300 ms or less."""
        ranges = {
            "oct_to_feb": (date(current, 10, 1), date(current + 1, 2, 28)),
            "nov_to_dec": (date(current, 11, 4), date(current, 12, 20)),
        }

        def params(first: date, last: date) -> dict[str, str]:
            return {
                "year": str(current),
                "period": "range",
                **{
                    f"{name}_{index}": str(part)
                    for name, day in (("date_from", first), ("date_to", last))
                    for index, part in enumerate((day.day, day.month, day.year))
                },
            }

        calls = {name: page(params(*dates)) for name, dates in ranges.items()}
        with CaptureQueriesContext(connection) as captured:
            calls["oct_to_feb"]()
        figures["dashboard_range_queries"] = len(captured.captured_queries)
        times = self._timed(calls, repeat)
        every = [t for values in times.values() for t in values]
        figures["dashboard_range_ms_p50"] = _ms(statistics.median(every))
        figures["dashboard_range_ms_p95"] = _ms(_percentile(every, 0.95))
        for name, values in times.items():
            figures[f"dashboard_range_ms_p50_{name}"] = _ms(statistics.median(values))

    def _measure_pep(self, page: Callable[..., Callable[[], Any]], repeat: int, figures: dict):
        """The PEP dashboard (this year, by cohort) and the home page, with its PEP items, for
        the manager over the whole cohort: `pep_dashboard_*` and `home_manager_*`; then, to
        say which part of the home page costs what, `home_item_<key>_ms`: the median time of
        each source of "What needs doing" (records/todo.py, by the key it is registered
        under) and of the headline figures (`home_item_headline_ms`), called directly."""
        for name, path in (("pep_dashboard", reverse("dashboards:pep")), ("home_manager", "/")):
            with CaptureQueriesContext(connection) as captured:
                page({}, path)()
            figures[f"{name}_queries"] = len(captured.captured_queries)
            (times,) = self._timed({name: page({}, path)}, repeat).values()
            figures[f"{name}_ms_p50"] = _ms(statistics.median(times))
            figures[f"{name}_ms_p95"] = _ms(_percentile(times, 0.95))
        manager = User.objects.get(username=MANAGER)
        items: dict[str, Callable[[], Any]] = {
            "headline": lambda: home_headline(manager, sees_all=True),
            **{key: partial(source, manager) for key, source in todo_sources().items()},
        }
        for key, times in self._timed(items, max(5, repeat // 2)).items():
            figures[f"home_item_{key}_ms"] = _ms(statistics.median(times))

    @staticmethod
    def _check_figures(manager: Any, scopes: dict[str, Scope], figures: dict) -> None:
        """The hand-written SQL must agree with the dashboard's selector, figure by figure."""
        for name, scope in scopes.items():
            ours = limit_figures(scope)
            theirs = selector_figures(attendance_dashboard(user=manager, scope=scope))
            if ours != theirs:
                differ = sorted(
                    key for key in {*ours, *theirs} if ours.get(key) != theirs.get(key)
                )[:10]
                raise CommandError(
                    f"The hand-written SQL and the dashboard disagree for {name}: "
                    + "; ".join(f"{k}: sql {ours.get(k)} page {theirs.get(k)}" for k in differ)
                )
            headline = ours[("all", None)]
            figures[f"{name}_children_in_view"] = headline[0]
            figures[f"{name}_figures_rows"] = len(ours)
        figures["figures_match"] = "yes"

    @staticmethod
    def _timed(calls: dict[str, Callable[[], Any]], repeat: int) -> dict[str, list[float]]:
        """Two warm-up calls of each, then `repeat` timed calls of each, alternating."""
        for call in calls.values():
            for _ in range(WARM_UP):
                call()
        times: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(repeat):
            for name, call in calls.items():
                started = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - started)
        return times


# The results of _seed_results: h is a hash of (child, year), g the child's year group that
# year (as records.codes.assessment.year_group_in reckons it).
RESULTS_SQL = """
WITH kids AS (
    SELECT c.id, y.year,
        y.year - (extract(year FROM c.date_of_birth)::integer
            - (extract(month FROM c.date_of_birth) < 9)::integer + 5) AS g,
        abs(hashtext(c.id::text || y.year)) AS h
    FROM records_child c CROSS JOIN generate_series(%(first)s, %(last)s) AS y(year)
    WHERE c.la_child_id LIKE %(marker)s
)
INSERT INTO records_assessmentresult (version, measure, subject, academic_year, result, child_id)
SELECT 1, r.measure, r.subject, k.year, r.result, k.id
FROM kids k CROSS JOIN LATERAL (
    SELECT 'PHONICS_Y1' AS measure, '' AS subject, (20 + k.h %% 21)::text AS result
    WHERE k.g = 1
    UNION ALL SELECT 'KS2_READ', '', (85 + k.h %% 36)::text WHERE k.g = 6
    UNION ALL SELECT 'KS2_MAT', '', (85 + (k.h / 7) %% 36)::text WHERE k.g = 6
    UNION ALL SELECT 'KS2_GPS', '', (85 + (k.h / 11) %% 36)::text WHERE k.g = 6
    UNION ALL SELECT 'KS2_WRIT', '', (ARRAY['GDS', 'EXS', 'EXS', 'WTS'])[1 + k.h %% 4]
    WHERE k.g = 6
    UNION ALL SELECT 'KS4_A8', '', (10 + k.h %% 70)::text WHERE k.g = 11
    UNION ALL SELECT 'KS4_GCSE', s.subject, (1 + (k.h / s.n) %% 9)::text
    FROM (VALUES ('English language', 3), ('English literature', 5), ('Mathematics', 7),
        ('Combined science', 11), ('History', 13), ('French', 17), ('Geography', 19),
        ('Art and design', 23)) AS s(subject, n)
    WHERE k.g = 11
) r
"""


# The plans of _seed_peps: h is a hash of the child (0 to 99), for the children looked after
# today; each plan is (term, status, meeting, rating).
PEPS_SQL = """
WITH kids AS (
    SELECT c.id, abs(hashtext(c.id::text)) %% 100 AS h
    FROM records_child c
    WHERE c.la_child_id LIKE %(marker)s AND EXISTS (
        SELECT 1 FROM records_legalstatusepisode e WHERE e.child_id = c.id
        AND e.cohort = 'CLA' AND e.start_date <= %(today)s
        AND (e.end_date IS NULL OR e.end_date >= %(today)s)
    )
), plans AS (
    SELECT k.id, p.*
    FROM kids k CROSS JOIN LATERAL (
        SELECT 'this' AS which, 'complete' AS status,
            (ARRAY['', 'red', 'amber', 'green', 'green'])[1 + (k.h / 4) %% 5] AS rating
        WHERE k.h < 65
        UNION ALL SELECT 'last', 'complete', 'green' WHERE k.h BETWEEN 65 AND 84
        UNION ALL SELECT 'this', 'in_progress', '' WHERE k.h BETWEEN 65 AND 74
        UNION ALL SELECT 'this', 'submitted', '' WHERE k.h BETWEEN 75 AND 84
        UNION ALL SELECT 'before', 'complete', 'amber' WHERE k.h BETWEEN 85 AND 94
    ) p
)
INSERT INTO records_pep (version, kind, academic_year, term, status, meeting_date,
    participants, returned_reason, voice_words, voice_how, edu_attendance, edu_attainment,
    edu_strengths, edu_needs, edu_sen, edu_interventions, care_placement, care_plan,
    care_for_school, qa_rating, qa_feedback, red_outstanding, snapshot, created_at, child_id)
SELECT 1, 'school_age',
    CASE which WHEN 'this' THEN %(this_year)s WHEN 'last' THEN %(last_year)s
        ELSE %(before_year)s END,
    CASE which WHEN 'this' THEN %(this_term)s WHEN 'last' THEN %(last_term)s
        ELSE %(before_term)s END,
    status,
    CASE WHEN status = 'complete' THEN CASE which WHEN 'this' THEN %(this_meeting)s::date
        WHEN 'last' THEN %(last_meeting)s::date ELSE %(before_meeting)s::date END END,
    '', '', '', '', '', '', '', '', '', '', '', '', '', rating, '', false, '{}',
    (CASE which WHEN 'this' THEN %(this_created)s::date WHEN 'last' THEN %(last_created)s::date
        ELSE %(before_created)s::date END)::timestamptz + interval '12 hours',
    id
FROM plans
"""


# --- The limit: the same figures in hand-written SQL ------------------------------------------

# Each child in view with the dimensions the page reads (its cohort, which it breaks down by,
# and the SEN provision the two-filter variant filters on), as at the period's end (or today),
# written here from the rules in records/selectors/dashboards/scope.py, then each child's
# counts for the period from AttendanceYear, then every figure the page shows, as rows of one
# result: ('all' | 'cohort', value, children, possible, attended, authorised, unauthorised,
# persistent, severe, band 0..3); ('week', Monday, possible, attended); ('reason', code, n).
# {sen_join} and {where} are filled in by limit_figures for the filters in use.
LIMIT_SQL = """
WITH cohort AS (
    SELECT child_id, (ARRAY['CLA', 'CPP', 'CIN', 'PLAC'])[min(CASE cohort WHEN 'CLA' THEN 1
        WHEN 'CPP' THEN 2 WHEN 'CIN' THEN 3 ELSE 4 END)] AS cohort
    FROM records_legalstatusepisode
    WHERE start_date <= %(as_at)s AND (end_date IS NULL OR end_date >= %(start)s)
    GROUP BY child_id
), kids AS MATERIALIZED (
    SELECT c.id, co.cohort
    FROM cohort co
    JOIN records_child c ON c.id = co.child_id
    {sen_join}
    {where}
), per_child AS MATERIALIZED (
    SELECT k.*, t.possible, t.attended, t.authorised, t.unauthorised,
        (t.authorised + t.unauthorised) * 10 >= t.possible AS persistent,
        (t.authorised + t.unauthorised) * 2 >= t.possible AS severe,
        ((t.authorised + t.unauthorised) * 20 >= t.possible)::integer
            + ((t.authorised + t.unauthorised) * 10 >= t.possible)::integer
            + ((t.authorised + t.unauthorised) * 2 >= t.possible)::integer AS band
    FROM kids k JOIN records_attendanceyear t ON t.child_id = k.id
    WHERE t.academic_year = %(year)s AND t.possible > 0
)
SELECT CASE WHEN GROUPING(cohort) = 0 THEN 'cohort' ELSE 'all' END, cohort,
    count(*), sum(possible), sum(attended), sum(authorised), sum(unauthorised),
    count(*) FILTER (WHERE persistent), count(*) FILTER (WHERE severe),
    count(*) FILTER (WHERE band = 0), count(*) FILTER (WHERE band = 1),
    count(*) FILTER (WHERE band = 2), count(*) FILTER (WHERE band = 3)
FROM per_child
GROUP BY GROUPING SETS ((), (cohort))
UNION ALL
SELECT 'week', (%(first_monday)s::date + (u.week::integer - 1) * 7)::text, NULL, sum(u.possible),
    sum(u.attended), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM records_attendanceyear y,
    unnest(y.week_possible, y.week_attended) WITH ORDINALITY AS u(possible, attended, week)
WHERE y.academic_year = %(year)s AND y.child_id IN (SELECT id FROM per_child)
GROUP BY u.week HAVING sum(u.possible) > 0
UNION ALL
SELECT 'reason', e.key, NULL, sum(e.value::integer), NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL
FROM records_attendanceyear s, jsonb_each_text(s.absence_by_code) e
WHERE s.academic_year = %(year)s AND s.child_id IN (SELECT id FROM per_child)
GROUP BY e.key
"""


def limit_figures(scope: Scope) -> dict[tuple[str, str | None], tuple]:
    """Every figure of the dashboard for a whole academic year, from LIMIT_SQL (which reads
    each child's AttendanceYear row, unnesting its week arrays for the trend and its reason
    counts for the reasons; no visibility filter: a manager sees every child)."""
    period = scope.period
    if period.term or period.by_week:
        raise ValueError("The benchmark's SQL covers whole academic years only.")
    if scope.breakdowns != (DEFAULT_BREAKDOWN,) or set(scope.filters) - {"cohort", "sen"}:
        raise ValueError("The benchmark's SQL breaks down by cohort and filters on cohort and SEN.")
    params = {
        "year": period.academic_year,
        "first_monday": year_first_monday(period.academic_year),
        "start": period.start,
        "as_at": period.as_at,
        "cohort": scope.filters.get("cohort", ""),
        "sen": scope.filters.get("sen", ""),
    }
    conditions = []
    if params["cohort"]:
        conditions.append("co.cohort = %(cohort)s")
    if params["sen"]:
        conditions.append("coalesce(nullif(ch.sen_provision, ''), 'unknown') = %(sen)s")
    sql = LIMIT_SQL.format(
        sen_join="LEFT JOIN records_characteristics ch ON ch.child_id = c.id"
        if params["sen"]
        else "",
        where=f"WHERE {' AND '.join(conditions)}" if conditions else "",
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # Hand-tuned: no JIT compilation (it only adds compile time to these aggregates).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result: dict[tuple[str, str | None], tuple] = {}
    for kind, value, *numbers in rows:
        if kind in ("week", "reason"):
            result[(kind, value)] = tuple(int(n) for n in numbers[1:3] if n is not None)
        else:
            result[(kind, value)] = tuple(int(n) for n in numbers)
    return result


def selector_figures(dashboard: Any) -> dict[tuple[str, str | None], tuple]:
    """The same figures as limit_figures, from what the dashboard's selector returned."""

    def numbers(group: Any) -> tuple:
        f = group.figures
        return (
            group.children,
            f.possible,
            f.attended,
            f.authorised,
            f.unauthorised,
            group.persistent,
            group.severe,
            *group.bands,
        )

    result: dict[tuple[str, str | None], tuple] = {}
    if dashboard.overall.children:
        result[("all", None)] = numbers(dashboard.overall)
    for breakdown in dashboard.breakdowns:
        for row in breakdown.rows:
            value = None if row.value in (None, "unknown") else str(row.value)
            result[(breakdown.dimension.key, value)] = numbers(row)
    for week in dashboard.trend:
        result[("week", week.week_start.isoformat())] = (
            week.figures.possible,
            week.figures.attended,
        )
    for reason in dashboard.reasons:
        result[("reason", reason.code)] = (reason.sessions,)
    return result
