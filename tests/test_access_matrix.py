"""One access matrix for every door (issue 11, STYLE.md 9 and 14a).

Every URL pattern (from the resolver, with its namespace:name) and every API operation (from
drf-spectacular's schema, path and method) x every role x every method the route accepts x
every relation to the object (own child, another caseworker's child, a missing one), each
checked against the hand-written table in tests/access_matrix.py. A write is sent with a
valid body, so an allowed role gets its success status; a refused write must leave what is
stored as it was.

The people, children and rows are made once for the module, inside a transaction the module
rolls back at its end; each request runs in a savepoint of its own, rolled back after it, so
every combination starts from the same state and one write cannot change what the next one
sees.
"""

from __future__ import annotations

import datetime
import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from http.cookies import SimpleCookie
from typing import Any

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.generators import SchemaGenerator

from records import services
from records.models import (
    Allocation,
    AttendanceSession,
    Child,
    Enrolment,
    ImportKind,
    ImportRun,
    LegalStatusEpisode,
    Pep,
)
from records.sections import TABS
from records.services import pep as pep_services
from records.services import ppplus as ppplus_services
from records.services.imports import import_create
from retention.models import DestructionCertificate
from sharing import services as sharing_services
from sharing.demo import ORGANISATIONS, RECIPIENT_USERS
from sharing.extracts import extract_request
from sharing.models import (
    AgreementToken,
    ExtractFile,
    RecipientMembership,
    RecipientOrganisation,
    SharingAgreement,
    SharingChange,
    SharingRestriction,
)
from staff import services as staff_services
from staff.models import StaffChange
from tests.access_matrix import LETTERS, RELATIONS, ROLES, TABLE
from tests.conftest import signed_in
from tests.factories import PASSWORD, ChildFactory, SchoolFactory, UserFactory
from tests.records.test_section_contract import (
    BORN,
    INPUTS,
    NEW_SCHOOL,
    SCHOOL,
    _json_body,
    _page_data,
)
from tests.retention.conftest import destroyed_child_certificate
from virtualschool.roles import Role
from virtualschool.services import roles_sync

pytestmark = pytest.mark.django_db

TABLE_FILE = "tests/access_matrix.py"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
SUCCESS = {"O", "C", "R"}
# Sections' dates are read against this day (as tests/records/test_section_contract.py's).
TODAY = datetime.datetime(2025, 11, 20, 12, tzinfo=datetime.UTC)
MISSING_PERSON = 987654321
# The recipient column holds for a recipient of each type the demo has (sharing/demo.py):
# each is a person of its own, checked against the same letter. Its organisation's fields.
RECIPIENT_TYPES: dict[str, dict[str, str]] = {
    "youth_support": {"identifier_kind": "la_code", "identifier": "331"},
    "school": {"identifier_kind": "urn", "identifier": "190098"},
    "dfe": {},
    "nhs_trust": {"identifier_kind": "ods", "identifier": "RX8"},
    "other_la": {"identifier_kind": "la_code", "identifier": "874"},
    # The designated teacher of another school (issue 13): a school of its own, with an
    # active agreement and a child on its roll, but not the "school" recipient's.
    "other_school": {"type": "school", "identifier_kind": "urn", "identifier": "190097"},
}
# The portal's lines are one per variant, each checking the recipient column for some of
# those people only: the school's designated teacher, another school's, and the recipients
# that are not schools.
RECIPIENT_VARIANTS: dict[str, tuple[str, ...]] = {
    "teacher": ("school",),
    "other-school": ("other_school",),
    "not-a-school": ("youth_support", "dfe", "nhs_trust", "other_la"),
}
PORTAL_ROUTES = ("portal:children", "portal:child", "portal:pep")


# --- The declared table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str  # route name, with [variant] when one pattern serves several things
    kind: str
    method: str
    expected: dict[tuple[str, str], str]  # (role, relation) -> letter

    @property
    def name(self) -> str:
        return self.key.split("[", 1)[0]

    @property
    def variant(self) -> str | None:
        match = re.fullmatch(r"[^\[]+\[(.+)\]", self.key)
        return match.group(1) if match else None


