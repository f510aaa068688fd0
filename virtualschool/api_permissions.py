"""DRF permission and authentication classes shared by every API."""

from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from virtualschool.roles import Role, user_has_role


class DenyAll(BasePermission):
    """The API default: a view that does not declare who may use it serves nobody."""

    def has_permission(self, request, view) -> bool:
        return False


class RecipientsOnly(BasePermission):
    """For the sharing API's views (marked virtualschool.middleware.recipient_route): only a
    signed-in person with the Recipient role, whose organisation the view then reads. Staff
    get a 404, as recipients do on the staff's API: neither learns the other's routes."""

    def has_permission(self, request, view) -> bool:
        if not user_has_role(request.user, Role.RECIPIENT):
            raise NotFound()
        return True


class VerifiedSessionAuthentication(SessionAuthentication):
    """The session, as DRF's SessionAuthentication reads it (CSRF checks included), only once
    its second factor is verified: a session that has passed the password but not the code
    is treated as signed out, so the API refuses it as it refuses anyone signed out.

    virtualschool.middleware.SecondFactorMiddleware gives the request's user `is_verified()`.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        is_verified = getattr(user, "is_verified", None)
        if is_verified is None or not is_verified():
            return None
        return result


class VerifiedSessionScheme(SessionScheme):
    """The OpenAPI schema describes VerifiedSessionAuthentication as the session cookie it
    reads, as drf-spectacular does for DRF's SessionAuthentication."""

    target_class = VerifiedSessionAuthentication
