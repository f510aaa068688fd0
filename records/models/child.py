"""The child and who may see it: children, legal status episodes, allocations, access log.

Each model that holds a child's data declares the data category of every field in
`data_categories` (see records/categories.py). Invariants the database can hold are constraints
here; rules that need a message for a person are checked first by records/services/.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from records import calendar, spans
from records.categories import declare
from records.codes import Cohort, Gender, LegalStatus, PlacRoute, UpnUnknown
from virtualschool.roles import Perm


class DateRange(Func):
    """PostgreSQL daterange(start, end, bounds); a NULL end is open-ended."""

    function = "DATERANGE"
    output_field = DateRangeField()


def _inclusive_range(start: str, end: str) -> DateRange:
    return DateRange(start, end, RangeBoundary(inclusive_lower=True, inclusive_upper=True))


class Child(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=1, choices=Gender.choices)
    upn = models.CharField(
        "UPN", max_length=13, blank=True, help_text="Unique Pupil Number, 13 characters"
    )
    upn_unknown = models.CharField(
        "Why the UPN is not known", max_length=3, choices=UpnUnknown.choices, blank=True
    )
    former_upns = ArrayField(
        models.CharField(max_length=13), default=list, blank=True, verbose_name="Former UPNs"
    )
    la_child_id = models.CharField(
        "Local authority child ID",
        max_length=40,
        blank=True,
        help_text="The social care system's id for the child (SSDA903 CHILD, CIN LAchildID)",
    )
    # A return gave a UPN that fails the DfE check letter (DOMAIN.md section (e)): it was not
    # kept as the UPN, and someone has to find the right one (docs/imports/ssda903.md).
    upn_needs_checking = models.BooleanField("UPN needs checking", default=False)
    # The CIN census PersonDeathDate (DOMAIN.md section (i)): the child has died.
    date_of_death = models.DateField("Date of death", null=True, blank=True)
    address_line_1 = models.CharField("Address line 1", max_length=200, blank=True)
    address_line_2 = models.CharField("Address line 2", max_length=200, blank=True)
    town = models.CharField("Town or city", max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    # The local authority responsible for the child (who looks after them, or had them in
    # need), by its LA code: blank for this authority's own children, whose code is
    # settings.LOCAL_AUTHORITY_CODE. Another authority's sharing agreement covers the children
    # it is responsible for (sharing/cohort.py).
    responsible_la_code = models.CharField(
        "Responsible local authority code",
        max_length=9,
        blank=True,
        default="",
        # Rows written by SQL of their own (a bulk path, a COPY) get it too.
        db_default="",
        help_text="Blank when this authority is responsible for the child",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic lock for edits (records/services/locking.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    data_categories = declare(
        identity=[
            "first_name",
            "last_name",
            "date_of_birth",
            "gender",
            "upn",
            "upn_unknown",
            "former_upns",
            "la_child_id",
            "upn_needs_checking",
            "date_of_death",
        ],
        contact=["address_line_1", "address_line_2", "town", "postcode"],
        social_care=["responsible_la_code"],
        not_personal=["id", "created_at", "updated_at", "version"],
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        permissions = [
            (Perm.VIEW_ALL_CHILDREN.value, "Can view every child"),
            (Perm.CHANGE_ALL_CHILDREN.value, "Can change every child"),
            (Perm.ALLOCATE_CHILDREN.value, "Can allocate children to caseworkers"),
            (
                Perm.VIEW_SENSITIVE.value,
                "Can see and keep health, safeguarding, family and criminal information",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["upn"], condition=~Q(upn=""), name="child_upn_unique_when_known"
            ),
            models.UniqueConstraint(
                fields=["la_child_id"],
                condition=~Q(la_child_id=""),
                name="child_la_id_unique_when_known",
            ),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="child_name_idx"),
            GinIndex(fields=["former_upns"], name="child_former_upns_idx"),
        ]

    def __str__(self) -> str:
        # Audit entries and admin screens show this; it names no one.
        return f"Child {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, on: date) -> int:
        """Completed years on `on` (records.calendar.age_on, the one birthday rule)."""
        return calendar.age_on(self.date_of_birth, on)

    def get_additional_data(self) -> dict[str, str]:
        """Stored on every audit entry so a child's history can be found and destroyed."""
        return {"child_id": str(self.pk)}


class ChildUserObjectPermission(UserObjectPermissionBase):
    """Per-child grants to a user (django-guardian), removed with the child."""

    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)


class ChildGroupObjectPermission(GroupObjectPermissionBase):
    """Per-child grants to a group (django-guardian), removed with the child."""

    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)


class ChildOwnedMixin:
    """Audit entries of a child's rows carry the child's id (see Child.get_additional_data);
    the entry of a row removed as a mistake also carries its removal's id
    (records/services/removal.py sets `removal_id` on the row it removes)."""

    child_id: uuid.UUID

    def get_additional_data(self) -> dict[str, str]:
        removal_id = getattr(self, "removal_id", None)
        data = {"child_id": str(self.child_id)}
        if removal_id is not None:
            data["removal_id"] = str(removal_id)
        return data