def _parse(table: str) -> list[Row]:
    rows = []
    for number, line in enumerate(table.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, kind, method, *columns = line.split()
        where = f"{TABLE_FILE}, line {number} of TABLE ({key} {method})"
        assert kind in RELATIONS, f"{where}: object {kind!r} is not one of {sorted(RELATIONS)}"
        assert len(columns) == len(ROLES), f"{where}: {len(columns)} role columns, not {len(ROLES)}"
        relations = RELATIONS[kind]
        expected = {}
        for role, column in zip(ROLES, columns, strict=True):
            assert len(column) == len(relations), (
                f"{where}: {role} has {column!r}, one letter per {'/'.join(relations)}"
            )
            for relation, letter in zip(relations, column, strict=True):
                assert letter in LETTERS, f"{where}: {letter!r} is not in the legend"
                expected[(role, relation)] = letter
        rows.append(Row(key=key, kind=kind, method=method, expected=expected))
    return rows


ROWS = _parse(TABLE)
BY_KEY: dict[str, list[Row]] = {}
for _row in ROWS:
    BY_KEY.setdefault(_row.key, []).append(_row)


def test_the_table_has_one_line_per_route_and_method():
    seen = [(row.key, row.method) for row in ROWS]
    assert len(seen) == len(set(seen)), sorted({s for s in seen if seen.count(s) > 1})
    for key, rows in BY_KEY.items():
        assert len({row.kind for row in rows}) == 1, f"{key}: one object kind for all its lines"


# --- The world: people, children, rows ------------------------------------------------------

SECTIONS = {
    f"{tab.slug}/{section.slug}": (tab, section) for tab in TABS for section in tab.sections
}
API_SECTIONS = {
    f"api:{tab.slug}-{section.slug}-{end}": (key, end)
    for key, (tab, section) in SECTIONS.items()
    for end in ("list", "item")
}


@dataclass
class World:
    users: dict[str, Any]  # role -> user (no anonymous; "recipient:<type>" per type)
    cookies: dict[str, SimpleCookie]  # role -> the signed-in session's cookies
    children: dict[str, Any]  # "own", "other" -> child
    rows: dict[tuple[str, str], Any]  # (section key, "own"/"other") -> row
    runs: dict[str, Any]  # "own", "other" -> import run
    allocations: dict[str, Any]  # "own", "other" -> an open allocation of that child
    school: Any
    target: Any  # the staff member the staff pages act on
    owner: Any  # the other child's caseworker
    signin: Any  # someone to sign in as on the sign-in page
    organisation: Any  # a recipient organisation the sharing pages act on
    agreement: Any  # a draft sharing agreement, drafted by an Admin none of the roles is
    certificate: Any  # a destruction certificate (retention): a child destroyed the service way
    pupils: dict[str, Any]  # "roll", "other" -> a looked-after child on that school's roll
    restrictions: dict[str, Any]  # "own", "other" -> a sharing restriction of that child
    plans: dict[str, Any]  # "own", "other" -> a personal education plan in progress
    token: Any  # an API token of that agreement
    extract: Any  # an extract file (queued) of another, approved agreement

    def client(self, role: str) -> Client:
        """A fresh client, carrying the role's signed-in session (none for anonymous)."""
        client = Client()
        for name, morsel in self.cookies.get(role, {}).items():
            client.cookies[name] = morsel.value
        return client

    def child_pk(self, relation: str):
        return uuid.UUID(int=1) if relation == "missing" else self.children[relation].pk

    def row_of(self, section_key: str, relation: str):
        """The section's row of the child; for a missing child, the own child's row (the
        row exists, the child in the address does not)."""
        return self.rows[(section_key, "own" if relation == "missing" else relation)]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        traveller = time_machine.travel(TODAY, tick=False)
        traveller.start()
        imports_dir = override_settings(IMPORTS_DIR=tmp_path_factory.mktemp("imports"))
        imports_dir.enable()
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            imports_dir.disable()
            traveller.stop()


def _build() -> World:
    if Group.objects.filter(name__in=[role.value for role in Role]).count() < len(Role):
        roles_sync()
    manager = UserFactory(username="mx_manager", role=Role.MANAGER)
    admin = UserFactory(username="mx_admin", role=Role.ADMIN)
    caseworker = UserFactory(username="mx_caseworker", role=Role.CASEWORKER)
    sensitive = UserFactory(username="mx_sensitive", role=Role.CASEWORKER)
    former = UserFactory(username="mx_former", role=Role.CASEWORKER)
    owner = UserFactory(username="mx_owner", role=Role.CASEWORKER)
    target = UserFactory(username="mx_target", role=Role.CASEWORKER)
    signin = UserFactory(username="mx_signin", role=Role.CASEWORKER)
    for user in (sensitive, former):
        staff_services.staff_role_set(actor=admin, user=user, role=Role.CASEWORKER, sensitive=True)
    own = ChildFactory(date_of_birth=BORN)
    other = ChildFactory(date_of_birth=BORN)
    allocations = {
        "own": services.allocation_create(actor=manager, child=own, caseworker=caseworker),
        "other": services.allocation_create(actor=manager, child=other, caseworker=owner),
    }
    services.allocation_create(actor=manager, child=own, caseworker=sensitive)
    services.allocation_create(actor=manager, child=own, caseworker=former)
    # The former caseworker leaves the role the service way: their allocations end.
    staff_services.staff_role_set(actor=admin, user=former, role=Role.ADMIN)
    assert not Allocation.objects.filter(caseworker=former, end_date__isnull=True).exists()

    school = SchoolFactory(urn=190099, name="Contract Academy")
    rows = {}
    for key, (_tab, section) in SECTIONS.items():
        for relation, child in (("own", own), ("other", other)):
            values = _values(INPUTS[key].valid, school)
            rows[(key, relation)] = section.create(actor=manager, child=child, **values)
    plans = {}
    for relation, child in (("own", own), ("other", other)):
        # In care since before the world's day, so each child has a plan (issue 15).
        services.episode_add(
            actor=manager,
            child=child,
            cohort="CLA",
            legal_status="C2",
            start_date=datetime.date(2025, 9, 1),
        )
        plans[relation] = pep_services.pep_start(actor=manager, child=child)
    organisation, agreement, token, extract = _sharing(admin)
    certificate = _certificate(admin, manager)
    recipients = _recipients(admin)
    pupils = _portal(admin, recipients, manager)
    restrictions = {
        relation: sharing_services.restriction_add(
            actor=manager,
            child=child,
            kind="do_not_share",
            recipient_type="other_la",
            requested_by="parent",
            reason="The parent asked",
        )
        for relation, child in (("own", own), ("other", other))
    }
    users = {
        "caseworker": caseworker,
        "sensitive": sensitive,
        "former": former,
        "manager": manager,
        "admin": admin,
        **recipients,
    }
    cookies = {role: _cookie_copy(signed_in(user)) for role, user in users.items()}
    return World(
        users=users,
        cookies=cookies,
        children={"own": own, "other": other},
        rows=rows,
        runs={"own": _rejected_run(caseworker), "other": _rejected_run(owner)},
        allocations=allocations,
        school=school,
        target=target,
        owner=owner,
        signin=signin,
        organisation=organisation,
        agreement=agreement,
        certificate=certificate,
        pupils=pupils,
        restrictions=restrictions,
        plans=plans,
        token=token,
        extract=extract,
    )


def _portal(admin, recipients, manager) -> dict[str, Any]:
    """An active agreement for each school recipient's organisation, releasing education
    plans, and a looked-after child on each school's roll with a plan started: "roll" the
    school recipient's, "other" the other school's."""
    author = UserFactory(username="mx_portal_author", role=Role.ADMIN)
    pupils = {}
    for relation, kind in (("roll", "school"), ("other", "other_school")):
        organisation = recipients[f"recipient:{kind}"].recipient_membership.organisation
        draft = sharing_services.agreement_draft(
            actor=author,
            **{
                **_agreement_values(organisation),
                "name": f"Matrix portal {kind}",
                "statutes": ["ca1989"],
                "categories": ["identity", "attainment", "education_plans"],
                "legal_statuses": ["CLA"],
                "min_age": None,
                "max_age": None,
                "scope": "school_roll",
            },
        )
        sharing_services.agreement_approve(actor=admin, agreement=draft)
        school = SchoolFactory(urn=int(organisation.identifier), name=organisation.name)
        child = ChildFactory(date_of_birth=BORN)
        services.episode_add(
            actor=None, child=child, cohort="CLA", legal_status="C2", start_date=BORN
        )
        Enrolment.objects.create(child=child, school=school, start_date=BORN)
        pep_services.pep_start(actor=manager, child=child)
        pupils[relation] = child
    return pupils


def _sharing(admin) -> tuple[Any, Any, Any, Any]:
    author = UserFactory(username="mx_author", role=Role.ADMIN)
    organisation = sharing_services.organisation_add(
        actor=admin,
        name="Matrix Youth Service",
        type="youth_support",
        identifier_kind="la_code",
        identifier="330",
        contact_name="Ada Brook",
        contact_email="youth@example.invalid",
    )
    agreement = sharing_services.agreement_draft(actor=author, **_agreement_values(organisation))
    token, _ = sharing_services.token_issue(actor=admin, agreement=agreement, name="Matrix CRM")
    approved = sharing_services.agreement_draft(
        actor=author, **{**_agreement_values(organisation), "name": "Matrix extracts"}
    )
    approved = sharing_services.agreement_approve(actor=admin, agreement=approved)
    extract = extract_request(actor=admin, agreement=approved, fmt="csv")
    return organisation, agreement, token, extract


def _certificate(admin, manager) -> DestructionCertificate:
    """A destruction certificate: a child destroyed through a list proposed by an Admin none
    of the roles is and approved by the matrix's Admin."""
    proposer = UserFactory(username="mx_proposer", role=Role.ADMIN)
    return destroyed_child_certificate(manager=manager, proposer=proposer, approver=admin)


def _recipients(admin) -> dict[str, Any]:
    """A recipient user of each type in RECIPIENT_TYPES, each in an organisation of its own."""
    users = {}
    for number, (kind, identifier) in enumerate(RECIPIENT_TYPES.items()):
        organisation = sharing_services.organisation_add(
            actor=admin,
            name=f"Matrix recipient {kind}",
            type=identifier.get("type", kind),
            identifier_kind=identifier.get("identifier_kind", ""),
            identifier=identifier.get("identifier", ""),
            contact_name="Cy Dale",
            contact_email="recipient@example.invalid",
        )
        users[f"recipient:{kind}"] = sharing_services.recipient_user_ensure(
            organisation=organisation,
            username=f"mx_recipient_{number}",
            first_name="Rae",
            last_name="Cole",
            password=PASSWORD,
        )
    return users


def test_the_recipient_column_covers_every_recipient_type_of_the_demo():
    demo_types = {
        "school" if key == "school" else ORGANISATIONS[key]["type"]
        for *_names, key in RECIPIENT_USERS
    }
    assert demo_types <= set(RECIPIENT_TYPES), sorted(demo_types - set(RECIPIENT_TYPES))


def _as_people(role: str, row: Row) -> list[str]:
    """Who a column's letter is checked for: the recipient column for each recipient type,
    or on a portal line for the recipients its variant names (RECIPIENT_VARIANTS)."""
    if role == "recipient":
        kinds = RECIPIENT_VARIANTS.get(row.variant or "", tuple(RECIPIENT_TYPES))
        return [f"recipient:{kind}" for kind in kinds]
    return [role]


def _agreement_values(organisation) -> dict[str, Any]:
    return {
        "name": "Matrix youth support",
        "organisation": organisation,
        "purpose": "Youth support services",
        "lawful_basis": "6_1_e",
        "statutes": ["ea1996_s507b"],
        "categories": ["identity", "contact"],
        "legal_statuses": ["CLA"],
        "min_age": 13,
        "max_age": 19,
        "scope": "all",
        "mode": "identifiable",
        "retention_months": 24,
        "dpia_reference": "DPIA-1",
        "valid_from": datetime.date(2025, 4, 1),
        "valid_to": datetime.date(2026, 3, 31),
        "review_date": datetime.date(2026, 1, 31),
    }


def _rejected_run(user) -> ImportRun:
    """A run of the user's that rejected its file and keeps it, so it can be imported again."""
    run = import_create(
        actor=user,
        kind=ImportKind.CIN,
        file=io.BytesIO(b"<Message/>"),
        file_name="census.xml",
        enqueue=False,
    )
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.REJECTED, finished_at=timezone.now()
    )
    return ImportRun.objects.get(pk=run.pk)


