"""The one way a page, an API endpoint or another app reaches a child: checked, and logged
whether allowed or refused. It lives outside records.views so that reaching it imports no page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest

from records import selectors, services
from records.models import Child


def child_for_request(
    request: HttpRequest,
    pk: uuid.UUID,
    page: str,
    require: Callable[[Any, Child], bool] | None = None,
) -> Child:
    """The child if the user may see it (and passes `require`), with the view or refusal logged.

    A refusal is a 404, indistinguishable from a child that does not exist (DESIGN.md, Access).
    """
    try:
        child = selectors.child_get_for_user(user=request.user, pk=pk)
        if require is not None and not require(request.user, child):
            raise Http404("No child found")
    except Http404:
        services.access_log_record(user=request.user, child_id=pk, page=page, allowed=False)
        raise
    services.access_log_record(user=request.user, child_id=pk, page=page, allowed=True)
    return child


# The routes whose `pk` is a child's id: the record's pages and API under children/<pk>/
# (not the imports', whose pk is an import run).
_CHILD_NAMESPACES = frozenset({"records", "api", "restrictions"})


def refusal_record(request: HttpRequest, view_kwargs: dict[str, Any]) -> bool:
    """Registered with virtualschool.middleware (records/apps.py): a request refused before
    its view ran (a recipient's) goes in the child's access log when the address names a
    child; returns whether it did."""
    match = request.resolver_match
    pk = view_kwargs.get("pk")
    if (
        match is None
        or match.app_name not in _CHILD_NAMESPACES
        or (match.url_name or "").startswith("import")
        or not isinstance(pk, uuid.UUID)
    ):
        return False
    services.access_log_record(
        user=request.user, child_id=pk, page=f"recipient: {match.view_name}"[:50], allowed=False
    )
    return True
