"""Writes to school history: the School reference table and a child's enrolments.

A child's current school is derived from their enrolments (records/selectors/schools.py), never
stored, so it cannot disagree with the history.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date
from typing import NamedTuple

from auditlog.context import set_actor
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.utils.formats import date_format

from records.calendar import age_on
from records.codes.census import SchoolPhase
from records.codes.local_authority import is_la_code
from records.models import BatchEvent, Child, Enrolment, School
from records.permissions import can_change_schools_register
from records.services.locking import SyncCounts, SyncOutcome, record_create, record_update
from records.services.rules import date_errors, period_errors, raise_if
from virtualschool.errors import DomainError

# A DfE URN (Get Information about Schools) is a six-digit number (general knowledge of GIAS;
# CTF SourceSchool/DestSchool carry it as `URN`, ../shared/reference/DOMAIN.md section (g)).
URN_MIN, URN_MAX = 100000, 999999
# LAESTAB = the 3-digit LA number followed by the 4-digit DfE establishment number, the same
# parts a UPN carries (DOMAIN.md section (e)) and the CTF's `LEA` and `Estab` (section (g)).
_ESTABLISHMENT_NUMBER = re.compile(r"^[0-9]{4}$")
# A UKPRN (UK Register of Learning Providers' number, GIAS's `UKPRN` column) is eight digits
# beginning with 1 (UKRLP; the same shape sharing/validation.py checks for a post-16
# recipient's identifier, issue 13).
_UKPRN = re.compile(r"^1[0-9]{7}$")


# GIAS "PhaseOfEducation (name)" values are the SchoolPhase labels; GIAS "EstablishmentStatus
# (name)" is one of these, and a school is open for the first two (GIAS establishment fields,
# get-information-schools.service.gov.uk "edubasealldata" extract; general knowledge of GIAS).
OPEN_STATUSES = frozenset({"open", "open, but proposed to close"})
GIAS_STATUSES = OPEN_STATUSES | {"closed", "proposed to open"}
_PHASE_BY_LABEL = {str(label).lower(): value for value, label in SchoolPhase.choices}


def school_phase_from_gias(name: str) -> str | None:
    """The SchoolPhase for a GIAS phase name ("Primary", "16 plus", ...); "" for a blank name,
    None for a name that is not on the GIAS list."""
    name = name.strip().lower()
    if not name:
        return ""
    return _PHASE_BY_LABEL.get(name)


def school_is_open_from_gias(status: str) -> bool | None:
    """Whether a school with this GIAS establishment status is open; None for an unknown one."""
    status = status.strip().lower()
    if status not in GIAS_STATUSES:
        return None
    return status in OPEN_STATUSES


def _too_long(errors: dict[str, list[str]], field: str, label: str, value: str) -> None:
    limit = School._meta.get_field(field).max_length
    if len(value) > limit:
        errors.setdefault(field, []).append(f"{label} must be at most {limit} characters")


def school_errors(
    *,
    urn: int,
    name: str,
    la_code: str,
    establishment_number: str,
    phase: str,
    la_name: str = "",
    establishment_type: str = "",
    ukprn: str = "",
) -> dict[str, list[str]]:
    """What is wrong with a school's reference data (values already stripped), by field.

    The one place the School rules live: school_save and the GIAS import
    (records/imports/schools.py) both apply them.
    """
    errors: dict[str, list[str]] = {}
    if not URN_MIN <= urn <= URN_MAX:
        errors["urn"] = [f"URN must be a 6-digit number, from {URN_MIN} to {URN_MAX}"]
    if not name:
        errors["name"] = ["Enter the school's name"]
    if la_code and not is_la_code(la_code):
        errors["la_code"] = ["Local authority code must be 3 digits, for example 873"]
    if establishment_number and not _ESTABLISHMENT_NUMBER.match(establishment_number):
        errors["establishment_number"] = ["Establishment number must be 4 digits, for example 2001"]
    if ukprn and not _UKPRN.match(ukprn):
        errors["ukprn"] = ["UKPRN must be 8 digits beginning with 1, for example 10012345"]
    if phase and phase not in SchoolPhase.values:
        allowed = ", ".join(f"{value} ({label})" for value, label in SchoolPhase.choices)
        errors["phase"] = [f"Phase must be one of: {allowed}"]
    _too_long(errors, "name", "Name", name)
    _too_long(errors, "la_name", "Local authority name", la_name)
    _too_long(errors, "establishment_type", "Establishment type", establishment_type)
    return errors


REGISTER_REFUSED = (
    "School URN {urn} is not in the schools register, and only a manager or an admin may add "
    "a school to it: ask one to add it, then import this file again"
)


def school_save(
    *,
    actor: AbstractBaseUser | None,
    urn: int,
    name: str,
    la_code: str = "",
    la_name: str = "",
    establishment_number: str = "",
    phase: str = "",
    establishment_type: str = "",
    is_open: bool = True,
) -> School:
    """Add a school to the reference table, or bring the one with this URN up to date (as a
    Get Information about Schools import would).

    Rules: only someone who may change the register does (permissions.
    can_change_schools_register; `actor=None` is the operator's command); a 6-digit URN; a
    name; a 3-digit LA code and 4-digit establishment number when given (together they make
    the LAESTAB); a phase from the GIAS list. Schools are not personal data, but the
    register is shared: a school created or changed is audited as school_sync audits it (a
    SCHOOLS BatchEvent with each changed value before and after).
    """
    if actor is not None and not can_change_schools_register(actor):
        raise DomainError({"urn": [REGISTER_REFUSED.format(urn=urn)]})
    name = name.strip()
    la_code = la_code.strip()
    establishment_number = establishment_number.strip()
    raise_if(
        school_errors(
            urn=urn,
            name=name,
            la_code=la_code,
            establishment_number=establishment_number,
            phase=phase,
            la_name=la_name.strip(),
            establishment_type=establishment_type.strip(),
        )
    )
    with transaction.atomic(), set_actor(actor):
        before = School.objects.select_for_update().filter(urn=urn).values(*_SYNC_COLUMNS).first()
        school, created = School.objects.update_or_create(
            urn=urn,
            defaults={
                "name": name,
                "la_code": la_code,
                "la_name": la_name.strip(),
                "establishment_number": establishment_number,
                "phase": phase,
                "establishment_type": establishment_type.strip(),
                "is_open": is_open,
            },
        )
        event = _register_event(
            actor=actor,
            inserted=created,
            before=before or {},
            after={name: getattr(school, name) for name in _SYNC_COLUMNS},
        )
        if event.details["changes"]:
            event.save()
    return school


class SchoolValues(NamedTuple):
    """One school as the register (GIAS) describes it, in the School table's terms."""

    urn: int
    name: str
    la_code: str
    la_name: str
    establishment_number: str
    phase: str
    establishment_type: str
    is_open: bool
    ukprn: str = ""  # blank: the register gives the school none


_SYNC_COLUMNS = SchoolValues._fields


def school_sync(
    *,
    actor: AbstractBaseUser | None,
    schools: Sequence[SchoolValues],
    keep: Collection[str] = (),
) -> SyncCounts:
    """Bring the School reference table up to date from the register (a GIAS establishments
    file): add the URNs it does not hold, update those whose values differ, and leave the rest.

    Rules: every school passes school_errors (the rules school_save applies), and a URN is
    given once; otherwise nothing is written and the first problem is named. The schools are
    written in one statement from a COPY'd temporary table, so a 50,000-row register takes
    seconds; a school whose values have not changed is not written, so a second import of a
    file changes nothing. Each school created or changed is audited by one BatchEvent of kind
    SCHOOLS (who, the URN, created or updated, and each changed field's value before and
    after: the schools register is shared by every record, issue 11), all written in one
    INSERT; a school left as it was leaves none. `keep` names fields the file does not give
    (a register without a UKPRN column): a school already held keeps its values of them, a
    new one gets the field's blank.
    """
    seen: set[int] = set()
    for position, school in enumerate(schools, start=1):
        problems = school_errors(
            urn=school.urn,
            name=school.name,
            la_code=school.la_code,
            establishment_number=school.establishment_number,
            phase=school.phase,
            la_name=school.la_name,
            establishment_type=school.establishment_type,
            ukprn=school.ukprn,
        )
        if school.urn in seen:
            problems.setdefault("urn", []).append("The URN is given twice")
        if problems:
            field, messages = next(iter(problems.items()))
            raise DomainError({field: [f"School {position} (URN {school.urn}): {messages[0]}"]})
        seen.add(school.urn)
    if not schools:
        return SyncCounts()
    table = connection.ops.quote_name(School._meta.db_table)
    names = ", ".join(_SYNC_COLUMNS)
    given = [name for name in _SYNC_COLUMNS if name not in keep]
    changed = " OR ".join(f"s.{name} IS DISTINCT FROM EXCLUDED.{name}" for name in given)
    assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in given[1:])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.school_sync")
        cursor.execute(
            "CREATE TEMPORARY TABLE school_sync (urn integer, name text, la_code text, "
            "la_name text, establishment_number text, phase text, establishment_type text, "
            "is_open boolean, ukprn text) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY school_sync ({names}) FROM STDIN") as copy:
            for school in schools:
                copy.write_row(school)
        returned = ", ".join(f"s.{name}" for name in _SYNC_COLUMNS)
        before = ", ".join(f"b.{name}" for name in _SYNC_COLUMNS)
        cursor.execute(
            f"""
            WITH before AS (
                SELECT {returned} FROM {table} s JOIN school_sync t ON t.urn = s.urn
            ),
            written AS (
                INSERT INTO {table} AS s ({names})
                SELECT {names} FROM school_sync
                ON CONFLICT (urn) DO UPDATE SET {assignments}
                WHERE {changed}
                RETURNING (xmax = 0) AS inserted, {returned}
            )
            SELECT w.*, {before} FROM written w LEFT JOIN before b ON b.urn = w.urn
            ORDER BY w.urn
            """  # noqa: S608 - names are the School table's and this module's constants
        )
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE IF EXISTS pg_temp.school_sync")
        width = len(_SYNC_COLUMNS)
        events = [
            _register_event(
                actor=actor,
                inserted=inserted,
                before=dict(zip(_SYNC_COLUMNS, values[width:], strict=True)),
                after=dict(zip(_SYNC_COLUMNS, values[:width], strict=True)),
            )
            for inserted, *values in rows
        ]
        # The per-school audit (issue 11: who changed which school of the shared register,
        # from what to what), one INSERT for the whole register.
        BatchEvent.objects.bulk_create(events)
        created = sum(1 for inserted, *_ in rows if inserted)
        updated = len(rows) - created
    return SyncCounts(created=created, updated=updated, unchanged=len(schools) - created - updated)


