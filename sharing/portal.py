"""Reads for the designated teachers' portal (/portal/, issue 13): what a school's agreement
releases, in the browser, read-only.

A designated teacher is a recipient user of an organisation of the school type. Their
portal is under the school's agreement that is active today (Europe/London,
`sharing.selectors.agreements_active`) and identifiable: a pseudonymised or statistics-only
agreement has no child to show by name. Which children: the agreement's cohort
(`sharing.cohort`, the one place the roll and the other rules are written), read through
`sharing.datasets.dataset_for_release`, the one gate of every release. Which fields: the
dataset's plan (`sharing.datasets.plan`, from the data map); the child's page shows exactly
the records the dataset would send for that child (`sharing.datasets.encode`), so the portal
can release nothing the API would not.

The child's page is a list of blocks (`records.child_blocks.ChildBlock`): one per table of
the record released, the child's own row as a summary list; the personal education plans'
tables (area `pep`) are one block instead, linking to the current plan's page.

The PEP page (issue 15) is the current plan of a child in the portal's cohort, when the
agreement releases education plans: the designated teacher writes their sections (pupil
voice, education, targets) and submits it through records.services.pep, which accepts them
as the owner through `designated_teacher_of`, registered from sharing's ready(). The care
section's confidential fields (social care) are shown only when the agreement releases that
category too: which fields are shown is the dataset's plan, from the data map.
"""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from records.categories import DataCategory
from records.child_blocks import ChildBlock
from records.datamap import Area, Reach
from records.models import Child, Pep, PepTarget
from records.models.pep import PEP_SECTIONS, Owner, PepSection, PepStatus
from records.selectors.pep import PlanPage, pep_plan_page
from sharing import datasets
from sharing.models import Mode, RecipientOrganisation, RecipientType, SharingAgreement
from sharing.selectors import agreements_active, recipient_organisation_of
from sharing.services import today

# What the list shows of each child, of the fields the agreement releases from the child's
# own row (none if it releases none of them: the list then shows the child's reference).
LIST_FIELDS = ("first_name", "last_name", "date_of_birth")
DATE_SHOWN = "%-d %B %Y"


@dataclass(frozen=True)
class Portal:
    """A designated teacher's portal today: their school, and its active agreement (None:
    the page says there is none, and shows no child)."""

    organisation: RecipientOrganisation
    agreement: SharingAgreement | None
    on: datetime.date


@dataclass
class Listed:
    pk: uuid.UUID
    name: str
    date_of_birth: str


@dataclass
class PortalList:
    children: list[Listed]
    # The released fields the list shows, as the disclosure log names them (table.field).
    fields: list[str]
    shows_name: bool
    shows_date_of_birth: bool


@dataclass
class PortalChild:
    pk: uuid.UUID
    name: str
    blocks: list[ChildBlock]
    fields: list[str]
    rows: int
    child_ids: set[Any] = field(default_factory=set)


def portal_for(user: Any) -> Portal | None:
    """The user's portal, or None when they are not a designated teacher (not a recipient
    user of a school): their portal pages are then a 404, as for anything absent."""
    organisation = recipient_organisation_of(user)
    if organisation is None or organisation.type != RecipientType.SCHOOL:
        return None
    on = today()
    agreement = (
        agreements_active(on=on)
        .filter(organisation=organisation, mode=Mode.IDENTIFIABLE)
        .select_related("organisation")
        .order_by("-valid_from", "-pk")
        .first()
    )
    return Portal(organisation=organisation, agreement=agreement, on=on)


def _own_row_plan(dataset: datasets.Dataset) -> datasets.TablePlan | None:
    return next((plan for plan in dataset.plans if plan.entry.reach is Reach.SELF), None)


def _release(portal: Portal) -> datasets.Dataset:
    if portal.agreement is None:
        raise datasets.NotReleasedError("No active agreement")
    return datasets.dataset_for_release(agreement=portal.agreement, on=portal.on)


