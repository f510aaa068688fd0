"""Retention's reads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format

from records.child_blocks import ChildBlock
from retention.models import (
    ChildRetention,
    DestructionCertificate,
    DestructionList,
    DestructionListEntry,
    LegalHold,
    RetentionRule,
)
from retention.services import OPEN_LISTS, hold_active_q
from retention.subject_access.permissions import can_export_subject_access


def retention_rules() -> list[RetentionRule]:
    return list(RetentionRule.objects.order_by("cohort"))


def child_retention_block(child: Any, user: Any) -> ChildBlock:
    """The child's page's "Retention" block: the destruction date and the rule that set it
    (registered with records/child_blocks.py), and for an Admin or a Manager the link to the
    subject-access export. One query."""
    row = ChildRetention.objects.select_related("rule").filter(child_id=child.pk).first()
    if row is None or row.rule is None:
        rows = [("Destruction date", "No retention rule applies")]
    else:
        if row.due_date is None:
            when = "Not set while a case is open"
        else:
            when = f"On or after {date_format(row.due_date, 'j F Y')}"
        rows = [("Destruction date", when), ("Rule", str(row.rule))]
    links = []
    if can_export_subject_access(user):
        url = reverse("subject_access:warning", kwargs={"pk": child.pk})
        links.append(("Export everything held on this child (subject access request)", url))
    return ChildBlock(
        heading="Retention", headers=(), rows=rows, empty="", block_id="retention", links=links
    )


def retention_queue(*, today: date) -> dict[str, list[Any]]:
    """The retention queue: children due, due within 90 days, on a legal hold, on an open
    destruction list (each row with its child, for the Admin's page)."""
    rows = ChildRetention.objects.select_related("child", "rule").order_by("due_date", "child_id")
    soon = today + timedelta(days=90)
    return {
        "due": list(rows.filter(due_date__lte=today)),
        "soon": list(rows.filter(due_date__gt=today, due_date__lte=soon)),
        "held": list(
            LegalHold.objects.filter(hold_active_q(today))
            .select_related("child", "placed_by")
            .order_by("child_id")
        ),
        "listed": list(
            DestructionListEntry.objects.filter(destruction_list__status__in=OPEN_LISTS)
            .select_related("child", "destruction_list")
            .order_by("destruction_list_id", "child_id")
        ),
    }


def legal_holds() -> list[LegalHold]:
    return list(LegalHold.objects.select_related("child", "placed_by", "lifted_by"))


def destruction_lists() -> list[DestructionList]:
    return list(
        DestructionList.objects.select_related("proposed_by", "approved_by", "cancelled_by")
        .prefetch_related("entries__child")
        .order_by("-pk")
    )


def certificates() -> list[DestructionCertificate]:
    return list(DestructionCertificate.objects.select_related("proposed_by", "approved_by"))


def certificate_get(*, pk: int) -> DestructionCertificate | None:
    """One certificate with its proposer and approver (one query), or None."""
    return (
        DestructionCertificate.objects.select_related("proposed_by", "approved_by")
        .filter(pk=pk)
        .first()
    )