def _cookie_copy(client: Client) -> SimpleCookie:
    copy = SimpleCookie()
    for name, morsel in client.cookies.items():
        copy[name] = morsel.value
    return copy


def _values(layer, school) -> dict[str, Any]:
    """INPUTS values with each reference made into its row."""
    resolved = {}
    for name, value in layer.items():
        if value is SCHOOL:
            value = school
        elif value is NEW_SCHOOL:
            value = SchoolFactory()
        resolved[name] = value
    return resolved


# --- Addresses ------------------------------------------------------------------------------


def _url(world: World, row: Row, relation: str) -> str:
    """The address of `row`'s route for the relation: the URL kwargs each route takes."""
    name, variant = row.name, row.variant
    if row.kind == "-":
        return reverse(name, kwargs=_plain_kwargs(name, variant))
    if row.kind == "run":
        pk = uuid.UUID(int=2) if relation == "missing" else world.runs[relation].pk
        return reverse(name, kwargs={"pk": pk})
    if row.kind == "person":
        pk = MISSING_PERSON if relation == "missing" else world.target.pk
        return reverse(name, kwargs={"pk": pk})
    if row.kind == "pupil":
        pk = uuid.UUID(int=1) if relation == "missing" else world.pupils[relation].pk
        return reverse(name, kwargs={"pk": pk})
    if row.kind == "token":
        token = MISSING_PERSON if relation == "missing" else world.token.pk
        return reverse(name, kwargs={"pk": world.agreement.pk, "token": token})
    if row.kind == "extract":
        pk = uuid.UUID(int=4) if relation == "missing" else world.extract.pk
        return reverse(name, kwargs={"pk": pk})
    if row.kind in ("organisation", "agreement", "certificate"):
        pk = MISSING_PERSON if relation == "missing" else getattr(world, row.kind).pk
        return reverse(name, kwargs={"pk": pk})
    return _child_url(world, name, variant, relation)


