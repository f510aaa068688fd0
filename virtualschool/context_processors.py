"""Template context every page needs: the service's name, phase and the user's navigation."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from virtualschool.roles import Role, user_has_role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


def _in(request, app_name: str) -> bool:
    return getattr(request.resolver_match, "app_name", None) == app_name


def _navigation(request) -> list[NavItem]:
    # A request refused before AuthenticationMiddleware (or built by RequestFactory) has no
    # user: its page (an error page) shows no navigation, as for someone signed out.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    # Before the second factor, the only way on is the code.
    if not getattr(user, "is_verified", lambda: True)():
        return []
    current = getattr(request.resolver_match, "url_name", None)
    items: list[tuple[str, str, set[str]]] = [("Home", "home", {"home"})]
    # A recipient sees nothing of the staff's (issue 13): their pages are marked
    # recipient_route (virtualschool.middleware), and none is in the menu yet.
    if user_has_role(user, Role.RECIPIENT):
        return [NavItem(label, reverse(name), current in names) for label, name, names in items]
    if user_has_role(user, Role.MANAGER):
        items.append(("Children", "records:caseload", {"caseload", "child-add"}))
    elif user_has_role(user, Role.CASEWORKER):
        items.append(("My caseload", "records:caseload", {"caseload"}))
    if user_has_role(user, Role.MANAGER) or user_has_role(user, Role.CASEWORKER):
        items.append(
            (
                "Dashboards",
                "dashboards:attendance",
                {
                    "attendance",
                    "attendance-children",
                    "exclusions",
                    "exclusions-children",
                    "attainment",
                    "attainment-children",
                },
            )
        )
    admin = user_has_role(user, Role.ADMIN)
    if user_has_role(user, Role.MANAGER) or user_has_role(user, Role.CASEWORKER) or admin:
        # Admins import the schools register (issue 11).
        items.append(("Imports", "records:imports", {"imports", "import-new", "import-detail"}))
    if admin:
        # Information governance's pages: each item is active on every page of its app.
        for label, name, app_name in (
            ("Staff", "staff:list", "staff"),
            ("Sharing", "sharing:agreements", "sharing"),
            ("What we hold", "datamap:what-we-hold", "datamap"),
            ("Retention", "retention:queue", "retention"),
        ):
            items.append((label, name, {current} if _in(request, app_name) and current else set()))
    return [NavItem(label, reverse(name), current in names) for label, name, names in items]


def service(request) -> dict:
    return {
        "service_name": settings.SERVICE_NAME,
        "service_phase": settings.SERVICE_PHASE,
        "navigation": _navigation(request),
    }
