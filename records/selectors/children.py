"""Reads of the child record. Every query a page or API needs is written here once.

Visibility is applied in SQL (never by filtering rows in Python), and lists load what they
show in a fixed number of queries, however many children or episodes there are.
"""

from __future__ import annotations

import re
import uuid

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.http import Http404
from django.utils import timezone

from records.models import (
    Allocation,
    BatchEvent,
    Child,
    ChildGroupObjectPermission,
    ChildUserObjectPermission,
    Enrolment,
    LegalStatusEpisode,
)
from records.permissions import UserLike, can_view_all_children
from records.selectors.schools import school_history
from records.spans import open_q
from records.upn import normalise_upn
from virtualschool.roles import Perm, Role

User = get_user_model()

_UPN_LIKE = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")


def children_visible_to(user: UserLike) -> QuerySet[Child]:
    """Every child the user may see: all for managers, else those granted per child.

    A grant is an object permission `view_child` held by the user or one of their groups
    (allocations grant it; see services.allocation_create).
    """
    if not user.is_authenticated or not user.is_active:
        return Child.objects.none()
    if can_view_all_children(user):
        return Child.objects.all()
    user_grant = ChildUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=Perm.VIEW_CHILD.value
    )
    group_grant = ChildGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        group__user=user,
        permission__codename=Perm.VIEW_CHILD.value,
    )
    return Child.objects.filter(Exists(user_grant) | Exists(group_grant))


def child_list_visible_to(*, user: UserLike, search: str = "") -> QuerySet[Child]:
    """The caseload list: visible children, searched by name or UPN, with what the list shows.

    Each child carries `current_school` (name of the school whose roll they are on today) and
    `current_episodes` (open legal status episodes, for the status tags), loaded in one
    annotated query plus one prefetch, whatever the caseload's size.
    """
    today = timezone.localdate()
    children = children_visible_to(user)
    children = _search(children, search)
    current_school = Enrolment.objects.filter(open_q(today), child=OuterRef("pk")).order_by(
        "-start_date"
    )
    return children.annotate(
        current_school=Subquery(current_school.values("school__name")[:1])
    ).prefetch_related(
        Prefetch(
            "episodes",
            queryset=LegalStatusEpisode.objects.filter(open_q(today)).order_by("cohort"),
            to_attr="current_episodes",
        )
    )


def _search(children: QuerySet[Child], search: str) -> QuerySet[Child]:
    """Exact UPN when the text is UPN-shaped; otherwise every word must start a name."""
    text = search.strip()
    if not text:
        return children
    upn = normalise_upn(text)
    if _UPN_LIKE.match(upn):
        return children.filter(upn=upn)
    for word in text.split():
        children = children.filter(Q(first_name__istartswith=word) | Q(last_name__istartswith=word))
    return children


def child_get_for_user(*, user: UserLike, pk: uuid.UUID) -> Child:
    """The child, if the user may see it. Missing and forbidden both raise Http404."""
    child = children_visible_to(user).filter(pk=pk).first()
    if child is None:
        raise Http404("No child found")
    return child


def child_summary(*, child: Child) -> dict[str, object]:
    """What the child summary page shows, in a fixed number of queries."""
    today = timezone.localdate()
    episodes = list(child.episodes.all())
    return {
        "episodes": episodes,
        "current_episodes": [episode for episode in episodes if episode.is_open_on(today)],
        "schools": school_history(child=child, on=today),
        "allocations": list(child.allocations.select_related("caseworker")),
        "age": child.age_on(today),
    }


def child_history(*, child: Child) -> QuerySet[LogEntry]:
    """Every audit entry about the child or its rows, newest first.

    Entries are found through `additional_data.child_id`, indexed by migration records/0002.
    """
    return (
        LogEntry.objects.alias(child_id=KT("additional_data__child_id"))
        .filter(child_id=str(child.pk))
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


def child_batch_events(*, child: Child, limit: int = 50) -> list[BatchEvent]:
    """The bulk writes to the child's record (attendance), newest first: the part of the
    child's history that django-auditlog cannot see, recorded by the services as BatchEvents."""
    return list(
        BatchEvent.objects.filter(child_id=child.pk)
        .select_related("actor")
        .order_by("-occurred_at", "-pk")[:limit]
    )


def caseworkers_for_allocation(*, child: Child) -> QuerySet:
    """Active caseworkers who do not already hold an open allocation for the child."""
    open_allocation = Allocation.objects.filter(
        child=child, caseworker=OuterRef("pk"), end_date__isnull=True
    )
    return (
        User.objects.filter(is_active=True, groups__name=Role.CASEWORKER.value)
        .exclude(Exists(open_allocation))
        .order_by("first_name", "last_name", "username")
    )
