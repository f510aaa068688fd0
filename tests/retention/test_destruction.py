"""Holds, destruction lists and the destruction cascade: a destroyed child leaves nothing of
theirs in any table, and a certificate that identifies no one."""

import datetime
import hashlib
import hmac
import threading

import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.urls import reverse

from records import services as records
from records.codes import Cohort
from records.models import Child, ImportRejection, ImportRun
from retention import services
from retention.models import (
    DestructionCertificate,
    DestructionList,
    LegalHold,
    RetentionRule,
)
from tests.factories import UserFactory
from tests.retention.children import TODAY
from tests.retention.children import due_child as _due_child
from virtualschool.errors import DomainError
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def second_admin(db):
    return UserFactory(username="admin_b", role=Role.ADMIN)


def test_only_an_admin_changes_retention_whoever_calls_the_service(manager, admin_user):
    child = _due_child(manager)
    rule = RetentionRule.objects.order_by("pk").first()
    for actor in (manager, UserFactory(username="cw_r", role=Role.CASEWORKER)):
        with pytest.raises(DomainError, match="Only an administrator"):
            services.legal_hold_place(child=child, actor=actor, reason="Inquiry", today=TODAY)
        with pytest.raises(DomainError, match="Only an administrator"):
            services.destruction_list_propose(child_ids=[child.pk], actor=actor, today=TODAY)
        with pytest.raises(DomainError, match="Only an administrator"):
            services.retention_rule_change(actor=actor, rule=rule, years=rule.years + 1)
    assert not LegalHold.objects.exists() and not DestructionList.objects.exists()
    assert RetentionRule.objects.get(pk=rule.pk).years == rule.years
    # An Admin may.
    services.legal_hold_place(child=child, actor=admin_user, reason="Inquiry", today=TODAY)
    assert LegalHold.objects.filter(child=child).exists()


def test_a_hold_needs_a_reason_and_blocks_proposal_and_approval(manager, admin_user, second_admin):
    child = _due_child(manager)
    with pytest.raises(DomainError) as refused:
        services.legal_hold_place(child=child, actor=admin_user, reason="  ", today=TODAY)
    assert "reason" in refused.value.message_dict
    assert not LegalHold.objects.exists()
    destruction_list = services.destruction_list_propose(
        child_ids=[child.pk], actor=admin_user, today=TODAY
    )
    hold = services.legal_hold_place(
        child=child, actor=second_admin, reason="Public inquiry", today=TODAY
    )
    with pytest.raises(DomainError, match="legal hold"):
        services.destruction_list_approve(
            destruction_list=destruction_list, actor=second_admin, today=TODAY
        )
    with pytest.raises(DomainError, match="legal hold"):
        services.destruction_list_propose(child_ids=[child.pk], actor=admin_user, today=TODAY)
    services.legal_hold_lift(hold=hold, actor=second_admin, reason="Inquiry closed")
    approved = services.destruction_list_approve(
        destruction_list=destruction_list, actor=second_admin, today=TODAY
    )
    assert approved.planned_date == TODAY + datetime.timedelta(days=7)


def test_approval_is_refused_for_ones_own_list_or_a_child_not_due(
    manager, admin_user, second_admin
):
    child = _due_child(manager)
    destruction_list = services.destruction_list_propose(
        child_ids=[child.pk], actor=admin_user, today=TODAY
    )
    with pytest.raises(DomainError, match="did not propose"):
        services.destruction_list_approve(
            destruction_list=destruction_list, actor=admin_user, today=TODAY
        )
    # The case re-opens: the child is no longer due.
    records.episode_add(actor=manager, child=child, cohort=Cohort.CIN, start_date=D(2020, 1, 1))
    with pytest.raises(DomainError, match="not due"):
        services.destruction_list_approve(
            destruction_list=destruction_list, actor=second_admin, today=TODAY
        )
    destruction_list.refresh_from_db()
    assert destruction_list.status == DestructionList.Status.PROPOSED


def test_a_list_is_cancelled_or_a_child_taken_off_only_before_its_date(
    manager, admin_user, second_admin
):
    first = _due_child(manager)
    second = _due_child(manager, first="Other", last="Childqq", n=8)
    destruction_list = services.destruction_list_propose(
        child_ids=[first.pk, second.pk], actor=admin_user, today=TODAY
    )
    services.destruction_list_approve(
        destruction_list=destruction_list, actor=second_admin, today=TODAY
    )
    services.destruction_list_remove_child(
        destruction_list=destruction_list, child_id=second.pk, actor=admin_user, today=TODAY
    )
    planned = TODAY + datetime.timedelta(days=7)
    with pytest.raises(DomainError, match="planned date"):
        services.destruction_list_cancel(
            destruction_list=destruction_list, actor=admin_user, today=planned
        )
    services.destruction_list_cancel(
        destruction_list=destruction_list, actor=admin_user, today=planned - datetime.timedelta(1)
    )
    report = services.retention_sweep(today=planned)
    assert report.destroyed == []
    assert Child.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


