"""Recipient organisations, their users, sharing agreements and per-child restrictions.

Each flow of data out of the service rests on an agreement an Admin drafts and a second Admin
approves (issue 13; docs/adr/0009-sharing-agreements.md). Everything here is written by
sharing.services alone; the check constraints repeat the services' rules so that no other
path can store what they refuse.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from records.categories import DataCategory, declare
from records.codes import Cohort
from records.models import ChildOwnedMixin


class RecipientType(models.TextChoices):
    """Who the privacy notice says the authority routinely shares with (DESIGN.md, "Who it
    shares with, and why"; issue 13)."""

    DFE = "dfe", "Department for Education"
    YOUTH_SUPPORT = "youth_support", "Youth support service"
    POST_16 = "post_16", "Post-16 education or training provider"
    OTHER_LA = "other_la", "Another local authority"
    HEALTH = "health", "Health agency (including school nursing)"
    SCHOOL = "school", "School or other setting"
    COUNCIL = "council", "Council social care or education service"
    NHS_TRUST = "nhs_trust", "NHS trust"


class IdentifierKind(models.TextChoices):
    """How an organisation is identified; sharing.validation checks each one's shape."""

    URN = "urn", "URN"
    UKPRN = "ukprn", "UKPRN"
    LA_CODE = "la_code", "LA code"
    ODS = "ods", "ODS code"


class RecipientOrganisation(models.Model):
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=RecipientType.choices)
    identifier_kind = models.CharField(
        "Identifier", max_length=10, choices=IdentifierKind.choices, blank=True
    )
    identifier = models.CharField("Identifier value", max_length=10, blank=True)
    # An authority known by its LA code may also give its ONS code: the SSDA903 return's PL_LA
    # (the area a child is placed in) can carry either, so "placed in its area" matches both.
    ons_code = models.CharField("ONS code", max_length=9, blank=True)
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField(max_length=254)
    contact_phone = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                # One council's youth support service and its social care share an LA code.
                fields=["type", "identifier_kind", "identifier"],
                condition=~Q(identifier=""),
                name="organisation_identifier_unique",
            ),
            models.CheckConstraint(
                condition=Q(identifier_kind="", identifier="")
                | (~Q(identifier_kind="") & ~Q(identifier="")),
                name="organisation_identifier_kind_with_value",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RecipientMembership(models.Model):
    """A recipient user belongs to exactly one organisation (the one-to-one), and nobody has
    the Recipient role without one: sharing.services writes both in one transaction."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recipient_membership"
    )
    organisation = models.ForeignKey(
        RecipientOrganisation, on_delete=models.PROTECT, related_name="members"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Membership {self.pk}"


class LawfulBasis(models.TextChoices):
    """UK GDPR Article 6(1)."""

    CONSENT = "6_1_a", "Article 6(1)(a): consent"
    CONTRACT = "6_1_b", "Article 6(1)(b): contract"
    LEGAL_OBLIGATION = "6_1_c", "Article 6(1)(c): legal obligation"
    VITAL_INTERESTS = "6_1_d", "Article 6(1)(d): vital interests"
    PUBLIC_TASK = "6_1_e", "Article 6(1)(e): public task"
    LEGITIMATE_INTERESTS = "6_1_f", "Article 6(1)(f): legitimate interests"


class Article9Condition(models.TextChoices):
    """UK GDPR Article 9(2), for special category data."""

    EXPLICIT_CONSENT = "9_2_a", "Article 9(2)(a): explicit consent"
    SOCIAL_PROTECTION = (
        "9_2_b",
        "Article 9(2)(b): employment, social security and social protection",
    )
    VITAL_INTERESTS = "9_2_c", "Article 9(2)(c): vital interests"
    NOT_FOR_PROFIT = "9_2_d", "Article 9(2)(d): not-for-profit bodies"
    MADE_PUBLIC = "9_2_e", "Article 9(2)(e): made public by the data subject"
    LEGAL_CLAIMS = "9_2_f", "Article 9(2)(f): legal claims or judicial acts"
    SUBSTANTIAL_PUBLIC_INTEREST = "9_2_g", "Article 9(2)(g): substantial public interest"
    HEALTH_OR_SOCIAL_CARE = "9_2_h", "Article 9(2)(h): health or social care"
    PUBLIC_HEALTH = "9_2_i", "Article 9(2)(i): public health"
    ARCHIVING_RESEARCH_STATISTICS = "9_2_j", "Article 9(2)(j): archiving, research or statistics"


class Statute(models.TextChoices):
    """The statutes a flow rests on: those the privacy notice names (issue 13), and the
    Acts a virtual school's duties come from."""

    EA1996_S507B = "ea1996_s507b", "Education Act 1996, section 507B"
    EA1996_S537A = "ea1996_s537a", "Education Act 1996, section 537A"
    ESA2008 = "esa2008_p1_2", "Education and Skills Act 2008, parts 1 and 2"
    IAIP2013 = (
        "iaip2013",
        ("The Education (Information About Individual Pupils) (England) Regulations 2013"),
    )
    CA1989 = "ca1989", "Children Act 1989"
    CA2004 = "ca2004", "Children Act 2004"
    CFA2014 = "cfa2014", "Children and Families Act 2014"
    CSWA2017 = "cswa2017", "Children and Social Work Act 2017"
    CPPCR2010 = (
        "cppcr2010",
        ("The Care Planning, Placement and Case Review (England) Regulations 2010"),
    )


class Mode(models.TextChoices):
    IDENTIFIABLE = "identifiable", "Identifiable"
    PSEUDONYMISED = "pseudonymised", "Pseudonymised"
    STATISTICS = "statistics", "Statistics only"


class Scope(models.TextChoices):
    """Which children of the legal statuses and ages covered the recipient sees, by what it
    is to them (issue 13, "Cohort rules are structured fields")."""

    ALL = "all", "Every child the legal statuses and ages cover"
    SCHOOL_ROLL = "school_roll", "Children on the school's roll that day"
    LA_RESPONSIBLE_OR_PLACED = (
        "la",
        ("Children the authority is responsible for, or who are placed in its area"),
    )
    POST_16 = "post_16", "Children enrolled with the provider, or of post-16 age"


class AgreementState(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    SUSPENDED = "suspended", "Suspended"


class SharingAgreement(models.Model):
    """What one recipient organisation may receive, why, on what legal basis, and for which
    children. A draft until a second Admin approves it; suspended at once; expired after its
    valid_to (derived, never stored). The ICO's Data Sharing Code of Practice (2021), "Data
    sharing agreements", lists what an agreement records."""

    name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        RecipientOrganisation, on_delete=models.PROTECT, related_name="agreements"
    )
    purpose = models.TextField()
    lawful_basis = models.CharField(
        "Lawful basis (UK GDPR Article 6)", max_length=5, choices=LawfulBasis.choices
    )
    article9_condition = models.CharField(
        "Article 9 condition", max_length=5, choices=Article9Condition.choices, blank=True
    )
    statutes = ArrayField(models.CharField(max_length=20, choices=Statute.choices), default=list)
    categories = ArrayField(
        models.CharField(max_length=20, choices=DataCategory.choices), default=list
    )
    legal_statuses = ArrayField(
        models.CharField(max_length=4, choices=Cohort.choices), default=list
    )
    min_age = models.PositiveSmallIntegerField("Minimum age", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("Maximum age", null=True, blank=True)
    # Young people with an EHC plan stay in the cohort past max_age, until this birthday
    # (youth support under Education Act 1996 s507B: aged 13 to 19, or under 25 with an EHC
    # plan). Null: an EHC plan changes nothing.
    ehc_plan_until_age = models.PositiveSmallIntegerField(
        "With an EHC plan, until their birthday at this age", null=True, blank=True
    )
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.ALL)
    # A post-16 provider's scope: its own enrolments, and also every child of post-16 age
    # when this is set.
    include_all_post_16_age = models.BooleanField("Also every child of post-16 age", default=False)
    mode = models.CharField(max_length=13, choices=Mode.choices)
    retention_months = models.PositiveSmallIntegerField("Recipient may keep the data (months)")
    dpia_reference = models.CharField("DPIA reference", max_length=100)
    valid_from = models.DateField()
    valid_to = models.DateField()
    review_date = models.DateField()
    state = models.CharField(max_length=9, choices=AgreementState.choices, default="draft")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(lawful_basis=""), name="agreement_has_lawful_basis"
            ),
            models.CheckConstraint(
                condition=Q(categories__len__gt=0), name="agreement_has_categories"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="agreement_valid_to_after_from"
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(max_age__gte=F("min_age")),
                name="agreement_age_range_in_order",
            ),
            models.CheckConstraint(
                condition=Q(ehc_plan_until_age__isnull=True)
                | Q(
                    max_age__isnull=False,
                    ehc_plan_until_age__gt=F("max_age"),
                    ehc_plan_until_age__lte=25,
                ),
                name="agreement_ehc_plan_age_after_max_age",
            ),
            models.CheckConstraint(
                condition=Q(include_all_post_16_age=False) | Q(scope="post_16"),
                name="agreement_post_16_age_for_post_16_scope",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="agreement_approved_by_another",
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(approved_by__isnull=False),
                name="agreement_approved_has_approver",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_legal_statuses_labels(self) -> list[str]:
        return [Cohort(value).label for value in self.legal_statuses]

    def get_categories_labels(self) -> list[str]:
        return [DataCategory(value).label for value in self.categories]

    def get_statutes_labels(self) -> list[str]:
        return [Statute(value).label for value in self.statutes]

    def is_expired_on(self, day: datetime.date) -> bool:
        return day > self.valid_to

    def is_active_on(self, day: datetime.date) -> bool:
        return self.state == AgreementState.APPROVED and self.valid_from <= day <= self.valid_to

    def status_on(self, day: datetime.date) -> str:
        """The state shown: an approved or suspended agreement past its end has expired."""
        if self.state != AgreementState.DRAFT and self.is_expired_on(day):
            return "Expired"
        if self.state == AgreementState.APPROVED and day < self.valid_from:
            return "Approved, not yet in force"
        return self.get_state_display()


class RestrictionKind(models.TextChoices):
    # The DfE's model privacy notice for local authorities: a parent, or the young person
    # from 16, may ask that only the name, address and date of birth be passed to youth
    # support services (Education Act 1996 s507B).
    NAME_ADDRESS_DOB_ONLY = "nad_only", "Name, address and date of birth only"
    DO_NOT_SHARE = "do_not_share", "Do not share with"


class RequestedBy(models.TextChoices):
    PARENT = "parent", "The child's parent or carer"
    CHILD = "child", "The child (aged 16 or over)"
    AUTHORITY = "authority", "The authority"


class RestrictionFields(models.Model):
    """What a restriction is, who asked for it and why, and who recorded it: the same in
    force (SharingRestriction) and once removed (RemovedSharingRestriction)."""

    kind = models.CharField(max_length=12, choices=RestrictionKind.choices)
    recipient_type = models.CharField(max_length=20, choices=RecipientType.choices, blank=True)
    requested_by = models.CharField(max_length=9, choices=RequestedBy.choices)
    reason = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        abstract = True


class SharingRestriction(ChildOwnedMixin, RestrictionFields):
    """One restriction on what is shared about one child, with its reason, who asked, who
    recorded it and when. "Name, address and date of birth only" applies to youth support
    services; "do not share with" names a type of recipient."""

    child = models.ForeignKey(
        "records.Child", on_delete=models.CASCADE, related_name="sharing_restrictions"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    data_categories = declare(
        identity=["kind", "recipient_type", "requested_by", "reason"],
        not_personal=["id", "child", "recorded_by", "recorded_at"],
    )

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="nad_only", recipient_type="youth_support")
                | (Q(kind="do_not_share") & ~Q(recipient_type="")),
                name="restriction_recipient_type_fits_kind",
            ),
            models.UniqueConstraint(
                fields=["child", "kind", "recipient_type"], name="restriction_once_per_child"
            ),
        ]

    def __str__(self) -> str:
        return f"Sharing restriction {self.pk}"


