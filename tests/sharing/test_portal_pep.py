"""The designated teacher's part of the PEP in the school portal (issue 15): for the children
of the portal's cohort today, under an agreement that releases education plans, the teacher
writes pupil voice, education and targets and submits the plan; the records services accept
them as the owner of those sections only; the care section's confidential fields are shown
only when the agreement releases social care; every view is a disclosure; their home page
lists the plans waiting for them."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from records.models import AccessLogEntry, Enrolment, Pep, PepEvent, PepTarget
from records.models.pep import PepStatus
from records.services import pep as pep_services
from sharing.models import DisclosureChild, DisclosureLogEntry
from tests.conftest import signed_in
from tests.factories import PASSWORD
from tests.sharing import test_portal as portal_tests
from tests.sharing.test_portal import (
    DAY,
    OTHER_URN,
    _agreement,
    _pupil,
    _school_organisation,
    _teacher,
)
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db

PLANS = ["identity", "attendance", "attainment", "education_plans"]


# The portal tests' day and people (pytest finds fixtures by module attribute).
_on_the_day = portal_tests._on_the_day
school = portal_tests.school
other_school = portal_tests.other_school
organisation = portal_tests.organisation
teacher = portal_tests.teacher


@pytest.fixture
def agreement(admin_user, admin2, organisation):
    return _agreement(admin_user, admin2, organisation, categories=PLANS)


@pytest.fixture
def pupil(school):
    return _pupil(school, first_name="Ada", last_name="Lovelace")


@pytest.fixture
def plan(manager, pupil):
    started = pep_services.pep_start(actor=manager, child=pupil)
    return pep_services.pep_section_update(
        actor=manager,
        plan=started,
        section="care",
        expected_version=started.version,
        care_placement="Foster placement since March, stable",
        care_plan="Contact with mum fortnightly",
        care_for_school="Collected by the carer on Fridays",
    )


def _url(child) -> str:
    return reverse("portal:pep", kwargs={"pk": child.pk})


def _fresh(plan) -> Pep:
    return Pep.objects.get(pk=plan.pk)


def _education(plan, **values) -> dict[str, str]:
    return {
        "form": "section-education",
        "expected_version": str(_fresh(plan).version),
        **{f"section-education-{name}": value for name, value in values.items()},
    }


# --- The teacher writes their sections and submits ------------------------------------------


def test_the_teacher_edits_education_and_submits(agreement, teacher, plan):
    client = signed_in(teacher)
    page = client.get(_url(plan.child))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ada Lovelace" in text
    assert 'name="section-education-edu_needs"' in text
    assert 'name="section-pupil_voice-voice_words"' in text
    # Care is read-only: no form of it.
    assert 'value="section-care"' not in text and "Collected by the carer on Fridays" in text

    saved = client.post(_url(plan.child), _education(plan, edu_needs="Phonics catch-up"))
    assert saved.status_code == 302 and saved["Location"] == _url(plan.child)
    edited = _fresh(plan)
    assert edited.edu_needs == "Phonics catch-up"
    assert edited.status == PepStatus.IN_PROGRESS
    event = PepEvent.objects.filter(plan=plan, action="section").latest("id")
    # The teacher is the owner: nobody's behalf.
    assert (event.actor, event.section, event.on_behalf_of) == (teacher, "education", "")
    audit = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Pep), object_pk=str(plan.pk)
    ).latest("id")
    assert audit.actor == teacher and "edu_needs" in audit.changes_dict

    submitted = client.post(
        _url(plan.child),
        {"form": "submit", "submit-expected_version": str(edited.version)},
    )
    assert submitted.status_code == 302
    assert _fresh(plan).status == PepStatus.SUBMITTED
    event = PepEvent.objects.get(plan=plan, action="submitted")
    assert (event.actor, event.from_status, event.to_status, event.on_behalf_of) == (
        teacher,
        "in_progress",
        "submitted",
        "",
    )
    # Submitted, the plan is no longer the teacher's to write.
    assert 'name="section-education-edu_needs"' not in client.get(_url(plan.child)).content.decode()


def test_the_teacher_adds_a_target(agreement, teacher, plan):
    client = signed_in(teacher)
    response = client.post(
        _url(plan.child),
        {
            "form": "target",
            "target-target": "Read a chapter book each fortnight",
            "target-owner": "Class teacher",
            "target-due_by_0": "20",
            "target-due_by_1": "7",
            "target-due_by_2": "2026",
        },
    )
    assert response.status_code == 302
    target = PepTarget.objects.get(plan=plan)
    assert (target.target, target.due_by) == (
        "Read a chapter book each fortnight",
        datetime.date(2026, 7, 20),
    )
    assert PepEvent.objects.filter(plan=plan, action="target", actor=teacher).exists()


def test_every_error_at_once_in_the_error_summary(agreement, teacher, plan):
    response = signed_in(teacher).post(
        _url(plan.child), {"form": "target", "target-success_measure": "Reads fluently"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "govuk-error-summary" in text and "<title>Error: " in text
    summary = text.split('class="govuk-error-summary"', 1)[1].split("</div>", 3)
    summary = "".join(summary)
    for message in (
        "Enter the target",
        "Enter who is responsible for the target",
        "Enter the date the target is to be met by",
    ):
        assert message in summary
        # Beside its field too.
        assert text.count(message) >= 2, message
    assert not PepTarget.objects.exists()


def test_a_stale_page_is_refused_and_nothing_is_saved(agreement, teacher, plan):
    client = signed_in(teacher)
    data = _education(plan, edu_needs="First")
    assert client.post(_url(plan.child), data).status_code == 302
    again = client.post(_url(plan.child), {**data, "section-education-edu_needs": "Second"})
    assert again.status_code == 200 and b"govuk-error-summary" in again.content
    assert _fresh(plan).edu_needs == "First"


# --- The services check the owner themselves ------------------------------------------------


def test_the_teacher_cannot_write_care_sdq_or_qa(agreement, teacher, plan):
    before = _fresh(plan)
    with pytest.raises(DomainError) as care:
        pep_services.pep_section_update(
            actor=teacher,
            plan=before,
            section="care",
            expected_version=before.version,
            care_for_school="Changed by the school",
        )
    assert "social worker" in care.value.message_dict["section"][0]
    with pytest.raises(DomainError) as sdq:
        pep_services.pep_section_update(
            actor=teacher, plan=before, section="sdq", expected_version=before.version, sdq_score=3
        )
    assert "section" in sdq.value.message_dict
    submitted = pep_services.pep_submit(actor=teacher, plan=before, expected_version=before.version)
    with pytest.raises(DomainError) as qa:
        pep_services.pep_qa_rate(
            actor=teacher,
            plan=submitted,
            expected_version=submitted.version,
            rating="green",
            feedback="Self-assessed",
        )
    assert "qa_rating" in qa.value.message_dict
    with pytest.raises(DomainError):
        pep_services.pep_complete(actor=teacher, plan=submitted, expected_version=submitted.version)
    after = _fresh(plan)
    assert (after.care_for_school, after.sdq_score, after.qa_rating, after.status) == (
        "Collected by the carer on Fridays",
        None,
        "",
        PepStatus.SUBMITTED,
    )
    # The page offers no form for them, and a post naming one is a 404.
    client = signed_in(teacher)
    for form in ("section-care", "section-sdq", "qa", "complete", "return"):
        assert client.post(_url(plan.child), {"form": form}).status_code == 404, form


def test_a_teacher_of_another_school_gets_404_and_the_service_refuses(
    agreement, admin_user, admin2, other_school, plan
):
    theirs = _school_organisation(admin_user, OTHER_URN, other_school.name)
    _agreement(admin_user, admin2, theirs, categories=PLANS)
    other_teacher = _teacher(theirs, username="other_teacher")
    client = signed_in(other_teacher)
    assert client.get(_url(plan.child)).status_code == 404
    assert client.post(_url(plan.child), _education(plan, edu_needs="x")).status_code == 404
    assert AccessLogEntry.objects.filter(
        child_id=plan.child.pk, user=other_teacher, outcome="denied", page="portal-pep"
    ).exists()
    with pytest.raises(DomainError) as refused:
        pep_services.pep_section_update(
            actor=other_teacher,
            plan=plan,
            section="education",
            expected_version=plan.version,
            edu_needs="Not mine",
        )
    assert "designated teacher" in refused.value.message_dict["section"][0]
    assert _fresh(plan).edu_needs == ""
    assert not DisclosureLogEntry.objects.exists()


def test_left_the_roll_today_is_a_404_today_and_the_service_refuses(agreement, teacher, plan):
    client = signed_in(teacher)
    assert client.get(_url(plan.child)).status_code == 200
    Enrolment.objects.filter(child=plan.child).update(end_date=DAY - datetime.timedelta(days=1))
    assert client.get(_url(plan.child)).status_code == 404
    with pytest.raises(DomainError):
        pep_services.pep_section_update(
            actor=teacher,
            plan=_fresh(plan),
            section="education",
            expected_version=_fresh(plan).version,
            edu_needs="After leaving",
        )
    assert _fresh(plan).edu_needs == ""


def test_without_education_plans_in_the_agreement_there_is_no_pep(
    admin_user, admin2, organisation, teacher, plan
):
    _agreement(admin_user, admin2, organisation)  # identity, attendance, attainment
    client = signed_in(teacher)
    assert client.get(_url(plan.child)).status_code == 404
    assert (
        b"Open the current plan"
        not in client.get(reverse("portal:child", kwargs={"pk": plan.child.pk})).content
    )
    with pytest.raises(DomainError):
        pep_services.pep_submit(actor=teacher, plan=plan, expected_version=plan.version)


def test_the_child_page_links_to_the_current_plan(agreement, teacher, plan):
    page = signed_in(teacher).get(reverse("portal:child", kwargs={"pk": plan.child.pk}))
    text = page.content.decode()
    assert _url(plan.child) in text and "Summer 2026" in text
    # The plan's own fields are on its page, not here.
    assert "Foster placement" not in text and "Collected by the carer" not in text


def test_staff_get_404(agreement, plan, manager, caseworker):
    for user in (manager, caseworker):
        assert signed_in(user).get(_url(plan.child)).status_code == 404


def test_no_plan_yet_says_so(agreement, teacher, pupil):
    page = signed_in(teacher).get(_url(pupil))
    assert page.status_code == 200 and b'id="no-plan"' in page.content
    assert signed_in(teacher).post(_url(pupil), {"form": "submit"}).status_code == 404


# --- The returned reason ---------------------------------------------------------------------


def test_the_teacher_sees_why_a_plan_came_back(agreement, teacher, plan, manager):
    submitted = pep_services.pep_submit(actor=teacher, plan=plan, expected_version=plan.version)
    pep_services.pep_return(
        actor=manager,
        plan=submitted,
        expected_version=submitted.version,
        reason="The targets need dates the child can understand",
    )
    client = signed_in(teacher)
    page = client.get(_url(plan.child))
    text = page.content.decode()
    assert 'id="returned"' in text
    assert "The targets need dates the child can understand" in text
    assert 'name="section-education-edu_needs"' in text  # writable again
    home = client.get(reverse("home")).content.decode()
    assert 'id="plans-waiting"' in home
    assert "Ada Lovelace: Summer 2026, returned" in home
    assert "The targets need dates the child can understand" in home


# --- Confidential care fields ---------------------------------------------------------------


def test_the_care_sections_confidential_fields_are_not_shown_without_social_care(
    agreement, teacher, plan
):
    text = signed_in(teacher).get(_url(plan.child)).content.decode()
    assert "Collected by the carer on Fridays" in text
    for absent in (
        "Foster placement since March",
        "Contact with mum fortnightly",
        "care_placement",
        "care_plan",
        "Placement and its stability",
        "Care plan and contact arrangements",
    ):
        assert absent not in text, absent
    entry = DisclosureLogEntry.objects.get()
    assert "records_pep.care_for_school" in entry.fields
    assert "records_pep.care_placement" not in entry.fields


def test_an_agreement_releasing_social_care_shows_them(
    admin_user, admin2, organisation, teacher, plan
):
    _agreement(admin_user, admin2, organisation, categories=[*PLANS, "social_care"])
    text = signed_in(teacher).get(_url(plan.child)).content.decode()
    for shown in (
        "Foster placement since March",
        "Contact with mum fortnightly",
        "Placement and its stability",
    ):
        assert shown in text, shown
    entry = DisclosureLogEntry.objects.get()
    assert {"records_pep.care_placement", "records_pep.care_plan"} <= set(entry.fields)


# --- Every view is a disclosure --------------------------------------------------------------


def test_each_view_is_a_disclosure_with_the_fields_shown(agreement, teacher, plan):
    page = signed_in(teacher).get(_url(plan.child))
    entry = DisclosureLogEntry.objects.get()
    assert (entry.agreement, entry.recipient, entry.format) == (agreement, teacher, "html")
    assert list(DisclosureChild.objects.values_list("child_id", flat=True)) == [plan.child.pk]
    assert "records_child.first_name" in entry.fields
    assert "records_pep.edu_needs" in entry.fields and "records_pep.voice_words" in entry.fields
    assert "records_pep.snapshot" not in entry.fields  # not on the page
    assert entry.sha256 == hashlib.sha256(page.content).hexdigest()
    assert entry.size == len(page.content)
    assert AccessLogEntry.objects.filter(
        child_id=plan.child.pk, user=teacher, outcome="viewed", page="portal-pep"
    ).exists()


# --- The home page ---------------------------------------------------------------------------


def test_the_home_page_lists_the_plans_waiting(agreement, teacher, plan, school, manager):
    done = _pupil(school, first_name="Grace", last_name="Hopper")
    finished = pep_services.pep_start(actor=manager, child=done)
    Pep.objects.filter(pk=finished.pk).update(status=PepStatus.SUBMITTED)
    page = signed_in(teacher).get(reverse("home"))
    text = page.content.decode()
    assert "Ada Lovelace: Summer 2026, in progress" in text
    assert _url(plan.child) in text
    assert "Grace Hopper" not in text  # submitted: the virtual school's now
    entry = DisclosureLogEntry.objects.get()
    assert list(DisclosureChild.objects.values_list("child_id", flat=True)) == [plan.child.pk]
    assert "records_pep.status" in entry.fields
    # Staff see none of it.
    assert b"plans-waiting" not in signed_in(manager).get(reverse("home")).content


def test_the_home_page_says_when_nothing_waits(agreement, teacher):
    page = signed_in(teacher).get(reverse("home"))
    assert b'id="plans-waiting-none"' in page.content
    assert not DisclosureLogEntry.objects.exists()


# --- A fixed number of queries ---------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 6])
def test_the_pep_page_reads_in_a_fixed_number_of_queries(
    size, agreement, teacher, plan, manager, school, django_assert_num_queries
):
    for number in range(size):
        pep_services.pep_target_add(
            actor=manager,
            plan=_fresh(plan),
            target=f"Target {number}",
            owner="Class teacher",
            due_by=datetime.date(2026, 7, 1),
        )
        _pupil(school)
    client = signed_in(teacher)
    with django_assert_num_queries(PEP_QUERIES):
        assert client.get(_url(plan.child)).status_code == 200


# The request's session, user and devices; the membership; the agreement; the release's
# check; the child; the plan; its targets, the previous plan's and its history; the access
# log; the disclosure (its entry and its children, in a transaction).
PEP_QUERIES = 18


# --- The demo --------------------------------------------------------------------------------


def test_the_demo_school_user_sees_a_plan_in_progress():
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("seed_demo", children=40, password=PASSWORD, verbosity=0)
    teacher = get_user_model().objects.get(username="school")
    client = signed_in(teacher)
    home = client.get(reverse("home")).content.decode()
    assert 'id="plans-waiting"' in home and ", in progress</a>" in home
    plan = Pep.objects.get(status=PepStatus.IN_PROGRESS, events__actor=teacher)
    page = client.get(_url(plan.child))
    assert page.status_code == 200 and b"Homework club" in page.content
