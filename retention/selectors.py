"""Retention's reads."""

from __future__ import annotations

from typing import Any

from django.utils.formats import date_format

from retention.models import ChildRetention, RetentionRule


def retention_rules() -> list[RetentionRule]:
    return list(RetentionRule.objects.order_by("cohort"))


def child_retention_panel(*, child: Any, user: Any) -> dict[str, Any] | None:
    """The child's page's "Retention" panel: the destruction date and the rule that set it
    (registered with records/lifecycle.py)."""
    row = ChildRetention.objects.select_related("rule").filter(child_id=child.pk).first()
    if row is None or row.rule is None:
        return {"heading": "Retention", "rows": [("Destruction date", "No retention rule applies")]}
    if row.due_date is None:
        when = "Not set while a case is open"
    else:
        when = f"On or after {date_format(row.due_date, 'j F Y')}"
    return {
        "heading": "Retention",
        "rows": [("Destruction date", when), ("Rule", str(row.rule))],
    }
