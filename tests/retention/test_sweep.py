"""The command, the task and the beat schedule."""

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from records import services as records
from records.codes import Cohort
from records.models import Child
from retention import services
from retention.models import ChildRetention, DestructionCertificate
from tests.factories import ChildFactory, UserFactory
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db
D = datetime.date


def _approved_due_child(manager, admin_user):
    child = ChildFactory(date_of_birth=D(2000, 1, 1))
    records.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CIN,
        start_date=D(2010, 1, 1),
        end_date=D(2012, 1, 1),
        closure_date=D(2012, 1, 1),
    )
    other_admin = UserFactory(username="admin_c", role=Role.ADMIN)
    destruction_list = services.destruction_list_propose(
        child_ids=[child.pk], actor=admin_user, today=D(2026, 12, 1)
    )
    services.destruction_list_approve(
        destruction_list=destruction_list, actor=other_admin, today=D(2026, 12, 1)
    )
    return child


def test_a_dry_run_prints_what_would_happen_and_changes_nothing(manager, admin_user):
    child = _approved_due_child(manager, admin_user)
    ChildRetention.objects.filter(child=child).update(due_since=None)
    out = StringIO()
    call_command("enforce_retention", "--dry-run", "--as-of", "2026-12-08", stdout=out)
    assert f"destroy: child {child.pk}" in out.getvalue()
    assert f"due: child {child.pk}" in out.getvalue()
    assert Child.objects.filter(pk=child.pk).exists()
    assert ChildRetention.objects.get(child=child).due_since is None
    assert not DestructionCertificate.objects.exists()
    out = StringIO()
    call_command("enforce_retention", "--as-of", "2026-12-08", stdout=out)
    assert not Child.objects.filter(pk=child.pk).exists()
    assert DestructionCertificate.objects.count() == 1


def test_a_planned_date_not_yet_come_destroys_nothing(manager, admin_user):
    child = _approved_due_child(manager, admin_user)
    call_command("enforce_retention", "--as-of", "2026-12-07", stdout=StringIO())
    assert Child.objects.filter(pk=child.pk).exists()


def test_a_bad_as_of_is_refused_naming_it():
    with pytest.raises(CommandError, match="'31/12/2026' is not a date"):
        call_command("enforce_retention", "--dry-run", "--as-of", "31/12/2026")


def test_the_task_runs_the_sweep_on_the_retention_queue_daily():
    assert settings.CELERY_TASK_ROUTES["retention.sweep"] == {"queue": "retention"}
    beat = settings.CELERY_BEAT_SCHEDULE["retention-sweep"]
    assert (beat["task"], beat["schedule"], beat["options"]["queue"]) == (
        "retention.sweep",
        86400,
        "retention",
    )
    task = services.retention_sweep_task
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert task.acks_late and task.time_limit < visibility
    assert task.apply().get()["evaluated"] >= 0
