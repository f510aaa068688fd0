"""Destroying one child: every table the data map names, deleted or redacted as it says, and
a certificate that identifies no one, in one transaction (ADR 10).

Called by retention.services alone, with the child's row already locked.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from auditlog.context import disable_auditlog
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from records.datamap import DATA_MAP, Destruction, Reach, cleared_value
from retention.models import DestructionCertificate, DestructionList


def child_reference(child_id: Any) -> str:
    """HMAC-SHA256 of the child's id with settings.RETENTION_CERTIFICATE_KEY: the same id
    always gives the same reference, and the reference gives nothing back."""
    key = settings.RETENTION_CERTIFICATE_KEY
    if not key:
        raise ImproperlyConfigured("Set RETENTION_CERTIFICATE_KEY before destroying records")
    return hmac.new(key.encode(), str(child_id).encode(), hashlib.sha256).hexdigest()


def software_version() -> str:
    try:
        return version("virtualschool")
    except PackageNotFoundError:  # pragma: no cover - always installed in this project
        return "unknown"


def destroy_rows(*, child_id: Any) -> tuple[dict[str, int], set[str]]:
    """Delete or redact every mapped row that reaches the child, the child's own row last.
    Returns the rows destroyed per table, and the categories they held. No audit entry is
    written about it (the audit entries about the child are among what goes)."""
    counts: Counter[str] = Counter()
    categories: set[str] = set()
    entries = [entry for entry in DATA_MAP if entry.reach is not Reach.NONE]
    entries.sort(key=lambda entry: entry.reach is Reach.SELF)
    with disable_auditlog():
        for entry in entries:
            rows = entry.rows_for_children([child_id])
            if entry.destruction is Destruction.DELETE and (
                entry.reach is Reach.SELF or not _referenced(entry.model)
            ):
                # Nothing points at these rows (or, for the child's own row, every table that
                # does is in the map and was emptied above: the catalogue test
                # tests/records/test_datamap_complete.py sees to it, and PostgreSQL's foreign
                # keys refuse the commit if a row were left): one DELETE, no collector.
                found = rows._raw_delete(rows.db)
                if found:
                    counts[entry.table] += found
            elif entry.destruction is Destruction.DELETE:
                _, by_model = rows.delete()
                found = sum(by_model.values())
                for label, number in by_model.items():
                    if number:
                        counts[_table(label)] += number
            else:
                found = rows.update(
                    **{
                        name: cleared_value(entry.model, name)
                        for name in entry.cleared_on_redaction
                    }
                )
                if found:
                    counts[entry.table] += found
            if found:
                categories |= {str(category) for category in entry.categories}
    return dict(counts), categories


def _referenced(model: type[models.Model]) -> bool:
    """Whether any foreign key (or one-to-one) points at the model's rows."""
    return any(
        relation.concrete or relation.related_model for relation in model._meta.related_objects
    )


def _table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def certificate_write(
    *,
    child_id: Any,
    rule: str,
    due_date: Any,
    destruction_list: DestructionList,
    counts: dict[str, int],
    categories: set[str],
) -> DestructionCertificate:
    return DestructionCertificate.objects.create(
        reference=child_reference(child_id),
        rule=rule,
        due_date=due_date,
        categories=sorted(categories),
        row_counts=dict(sorted(counts.items())),
        destruction_list=destruction_list,
        proposed_by_id=destruction_list.proposed_by_id,
        approved_by_id=destruction_list.approved_by_id,
        software_version=software_version(),
    )