def portal_children(portal: Portal) -> PortalList:
    """The children the school's agreement covers today, by name: one query for the list
    (after the agreement's check), whatever their number."""
    dataset = _release(portal)
    own = _own_row_plan(dataset)
    shown = [name for name in LIST_FIELDS if own is not None and name in own.fields]
    children: QuerySet = dataset.children.order_by("last_name", "first_name", "pk")
    listed = []
    for row in children.values("pk", *shown):
        name = " ".join(row[part] for part in ("first_name", "last_name") if part in row)
        born = row.get("date_of_birth")
        listed.append(
            Listed(
                pk=row["pk"],
                name=name or f"Child {str(row['pk'])[:8]}",
                date_of_birth=born.strftime(DATE_SHOWN) if born else "",
            )
        )
    table = own.entry.table if own is not None else ""
    return PortalList(
        children=listed,
        fields=[f"{table}.{name}" for name in shown],
        shows_name="first_name" in shown or "last_name" in shown,
        shows_date_of_birth="date_of_birth" in shown,
    )


def portal_child(portal: Portal, pk: uuid.UUID) -> PortalChild | None:
    """What the school's agreement releases about one child today, or None when the child is
    not in its cohort today (not on the roll, left it, not of a legal status it covers,
    restricted): a 404. One query per table released, whatever the child's rows."""
    if portal.agreement is None:
        return None
    dataset = _release(portal)
    if not dataset.children.filter(pk=pk).exists():
        return None
    dataset.children = dataset.children.filter(pk=pk)
    lines = b"".join(datasets.encode(dataset, "jsonl")).decode().splitlines()
    records = [json.loads(line) for line in lines[1:]]
    blocks = portal_child_blocks(dataset, records, pk)
    own = next((r["values"] for r in records if r["table"] == _own_table(dataset)), {})
    name = " ".join(str(own[part]) for part in ("first_name", "last_name") if own.get(part))
    return PortalChild(
        pk=pk,
        name=name or f"Child {str(pk)[:8]}",
        blocks=blocks,
        fields=dataset.fields,
        rows=len(records),
        child_ids={pk},
    )


def _own_table(dataset: datasets.Dataset) -> str:
    own = _own_row_plan(dataset)
    return own.entry.table if own is not None else ""


def portal_child_blocks(
    dataset: datasets.Dataset, records: list[dict], pk: Any = None
) -> list[ChildBlock]:
    """A block per table the agreement releases, in the plan's order: the child's own row
    as a summary list, any other table as a table with a column per released field."""
    related = _related_names(dataset, records)
    blocks = []
    pep_shown = False
    for plan in dataset.plans:
        model = plan.entry.model
        if plan.entry.area == Area.PEP:
            if not pep_shown:
                blocks.append(_pep_block(dataset, records, pk))
                pep_shown = True
            continue
        rows = [r["values"] for r in records if r["table"] == plan.entry.table]
        labels = [_label(model, name) for name in plan.fields]
        heading = capfirst(str(model._meta.verbose_name_plural))
        if plan.entry.reach is Reach.SELF:
            values = rows[0] if rows else {}
            pairs = [
                (label, _shown(model, name, values.get(name), related))
                for label, name in zip(labels, plan.fields, strict=True)
            ]
            blocks.append(
                ChildBlock(
                    heading="Details",
                    headers=(),
                    rows=pairs if rows else [],
                    empty="Nothing recorded.",
                    block_id=f"released-{plan.entry.table}",
                )
            )
            continue
        blocks.append(
            ChildBlock(
                heading=heading,
                headers=labels,
                rows=[
                    [_shown(model, name, values.get(name), related) for name in plan.fields]
                    for values in rows
                ],
                empty="Nothing recorded.",
                block_id=f"released-{plan.entry.table}",
            )
        )
    return blocks


def _label(model: type[models.Model], name: str) -> str:
    return capfirst(str(model._meta.get_field(name).verbose_name))


def _related_names(dataset: datasets.Dataset, records: list[dict]) -> dict[tuple, str]:
    """What a released foreign key names (a school), one query per model referred to."""
    wanted: dict[type[models.Model], set[Any]] = {}
    tables = {plan.entry.table: plan for plan in dataset.plans}
    for record in records:
        plan = tables[record["table"]]
        for name, value in record["values"].items():
            model_field = plan.entry.model._meta.get_field(name)
            if model_field.is_relation and value is not None:
                wanted.setdefault(model_field.related_model, set()).add(value)
    names = {}
    for model, ids in wanted.items():
        for pk, row in model._default_manager.in_bulk(list(ids)).items():
            names[(model, pk)] = str(row)
    return names


