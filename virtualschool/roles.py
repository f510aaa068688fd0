"""Roles and permission codenames: the one place they are named.

Roles are Django groups (created by migration virtualschool/0001). Codenames are declared on
the models' Meta and referred to everywhere else through `Perm`, whose members carry their
app's label.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CASEWORKER = "Caseworker"
    MANAGER = "Manager"
    ADMIN = "Admin"
    # A person outside the authority who receives data under a sharing agreement, and
    # belongs to exactly one recipient organisation (sharing.models.RecipientMembership).
    # Added and removed with their organisation in the sharing pages, never in the staff
    # pages; the role carries no permission and reaches nothing of the staff's.
    RECIPIENT = "Recipient"


# The roles the staff pages give: everyone but recipients, who come with an organisation.
STAFF_ROLES: tuple[Role, ...] = (Role.CASEWORKER, Role.MANAGER, Role.ADMIN)


class Perm(StrEnum):
    """Permission codenames, each with the label of the app whose model's Meta declares it.

    A member's value is its codename (what guardian and Permission.codename take); `full` is
    the `app_label.codename` form Django's `has_perm` takes. VIEW_CHILD and CHANGE_CHILD are
    object permissions on a child, granted per child by an allocation. The others are global
    permissions a role carries.
    """

    app_label: str

    def __new__(cls, codename: str, app_label: str) -> Perm:
        member = str.__new__(cls, codename)
        member._value_ = codename
        member.app_label = app_label
        return member

    VIEW_CHILD = "view_child", "records"
    CHANGE_CHILD = "change_child", "records"
    ADD_CHILD = "add_child", "records"
    VIEW_ALL_CHILDREN = "view_all_children", "records"
    CHANGE_ALL_CHILDREN = "change_all_children", "records"
    ALLOCATE_CHILDREN = "allocate_children", "records"
    # The sensitive categories, on top of access to the child. Managers hold it by role; an
    # Admin grants it to individual caseworkers.
    VIEW_SENSITIVE = "view_sensitive", "records"

    @property
    def full(self) -> str:
        return f"{self.app_label}.{self.value}"


# What each role may do across the whole cohort. A caseworker's access is per child only.
ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.CASEWORKER: frozenset(),
    Role.MANAGER: frozenset(
        {
            Perm.ADD_CHILD,
            Perm.VIEW_ALL_CHILDREN,
            Perm.CHANGE_ALL_CHILDREN,
            Perm.ALLOCATE_CHILDREN,
            Perm.VIEW_SENSITIVE,
        }
    ),
    Role.ADMIN: frozenset(),
    Role.RECIPIENT: frozenset(),
}

# Admins (information governance) manage staff accounts in the service's own staff pages
# (the staff app), which ask for the role itself, never for a permission: the role carries no
# raw permission, so no Admin can hand one on (docs/adr/0007-staff-accounts-in-the-service.md).
# They do not see children's records by virtue of the role.

# The permissions an Admin may grant a person individually, on top of their role, and the
# role they belong with: the sensitive categories, for caseworkers.
INDIVIDUAL_PERMISSIONS: dict[Perm, Role] = {Perm.VIEW_SENSITIVE: Role.CASEWORKER}

# Object permissions an allocation grants on its child.
ALLOCATION_PERMISSIONS: tuple[Perm, ...] = (Perm.VIEW_CHILD, Perm.CHANGE_CHILD)


def user_has_role(user, role: Role) -> bool:
    """Whether the user belongs to the role's group (cached on the user for the request)."""
    if not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return role.value in cached


def user_roles(user) -> list[Role]:
    return [role for role in Role if user_has_role(user, role)]
