"""Reads of the child record. Every query a page or API needs is written here once.

Visibility is applied in SQL (never by filtering rows in Python), and lists load what they
show in a fixed number of queries, however many children or episodes there are.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from types import SimpleNamespace
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.db.models import (
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone

from records.datamap import DATA_MAP, Entry, Reach
from records.models import (
    Allocation,
    BatchEvent,
    Child,
    ChildGroupObjectPermission,
    ChildUserObjectPermission,
    Enrolment,
    LegalStatusEpisode,
)
from records.permissions import UserLike, can_see_field, can_view_all_children
from records.selectors.schools import SchoolHistory, school_history
from records.spans import open_q
from records.upn import normalise_upn
from virtualschool.roles import Perm, Role

User = get_user_model()

_UPN_LIKE = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")


def children_visible_to(user: UserLike) -> QuerySet[Child]:
    """Every child the user may see: all for managers, else those granted per child.

    A grant is an object permission `view_child` held by the user or one of their groups
    (allocations grant it; see services.allocation_create). A grant counts only for a member
    of the Caseworker role: visibility needs the role as well as the grant, so a person with
    no role or only the Admin role sees nothing even if a grant was left behind (issue 11,
    door 4). The role is asked in the same SQL statement, so lists keep their query count.
    """
    if not user.is_authenticated or not user.is_active:
        return Child.objects.none()
    if can_view_all_children(user):
        return Child.objects.all()
    is_caseworker = User.groups.through.objects.filter(user=user, group__name=Role.CASEWORKER.value)
    user_grant = ChildUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=Perm.VIEW_CHILD.value
    )
    group_grant = ChildGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        group__user=user,
        permission__codename=Perm.VIEW_CHILD.value,
    )
    return Child.objects.filter(Exists(is_caseworker), Exists(user_grant) | Exists(group_grant))


def children_without_school(children: QuerySet[Child], *, on: date) -> QuerySet[Child]:
    """Those of `children` in a cohort on the day (an open legal status episode) whose name
    is on no school's roll that day (no open enrolment): the one rule for "children with no
    school", read by the home page's count and the caseload's list behind it. A child whose
    case has closed is in no cohort, so not counted."""
    return children.filter(
        Exists(LegalStatusEpisode.objects.filter(open_q(on), child=OuterRef("pk"))),
        ~Exists(Enrolment.objects.filter(open_q(on), child=OuterRef("pk"))),
    )


def child_list_visible_to(
    *,
    user: UserLike,
    search: str = "",
    upn_needs_checking: bool = False,
    no_school: bool = False,
    not_allocated: bool = False,
    with_caseworkers: bool = False,
) -> QuerySet[Child]:
    """The caseload list: visible children, searched by name or UPN, with what the list shows;
    with `upn_needs_checking`, only those a return gave an invalid UPN for (issue 12); with
    `no_school`, only those in a cohort today with no school (children_without_school); with
    `not_allocated`, only those no caseworker is allocated to now (issue 16: the managers'
    list, to find who still needs one).

    Each child carries `current_school` (name of the school whose roll they are on today) and
    `current_episodes` (open legal status episodes, for the status tags), and with
    `with_caseworkers` `current_allocations` (open allocations, each with its caseworker),
    loaded in one annotated query plus one prefetch each, whatever the caseload's size.
    """
    today = timezone.localdate()
    children = children_visible_to(user)
    children = _search(children, search)
    if upn_needs_checking:
        children = children.filter(upn_needs_checking=True)
    if no_school:
        children = children_without_school(children, on=today)
    if not_allocated:
        children = children.exclude(Exists(_open_allocations().filter(child=OuterRef("pk"))))
    current_school = Enrolment.objects.filter(open_q(today), child=OuterRef("pk")).order_by(
        "-start_date"
    )
    prefetches = [
        Prefetch(
            "episodes",
            queryset=LegalStatusEpisode.objects.filter(open_q(today)).order_by("cohort"),
            to_attr="current_episodes",
        )
    ]
    if with_caseworkers:
        prefetches.append(
            Prefetch(
                "allocations",
                queryset=_open_allocations()
                .select_related("caseworker")
                .order_by("caseworker__first_name", "caseworker__last_name", "pk"),
                to_attr="current_allocations",
            )
        )
    return children.annotate(
        current_school=Subquery(current_school.values("school__name")[:1])
    ).prefetch_related(*prefetches)


def _open_allocations() -> QuerySet[Allocation]:
    """Allocations in force: not ended (services.allocation_end sets the end date and takes
    the caseworker's grants away with it)."""
    return Allocation.objects.filter(end_date__isnull=True)


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


def fields_shown(*, user: UserLike, model: type) -> dict[str, bool]:
    """Each field the data map declares for `model`: whether `user` may see it
    (permissions.can_see_field). Pages show a field only where this says so."""
    entry = DATA_MAP.entry_for(model)
    if entry is None:
        return {}
    return {name: can_see_field(user, model, name) for name in entry.declaration.declared}


# What a page calls a child whose name the user may not see.
NAME_NOT_SHOWN = "Child record"


def child_name_for(*, user: UserLike, child: Child) -> str:
    """The child's name as this user may see it: their full name, or NAME_NOT_SHOWN."""
    if all(can_see_field(user, Child, name) for name in ("first_name", "last_name")):
        return child.full_name
    return NAME_NOT_SHOWN


def child_summary(*, child: Child, user: UserLike) -> dict[str, object]:
    """What the child summary page shows, in a fixed number of queries, with `shows`: for the
    child, its status episodes, enrolments and allocations, which fields `user` may see (the
    data map). A part none of whose fields they may see is not read: its list is empty."""
    today = timezone.localdate()
    shows = {
        "child": fields_shown(user=user, model=Child),
        "episode": fields_shown(user=user, model=LegalStatusEpisode),
        "enrolment": fields_shown(user=user, model=Enrolment),
        "allocation": fields_shown(user=user, model=Allocation),
    }
    shows["child"]["name"] = shows["child"]["first_name"] and shows["child"]["last_name"]
    shows["child"]["address"] = all(
        shows["child"][name] for name in ("address_line_1", "address_line_2", "town", "postcode")
    )

    def any_of(part: str) -> bool:
        return any(shown for name, shown in shows[part].items() if name not in ("id", "child"))

    episodes = list(child.episodes.all()) if any_of("episode") else []
    return {
        "episodes": episodes,
        "current_episodes": [episode for episode in episodes if episode.is_open_on(today)],
        "schools": (
            school_history(child=child, on=today)
            if any_of("enrolment")
            else SchoolHistory(current=None, previous=[], upcoming=[])
        ),
        "allocations": (
            list(child.allocations.select_related("caseworker")) if any_of("allocation") else []
        ),
        "age": child.age_on(today) if shows["child"]["date_of_birth"] else None,
        "shows": shows,
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


def child_history_visible_to(*, child: Child, user: UserLike) -> QuerySet[LogEntry]:
    """The child's audit entries that show `user` something, newest first.

    The history shows a change only to a user who may see its field's category (the data map,
    through permissions.can_see_field), and leaves out an entry none of whose changes they may
    see: its heading alone ("Created court order") would say the record exists. Applied here in
    SQL, so that a page of the history is a full page and the count is right:

    - a model every field of which the user may see: all its entries;
    - a model some of whose fields they may see: entries that changed one of those (JSON key
      test on `changes`), or that logged no change at all;
    - a field filed row by row (a note's text and category): entries whose logged before and
      after categories the user may all see, or, when the entry logged no category, whose row
      is now filed under one they may see (a missing row: hidden);
    - a model with nothing the user may see, or not in the data map: none of its entries.

    records.history.history_rows applies the same rule field by field to what is shown.
    """
    visible = Q(pk__in=[])
    aliases: dict[str, Any] = {}
    for entry in DATA_MAP:
        if entry.reach is Reach.NONE:
            continue
        condition = _entry_visibility(entry, child=child, user=user, aliases=aliases)
        if condition is None:
            continue
        meta = entry.model._meta
        visible |= (
            Q(content_type__app_label=meta.app_label, content_type__model=meta.model_name)
            & condition
        )
    return child_history(child=child).alias(**aliases).filter(visible)


def _entry_visibility(
    entry: Entry, *, child: Child, user: UserLike, aliases: dict[str, Any]
) -> Q | None:
    """Which of one mapped model's entries show `user` something (see
    child_history_visible_to); None when none do."""
    declaration = entry.declaration
    fields = [name for name in entry.personal_fields if name not in entry.copies]
    plain = [name for name in fields if name not in declaration.by_row]
    shown = [name for name in plain if can_see_field(user, entry.model, name)]
    if len(shown) == len(plain) and not declaration.by_row:
        return Q() if shown else None
    conditions = []
    if shown:
        conditions.append(Q(changes__has_any_keys=shown))
    by_source: dict[str, list[str]] = {}
    for name, source in declaration.by_row.items():
        by_source.setdefault(source, []).append(name)
    for source, names in by_source.items():
        filed = _filed_visibility(entry, source, names, child=child, user=user, aliases=aliases)
        if filed is not None:
            conditions.append(Q(changes__has_any_keys=names) & filed)
    if not conditions:
        return None
    nothing_logged = Q(changes__isnull=True) | Q(changes={})
    if shown:
        conditions.append(nothing_logged)
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def _filed_visibility(
    entry: Entry,
    source: str,
    names: list[str],
    *,
    child: Child,
    user: UserLike,
    aliases: dict[str, Any],
) -> Q | None:
    """Entries of by-row fields `names` (filed by `source`) whose filing the user may see."""
    model = entry.model
    allowed = [
        str(category)
        for category in entry.possible_categories(names[0])
        if all(
            can_see_field(user, model, name, row=SimpleNamespace(**{source: category}))
            for name in names
        )
    ]
    if not allowed:
        return None
    prefix = f"history_{model._meta.model_name}_{source}"
    before, after = f"{prefix}_before", f"{prefix}_after"
    aliases[before] = KT(f"changes__{source}__0")
    aliases[after] = KT(f"changes__{source}__1")

    def unknown(alias: str) -> Q:
        return Q(**{f"{alias}__isnull": True}) | Q(**{f"{alias}__in": _NO_VALUE})

    def fits(alias: str) -> Q:
        return Q(**{f"{alias}__in": allowed}) | unknown(alias)

    logged = (
        Q(changes__has_key=source)
        & fits(before)
        & fits(after)
        & (Q(**{f"{before}__in": allowed}) | Q(**{f"{after}__in": allowed}))
    )
    rows_now_filed = (
        model._default_manager.filter(**{entry.child_lookup: child.pk, f"{source}__in": allowed})
        .annotate(history_pk=Cast("pk", output_field=CharField()))
        .filter(history_pk=OuterRef("object_pk"))
    )
    return logged | (~Q(changes__has_key=source) & Exists(rows_now_filed))


# How auditlog writes a missing value in `changes`.
_NO_VALUE = ["None", ""]


def child_batch_events(*, child: Child, limit: int = 50) -> list[BatchEvent]:
    """The bulk writes to the child's record (attendance), newest first: the part of the
    child's history that django-auditlog cannot see, recorded by the services as BatchEvents."""
    return list(
        BatchEvent.objects.filter(child_id=child.pk)
        .select_related("actor")
        .order_by("-occurred_at", "-pk")[:limit]
    )


def caseworkers_for_allocation(*, child: Child) -> QuerySet:
    """Active caseworkers who do not already hold an open allocation for the child, each with
    `caseload`: how many children are allocated to them now (issue 16: a manager allocating
    sees who has room). One query, the count a subquery per caseworker row."""
    open_allocation = _open_allocations().filter(child=child, caseworker=OuterRef("pk"))
    caseload = (
        _open_allocations()
        .filter(caseworker=OuterRef("pk"))
        .order_by()
        .values("caseworker")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return (
        User.objects.filter(is_active=True, groups__name=Role.CASEWORKER.value)
        .exclude(Exists(open_allocation))
        .annotate(caseload=Coalesce(Subquery(caseload, output_field=IntegerField()), 0))
        .order_by("first_name", "last_name", "username")
    )