def _shown(model: type[models.Model], name: str, value: Any, related: dict[tuple, str]) -> str:
    """A released value as the page shows it: a code by its label, a date in words."""
    if value is None or value == "":
        return ""
    model_field = model._meta.get_field(name)
    if model_field.is_relation:
        return related.get((model_field.related_model, value), str(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    choices = dict(model_field.flatchoices)
    if choices:
        return str(choices.get(value, value))
    if isinstance(model_field, models.DateTimeField):
        moment = timezone.localtime(datetime.datetime.fromisoformat(value))
        return moment.strftime(f"{DATE_SHOWN} %H:%M")
    if isinstance(model_field, models.DateField):
        return datetime.date.fromisoformat(value).strftime(DATE_SHOWN)
    return str(value)


# --- Personal education plans (issue 15) ----------------------------------------------------

# What the portal's PEP page shows of a plan besides its sections, in order.
PEP_DETAILS = ("status", "kind", "term", "meeting_date", "participants", "returned_reason")
# The targets' columns the page shows.
TARGET_FIELDS = ("target", "actions", "owner", "due_by", "success_measure", "pp_plus_amount")
# The designated teacher's own sections, written on the page (targets have their form).
TEACHER_SECTIONS = tuple(
    section for section in PEP_SECTIONS if section.owner == Owner.DESIGNATED_TEACHER
)


def releases_peps(agreement: SharingAgreement | None) -> bool:
    """Whether an agreement gives its school the children's personal education plans."""
    return agreement is not None and DataCategory.EDUCATION_PLANS in agreement.categories


def _pep_block(dataset: datasets.Dataset, records: list[dict], pk: Any) -> ChildBlock:
    """The plans as one block: each plan's term and status, and the link to the current
    plan's page (the targets and the history are on that page, not here)."""
    table = Pep._meta.db_table
    plans = [r["values"] for r in records if r["table"] == table]
    status = dict(Pep._meta.get_field("status").flatchoices)
    rows = [
        [
            Pep(academic_year=values["academic_year"], term=values["term"]).term_name
            if "term" in values and "academic_year" in values
            else "",
            str(status.get(values.get("status"), "")),
        ]
        for values in plans
    ]
    return ChildBlock(
        heading="Personal education plans",
        headers=("Term", "Status"),
        rows=rows,
        empty="No plan has been started yet.",
        block_id=f"released-{table}",
        links=[("Open the current plan", reverse("portal:pep", kwargs={"pk": pk}))]
        if plans
        else [],
    )


def designated_teacher_of(user: Any, child: Child) -> bool:
    """Whether the user is the child's designated teacher today: a recipient user of a school
    whose active, identifiable agreement releases education plans and covers the child today
    (the portal's cohort: on the school's roll, of a legal status it covers, not restricted).
    Registered with records.permissions.designated_teacher_check_register, so the PEP
    services accept the teacher as the owner of their sections."""
    portal = portal_for(user)
    if portal is None or not releases_peps(portal.agreement):
        return False
    try:
        dataset = _release(portal)
    except datasets.NotReleasedError:
        return False
    return dataset.children.filter(pk=child.pk).exists()


@dataclass
class PortalSection:
    section: PepSection
    # (label, field name, value) of each field of the section the agreement releases.
    values: list[tuple[str, str, Any]]
    owned: bool
    # The page's form for it, when the teacher writes it (views_portal fills it).
    form: Any = None


@dataclass
class PortalPep:
    child: Child
    name: str
    plan: Pep | None
    page: PlanPage | None
    details: list[tuple[str, str]]
    sections: list[PortalSection]
    target_fields: list[str]
    # What the page shows, as the disclosure log names it (table.field), and its rows.
    fields: list[str]
    rows: int


def portal_pep(portal: Portal | None, pk: uuid.UUID) -> PortalPep | None:
    """The current plan (the newest) of a child in the portal's cohort today, with what the
    agreement releases of it, or None (a 404) when the agreement releases no plans or the
    child is not in the cohort today. A fixed number of queries: the release's check, the
    cohort's, the child, the plan, its targets, the previous plan's, its history."""
    if portal is None or not releases_peps(portal.agreement):
        return None
    dataset = _release(portal)
    child = dataset.children.filter(pk=pk).first()
    if child is None:
        return None
    released = {plan.entry.model: set(plan.fields) for plan in dataset.plans}
    own = released.get(Child, set())
    name = " ".join(getattr(child, part) for part in ("first_name", "last_name") if part in own)
    pep_fields = released.get(Pep, set())
    plan = Pep.objects.filter(child=child).order_by("-created_at", "-id").first()
    page = pep_plan_page(plan=plan) if plan is not None else None
    details = [
        (_label(Pep, field_name), _pep_value(plan, field_name))
        for field_name in PEP_DETAILS
        if field_name in pep_fields and plan is not None
    ]
    sections = [
        PortalSection(
            section=section,
            values=[
                (_label(Pep, field_name), field_name, getattr(plan, field_name))
                for field_name in section.fields
                if field_name in pep_fields
            ],
            owned=section.owner == Owner.DESIGNATED_TEACHER,
        )
        for section in PEP_SECTIONS
        if section.slug != "targets" and plan is not None
    ]
    target_fields = [name for name in TARGET_FIELDS if name in released.get(PepTarget, set())]
    # The term is shown with its year ("Summer 2026").
    details_shown = [name for name in PEP_DETAILS if name in pep_fields]
    if "term" in details_shown:
        details_shown.insert(details_shown.index("term"), "academic_year")
    shown = details_shown + [value[1] for entry in sections for value in entry.values]
    fields = [
        f"{Child._meta.db_table}.{part}" for part in ("first_name", "last_name") if part in own
    ]
    rows = 1
    if plan is not None and page is not None:
        fields += [f"{Pep._meta.db_table}.{name}" for name in shown]
        fields += [f"{PepTarget._meta.db_table}.{name}" for name in target_fields]
        rows += 1 + len(page.targets) + len(page.to_review)
    return PortalPep(
        child=child,
        name=name or f"Child {str(pk)[:8]}",
        plan=plan,
        page=page,
        details=details,
        sections=sections,
        target_fields=target_fields,
        fields=fields,
        rows=rows,
    )


def _pep_value(plan: Pep, name: str) -> str:
    if name == "term":
        return plan.term_name
    value = getattr(plan, name)
    display = getattr(plan, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if isinstance(value, datetime.date):
        return value.strftime(DATE_SHOWN)
    return str(value or "")


# The states in which a plan waits for its designated teacher (records.services.pep.EDITABLE:
# the teacher writes it, then submits it).
WAITING = (PepStatus.NOT_STARTED, PepStatus.IN_PROGRESS, PepStatus.RETURNED)


@dataclass
class Waiting:
    pk: uuid.UUID
    name: str
    term: str
    status: str
    returned_reason: str


@dataclass
class PlansWaiting:
    plans: list[Waiting]
    fields: list[str]


def portal_plans_waiting(portal: Portal | None) -> PlansWaiting | None:
    """The plans waiting for the designated teacher (not started, in progress, returned with
    the reason), of the children of the portal's cohort today, returned ones first; None when
    the school's agreement releases no plans. One query after the release's check."""
    if portal is None or not releases_peps(portal.agreement):
        return None
    dataset = _release(portal)
    own = _own_row_plan(dataset)
    names = [name for name in ("first_name", "last_name") if own is not None and name in own.fields]
    rows = (
        Pep.objects.filter(child__in=dataset.children, status__in=WAITING)
        .order_by(
            models.Case(models.When(status=PepStatus.RETURNED, then=0), default=1),
            *(f"child__{name}" for name in names),
            "child_id",
        )
        .values(
            "child_id",
            "academic_year",
            "term",
            "status",
            "returned_reason",
            *(f"child__{name}" for name in names),
        )
    )
    status = dict(PepStatus.choices)
    plans = [
        Waiting(
            pk=row["child_id"],
            name=" ".join(row[f"child__{name}"] for name in names)
            or f"Child {str(row['child_id'])[:8]}",
            term=Pep(academic_year=row["academic_year"], term=row["term"]).term_name,
            status=str(status[row["status"]]),
            returned_reason=row["returned_reason"] if row["status"] == PepStatus.RETURNED else "",
        )
        for row in rows
    ]
    table = Pep._meta.db_table
    return PlansWaiting(
        plans=plans,
        fields=[f"{Child._meta.db_table}.{name}" for name in names]
        + [f"{table}.{name}" for name in ("academic_year", "term", "status", "returned_reason")],
    )
