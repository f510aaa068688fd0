"""Every URL x every role: who may use each page (STYLE.md 9, deny by default).

A new route must be added to CASES: the last test fails for any route not listed here.
"""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from records import services
from records.codes import Cohort
from records.services import pep as pep_services
from records.services import safeguarding
from sharing import services as sharing_services
from tests.factories import ChildFactory, UserFactory
from tests.records.imports.fake_importer import queued_run_of
from tests.retention.conftest import destroyed_child_certificate
from tests.sharing.conftest import agreement_values
from virtualschool.roles import Perm, Role

pytestmark = pytest.mark.django_db

ANON = "anonymous"
CASEWORKER = "caseworker"  # allocated the child, without the sensitive-categories permission
SENSITIVE_CASEWORKER = "caseworker with sensitive"  # allocated, with it
OTHER_CASEWORKER = "other caseworker"  # not allocated
MANAGER = "manager"
ADMIN = "admin"
ROLES = [ANON, CASEWORKER, SENSITIVE_CASEWORKER, OTHER_CASEWORKER, MANAGER, ADMIN]


def expect(anon, caseworker, sensitive, other, manager, admin):
    return dict(zip(ROLES, [anon, caseworker, sensitive, other, manager, admin], strict=True))


SIGNED_IN_ONLY = expect(302, 200, 200, 200, 200, 200)
ALLOCATED = expect(302, 200, 200, 404, 200, 404)
ALLOCATED_SENSITIVE = expect(302, 404, 200, 404, 200, 404)
MANAGERS = expect(302, 404, 404, 404, 200, 404)
POST_ONLY = expect(302, 405, 405, 405, 405, 405)
IMPORT_RUN = expect(302, 200, 404, 404, 200, 404)
DASHBOARDS = expect(302, 200, 200, 200, 200, 404)
ADMINS = expect(302, 404, 404, 404, 404, 200)

