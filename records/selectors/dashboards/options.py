"""The choices a dashboard's filters offer, the names breakdown rows show, and the UPN and
caseworker of each child a drill-down lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from records.calendar import academic_year_of
from records.models import Allocation, Child, Enrolment, School
from records.permissions import UserLike, can_view_all_children
from records.selectors.children import children_visible_to
from records.selectors.dashboards.scope import Period, latest_open_sql, table_name
from records.spans import open_sql_params
from virtualschool.roles import Role

User = get_user_model()
YEARS_OFFERED = 10


def dashboard_years() -> list[int]:
    """The academic years a dashboard offers, newest first: this one and the nine before."""
    current = academic_year_of(timezone.localdate())
    return list(range(current, current - YEARS_OFFERED, -1))


NAME_FIELDS = ("pk", "first_name", "last_name", "username")


def _name(first_name: str, last_name: str, username: str) -> str:
    """A user's name as User.get_full_name() gives it, or their username when they have none."""
    return f"{first_name} {last_name}".strip() or username


def user_label(user: UserLike) -> str:
    """How dashboards name a caseworker (the same words as the rows read from the database)."""
    return _name(user.first_name, user.last_name, user.get_username())


def school_options(*, user: UserLike) -> list[tuple[str, str]]:
    """Schools that have had a child the user may see on their roll (one query). A manager
    sees every child, so their list is every school with an enrolment: no join to the
    children, which would only look each enrolment's child up to keep every row."""
    on_roll = Enrolment.objects.filter(school=OuterRef("pk"))
    if not can_view_all_children(user):
        on_roll = on_roll.filter(child__in=children_visible_to(user).values("pk"))
    return [
        (str(pk), name)
        for pk, name in School.objects.filter(Exists(on_roll))
        .order_by("name")
        .values_list("pk", "name")
    ]


def caseworker_options(*, user: UserLike) -> list[tuple[str, str]] | None:
    """Caseworkers a manager may filter by: everyone in the Caseworker role, and anyone who
    has held an allocation (a caseworker who has left still heads past years' rows, and the
    row's drill-down link filters by them); None for a caseworker, whose dashboard is their
    own caseload already. One query, or none."""
    if not can_view_all_children(user):
        return None
    caseworkers = (
        User.objects.filter(
            Q(groups__name=Role.CASEWORKER.value)
            | Exists(Allocation.objects.filter(caseworker=OuterRef("pk")))
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
        .values_list(*NAME_FIELDS)
    )
    return [(str(pk), _name(*names)) for pk, *names in caseworkers]


def names_for(*, school_ids: Iterable[object], caseworker_ids: Iterable[object]) -> dict:
    """School and caseworker names for breakdown rows, keyed as the rows hold them (two
    queries, whatever the number of rows)."""
    schools = {pk for pk in school_ids if pk is not None}
    caseworkers = {pk for pk in caseworker_ids if pk is not None}
    return {
        "school": dict(School.objects.filter(pk__in=schools).values_list("pk", "name")),
        "caseworker": {
            pk: _name(*names)
            for pk, *names in User.objects.filter(pk__in=caseworkers).values_list(*NAME_FIELDS)
        },
    }


def drill_down_identities(
    *, child_ids: Iterable[Any], period: Period
) -> dict[Any, tuple[str, str]]:
    """The UPN and the caseworker's name (blank when not allocated) of each child of a
    drill-down list, in one query whatever the list's length: the caseworker as the scope's
    caseworker dimension reads it (the latest allocation open in the period, as at its end),
    so the list and the breakdown by caseworker agree. The ids come from a dashboard selector,
    which has applied visibility."""
    ids = list(child_ids)
    if not ids:
        return {}
    allocation = latest_open_sql(Allocation, "caseworker_id", "start_date DESC, id DESC")
    user_table = table_name(User)
    sql = f"""
        SELECT c.id, c.upn, u.first_name, u.last_name, u.username
        FROM {table_name(Child)} c
        LEFT JOIN ({allocation}) al ON al.child_id = c.id
        LEFT JOIN {user_table} u ON u.id = al.caseworker_id
        WHERE c.id = ANY(%s)
    """  # noqa: S608 - identifiers from model metadata; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*open_sql_params(period.start, period.as_at), ids])
        rows = cursor.fetchall()
    return {
        child_id: (
            upn or "",
            "" if username is None else _name(first or "", last or "", username),
        )
        for child_id, upn, first, last, username in rows
    }
