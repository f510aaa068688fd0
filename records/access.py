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
