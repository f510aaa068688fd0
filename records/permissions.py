"""Who may do what with a child's record: the one place these rules are written.

A caseworker reaches a child only through an object permission granted by an allocation
(django-guardian, direct foreign-key tables). Managers reach every child through a global
permission their role carries. Each helper checks the two separately and explicitly: guardian
ignores global permissions (we call it with accept_global_perms=False) and Django's
ModelBackend ignores objects, so `user.has_perm(perm, obj)` alone would be wrong both ways.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from guardian.core import ObjectPermissionChecker

from records.categories import SENSITIVE_CATEGORIES, DataCategory
from records.datamap import DATA_MAP
from records.models import Child, ImportKind
from records.models.pep import Owner
from virtualschool.roles import Perm, Role, user_has_role

UserLike = AbstractBaseUser | AnonymousUser


def _has_global(user: UserLike, perm: Perm) -> bool:
    return bool(user.is_active and user.has_perm(perm.full))


def can_view_all_children(user: UserLike) -> bool:
    """Managers see the whole cohort (DESIGN.md, Access)."""
    return _has_global(user, Perm.VIEW_ALL_CHILDREN)


def can_add_child(user: UserLike) -> bool:
    return _has_global(user, Perm.ADD_CHILD)


def can_allocate_children(user: UserLike) -> bool:
    return _has_global(user, Perm.ALLOCATE_CHILDREN)


def can_change_child(user: UserLike, child: Child) -> bool:
    """Managers change any child; a caseworker changes a child allocated to them. A per-child
    grant counts only while the person holds the Caseworker role (issue 11, door 4)."""
    if not user.is_active:
        return False
    if _has_global(user, Perm.CHANGE_ALL_CHILDREN):
        return True
    if not user_has_role(user, Role.CASEWORKER):
        return False
    return ObjectPermissionChecker(user).has_perm(Perm.CHANGE_CHILD.value, child)


def can_be_allocated(user: UserLike) -> bool:
    """Only active members of the Caseworker role hold caseloads."""
    return bool(user.is_active and user_has_role(user, Role.CASEWORKER))


def can_view_sensitive(user: UserLike) -> bool:
    """Health, safeguarding, family and criminal information need this on top of access to
    the child (DESIGN.md, Access). Managers hold it by role; caseworkers individually."""
    return _has_global(user, Perm.VIEW_SENSITIVE)


def can_see_category(user: UserLike, category: DataCategory | None) -> bool:
    """Whether a user who may see a child may also see its data of this category.

    The one place this is decided: pages, the API, notes, the history, exports and the
    dashboards' drill-downs all ask it, directly or through the helpers below.
    """
    return not needs_sensitive_permission(category) or can_view_sensitive(user)


def needs_sensitive_permission(category: DataCategory | None) -> bool:
    """Whether a category is one of those that need the sensitive-categories permission on
    top of sight of the child (DESIGN.md, Access): what a page or the API says of a tab."""
    return category in SENSITIVE_CATEGORIES


def can_see_area(user: UserLike, area: str) -> bool:
    """A tab of the record is open to a user who may see any category the data map holds in
    its area; what they may not see inside it is left out field by field, row by row."""
    return any(can_see_category(user, category) for category in DATA_MAP.area_categories(area))


def can_see_field(user: UserLike, model: type, field_name: str, row: object = None) -> bool:
    """Whether the user may see this field of a mapped model (of this row, for a field filed
    row by row). Without a row, a by-row field is visible only if every category it may be
    filed under is. A field the map does not know is not visible."""
    entry = DATA_MAP.entry_for(model)
    if entry is None:
        return False
    declaration = entry.declaration
    if field_name in declaration.not_personal:
        return True
    if field_name in declaration.by_row and row is not None:
        return can_see_category(user, entry.category_of(field_name, row))
    categories = entry.possible_categories(field_name)
    return bool(categories) and all(can_see_category(user, c) for c in categories)


def visible_categories(user: UserLike, categories) -> list[DataCategory]:
    """Those of `categories` the user may see, in the order given."""
    return [category for category in categories if can_see_category(user, category)]


def can_import(user: UserLike) -> bool:
    """Caseworkers and managers import files (DESIGN.md, "Who uses it"); admins import only
    the schools register (can_import_kind), which names no child."""
    return any(user_has_role(user, role) for role in (Role.CASEWORKER, Role.MANAGER, Role.ADMIN))


def can_import_kind(user: UserLike, kind: str) -> bool:
    """Which files a user may import (issue 11). The schools register (GIAS) is shared by
    everyone's records, so only Managers and Admins replace it; files about children
    (attendance, CTF, SSDA903, CIN) are caseworkers' and managers', each matching only the
    children the importer may see (records/selectors/imports.py import_reach)."""
    if kind == ImportKind.SCHOOLS:
        return can_change_schools_register(user)
    return user_has_role(user, Role.CASEWORKER) or user_has_role(user, Role.MANAGER)


def can_change_schools_register(user: UserLike) -> bool:
    """The schools register is shared by every child's record, so only Managers and Admins
    add or change a school in it (issue 11, door 3), whether by the register's import (GIAS)
    or from another file (a CTF naming a school the register lacks)."""
    return user_has_role(user, Role.MANAGER) or user_has_role(user, Role.ADMIN)


def can_see_all_imports(user: UserLike) -> bool:
    """Managers see every import; a caseworker sees the imports they started."""
    return user_has_role(user, Role.MANAGER)


def can_view_dashboards(user: UserLike) -> bool:
    """Managers see the dashboards across the cohort; caseworkers see the same dashboards
    over their own caseload (the selectors scope them through children_visible_to)."""
    return bool(
        user.is_active
        and (user_has_role(user, Role.MANAGER) or user_has_role(user, Role.CASEWORKER))
    )


def can_see_what_needs_doing(user: UserLike) -> bool:
    """The home page's "What needs doing" (records/todo.py) is for those who hold children:
    a caseworker over their caseload, a manager over the cohort. Admins hold none; recipients
    see nothing of the staff's."""
    return bool(
        user.is_active
        and (user_has_role(user, Role.MANAGER) or user_has_role(user, Role.CASEWORKER))
    )