def _text_columns():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, a.attname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid
            JOIN pg_type t ON t.oid = a.atttypid
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
              AND a.attnum > 0 AND NOT a.attisdropped
              AND t.typname IN ('text', 'varchar', 'bpchar', 'uuid', 'json', 'jsonb')
            """
        )
        return cursor.fetchall()


def _found_anywhere(needles):
    found = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            for needle in needles:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',  # noqa: S608
                    [f"%{needle}%"],
                )
                if cursor.fetchone()[0]:
                    found.append((table, column, needle))
    return found


def test_destruction_leaves_nothing_of_the_child_in_any_table(
    manager, admin_user, second_admin, client_for
):
    child = _due_child(manager)
    caseworker = UserFactory(username="caseworker_z", role=Role.CASEWORKER)
    records.allocation_create(actor=manager, child=child, caseworker=caseworker)
    client_for(manager).get(reverse("records:child-detail", kwargs={"pk": child.pk}))
    run = ImportRun.objects.create(kind="cin", file_name="cin.xml")
    ImportRejection.objects.create(run=run, row_number=3, reason="A rule", child_id=child.pk)
    services.legal_hold_lift(
        hold=services.legal_hold_place(child=child, actor=admin_user, reason="SAR", today=TODAY),
        actor=admin_user,
        reason="Answered",
    )
    needles = [str(child.pk), child.upn, child.first_name, child.last_name]
    assert {needle for _, _, needle in _found_anywhere(needles)} == set(needles)
    destruction_list = services.destruction_list_propose(
        child_ids=[child.pk], actor=admin_user, today=TODAY
    )
    services.destruction_list_approve(
        destruction_list=destruction_list, actor=second_admin, today=TODAY
    )
    planned = TODAY + datetime.timedelta(days=7)
    assert services.retention_sweep(today=planned - datetime.timedelta(1)).destroyed == []
    report = services.retention_sweep(today=planned)
    assert report.destroyed == [child.pk]
    assert _found_anywhere(needles) == []
    rejection = ImportRejection.objects.get(run=run)  # the file's report keeps its row
    assert rejection.child_id is None
    certificate = DestructionCertificate.objects.get()
    key = settings.RETENTION_CERTIFICATE_KEY.encode()
    assert (
        certificate.reference == hmac.new(key, str(child.pk).encode(), hashlib.sha256).hexdigest()
    )
    assert (certificate.proposed_by, certificate.approved_by) == (admin_user, second_admin)
    assert certificate.row_counts["records_child"] == 1
    assert certificate.row_counts["auditlog_logentry"] >= 1
    assert certificate.row_counts["records_accesslogentry"] >= 1
    assert certificate.row_counts["records_importrejection"] == 1
    assert "identity" in certificate.categories
    assert certificate.software_version
    destruction_list.refresh_from_db()
    assert destruction_list.status == DestructionList.Status.DONE
    # Idempotent: the next sweep finds nothing more to do.
    assert services.retention_sweep(today=planned).destroyed == []


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_never_both_act_on_one_child(manager, admin_user, second_admin):
    children = [
        _due_child(manager, first=f"Par{n}x", last=f"Allel{n}q", n=20 + n) for n in range(6)
    ]
    destruction_list = services.destruction_list_propose(
        child_ids=[c.pk for c in children], actor=admin_user, today=TODAY
    )
    services.destruction_list_approve(
        destruction_list=destruction_list, actor=second_admin, today=TODAY
    )
    planned = TODAY + datetime.timedelta(days=7)
    reports, errors = [], []
    barrier = threading.Barrier(2)

    def sweep():
        try:
            barrier.wait()
            reports.append(services.retention_sweep(today=planned))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    destroyed = [child_id for report in reports for child_id in report.destroyed]
    assert sorted(destroyed) == sorted(c.pk for c in children)  # each exactly once
    assert DestructionCertificate.objects.count() == len(children)
    assert not Child.objects.filter(pk__in=[c.pk for c in children]).exists()