def _plain_kwargs(name: str, variant: str | None) -> dict[str, str] | None:
    """The kwargs of a route about no object: a kind's import template or format is named by
    its variant (issue 16)."""
    if name == "set-password":
        return {"uidb64": "MQ", "token": "no-such-token"}
    if name == "records:import-template":
        return {"template": variant}
    if name == "records:import-format":
        return {"kind": variant}
    return None


def _child_url(world: World, name: str, variant: str | None, relation: str) -> str:
    pk = world.child_pk(relation)
    if name == "records:tab":
        return reverse(name, kwargs={"pk": pk, "tab": variant})
    if name in ("records:pep-plan", "api:pep-plan-item"):
        plan = world.plans["own" if relation == "missing" else relation]
        return reverse(name, kwargs={"pk": pk, "plan": plan.pk})
    if name in ("records:section-add", "records:section-edit", "records:section-remove"):
        tab, section = variant.split("/")
        kwargs = {"pk": pk, "tab": tab, "section": section}
        if name in ("records:section-edit", "records:section-remove"):
            kwargs["item"] = world.row_of(variant, relation).pk
        return reverse(name, kwargs=kwargs)
    if name == "records:allocation-end":
        allocation = world.allocations["own" if relation == "missing" else relation]
        return reverse(name, kwargs={"pk": pk, "allocation_id": allocation.pk})
    if name == "restrictions:remove":
        restriction = world.restrictions["own" if relation == "missing" else relation]
        return reverse(name, kwargs={"pk": pk, "restriction_id": restriction.pk})
    if name == "api:no-such-route":
        return reverse(name, kwargs={"pk": pk, "rest": "no-such-tab/"})
    if name in API_SECTIONS:
        section_key, end = API_SECTIONS[name]
        kwargs = {"pk": pk}
        if end == "item":
            kwargs["item"] = world.row_of(section_key, relation).pk
        return reverse(name, kwargs=kwargs)
    return reverse(name, kwargs={"pk": pk})


# --- Valid bodies ---------------------------------------------------------------------------
# Each takes the world and the relation and returns (data, content type or None for a form).
# A body may prepare the state its write needs (it runs inside the request's savepoint).


