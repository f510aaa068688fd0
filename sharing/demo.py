"""Demo data for sharing, added by seed_demo (virtualschool.demo): an organisation of each
recipient type with an agreement, and the recipient users youth, school, dfe, nhs and
otherla. Written through sharing.services, as the pages write them: `admin` drafts each
agreement and `admin2` approves it, except the health agency's, left a draft so the demo
shows an approval. Synthetic: no real organisation's contact.

What the machine recipients use (issue 13): an API token for the DfE's agreement, its secret
DEMO_API_TOKEN when that is set (`make run` keeps one in .run/demo-api-token and prints it),
else a new one printed once; and a CSV extract file ready for the youth support service to
download, built through sharing.extracts as an Admin's request builds it."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from records import spans
from records.calendar import years_after
from records.codes import Cohort
from records.demo import DEMO_LA_CODE, DEMO_PLACED_ELSEWHERE
from records.models import Pep, School
from records.models.pep import PepStatus
from records.services import pep as pep_services
from sharing import extracts, services
from sharing.cohort import cohort
from sharing.models import (
    AgreementToken,
    ExtractFile,
    ExtractStatus,
    RecipientOrganisation,
    SharingAgreement,
)
from sharing.portal import portal_for, releases_peps
from virtualschool.demo import DemoContext

# username, first name, last name, the organisation's key in ORGANISATIONS
RECIPIENT_USERS = (
    ("youth", "Jordan", "Ellis", "youth"),
    ("school", "Morgan", "Reid", "school"),
    ("dfe", "Casey", "Nolan", "dfe"),
    ("nhs", "Riley", "Patel", "nhs"),
    ("otherla", "Avery", "Quinn", "otherla"),
)

ORGANISATIONS: dict[str, dict[str, str]] = {
    "youth": {
        "name": "Northshire Youth Support Service",
        "type": "youth_support",
        "identifier_kind": "la_code",
        "identifier": DEMO_LA_CODE,
    },
    "dfe": {"name": "Department for Education", "type": "dfe"},
    "post16": {
        "name": "Northshire College",
        "type": "post_16",
        "identifier_kind": "ukprn",
        "identifier": "10099901",
    },
    "otherla": {
        "name": "Southshire Council",
        "type": "other_la",
        "identifier_kind": "la_code",
        "identifier": DEMO_PLACED_ELSEWHERE,
    },
    "health": {
        "name": "Northshire School Nursing Service",
        "type": "health",
        "identifier_kind": "ods",
        "identifier": "RX9N1",
    },
    "council": {
        "name": "Northshire Children's Social Care",
        "type": "council",
        "identifier_kind": "la_code",
        "identifier": DEMO_LA_CODE,
    },
    "nhs": {
        "name": "Northshire NHS Foundation Trust",
        "type": "nhs_trust",
        "identifier_kind": "ods",
        "identifier": "RX9",
    },
}

LOOKED_AFTER = [Cohort.CLA, Cohort.PLAC]
AGREEMENTS: dict[str, dict[str, Any]] = {
    "youth": {
        "name": "Youth support services (s507B)",
        "purpose": "Youth support services and careers advice for young people aged 13 to 19",
        "lawful_basis": "6_1_e",
        "statutes": ["ea1996_s507b", "esa2008_p1_2"],
        # What s507B provides for: name, address and date of birth (identity and contact).
        "categories": ["identity", "contact"],
        "legal_statuses": LOOKED_AFTER,
        "min_age": 13,
        "max_age": 19,
        # s507B: and young people under 25 with an EHC plan.
        "ehc_plan_until_age": 25,
        "mode": "identifiable",
        "retention_months": 24,
    },
    "school": {
        "name": "Designated teacher: children on roll",
        "purpose": "The designated teacher's duties for looked-after and previously "
        "looked-after children on the school's roll, and their personal education plans",
        "lawful_basis": "6_1_e",
        "statutes": ["ca1989", "cfa2014"],
        # Education plans: the designated teacher writes their part of the PEP (issue 15).
        "categories": ["identity", "attendance", "attainment", "education_plans"],
        "legal_statuses": LOOKED_AFTER,
        "scope": "school_roll",
        "mode": "identifiable",
        "retention_months": 12,
    },
    "dfe": {
        "name": "DfE statistical returns",
        "purpose": "Statutory returns on the outcomes of looked-after children",
        "lawful_basis": "6_1_c",
        "article9_condition": "9_2_j",
        "statutes": ["iaip2013", "ea1996_s537a"],
        "categories": ["attendance", "attainment", "behaviour", "characteristics"],
        "legal_statuses": [Cohort.CLA, Cohort.CIN],
        "mode": "statistics",
        "retention_months": 120,
    },
    "post16": {
        "name": "Post-16 participation",
        "purpose": "Tracking participation in education and training after 16",
        "lawful_basis": "6_1_e",
        "statutes": ["esa2008_p1_2"],
        "categories": ["identity", "post_16", "attainment"],
        "legal_statuses": LOOKED_AFTER,
        "scope": "post_16",
        # The college's own students (no demo school has its UKPRN) and everyone of post-16
        # age, for participation tracking.
        "include_all_post_16_age": True,
        "mode": "pseudonymised",
        "retention_months": 36,
    },
    "otherla": {
        "name": "Children placed in Southshire",
        "purpose": "Children the authority looks after who are placed in Southshire",
        "lawful_basis": "6_1_e",
        "statutes": ["ca1989", "cppcr2010"],
        "categories": ["identity", "social_care", "attendance"],
        "legal_statuses": [Cohort.CLA],
        "scope": "la",
        "mode": "identifiable",
        "retention_months": 24,
    },
    "health": {
        "name": "School nursing: health assessments",
        "purpose": "Health assessments of looked-after children by the school nursing service",
        "lawful_basis": "6_1_e",
        "article9_condition": "9_2_h",
        "statutes": ["ca1989", "cppcr2010"],
        "categories": ["identity", "health"],
        "legal_statuses": [Cohort.CLA],
        "mode": "identifiable",
        "retention_months": 96,
    },
    "council": {
        "name": "Children's social care: education outcomes",
        "purpose": "Social workers' view of the education of the children they work with",
        "lawful_basis": "6_1_e",
        "statutes": ["ca1989", "cswa2017"],
        "categories": ["attendance", "attainment", "behaviour"],
        "legal_statuses": [Cohort.CLA, Cohort.CIN, Cohort.CPP],
        "mode": "identifiable",
        "retention_months": 24,
    },
    "nhs": {
        "name": "NHS trust: statistics",
        "purpose": "Planning health services for looked-after children, from counts only",
        "lawful_basis": "6_1_e",
        "article9_condition": "9_2_i",
        "statutes": ["ca1989"],
        "categories": ["health", "characteristics"],
        "legal_statuses": [Cohort.CLA],
        "mode": "statistics",
        "retention_months": 60,
    },
}
# admin drafts every agreement and admin2 approves it, but for this one, left a draft so
# the demo shows an approval: admin2 can approve it, admin (its author) cannot.
LEFT_DRAFT = {"health"}
# The agreement whose machine client has the demo API token, and the one with an extract file.
TOKEN_FOR, TOKEN_NAME, TOKEN_DAYS = "dfe", "Demo statistics client", 365
EXTRACT_FOR = "youth"


def _demo_school(today: datetime.date) -> School | None:
    """The school with the most looked-after children on roll today."""
    return (
        School.objects.annotate(
            looked_after=Count(
                "enrolments__child",
                filter=spans.open_q(today, prefix="enrolments__")
                & Q(enrolments__child__episodes__cohort__in=LOOKED_AFTER),
                distinct=True,
            )
        )
        .filter(looked_after__gt=0)
        .order_by("-looked_after", "urn")
        .first()
    )


def _organisation(admin: Any, key: str, today: datetime.date) -> RecipientOrganisation | None:
    if key == "school":
        school = _demo_school(today)
        if school is None:
            return None
        values = {
            "name": school.name,
            "type": "school",
            "identifier_kind": "urn",
            "identifier": str(school.urn),
        }
    else:
        values = ORGANISATIONS[key]
    existing = RecipientOrganisation.objects.filter(type=values["type"], name=values["name"])
    if existing.exists():
        return existing.get()
    return services.organisation_add(
        actor=admin,
        contact_name="Demo contact",
        contact_email=f"{key}@example.invalid",
        **values,
    )


def _agreement(
    admin: Any, approver: Any, key: str, organisation, today: datetime.date
) -> SharingAgreement:
    values = AGREEMENTS[key]
    existing = SharingAgreement.objects.filter(organisation=organisation, name=values["name"])
    if existing.exists():
        return existing.get()
    start = datetime.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    agreement = services.agreement_draft(
        actor=admin,
        organisation=organisation,
        dpia_reference=f"DPIA-DEMO-{key.upper()}",
        valid_from=start,
        valid_to=years_after(start, 3) - datetime.timedelta(days=1),
        review_date=years_after(start, 1),
        **values,
    )
    if key not in LEFT_DRAFT:
        agreement = services.agreement_approve(actor=approver, agreement=agreement)
    return agreement


def _api_token(admin: Any, agreement: SharingAgreement, context: DemoContext) -> None:
    """The agreement's demo token: with DEMO_API_TOKEN, a token of that secret (unless one
    has it already); without, a new one unless the agreement has a live token, its secret
    printed once."""
    if context.api_token:
        if AgreementToken.objects.filter(
            secret_sha256=services.token_hash(context.api_token)
        ).exists():
            return
    elif AgreementToken.objects.filter(
        agreement=agreement, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).exists():
        return
    _, secret = services.token_issue(
        actor=admin,
        agreement=agreement,
        name=TOKEN_NAME,
        days=TOKEN_DAYS,
        secret=context.api_token or None,
    )
    if not context.api_token:
        context.notes.append(
            f"API token for {agreement.name!r} (shown once; set DEMO_API_TOKEN to choose it):"
            f" {secret}"
        )


def _extract_file(admin: Any, agreement: SharingAgreement) -> None:
    """A CSV extract file of the agreement ready to download, unless one is: requested and
    built through sharing.extracts (the build is done here, so the file is ready when the
    demo is; the queued task then finds it built and leaves it)."""
    if ExtractFile.objects.filter(
        agreement=agreement, status=ExtractStatus.READY, expires_at__gt=timezone.now()
    ).exists():
        return
    extract = extracts.extract_request(actor=admin, agreement=agreement, fmt="csv")
    extracts.extract_build(extract_id=extract.pk)


def _teacher_writes_a_plan(teacher: Any) -> None:
    """The school user's portal shows a plan in progress: the designated teacher writes the
    education section of one started plan of a child on the school's roll, through the PEP
    service as the portal does (unless one is in progress already)."""
    portal = portal_for(teacher)
    if portal is None or not releases_peps(portal.agreement):
        return
    children = cohort(portal.agreement, portal.on).children
    plans = Pep.objects.filter(child__in=children).order_by("child_id")
    if plans.filter(status=PepStatus.IN_PROGRESS).exists():
        return
    plan = plans.filter(status=PepStatus.NOT_STARTED).select_related("child").first()
    if plan is None:
        return
    pep_services.pep_section_update(
        actor=teacher,
        plan=plan,
        section="education",
        expected_version=plan.version,
        edu_attendance="Attendance is good this term; two late marks after the move.",
        edu_strengths="Reads widely; enjoys science practicals",
        edu_needs="Organising homework across the week",
        edu_interventions="Homework club on Tuesdays and Thursdays",
    )


def seed_sharing(context: DemoContext) -> dict[str, Any]:
    """The demo organisations, agreements and recipient users, a plan the school's
    designated teacher has begun, the DfE client's API token and the youth support
    service's extract file; safe to run again."""
    admin, approver = context.users["admin"], context.users["admin2"]
    organisations, agreements = {}, {}
    for key in ["school", *ORGANISATIONS]:
        organisation = _organisation(admin, key, context.today)
        if organisation is not None:
            organisations[key] = organisation
            agreements[key] = _agreement(admin, approver, key, organisation, context.today)
    _api_token(admin, agreements[TOKEN_FOR], context)
    _extract_file(admin, agreements[EXTRACT_FOR])
    users = {
        username: services.recipient_user_ensure(
            organisation=organisations[key],
            username=username,
            first_name=first,
            last_name=last,
            password=context.password,
        )
        for username, first, last, key in RECIPIENT_USERS
        if key in organisations
    }
    if "school" in users:
        _teacher_writes_a_plan(users["school"])
    return users