def _register_event(
    *, actor: AbstractBaseUser | None, inserted: bool, before: dict, after: dict
) -> BatchEvent:
    """The audit of one school of the register created or changed (issue 11: who changed
    which school of the shared register, from what to what), unsaved; its `changes` are
    empty when nothing changed."""
    return BatchEvent(
        kind=BatchEvent.Kind.SCHOOLS,
        actor=actor,
        rows=1,
        details={
            "urn": after["urn"],
            "action": "created" if inserted else "updated",
            "changes": {
                name: [None if inserted else before.get(name), after[name]]
                for name in _SYNC_COLUMNS
                if inserted or before.get(name) != after[name]
            },
        },
    )


def _long(value: date) -> str:
    return date_format(value, "j F Y")


def _overlap_message(other: Enrolment) -> str:
    until = f"to {_long(other.end_date)}" if other.end_date else "with no end date"
    return (
        f"This overlaps the enrolment at {other.school.name} (URN {other.school.urn}) from "
        f"{_long(other.start_date)} {until}. A child is on one school's roll at a time: end "
        "that enrolment first, or change these dates"
    )


def _enrolment_errors(
    *,
    child: Child,
    school: School | None,
    start_date: date,
    end_date: date | None,
    reason_for_leaving: str,
    exclude_pk: int | None = None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if school is None:
        errors["school"] = ["Choose a school"]
    # A place can be agreed before the child starts, and a leaving date known in advance, so
    # both may be in the future; neither may fall outside the child's education.
    for field, label, value in (
        ("start_date", "Start date", start_date),
        ("end_date", "End date", end_date),
    ):
        date_errors(
            errors,
            child=child,
            field=field,
            label=label,
            value=value,
            allow_future=True,
            education=True,
        )
    period_errors(
        errors, start_field="start_date", start=start_date, end_field="end_date", end=end_date
    )
    if reason_for_leaving and end_date is None:
        errors.setdefault("reason_for_leaving", []).append(
            "Reason for leaving can only be given with an end date: enter the date the child "
            "left, or leave the reason blank"
        )
    if errors:
        return errors
    others = (
        Enrolment.objects.filter(child=child)
        .exclude(end_date__lt=start_date)
        .select_related("school")
    )
    if end_date is not None:
        others = others.filter(start_date__lte=end_date)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    other = others.order_by("start_date").first()
    if other is not None:
        errors["start_date"] = [_overlap_message(other)]
    return errors


def enrolment_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    school: School,
    start_date: date,
    end_date: date | None = None,
    nc_year: str = "",
    reason_for_leaving: str = "",
) -> Enrolment:
    """Record a child's time on a school's roll.

    Rules: both dates within the child's education (2nd to 25th birthday, rules.py); the end on
    or after the start; a reason for leaving only once the child has left; no two enrolments of
    a child overlap, at two schools or one (the message names the other school and its dates).
    The overlap check runs under a lock on the child, so two saves at once cannot both pass.
    """
    reason_for_leaving = reason_for_leaving.strip()
    with transaction.atomic():
        Child.objects.select_for_update().filter(pk=child.pk).first()
        raise_if(
            _enrolment_errors(
                child=child,
                school=school,
                start_date=start_date,
                end_date=end_date,
                reason_for_leaving=reason_for_leaving,
            )
        )
        return record_create(
            actor=actor,
            instance=Enrolment(
                child=child,
                school=school,
                start_date=start_date,
                end_date=end_date,
                nc_year=nc_year,
                reason_for_leaving=reason_for_leaving,
            ),
        )


