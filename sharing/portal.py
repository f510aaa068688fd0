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
the record released, the child's own row as a summary list. A later part (the education
section of each child's PEP) adds a block of its own in `portal_child_blocks`.
"""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from records.child_blocks import ChildBlock
from records.datamap import Reach
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
    blocks = portal_child_blocks(dataset, records)
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


def portal_child_blocks(dataset: datasets.Dataset, records: list[dict]) -> list[ChildBlock]:
    """A block per table the agreement releases, in the plan's order: the child's own row
    as a summary list, any other table as a table with a column per released field."""
    related = _related_names(dataset, records)
    blocks = []
    for plan in dataset.plans:
        model = plan.entry.model
        rows = [r["values"] for r in records if r["table"] == plan.entry.table]
        labels = [_label(model, name) for name in plan.fields]
        heading = str(model._meta.verbose_name_plural).capitalize()
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
    return str(model._meta.get_field(name).verbose_name).capitalize()


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
