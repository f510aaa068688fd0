"""Who may use the child record's API: DRF permission classes over records.permissions.

The rules themselves live in records/permissions.py, shared with the pages; these classes only
put them where DRF asks. View-level classes (`has_permission`) refuse with 403 before any
child is read; object-level classes (`has_object_permission`) are checked by
records.api.views.ChildApiView while it fetches the child, so that a refusal there is a logged
404, indistinguishable from a child that does not exist (DESIGN.md, Access).
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from records.models import Child
from records.permissions import can_change_child, can_see_area
from virtualschool.roles import user_roles


class IsStaffWithRole(BasePermission):
    """Signed-in, active members of staff who hold one of the service's roles.

    Caseworkers, managers and admins use this API; which children each of them sees is the
    selectors' business (an admin sees none). Anyone else, including a signed-in user with no
    role (a recipient organisation's user, who has its own API), is refused.
    """

    message = "Sign in as a member of the virtual school's staff to use this API."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user_roles(user))


class CanSeeTab(BasePermission):
    """A sensitive tab (health, safeguarding, ...) needs the sensitive-categories permission on
    top of access to the child, as its pages do. The view names its tab as `view.tab`."""

    def has_object_permission(self, request: Any, view: Any, obj: Child) -> bool:
        return can_see_area(request.user, view.tab.slug)


class CanChangeChild(BasePermission):
    """Reading needs only access to the child; any write needs change rights on it (managers
    on every child, a caseworker on a child allocated to them)."""

    def has_object_permission(self, request: Any, view: Any, obj: Child) -> bool:
        return request.method in SAFE_METHODS or can_change_child(request.user, obj)