def _date(name: str, day: datetime.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def _child_of(world: World, relation: str):
    return world.children["own" if relation == "missing" else relation]


def _child_edit(world: World, relation: str):
    child = Child.objects.get(pk=_child_of(world, relation).pk)
    data = {
        "first_name": "Changed",
        "last_name": child.last_name,
        "gender": child.gender,
        "upn": child.upn or "",
        "address_line_1": child.address_line_1 or "",
        "address_line_2": child.address_line_2 or "",
        "town": child.town or "",
        "postcode": child.postcode or "",
        "expected_version": str(child.version),
        **_date("date_of_birth", child.date_of_birth),
    }
    return data, None


def _section_add(key: str, *, api: bool):
    def body(world: World, relation: str):
        tab, section = SECTIONS[key]
        inputs = INPUTS[key]
        if section.single:
            # One row per child: the add is a success only for a child without one yet.
            section.model.objects.filter(child=_child_of(world, relation)).delete()
            layer = inputs.valid
        else:
            layer = inputs.more(0)
        values = _values(layer, world.school)
        if api:
            return _json_body(values), "application/json"
        return _page_data(values), None

    return body


def _section_edit(key: str, *, api: bool):
    def body(world: World, relation: str):
        inputs = INPUTS[key]
        row = world.row_of(key, relation)
        values = _values({**inputs.valid, **inputs.changed}, world.school)
        if api:
            return {**_json_body(values), "version": row.version}, "application/json"
        return {**_page_data(values), "expected_version": str(row.version)}, None

    return body


def _upload(kind: str):
    def body(world: World, relation: str):
        upload = SimpleUploadedFile("file.csv", b"urn,name\n100001,A School\n", "text/csv")
        return {"kind": kind, "file": upload}, None

    return body


def _reactivate(world: World, relation: str):
    staff_services.staff_deactivate(actor=world.users["admin"], user=world.target)
    return {}, None


def _unlock(world: World, relation: str):
    bad = Client()
    for _ in range(6):
        bad.post(reverse("sign-in"), {"username": world.target.username, "password": "wrong"})
    return {}, None


def _organisation_form(world: World, relation: str, **changes: str):
    organisation = world.organisation
    data = {name: getattr(organisation, name) for name in sharing_services.ORGANISATION_FIELDS}
    return {**data, **changes}, None


def _agreement_form(world: World, relation: str, **changes: Any):
    values = _agreement_values(world.organisation)
    data: dict[str, Any] = {
        name: value
        for name, value in values.items()
        if not isinstance(value, datetime.date) and name != "organisation"
    }
    data["organisation"] = str(world.organisation.pk)
    for name in ("valid_from", "valid_to", "review_date"):
        data.update(_date(name, values[name]))
    return {**data, **changes}, None


def _suspend(world: World, relation: str):
    sharing_services.agreement_approve(actor=world.users["admin"], agreement=world.agreement)
    return {"reason": "A breach was reported"}, None


def _extract(world: World, relation: str):
    sharing_services.agreement_approve(actor=world.users["admin"], agreement=world.agreement)
    return {"format": "csv"}, None


NO_BODY: Callable[[World, str], tuple[dict, None]] = lambda world, relation: ({}, None)  # noqa: E731


def _pep_start(world: World, relation: str):
    """Starting the next plan needs the last one complete: the world's is removed first."""
    Pep.objects.filter(child=_child_of(world, relation)).delete()
    return {}, None


def _pep_section(world: World, relation: str):
    plan = Pep.objects.get(pk=world.plans["own" if relation == "missing" else relation].pk)
    return {
        "form": "section-education",
        "expected_version": str(plan.version),
        "section-education-edu_needs": "Phonics",
    }, None


def _portal_pep_section(world: World, relation: str):
    plan = Pep.objects.get(child=world.pupils["roll" if relation == "missing" else relation])
    return {
        "form": "section-education",
        "expected_version": str(plan.version),
        "section-education-edu_needs": "Phonics",
    }, None


def _ppplus_decide(world: World, relation: str):
    """A PP+ request the own child's caseworker made at the world's plan, refused with a
    reason (whoever decides must not be who asked: the caseworker asks, so a manager may)."""
    caseworker = world.users["caseworker"]
    plan = Pep.objects.get(pk=world.plans["own"].pk)
    target = pep_services.pep_target_add(
        actor=caseworker,
        plan=plan,
        target="Read daily",
        owner="Class teacher",
        due_by=TODAY.date() + datetime.timedelta(days=60),
    )
    request = ppplus_services.ppplus_request_make(
        actor=caseworker, plan=plan, amount=Decimal("100"), target_ids=[target.pk]
    )
    return {
        "form": "decide",
        "decide-request": str(request.pk),
        "decide-expected_version": str(request.version),
        "decide-decision": "refuse",
        "decide-refused_reason": "Not tied to the plan's needs",
    }, None


BODIES: dict[tuple[str, str], Callable[[World, str], tuple[dict, str | None]]] = {
    ("sign-in", "POST"): lambda w, r: ({"username": w.signin.username, "password": PASSWORD}, None),
    ("sign-in-code", "POST"): lambda w, r: ({"code": "12345678"}, None),
    ("sign-in-set-up", "POST"): lambda w, r: ({"code": "123456"}, None),
    ("sign-out", "POST"): NO_BODY,
    ("records:caseload", "POST"): lambda w, r: ({"q": "Smith"}, None),
    ("records:child-add", "POST"): lambda w, r: (
        {
            "first_name": "Freya",
            "last_name": "Whitlock",
            "gender": "F",
            "upn": "B801200005001",
            **_date("date_of_birth", datetime.date(2013, 9, 14)),
        },
        None,
    ),
    ("records:child-edit", "POST"): _child_edit,
    ("records:episode-add", "POST"): lambda w, r: (
        {"cohort": "CIN", **_date("start_date", datetime.date(2024, 4, 1))},
        None,
    ),
    ("records:allocation-add", "POST"): lambda w, r: ({"caseworker": w.target.pk}, None),
    ("records:allocation-end", "POST"): NO_BODY,
    ("records:attendance-record", "POST"): lambda w, r: (
        {
            **_date("date_from", datetime.date(2024, 1, 10)),
            **_date("date_to", datetime.date(2024, 1, 15)),
            "session": "AM",
            "code": "M",
            "school": str(w.school.pk),
        },
        None,
    ),
    ("records:import-new[schools]", "POST"): _upload(ImportKind.SCHOOLS),
    ("records:import-new[cin]", "POST"): _upload(ImportKind.CIN),
    ("records:import-again", "POST"): NO_BODY,
    ("records:pep-start", "POST"): _pep_start,
    ("records:pep-plan", "POST"): _pep_section,
    **{(f"portal:pep[{variant}]", "POST"): _portal_pep_section for variant in RECIPIENT_VARIANTS},
    ("ppplus:position", "POST"): _ppplus_decide,
    ("ppplus:queue", "POST"): _ppplus_decide,
    ("staff:add", "POST"): lambda w, r: (
        {"username": "mx_new", "first_name": "New", "last_name": "Person", "role": "Caseworker"},
        None,
    ),
    ("staff:role", "POST"): lambda w, r: ({"role": "Caseworker", "sensitive": "on"}, None),
    ("staff:deactivate", "POST"): NO_BODY,
    ("staff:reactivate", "POST"): _reactivate,
    ("staff:reset-password", "POST"): NO_BODY,
    ("staff:reset-two-factor", "POST"): NO_BODY,
    ("staff:unlock", "POST"): _unlock,
    ("sharing:organisation-add", "POST"): lambda w, r: _organisation_form(
        w, r, name="Matrix Council", type="council", identifier="331"
    ),
    ("sharing:organisation-edit", "POST"): lambda w, r: _organisation_form(
        w, r, contact_name="Bo Lake"
    ),
    ("sharing:member-add", "POST"): lambda w, r: (
        {"username": "mx_recipient", "first_name": "Rae", "last_name": "Cole"},
        None,
    ),
    ("sharing:agreement-add", "POST"): lambda w, r: _agreement_form(w, r, name="Another"),
    ("sharing:agreement-edit", "POST"): lambda w, r: _agreement_form(w, r, name="Renamed"),
    ("sharing:agreement-approve", "POST"): NO_BODY,
    ("sharing:agreement-suspend", "POST"): _suspend,
    ("restrictions:list", "POST"): lambda w, r: (
        {
            "kind": "do_not_share",
            "recipient_type": "post_16",
            "requested_by": "child",
            "reason": "Asked at the review",
        },
        None,
    ),
    ("restrictions:remove", "POST"): lambda w, r: ({"reason": "Withdrawn"}, None),
    ("sharing:token-add", "POST"): lambda w, r: (
        {"name": "Matrix token", **_date("expires_on", datetime.date(2026, 1, 31))},
        None,
    ),
    ("sharing:token-revoke", "POST"): NO_BODY,
    ("sharing:agreement-extracts", "POST"): _extract,
    # Retention (issue 14): no body, so every write is refused with its errors.
    ("retention:rules", "POST"): NO_BODY,
    ("retention:queue", "POST"): NO_BODY,
    ("retention:holds", "POST"): NO_BODY,
    ("retention:hold-lift", "POST"): NO_BODY,
    ("retention:lists", "POST"): NO_BODY,
    # The export itself: a POST from the confirm page, with no fields.
    ("subject_access:download", "POST"): NO_BODY,
    ("set-password[bad-token]", "POST"): lambda w, r: (
        {"new_password1": "a long new passphrase 42", "new_password2": "a long new passphrase 42"},
        None,
    ),
}
for _method in ("POST", "PUT", "PATCH", "DELETE"):
    BODIES[("api:no-such-route", _method)] = lambda w, r: ({}, "application/json")
for _key in SECTIONS:
    BODIES[(f"records:section-add[{_key}]", "POST")] = _section_add(_key, api=False)
    BODIES[(f"records:section-edit[{_key}]", "POST")] = _section_edit(_key, api=False)
    BODIES[(f"records:section-remove[{_key}]", "POST")] = lambda w, r: (
        {"reason": "Recorded against the wrong child"},
        None,
    )
    _tab, _section = SECTIONS[_key]
    BODIES[(f"api:{_tab.slug}-{_section.slug}-list", "POST")] = _section_add(_key, api=True)
    BODIES[(f"api:{_tab.slug}-{_section.slug}-item", "PUT")] = _section_edit(_key, api=True)


# --- What a refused write must leave as it was ----------------------------------------------


def _state(world: World, row: Row, relation: str) -> tuple:
    """What the write could change, read from the database: for a child's page, the child's
    row and its rows of the section (of every section, for a page of the whole record)."""
    if row.kind == "child":
        child = _child_of(world, relation)
        if row.variant in SECTIONS:
            sections = [SECTIONS[row.variant][1]]
        elif row.name in API_SECTIONS:
            sections = [SECTIONS[API_SECTIONS[row.name][0]][1]]
        else:
            sections = [section for _tab, section in SECTIONS.values()]
        parts: list[Any] = [
            Child.objects.filter(pk=child.pk).values().get(),
            sorted(SharingRestriction.objects.filter(child=child).values_list("pk", "kind")),
        ]
        # The child's audit history: a subject-access export writes an entry in it.
        parts.append(LogEntry.objects.filter(additional_data__child_id=str(child.pk)).count())
        parts.append(sorted(Pep.objects.filter(child=child).values_list("pk", "version")))
        parts += [
            sorted(section.model.objects.filter(child=child).values_list("pk", "version"))
            for section in sections
        ]
        if len(sections) > 1:
            parts += [
                sorted(Allocation.objects.filter(child=child).values_list("pk", "end_date")),
                LegalStatusEpisode.objects.filter(child=child).count(),
                AttendanceSession.objects.filter(child=child).count(),
            ]
        return tuple(parts)
    users = get_user_model().objects
    return (
        Child.objects.count(),
        ImportRun.objects.count(),
        users.count(),
        sorted(users.values_list("pk", "is_active", "password")),
        sorted(users.values_list("pk", "groups", "user_permissions")),
        StaffChange.objects.count(),
        TOTPDevice.objects.count(),
        sorted(RecipientOrganisation.objects.values_list("pk", "name", "contact_name")),
        sorted(SharingAgreement.objects.values_list("pk", "name", "state")),
        RecipientMembership.objects.count(),
        SharingChange.objects.count(),
        sorted(AgreementToken.objects.values_list("pk", "revoked_at")),
        ExtractFile.objects.count(),
        # The portal's PEP page writes a pupil's plan.
        sorted(Pep.objects.values_list("pk", "version")),
    )


# --- The check ------------------------------------------------------------------------------


def _matches(letter: str, response) -> bool:
    if response.status_code != LETTERS[letter]:
        return False
    if letter in ("R", "S"):
        to_sign_in = response["Location"].split("?")[0] == reverse("sign-in")
        return to_sign_in == (letter == "S")
    if letter == "E":
        return b"govuk-error-summary" in response.content
    return True


def _got(response) -> str:
    got = str(response.status_code)
    if response.status_code == 302:
        got += f" to {response['Location']}"
    return got


def _request(world: World, row: Row, role: str, relation: str, letter: str):
    """One request, in a savepoint rolled back after it: (response, whether the write changed
    what is stored; None when not checked). Checked for every refused write, and for every
    allowed write to an object: a child, a run, a person (its success must have stored
    something)."""
    with transaction.atomic():
        url = _url(world, row, relation)
        data, content_type = {}, None
        if row.method in WRITES:
            body = BODIES.get((row.key, row.method))
            if body is None:
                pytest.fail(
                    f"{row.key} {row.method} has no valid body: add one to BODIES in "
                    f"{__name__.replace('.', '/')}.py"
                )
            data, content_type = body(world, relation)
        checked = row.method in WRITES and (letter not in SUCCESS or row.kind != "-")
        before = _state(world, row, relation) if checked else None
        client = world.client(role)
        method = getattr(client, row.method.lower())
        if content_type:
            response = method(url, data, content_type=content_type)
        else:
            response = method(url, data)
        changed = None
        if before is not None:
            changed = _state(world, row, relation) != before
        transaction.set_rollback(True)
    return response, changed


def _check(world: World, row: Row, role: str, relation: str, letter: str) -> list[tuple]:
    """One request checked against its letter: its mismatch, if any."""
    response, changed = _request(world, row, role, relation, letter)
    wrong, note = not _matches(letter, response), ""
    if changed and letter not in SUCCESS:
        wrong, note = True, "refused, but stored data changed"
    elif changed is False and letter in SUCCESS:
        wrong, note = True, "a success, but nothing was stored"
    if not wrong:
        return []
    return [(row.method, role, relation, f"{letter} ({LETTERS[letter]})", _got(response), note)]


@pytest.mark.parametrize("key", list(BY_KEY), ids=list(BY_KEY))
def test_every_role_method_and_relation_gets_what_the_table_says(key, world):
    mismatches = []
    for row in BY_KEY[key]:
        for (column, relation), letter in row.expected.items():
            for role in _as_people(column, row):
                mismatches += _check(world, row, role, relation, letter)
    if mismatches:
        header = ("method", "role", "relation", "expected", "got", "")
        widths = [max(len(str(line[i])) for line in [header, *mismatches]) for i in range(6)]
        table = "\n".join(
            "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
            for line in [header, *mismatches]
        )
        pytest.fail(f"{key}: {len(mismatches)} combinations differ from {TABLE_FILE}\n{table}")


# --- Every route is declared, and nothing declared is gone ----------------------------------


def _resolver_routes(resolver=None, prefix="") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            names |= _resolver_routes(pattern, prefix + namespace)
        elif isinstance(pattern, URLPattern):
            names.add(prefix + (pattern.name or f"<unnamed {pattern.pattern}>"))
    return names


def _schema_operations() -> set[tuple[str, str]]:
    """(route name, METHOD) of every operation in the OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = set()
    for path, methods in schema["paths"].items():
        sample = re.sub(r"\{id\}", str(uuid.UUID(int=3)), path)
        sample = re.sub(r"\{[^}]+\}", "1", sample)
        name = resolve(sample).view_name
        operations |= {(name, method.upper()) for method in methods if not method.startswith("x-")}
    return operations


def _variants_required() -> set[str]:
    """Variants a pattern needs one line each for: every tab and section of the record."""
    return (
        {f"records:tab[{tab.slug}]" for tab in TABS}
        | {
            f"records:{page}[{key}]"
            for key in SECTIONS
            for page in ("section-add", "section-edit", "section-remove")
        }
        | {f"{name}[{variant}]" for name in PORTAL_ROUTES for variant in RECIPIENT_VARIANTS}
    )


def _how_to_add(name: str, method: str = "GET") -> str:
    return (
        f"  {name} {method}: add a line to TABLE in {TABLE_FILE}, for example\n"
        f"    {name}  -      {method}  S    O   O   O   O   O   N  (a page with no object), or\n"
        f"    {name}  child  {method}  SSS  ONN ONN NNN OON NNN NNN  (a page of a child's record)\n"
        "  then a column per role (anonymous caseworker sensitive former manager admin "
        "recipient) with a "
        "letter per relation from the legend at the top of that file; a write also needs a "
        "valid body in BODIES in tests/test_access_matrix.py."
    )


def test_every_route_and_api_operation_is_in_the_table():
    declared_names = {row.name for row in ROWS}
    missing = sorted(_resolver_routes() - declared_names)
    # Every API's operations: the record's ("api:") and the recipients' ("sharing-api:").
    declared_ops = {
        (row.name, row.method) for row in ROWS if row.name.startswith(("api:", "sharing-api:"))
    }
    missing_ops = sorted(_schema_operations() - declared_ops)
    missing_variants = sorted(_variants_required() - set(BY_KEY))
    problems = [
        *(_how_to_add(name) for name in missing),
        *(_how_to_add(name, method) for name, method in missing_ops),
        *(_how_to_add(key) for key in missing_variants),
    ]
    assert not problems, "Routes the access matrix does not declare:\n" + "\n".join(problems)


def test_the_table_declares_no_route_that_is_gone():
    gone = sorted({row.name for row in ROWS} - _resolver_routes())
    assert not gone, f"{TABLE_FILE} declares routes the resolver no longer has: {gone}"
    tabs = {tab.slug for tab in TABS} | {"no-such-tab"}
    gone_variants = sorted(
        row.key
        for row in ROWS
        if (row.name == "records:tab" and row.variant not in tabs)
        or (row.name.startswith("records:section-") and row.variant not in SECTIONS)
    )
    assert not gone_variants, f"{TABLE_FILE} declares tabs or sections gone: {gone_variants}"
    api_ops = _schema_operations()
    in_schema = {name for name, _method in api_ops}
    gone_ops = sorted(
        (row.name, row.method)
        for row in ROWS
        if row.name in in_schema and (row.name, row.method) not in api_ops
    )
    assert not gone_ops, f"{TABLE_FILE} declares API operations the schema lacks: {gone_ops}"


# --- Methods a route does not accept --------------------------------------------------------


BY_NAME: dict[str, list[Row]] = {}
for _row in ROWS:
    BY_NAME.setdefault(_row.name, []).append(_row)


@pytest.mark.parametrize("name", list(BY_NAME), ids=list(BY_NAME))
def test_methods_the_table_does_not_declare_are_refused(name, world):
    """Every method a route accepts is in the table: the others answer 405 to a manager
    (who may reach the most) on the own child."""
    rows = BY_NAME[name]
    declared = {row.method for row in rows}
    methods = {"GET", "POST"} | ({"PUT", "PATCH", "DELETE"} if name.startswith("api:") else set())
    row = rows[0]
    relation = RELATIONS[row.kind][0]
    got = {}
    for method in sorted(methods - declared):
        probe = Row(key=row.key, kind=row.kind, method=method, expected={})
        with transaction.atomic():
            client = getattr(world.client("manager"), method.lower())
            got[method] = client(_url(world, probe, relation)).status_code
            transaction.set_rollback(True)
    assert got == dict.fromkeys(got, 405), (
        f"{name} answers methods {TABLE_FILE} does not declare: {got}. Declare them, with "
        "what each role gets, or refuse them in the view."
    )


# --- The set-password link, with a real token -----------------------------------------------


def test_set_password_with_a_real_token(world):
    """The link an Admin's reset gives works once, for someone not signed in."""
    with transaction.atomic():
        path = staff_services.staff_password_reset(actor=world.users["admin"], user=world.target)
        client = Client()
        page = client.get(path)
        assert page.status_code == 302  # the token moves into the session
        form_url = page["Location"]
        assert client.get(form_url).status_code == 200
        new = "a brand new long passphrase 42"
        done = client.post(form_url, {"new_password1": new, "new_password2": new})
        assert (done.status_code, done["Location"]) == (302, reverse("set-password-done"))
        world.target.refresh_from_db()
        assert world.target.check_password(new)
        again = Client().get(path)
        assert again.status_code == 200  # a used link says it does not work
        assert b"new_password1" not in again.content
        transaction.set_rollback(True)
