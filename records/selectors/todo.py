"""The record's items of the home page's "What needs doing" (records/todo.py), each over the
children the user sees (`children_visible_to`: a caseworker's caseload, a manager's cohort),
each one query (the two PEP items one between them), and each left out for a user who may
not see what it counts (the data map, through records.permissions).

- New suspensions and exclusions since the user last opened their list (`HomeSeen`), or, if
  they never have, since the start of this term.
- Children persistently absent this term: the attendance dashboard's own rule and figures
  (records/attendance.py through its `per_child_sql`, whose rows `attendance_children` lists),
  so the count and the drill-down list it links to cannot disagree.
- Children with no school today (`children_without_school`, the caseload's `?no_school=1`).
- UPNs that need checking (`Child.upn_needs_checking`, the caseload's `?upn_check=1`).
- PEPs overdue or due in the next 14 days, and plans submitted and waiting for QA: the PEP
  dashboard's own rules and lists (records/selectors/dashboards/pep.py: `pep_todo` counts
  both in one statement with the conditions `pep_children` lists), over this term as at
  today.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, Q, QuerySet, Subquery, UUIDField, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from records.calendar import academic_year_of, term_bounds, term_of
from records.codes import Cohort
from records.models import Allocation, Child, Enrolment, Exclusion, HomeSeen, LegalStatusEpisode
from records.permissions import UserLike, can_see_area, can_see_field, can_view_dashboards
from records.selectors.children import children_visible_to, children_without_school
from records.selectors.dashboards import attendance as attendance_dashboard
from records.selectors.dashboards import pep as pep_dashboard
from records.selectors.dashboards.attendance import SHOW_PERSISTENT
from records.selectors.dashboards.scope import Period, Scope
from records.spans import open_q
from records.todo import TodoItem

UPN_CHECK_QUERY = "upn_check=1"
NO_SCHOOL_QUERY = "no_school=1"


def home_headline(user: UserLike, *, sees_all: bool) -> dict[str, int]:
    """The home page's headline figures, in one query: how many children the user sees; for someone
    who sees every child (a manager), also how many are looked after today and how many are
    in a cohort today with no caseworker allocated."""
    children = children_visible_to(user)
    if not sees_all:
        return {"child_count": children.count()}
    today = timezone.localdate()
    # Sets read once each and looked up by hash (`pk IN (...)`), not an EXISTS probe per
    # child: inside an aggregate's FILTER, PostgreSQL runs EXISTS once a row (4 s at 20,000
    # children), an uncorrelated IN once a statement.
    open_episodes = LegalStatusEpisode.objects.filter(open_q(today))
    looked_after = Q(pk__in=open_episodes.filter(cohort=Cohort.CLA).values("child_id"))
    in_cohort = Q(pk__in=open_episodes.values("child_id"))
    allocated = Q(pk__in=Allocation.objects.filter(open_q(today)).values("child_id"))
    return children.aggregate(
        child_count=Count("pk"),
        looked_after_count=Count("pk", filter=looked_after),
        unallocated_count=Count("pk", filter=in_cohort & ~allocated),
    )


class _OneOf(Aggregate):
    """One of the group's values, whichever array_agg meets first: enough to link to the
    child when there is exactly one."""

    function = "array_agg"
    template = "(%(function)s(%(expressions)s))[1]"


def _first_and_count(children: QuerySet[Child]) -> tuple[Any, int]:
    """How many children there are and one of them (the only one, when there is one), in one
    aggregate query: no order and no LIMIT, which would make PostgreSQL probe each child's
    rows by the name index (260 ms at 20,000 children) rather than hash them once."""
    row = children.aggregate(total=Count("pk"), one=_OneOf("pk", output_field=UUIDField()))
    return row["one"], row["total"]


def _child_or_list(child_id: Any, count: int, list_url: str, *, tab: str = "") -> str:
    if count != 1:
        return list_url
    if tab:
        return reverse("records:tab", kwargs={"pk": child_id, "tab": tab})
    return reverse("records:child-detail", kwargs={"pk": child_id})


def this_term_scope() -> Scope:
    """The scope of a home item counted with a dashboard's rules: this term, no breakdown."""
    period = this_term()
    return Scope(
        period=period,
        period_params={"year": str(period.academic_year), "period": period.term},
        breakdowns=(),
    )


def this_term(today: Any = None) -> Period:
    """The term today is in (records/calendar.py term_of: the census terms)."""
    today = today or timezone.localdate()
    return Period.of_term(academic_year_of(today), term_of(today))


def new_exclusions_since() -> datetime:
    """The default "last looked" for someone who never opened the list: the start of this
    term, at midnight in the service's time zone."""
    period = this_term()
    start, _ = term_bounds(period.academic_year, period.term)
    return timezone.make_aware(datetime.combine(start, time.min))