# (route name, URL kwargs from the world, expected GET status per role)
CASES = [
    ("home", None, SIGNED_IN_ONLY),
    ("healthz", None, dict.fromkeys(ROLES, 200)),
    ("sign-in", None, expect(200, 302, 302, 302, 302, 302)),
    # The second step: a session that has passed it is sent on (tests/virtualschool/
    # test_two_factor.py covers the session that has not); nobody has backup codes to see.
    ("sign-in-code", None, dict.fromkeys(ROLES, 302)),
    ("sign-in-set-up", None, dict.fromkeys(ROLES, 302)),
    ("sign-in-backup-codes", None, dict.fromkeys(ROLES, 302)),
    ("sign-out", None, expect(302, 405, 405, 405, 405, 405)),
    ("records:caseload", None, SIGNED_IN_ONLY),
    ("records:child-add", None, MANAGERS),
    # The list behind the home page's "new suspensions and exclusions": those who hold children.
    ("records:new-exclusions", None, DASHBOARDS),
    ("records:child-detail", lambda w: {"pk": w["child"].pk}, ALLOCATED),
    ("records:child-history", lambda w: {"pk": w["child"].pk}, ALLOCATED),
    ("records:episode-add", lambda w: {"pk": w["child"].pk}, ALLOCATED),
    ("records:allocation-add", lambda w: {"pk": w["child"].pk}, MANAGERS),
    (
        "records:allocation-end",
        lambda w: {"pk": w["child"].pk, "allocation_id": w["allocation"].pk},
        POST_ONLY,
    ),
    ("records:tab", lambda w: {"pk": w["child"].pk, "tab": "safeguarding"}, ALLOCATED_SENSITIVE),
    ("records:tab", lambda w: {"pk": w["child"].pk, "tab": "attendance"}, ALLOCATED),
    ("records:attendance-record", lambda w: {"pk": w["child"].pk}, ALLOCATED),
    ("records:tab", lambda w: {"pk": w["child"].pk, "tab": "pep"}, ALLOCATED),
    ("records:pep-start", lambda w: {"pk": w["child"].pk}, POST_ONLY),
    ("records:pep-plan", lambda w: {"pk": w["child"].pk, "plan": w["plan"].pk}, ALLOCATED),
    (
        "records:tab",
        lambda w: {"pk": w["child"].pk, "tab": "no-such-tab"},
        ALLOCATED_SENSITIVE | {SENSITIVE_CASEWORKER: 404, MANAGER: 404},
    ),
    (
        "records:section-add",
        lambda w: {"pk": w["child"].pk, "tab": "safeguarding", "section": "court-orders"},
        ALLOCATED_SENSITIVE,
    ),
    (
        "records:section-edit",
        lambda w: {
            "pk": w["child"].pk,
            "tab": "safeguarding",
            "section": "court-orders",
            "item": w["court_order"].pk,
        },
        ALLOCATED_SENSITIVE,
    ),
    (
        "records:section-remove",
        lambda w: {
            "pk": w["child"].pk,
            "tab": "safeguarding",
            "section": "court-orders",
            "item": w["court_order"].pk,
        },
        ALLOCATED_SENSITIVE,
    ),
    ("records:child-edit", lambda w: {"pk": w["child"].pk}, ALLOCATED),
    ("records:tab", lambda w: {"pk": w["child"].pk, "tab": "notes"}, ALLOCATED),
    ("records:tab", lambda w: {"pk": w["child"].pk, "tab": "health"}, ALLOCATED_SENSITIVE),
    # Imports: caseworkers and managers; a run is seen by whoever started it ("c") and managers.
    # Admins import the schools register only (issue 11), so they reach these two pages.
    ("records:imports", None, expect(302, 200, 200, 200, 200, 200)),
    ("records:import-new", None, expect(302, 200, 200, 200, 200, 200)),
    ("records:import-detail", lambda w: {"pk": queued_run_of("c").pk}, IMPORT_RUN),
    ("records:import-progress", lambda w: {"pk": queued_run_of("c").pk}, IMPORT_RUN),
    ("records:import-rejections-csv", lambda w: {"pk": queued_run_of("c").pk}, IMPORT_RUN),
    ("records:import-again", lambda w: {"pk": queued_run_of("c").pk}, POST_ONLY),
    # A kind's template and format: whoever may import that kind (issue 16).
    ("records:import-template", lambda w: {"template": "attendance"}, DASHBOARDS),
    ("records:import-template", lambda w: {"template": "schools"}, MANAGERS | {ADMIN: 200}),
    ("records:import-format", lambda w: {"kind": "attendance"}, DASHBOARDS),
    ("records:import-format", lambda w: {"kind": "schools"}, MANAGERS | {ADMIN: 200}),
    # Dashboards: managers over everyone, caseworkers over their own caseload, admins not.
    # Pupil Premium Plus: Admins (by school) and Managers.
    ("ppplus:position", None, expect(302, 404, 404, 404, 200, 200)),
    ("ppplus:queue", None, expect(302, 404, 404, 404, 200, 200)),
    ("dashboards:attendance", None, DASHBOARDS),
    ("dashboards:attendance-children", None, DASHBOARDS),
    ("dashboards:exclusions", None, DASHBOARDS),
    ("dashboards:exclusions-children", None, DASHBOARDS),
    ("dashboards:attainment", None, DASHBOARDS),
    # Without ?figure= there is no list to show (tests/records/dashboards/ cover it with one).
    ("dashboards:attainment-children", None, expect(302, 404, 404, 404, 404, 404)),
    ("dashboards:pep", None, DASHBOARDS),
    ("dashboards:pep-children", None, DASHBOARDS),
    # The record of processing is the Admins' (information governance) alone.
    ("datamap:what-we-hold", None, expect(302, 404, 404, 404, 404, 200)),
    # Staff accounts are the Admins' alone; a change is a POST (tests/staff/).
    ("staff:list", None, ADMINS),
    ("staff:add", None, ADMINS),
    ("staff:detail", lambda w: {"pk": w["manager"].pk}, ADMINS),
    ("staff:role", lambda w: {"pk": w["manager"].pk}, ADMINS),
    ("staff:deactivate", lambda w: {"pk": w["manager"].pk}, POST_ONLY),
    ("staff:reactivate", lambda w: {"pk": w["manager"].pk}, POST_ONLY),
    ("staff:reset-password", lambda w: {"pk": w["manager"].pk}, POST_ONLY),
    ("staff:reset-two-factor", lambda w: {"pk": w["manager"].pk}, POST_ONLY),
    ("staff:unlock", lambda w: {"pk": w["manager"].pk}, POST_ONLY),
    # Sharing is the Admins' (tests/test_access_matrix.py has the writes; tests/sharing the
    # recipients' 404s).
    ("sharing:organisations", None, ADMINS),
    ("sharing:organisation-add", None, ADMINS),
    ("sharing:organisation-detail", lambda w: {"pk": w["organisation"].pk}, ADMINS),
    ("sharing:organisation-edit", lambda w: {"pk": w["organisation"].pk}, ADMINS),
    ("sharing:member-add", lambda w: {"pk": w["organisation"].pk}, ADMINS),
    ("sharing:agreements", None, ADMINS),
    ("sharing:agreement-add", None, ADMINS),
    ("sharing:agreement-detail", lambda w: {"pk": w["agreement"].pk}, ADMINS),
    ("sharing:agreement-edit", lambda w: {"pk": w["agreement"].pk}, ADMINS),
    ("sharing:agreement-approve", lambda w: {"pk": w["agreement"].pk}, POST_ONLY),
    ("sharing:agreement-suspend", lambda w: {"pk": w["agreement"].pk}, ADMINS),
    ("sharing:disclosures", None, ADMINS),
    # An agreement's tokens are the Admins'; its extract files the Admins' and Managers'.
    ("sharing:token-add", lambda w: {"pk": w["agreement"].pk}, ADMINS),
    (
        "sharing:token-revoke",
        lambda w: {"pk": w["agreement"].pk, "token": w["token"].pk},
        ADMINS,
    ),
    ("sharing:extract-agreements", None, expect(302, 404, 404, 404, 200, 200)),
    (
        "sharing:agreement-extracts",
        lambda w: {"pk": w["agreement"].pk},
        expect(302, 404, 404, 404, 200, 200),
    ),
    # A recipient's own extract files: to staff, a 404 (tests/sharing/test_extracts.py has
    # the recipients).
    ("sharing-extracts:list", None, expect(302, 404, 404, 404, 404, 404)),
    (
        "sharing-extracts:download",
        lambda w: {"pk": uuid.UUID(int=5)},
        expect(302, 404, 404, 404, 404, 404),
    ),
    # The recipients' API: a recipient user or an agreement's token, none of these roles
    # (tests/sharing/test_api.py has the recipients).
    ("sharing-api:agreements", None, dict.fromkeys(ROLES, 403)),
    ("sharing-api:dataset-csv", lambda w: {"pk": w["agreement"].pk}, dict.fromkeys(ROLES, 403)),
    ("sharing-api:dataset-jsonl", lambda w: {"pk": w["agreement"].pk}, dict.fromkeys(ROLES, 403)),
    # The designated teachers' portal: recipient users of a school only (tests/sharing/
    # test_portal.py has them); every staff role gets 404.
    ("portal:children", None, expect(302, 404, 404, 404, 404, 404)),
    ("portal:child", lambda w: {"pk": w["child"].pk}, expect(302, 404, 404, 404, 404, 404)),
    ("portal:pep", lambda w: {"pk": w["child"].pk}, expect(302, 404, 404, 404, 404, 404)),
    # Sharing restrictions on the child's record: whoever may change the child.
    ("restrictions:list", lambda w: {"pk": w["child"].pk}, ALLOCATED),
    (
        "restrictions:remove",
        lambda w: {"pk": w["child"].pk, "restriction_id": w["restriction"].pk},
        ALLOCATED,
    ),
    # Retention is the Admins' (tests/retention/ has the writes).
    ("retention:rules", None, ADMINS),
    ("retention:queue", None, ADMINS),
    ("retention:holds", None, ADMINS),
    ("retention:hold-lift", None, POST_ONLY),
    ("retention:lists", None, ADMINS),
    ("retention:certificates", None, ADMINS),
    ("retention:certificates-csv", None, ADMINS),
    # /retention/ is the queue.
    ("retention:index", None, expect(302, 404, 404, 404, 404, 302)),
    ("retention:certificate-pdf", lambda w: {"pk": _certificate(w).pk}, ADMINS),
    ("retention:certificate-csv", lambda w: {"pk": _certificate(w).pk}, ADMINS),
    # The privacy notice is public.
    ("privacy:notice", None, dict.fromkeys(ROLES, 200)),
    # So are the footer's accessibility statement and help page; /favicon.ico redirects to
    # GOV.UK's icon among the static files.
    ("accessibility", None, dict.fromkeys(ROLES, 200)),
    ("help", None, dict.fromkeys(ROLES, 200)),
    ("favicon", None, dict.fromkeys(ROLES, 302)),
    # A subject-access export: a Manager or an Admin, for any child (issue 14). A GET of the
    # download shows the confirm page; the export is its POST (tests/retention/).
    (
        "subject_access:warning",
        lambda w: {"pk": w["child"].pk},
        expect(302, 404, 404, 404, 200, 200),
    ),
    (
        "subject_access:download",
        lambda w: {"pk": w["child"].pk},
        expect(302, 404, 404, 404, 200, 200),
    ),
    # The set-password link is for someone not signed in; a bad token says it does not work.
    (
        "set-password",
        lambda w: {"uidb64": "MQ", "token": "no-such-token"},
        dict.fromkeys(ROLES, 200),
    ),
    ("set-password-done", None, dict.fromkeys(ROLES, 200)),
]


