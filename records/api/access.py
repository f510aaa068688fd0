"""Access logging for API reads of children (STYLE.md 12).

A detail or section endpoint reaches its child through records.access.child_for_request,
as the pages do: one entry per view or refusal. A list discloses every child on its page, so it
logs one entry per child, written in one statement so the list's query count does not grow with
its length.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser

from records import services
from records.models import AccessLogEntry, Child

PAGE_NAME_LENGTH = AccessLogEntry._meta.get_field("page").max_length


def page_name(*parts: str) -> str:
    """An access log `page` for an API endpoint, e.g. "api-list-court-orders"."""
    return "-".join(("api", *parts))[:PAGE_NAME_LENGTH]


def access_log_record_list(
    *, user: AbstractBaseUser, children: Iterable[Child], page: str
) -> list[AccessLogEntry]:
    """Record that `user` was shown each of `children` (one page of a list)."""
    return services.access_log_record_many(
        user=user, child_ids=[child.pk for child in children], page=page
    )