class SharingChange(models.Model):
    """One change to an organisation, a recipient's membership or an agreement: who, when,
    which field, before and after (as staff.StaffChange). Written by sharing.services alone,
    in the change's transaction; never edited. Names no child."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        RecipientOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
    )
    agreement = models.ForeignKey(
        SharingAgreement, on_delete=models.PROTECT, null=True, blank=True, related_name="changes"
    )
    at = models.DateTimeField(auto_now_add=True)
    field = models.CharField(max_length=40)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(agreement__isnull=False),
                name="sharing_change_has_subject",
            )
        ]

    def __str__(self) -> str:
        return f"Sharing change {self.pk} ({self.field})"


class AgreementToken(models.Model):
    """A machine client's key to one agreement's datasets. Only the SHA-256 of the random
    secret is kept: the secret is shown once, when an Admin issues it. Refused once expired
    or revoked (sharing.services.token_issue, token_revoke; sharing.api)."""

    agreement = models.ForeignKey(SharingAgreement, on_delete=models.PROTECT, related_name="tokens")
    name = models.CharField(max_length=100)
    # The first characters of the secret, to tell tokens apart on the page.
    prefix = models.CharField(max_length=12)
    secret_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Token {self.prefix}… ({self.name})"


class DisclosureLogEntry(models.Model):
    """One release of an agreement's dataset: to whom (a recipient user or a token), when,
    which fields, how many records, and the SHA-256 of exactly the bytes sent. Written by
    sharing.services.disclosure_record when the stream ends; `complete` is False when the
    connection broke part way (the hash is then of what had been handed to the server).
    The children are DisclosureChild rows, so destroying a child removes them."""

    agreement = models.ForeignKey(
        SharingAgreement, on_delete=models.PROTECT, related_name="disclosures"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    token = models.ForeignKey(
        AgreementToken, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The extract file downloaded, when the release was one (sharing.extracts).
    extract = models.ForeignKey(
        "ExtractFile", on_delete=models.PROTECT, null=True, blank=True, related_name="downloads"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(auto_now_add=True)
    disclosure_date = models.DateField()
    mode = models.CharField(max_length=13, choices=Mode.choices)
    format = models.CharField(max_length=5)
    fields = ArrayField(models.CharField(max_length=120), default=list)
    row_count = models.PositiveIntegerField()
    child_count = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    complete = models.BooleanField()

    class Meta:
        ordering = ["-finished_at", "-pk"]
        verbose_name_plural = "disclosure log entries"
        indexes = [models.Index(fields=["agreement", "finished_at"], name="disclosure_agreement")]

    def __str__(self) -> str:
        return f"Disclosure {self.pk}"


class DisclosureChild(models.Model):
    """A child whose data one disclosure sent: the child's "Shared with" list, and what
    retention deletes with the child (in the data map, from SharingConfig.ready())."""

    entry = models.ForeignKey(DisclosureLogEntry, on_delete=models.CASCADE, related_name="children")
    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")

    data_categories = declare(not_personal=["id", "entry", "child"])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "child"], name="disclosure_child_once")
        ]
        indexes = [models.Index(fields=["child", "entry"], name="disclosure_child")]

    def __str__(self) -> str:
        return f"Disclosure {self.entry_id} of child {self.child_id}"


class RemovedSharingRestriction(ChildOwnedMixin, RestrictionFields):
    """A restriction that was removed: what it was, who recorded it and when, and who removed
    it, when and why. Written by sharing.services.restriction_remove in the transaction that
    deletes the SharingRestriction, so only restrictions in force are in that table (the
    cohort and the datasets read it as it is) and the child's page still shows the removed
    ones with their reasons. Never edited; deleted with the child."""

    child = models.ForeignKey(
        "records.Child", on_delete=models.CASCADE, related_name="removed_sharing_restrictions"
    )
    # When the restriction was recorded, copied from it.
    recorded_at = models.DateTimeField()
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    removed_at = models.DateTimeField(auto_now_add=True)
    removal_reason = models.TextField()

    data_categories = declare(
        identity=["kind", "recipient_type", "requested_by", "reason", "removal_reason"],
        not_personal=["id", "child", "recorded_by", "recorded_at", "removed_by", "removed_at"],
    )

    class Meta:
        ordering = ["-removed_at", "-pk"]

    def __str__(self) -> str:
        return f"Removed sharing restriction {self.pk}"


class ExtractStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    BUILDING = "building", "Being built"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired and deleted"


class ExtractFile(models.Model):
    """A file of one agreement's dataset (CSV or JSON Lines, exactly what the dataset endpoint
    streams: sharing.datasets), built in the background for the recipient's users to download
    (sharing.extracts). The download is the release: each one is a DisclosureLogEntry. The
    file is deleted from disk when it expires (settings.EXTRACTS_DAYS after it was built),
    and then its ExtractChild rows too; this row names no child and stays."""

    id = models.UUIDField(primary_key=True)
    agreement = models.ForeignKey(
        SharingAgreement, on_delete=models.PROTECT, related_name="extracts"
    )
    format = models.CharField(max_length=5)
    status = models.CharField(
        max_length=8, choices=ExtractStatus.choices, default=ExtractStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    # The day (Europe/London) whose dataset the file holds.
    built_on = models.DateField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    stored_path = models.CharField(max_length=500, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    fields = ArrayField(models.CharField(max_length=120), default=list)
    row_count = models.PositiveIntegerField(default=0)
    child_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=["csv", "jsonl"]), name="extract_format_known"
            )
        ]

    def __str__(self) -> str:
        return f"Extract {self.pk}"

    @property
    def finished(self) -> bool:
        return self.status not in (ExtractStatus.QUEUED, ExtractStatus.BUILDING)


class ExtractChild(models.Model):
    """A child whose data one extract file holds: recorded when the file is built, so that
    each download logs exactly its children (sharing.services.disclosure_record). Deleted
    with the child (in the data map, from SharingConfig.ready()) and when the file expires;
    a file that has lost a child this way is never sent again."""

    extract = models.ForeignKey(ExtractFile, on_delete=models.CASCADE, related_name="children")
    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")

    data_categories = declare(not_personal=["id", "extract", "child"])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["extract", "child"], name="extract_child_once")
        ]
        indexes = [models.Index(fields=["child"], name="extract_child")]

    def __str__(self) -> str:
        return f"Extract {self.extract_id} of child {self.child_id}"
