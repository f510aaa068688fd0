"""DRF permission classes shared by every API."""

from rest_framework.permissions import BasePermission


class DenyAll(BasePermission):
    """The API default: a view that does not declare who may use it serves nobody."""

    def has_permission(self, request, view) -> bool:
        return False
