"""Reads of imports: which runs a user may see."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from records.models import Child, ImportRun
from records.permissions import (
    UserLike,
    can_import,
    can_see_all_imports,
    can_view_all_children,
)
from records.selectors.children import children_visible_to


def import_runs_visible_to(*, user: UserLike) -> QuerySet[ImportRun]:
    """The runs a user may see, newest first, with who ran them in the same query."""
    if not can_import(user):
        return ImportRun.objects.none()
    runs = ImportRun.objects.select_related("created_by").order_by("-created_at", "-pk")
    if not can_see_all_imports(user):
        runs = runs.filter(created_by=user)
    return runs


def import_run_get_for_user(*, user: UserLike, pk: uuid.UUID) -> ImportRun:
    """One run, or 404 both when it does not exist and when the user may not see it."""
    run = import_runs_visible_to(user=user).filter(pk=pk).first()
    if run is None:
        raise Http404("No import here")
    return run


def import_reach(*, user: UserLike | None) -> QuerySet[Child] | None:
    """The children an import run by `user` may match (issue 11, "imports stay within the
    importer's reach"): the children they may see, as a queryset the identifier selectors put
    inside their SQL; None, the whole record, for someone who sees every child (a manager)
    and for the operator's management command (no user)."""
    if user is None or can_view_all_children(user):
        return None
    return children_visible_to(user)