def can_read_data_map(user: UserLike) -> bool:
    """Admins (information governance) read the "What we hold" page, the record of processing
    (DESIGN.md, "One map of a child's data"); it names fields, never a child's values, but it
    is theirs to keep, so other roles get a 404 as for anything absent."""
    return user_has_role(user, Role.ADMIN)


# --- Personal education plans: who may write each section -------------------------------

# Checks that a user is the designated teacher of a child's school (the school portal's:
# sharing registers sharing.portal.designated_teacher_of from its ready(), so records never
# imports sharing).
DESIGNATED_TEACHER_CHECKS: list = []


def designated_teacher_check_register(check) -> None:
    """Add a `check(user, child) -> bool` saying the user is the child's designated teacher
    (once: a second ready() does not add it again)."""
    if check not in DESIGNATED_TEACHER_CHECKS:
        DESIGNATED_TEACHER_CHECKS.append(check)


def is_designated_teacher_for(user: UserLike, child: Child) -> bool:
    return bool(user.is_active) and any(check(user, child) for check in DESIGNATED_TEACHER_CHECKS)


def can_write_pep_section(user: UserLike, child: Child, owner: str) -> bool:
    """Whether the user may write a PEP section the `owner` owns (issue 15), judged in the
    services whoever calls them.

    - Designated teacher's sections (pupil voice, education, targets; and submitting): the
      child's designated teacher (through the school portal's check,
      `designated_teacher_check_register`), or a caseworker or manager who may change the
      child, on the teacher's behalf.
    - Social worker's (care and placement, SDQ): social workers have no account, so the
      caseworker or a manager writes them on the social worker's behalf.
    - The virtual school's QA: a Manager (the plan's own caseworker does not rate it).
    """
    if owner == Owner.VIRTUAL_SCHOOL:
        return user_has_role(user, Role.MANAGER) and can_change_child(user, child)
    if owner == Owner.DESIGNATED_TEACHER and is_designated_teacher_for(user, child):
        return True
    return can_change_child(user, child)


def pep_acts_on_behalf(user: UserLike, child: Child, owner: str) -> bool:
    """Whether a write to an `owner`'s section is on the owner's behalf (shown in the history)."""
    if owner == Owner.VIRTUAL_SCHOOL:
        return False
    return not (owner == Owner.DESIGNATED_TEACHER and is_designated_teacher_for(user, child))


# --- Pupil Premium Plus ------------------------------------------------------------------


def can_decide_pp_plus(user: UserLike) -> bool:
    """Approving or refusing a PP+ request is the virtual school head's, for the authority:
    an Admin or a Manager (issue 15). Never the person who made the request: that is checked
    in records.services.ppplus and by a database constraint."""
    return bool(
        user.is_active and (user_has_role(user, Role.MANAGER) or user_has_role(user, Role.ADMIN))
    )


def can_see_pp_plus_position(user: UserLike) -> bool:
    """The managers' Pupil Premium Plus page: Admins and Managers. Admins see it by school
    only, as they see no child's record (can_view_all_children)."""
    return can_decide_pp_plus(user)