def _certificate(world):
    """A destruction certificate (a child destroyed through a list of two Admins'), made the
    first time a case asks for it."""
    if "certificate" not in world:
        proposer = UserFactory(username="a2", role=Role.ADMIN)
        world["certificate"] = destroyed_child_certificate(
            manager=world["manager"], proposer=proposer, approver=world["admin"]
        )
    return world["certificate"]


@pytest.fixture
def world(client_for):
    manager = UserFactory(username="m", role=Role.MANAGER)
    caseworker = UserFactory(username="c", role=Role.CASEWORKER)
    sensitive = UserFactory(username="s", role=Role.CASEWORKER)
    sensitive.user_permissions.add(Permission.objects.get(codename=Perm.VIEW_SENSITIVE.value))
    other = UserFactory(username="o", role=Role.CASEWORKER)
    admin = UserFactory(username="a", role=Role.ADMIN)
    child = ChildFactory()
    services.episode_add(
        actor=manager, child=child, cohort=Cohort.CIN, start_date=child.date_of_birth
    )
    allocation = services.allocation_create(actor=manager, child=child, caseworker=caseworker)
    services.allocation_create(actor=manager, child=child, caseworker=sensitive)
    court_order = safeguarding.court_order_record(
        actor=manager,
        child=child,
        order_type="care",
        court="Family Court at Leeds",
        made_on=max(child.date_of_birth, datetime.date(2024, 1, 1)),
    )
    organisation = sharing_services.organisation_add(
        actor=admin,
        name="Matrix Youth Service",
        type="youth_support",
        identifier_kind="la_code",
        identifier="330",
        contact_name="Ada Brook",
        contact_email="youth@example.invalid",
    )
    agreement = sharing_services.agreement_draft(actor=admin, **agreement_values(organisation))
    restriction = sharing_services.restriction_add(
        actor=manager,
        child=child,
        kind="do_not_share",
        recipient_type="other_la",
        requested_by="parent",
        reason="The parent asked",
    )
    services.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CLA,
        legal_status="C2",
        start_date=max(child.date_of_birth, datetime.date(2024, 1, 1)),
    )
    plan = pep_services.pep_start(actor=manager, child=child)
    token, _ = sharing_services.token_issue(actor=admin, agreement=agreement, name="Matrix CRM")
    clients = {
        CASEWORKER: client_for(caseworker),
        SENSITIVE_CASEWORKER: client_for(sensitive),
        OTHER_CASEWORKER: client_for(other),
        MANAGER: client_for(manager),
        ADMIN: client_for(admin),
    }
    return {
        "manager": manager,
        "admin": admin,
        "child": child,
        "allocation": allocation,
        "court_order": court_order,
        "clients": clients,
        "organisation": organisation,
        "agreement": agreement,
        "restriction": restriction,
        "plan": plan,
        "token": token,
    }


def _case_id(case):
    name, kwargs, _ = case
    return name if kwargs is None else f"{name}-{CASES.index(case)}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_get_status_for_every_role(case, world, client):
    name, kwargs, expected = case
    url = reverse(name, kwargs=kwargs(world) if kwargs else None)
    clients = world["clients"]
    actual = {role: (clients.get(role) or client).get(url).status_code for role in ROLES}
    assert actual == expected


def test_django_admin_site_is_not_reachable_by_any_role(world, client):
    """Issue 11, door 1: no role reaches Django's admin site, whose user form let an Admin
    make anyone a superuser; it is not mounted."""
    clients = world["clients"]
    for path in ("/admin/", "/admin/login/", "/admin/auth/user/"):
        for role in ROLES:
            assert (clients.get(role) or client).get(path).status_code == 404, (path, role)


def _route_names(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            # The API has its own matrix: tests/records/api/test_api_permissions.py.
            if pattern.app_name == "api":
                continue
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            yield from _route_names(pattern, prefix + namespace)
        elif isinstance(pattern, URLPattern):
            yield prefix + (pattern.name or f"<unnamed {pattern.pattern}>")


def test_every_route_is_in_the_matrix():
    assert set(_route_names(get_resolver())) == {name for name, _, _ in CASES}
