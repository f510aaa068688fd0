"""The record's part of the home page (registered in records/apps.py), and the list behind
"new suspensions and exclusions since you last looked"."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from records.models import Exclusion, HomeSeen
from records.permissions import (
    can_add_child,
    can_see_field,
    can_see_what_needs_doing,
    can_view_all_children,
)
from records.selectors import child_name_for
from records.selectors.todo import home_headline, new_exclusions
from records.services import access_log_record_many
from records.services.home import home_seen_mark
from records.todo import todo_items
from virtualschool.roles import Role, user_has_role

NEW_EXCLUSIONS_LIMIT = 200


def home_part(user: Any) -> dict[str, Any]:
    """How many children the user sees, whether they see or may add every child, and what
    needs doing (records/todo.py). A recipient sees nothing of the staff's: no count runs."""
    if user_has_role(user, Role.RECIPIENT):
        return {}
    sees_all = can_view_all_children(user)
    return {
        "sees_all_children": sees_all,
        "can_add_child": can_add_child(user),
        **home_headline(user, sees_all=sees_all),
        "todo": todo_items(user) if can_see_what_needs_doing(user) else None,
    }


@require_GET
def new_exclusions_page(request: HttpRequest) -> HttpResponse:
    """The suspensions and exclusions added since the user last opened this list; opening it
    marks them seen, so the home page's count starts again from now."""
    user = request.user
    if not can_see_what_needs_doing(user) or not can_see_field(user, Exclusion, "category"):
        raise Http404("No such page")
    exclusions = list(new_exclusions(user)[:NEW_EXCLUSIONS_LIMIT])
    access_log_record_many(
        user=user,
        child_ids=list(dict.fromkeys(row.child_id for row in exclusions)),
        page="new suspensions and exclusions",
    )
    home_seen_mark(user=user, item=HomeSeen.Item.NEW_EXCLUSIONS)
    return render(
        request,
        "records/new_exclusions.html",
        {
            "rows": [
                {"exclusion": row, "child_name": child_name_for(user=user, child=row.child)}
                for row in exclusions
            ],
            "limit": NEW_EXCLUSIONS_LIMIT,
        },
    )