class LegalStatusEpisode(ChildOwnedMixin, models.Model):
    """A period in one cohort: looked after (CLA), in need (CIN), on a CP plan, or PLAC."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="episodes")
    cohort = models.CharField(max_length=4, choices=Cohort.choices)
    legal_status = models.CharField(
        "Legal status", max_length=2, choices=LegalStatus.choices, blank=True
    )
    plac_route = models.CharField(
        "Route out of care", max_length=14, choices=PlacRoute.choices, blank=True
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    closure_date = models.DateField(
        "Case closure date",
        null=True,
        blank=True,
        help_text="Children in need only: the date the case was closed",
    )
    # Looked-after episodes only: the local authority in whose area the child is placed, as
    # the SSDA903 return's PL_LA gives it (the latest placement of the episode's 903 rows).
    placement_la = models.CharField(
        "Placement local authority",
        max_length=9,
        blank=True,
        default="",
        db_default="",
        help_text="Looked-after children only: the LA code of the area the child is placed in",
    )

    data_categories = declare(
        social_care=[
            "cohort",
            "legal_status",
            "plac_route",
            "start_date",
            "end_date",
            "closure_date",
            "placement_la",
        ],
        not_personal=["id", "child"],
    )

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="episode_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(closure_date__isnull=True)
                | Q(cohort=Cohort.CIN, closure_date__gte=F("start_date")),
                name="episode_closure_cin_only",
            ),
            models.CheckConstraint(
                condition=(Q(cohort=Cohort.CLA) & ~Q(legal_status=""))
                | (~Q(cohort=Cohort.CLA) & Q(legal_status="")),
                name="episode_legal_status_cla_only",
            ),
            models.CheckConstraint(
                condition=Q(placement_la="") | Q(cohort=Cohort.CLA),
                name="episode_placement_la_cla_only",
            ),
            models.CheckConstraint(
                condition=(Q(cohort=Cohort.PLAC) & ~Q(plac_route=""))
                | (~Q(cohort=Cohort.PLAC) & Q(plac_route="")),
                name="episode_plac_route_plac_only",
            ),
            ExclusionConstraint(
                name="episode_no_overlap_in_cohort",
                expressions=[
                    ("child", RangeOperators.EQUAL),
                    ("cohort", RangeOperators.EQUAL),
                    (_inclusive_range("start_date", "end_date"), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_cohort_display()} episode {self.pk}"

    def is_open_on(self, on: date) -> bool:
        return spans.is_open(self.start_date, self.end_date, on)


class Allocation(ChildOwnedMixin, models.Model):
    """A caseworker responsible for a child from a date. Open allocations grant access."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="allocations")
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    data_categories = declare(
        social_care=["caseworker", "start_date", "end_date"],
        not_personal=["id", "child"],
    )

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="allocation_ends_after_start",
            ),
            ExclusionConstraint(
                name="allocation_no_overlap",
                expressions=[
                    ("child", RangeOperators.EQUAL),
                    ("caseworker", RangeOperators.EQUAL),
                    (_inclusive_range("start_date", "end_date"), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"Allocation {self.pk}"


class AccessLogEntry(models.Model):
    """One view of (or refused attempt at) a child's record: who, when, which child, outcome.

    `child_id` is not a foreign key so that refused attempts at ids that do not exist are
    logged too; retention deletes a child's entries by this column.
    """

    class Outcome(models.TextChoices):
        VIEWED = "viewed", "Viewed"
        DENIED = "denied", "Refused"

    child_id = models.UUIDField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=6, choices=Outcome.choices)
    page = models.CharField(max_length=50)

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name_plural = "access log entries"
        indexes = [models.Index(fields=["user", "-occurred_at"], name="accesslog_user_idx")]

    def __str__(self) -> str:
        return f"Access {self.pk}"


class BatchEvent(models.Model):
    """The audit record of a bulk write that django-auditlog cannot see (STYLE.md 10).

    Attendance sessions are written in bulk, so the service that writes them records one event:
    who, when, which child (for a per-child batch; retention deletes by `child_id`), how many
    rows, the dates they cover, and what else the batch needs to say (e.g. an import's file
    hash) in `details`. `details` never holds personal data.
    """

    class Kind(models.TextChoices):
        ATTENDANCE = "attendance", "Attendance recorded"
        IMPORT = "import", "File imported"  # a file's batch of attendance, for all its children
        IMPORTED = "imported", "Imported from a file"  # one per child per import: its history
        SCHOOLS = "schools", "Schools register updated"  # one per school created or changed
        # A batch of children a social care return added in bulk (records/services/children_bulk.py)
        RETURN = "return", "Return imported in bulk"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    occurred_at = models.DateTimeField(auto_now_add=True)
    child_id = models.UUIDField(null=True, blank=True, db_index=True)
    rows = models.PositiveIntegerField(default=0)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"Batch event {self.pk}"