def new_exclusions(user: UserLike) -> QuerySet[Exclusion]:
    """Suspensions and exclusions of the children the user sees, added to the record since
    they last opened the list of them (HomeSeen.Item.NEW_EXCLUSIONS), newest first. The time
    last looked is read in the same statement."""
    seen = HomeSeen.objects.filter(user=user, item=HomeSeen.Item.NEW_EXCLUSIONS).values("seen_at")[
        :1
    ]
    since = Coalesce(Subquery(seen), Value(new_exclusions_since()))
    return (
        Exclusion.objects.filter(child__in=children_visible_to(user), recorded_at__gt=since)
        .select_related("child", "school")
        .order_by("-recorded_at", "-pk")
    )


def new_exclusions_item(user: UserLike) -> TodoItem | None:
    if not all(can_see_field(user, Exclusion, name) for name in ("category", "start_date")):
        return None
    count = new_exclusions(user).count()
    return TodoItem(
        key="new_exclusions",
        count=count,
        label="new suspensions and exclusions since you last looked",
        label_one="new suspension or exclusion since you last looked",
        url=reverse("records:new-exclusions"),
    )


def persistent_absence_item(user: UserLike) -> TodoItem | None:
    if not can_view_dashboards(user) or not can_see_area(user, "attendance"):
        return None
    scope = this_term_scope()
    period = scope.period
    # The dashboard's own per-child rows and flag (what attendance_children lists for
    # SHOW_PERSISTENT), counted without the names, schools and order only a list needs.
    per_child, params = attendance_dashboard.per_child_sql(user=user, scope=scope)
    with connection.cursor() as cursor:
        # Identifiers from model metadata; every value is a parameter.
        sql = f"WITH {per_child} SELECT count(*), (array_agg(child_id))[1] FROM per_child"  # noqa: S608
        cursor.execute(f"{sql} WHERE persistent", params)
        count, first = cursor.fetchone()
    list_url = (
        f"{reverse('dashboards:attendance-children')}?{scope.querystring(show=SHOW_PERSISTENT)}"
    )
    return TodoItem(
        key="persistent_absence",
        count=count,
        label=f"children persistently absent this term ({period.label})",
        label_one=f"child persistently absent this term ({period.label})",
        url=_child_or_list(first, count, list_url, tab="attendance"),
    )


def no_school_item(user: UserLike) -> TodoItem | None:
    if not can_see_field(user, Enrolment, "school"):
        return None
    first, count = _first_and_count(
        children_without_school(children_visible_to(user), on=timezone.localdate())
    )
    return TodoItem(
        key="no_school",
        count=count,
        label="children with no school",
        label_one="child with no school",
        url=_child_or_list(
            first, count, f"{reverse('records:caseload')}?{NO_SCHOOL_QUERY}", tab="schools"
        ),
    )


def upn_check_item(user: UserLike) -> TodoItem | None:
    if not can_see_field(user, Child, "upn"):
        return None
    first, count = _first_and_count(children_visible_to(user).filter(upn_needs_checking=True))
    return TodoItem(
        key="upn_check",
        count=count,
        label="UPNs that need checking",
        label_one="UPN that needs checking",
        url=_child_or_list(first, count, f"{reverse('records:caseload')}?{UPN_CHECK_QUERY}"),
    )


def pep_items(user: UserLike) -> tuple[TodoItem, TodoItem] | None:
    """PEPs overdue or due in the next DUE_SOON_DAYS days, and plans submitted and waiting for
    QA: both counted in one statement (pep_dashboard.pep_todo), each linking to its list."""
    if not can_view_dashboards(user) or not can_see_area(user, "pep"):
        return None
    scope = this_term_scope()
    todo = pep_dashboard.pep_todo(user=user, scope=scope)
    list_url = f"{reverse('dashboards:pep-children')}?"
    days = pep_dashboard.DUE_SOON_DAYS
    return (
        TodoItem(
            key="pep_due",
            count=todo.due_soon,
            label=f"children whose PEP is overdue or due in the next {days} days",
            label_one=f"child whose PEP is overdue or due in the next {days} days",
            url=_child_or_list(
                todo.due_soon_child,
                todo.due_soon,
                list_url + scope.querystring(show=pep_dashboard.SHOW_DUE_SOON),
                tab="pep",
            ),
        ),
        TodoItem(
            key="pep_awaiting_qa",
            count=todo.awaiting_qa,
            label="plans submitted and waiting for QA",
            label_one="plan submitted and waiting for QA",
            url=_child_or_list(
                todo.awaiting_qa_child,
                todo.awaiting_qa,
                list_url + scope.querystring(show=pep_dashboard.SHOW_AWAITING_QA),
                tab="pep",
            ),
        ),
    )