def enrolment_update(
    *,
    actor: AbstractBaseUser | None,
    instance: Enrolment,
    expected_version: int,
    school: School,
    start_date: date,
    end_date: date | None = None,
    nc_year: str = "",
    reason_for_leaving: str = "",
) -> Enrolment:
    """Change an enrolment under the same rules, if nobody else changed it first."""
    reason_for_leaving = reason_for_leaving.strip()
    child = instance.child
    with transaction.atomic():
        Child.objects.select_for_update().filter(pk=child.pk).first()
        raise_if(
            _enrolment_errors(
                child=child,
                school=school,
                start_date=start_date,
                end_date=end_date,
                reason_for_leaving=reason_for_leaving,
                exclude_pk=instance.pk,
            )
        )
        return record_update(
            actor=actor,
            instance=instance,
            expected_version=expected_version,
            changes={
                "school": school,
                "start_date": start_date,
                "end_date": end_date,
                "nc_year": nc_year,
                "reason_for_leaving": reason_for_leaving,
            },
        )


def enrolment_sync(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    school: School,
    start_date: date,
    end_date: date | None = None,
) -> SyncOutcome:
    """Record an enrolment from a file (a CTF's SchoolHistory/School), or bring the one held
    for the same child, school and entry date up to date.

    A file without a leaving date is older news than a leaving date we hold, so it leaves the
    enrolment unchanged; a file with a different leaving date updates it (under its version,
    keeping its NC year and reason for leaving). The rules are enrolment_record's and
    enrolment_update's; a refusal saves nothing.
    """
    with transaction.atomic():
        held = (
            Enrolment.objects.filter(child=child, school=school, start_date=start_date)
            .order_by("pk")
            .first()
        )
        if held is None:
            enrolment_record(
                actor=actor, child=child, school=school, start_date=start_date, end_date=end_date
            )
            return SyncOutcome.CREATED
        if end_date is None or held.end_date == end_date:
            return SyncOutcome.UNCHANGED
        enrolment_update(
            actor=actor,
            instance=held,
            expected_version=held.version,
            school=school,
            start_date=start_date,
            end_date=end_date,
            nc_year=held.nc_year,
            reason_for_leaving=held.reason_for_leaving,
        )
        return SyncOutcome.UPDATED


def nc_year_on(*, date_of_birth: date, on: date) -> str:
    """The national curriculum year group a child is normally in on a date (the NcYear code),
    or "" outside nursery to Year 14.

    England places a child by their age on 31 August before the school year starts: 4 then is
    Reception, 5 Year 1, up to 15 Year 11 (general knowledge of the school admissions code,
    matching the census NC year list in records/codes/census.py). Children in care are often
    outside their age group, so this is a suggestion, never a rule.
    """
    school_year_start = on.year if on.month >= 9 else on.year - 1
    age = age_on(date_of_birth, date(school_year_start, 8, 31))
    by_age = {2: "N1", 3: "N2", 4: "R"}
    if age in by_age:
        return by_age[age]
    if 5 <= age <= 18:
        return str(age - 4)
    return ""
