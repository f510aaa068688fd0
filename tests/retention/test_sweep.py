"""The command, the task and the beat schedule."""

import copy
import datetime
import os
import subprocess
import sys
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command

from records import services as records
from records.codes import Cohort
from records.models import Child
from retention import services
from retention.models import ChildRetention, DestructionCertificate
from tests.factories import ChildFactory, UserFactory
from virtualschool.celery import app
from virtualschool.roles import Role

pytestmark = pytest.mark.django_db
D = datetime.date
LONDON = ZoneInfo("Europe/London")


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
    assert (beat["task"], beat["options"]["queue"]) == ("retention.sweep", "retention")
    assert isinstance(beat["schedule"], crontab)
    task = services.retention_sweep_task
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert task.acks_late and task.time_limit < visibility
    assert task.apply().get()["evaluated"] >= 0


def _next_runs(schedule, last_run, count):
    """The times beat would run `schedule` after `last_run`, one after another, as beat's own
    scheduler reckons them (remaining_estimate, with "now" at each last run)."""
    runs = []
    for _ in range(count):
        at = copy.copy(schedule)
        at.nowfun = lambda last_run=last_run: last_run
        last_run = last_run + at.remaining_estimate(last_run)
        runs.append(last_run.astimezone(LONDON))
    return runs


def test_the_sweep_runs_once_a_day_at_a_fixed_time_in_london_whenever_beat_started():
    schedule = app.conf.beat_schedule["retention-sweep"]["schedule"]
    assert datetime.time(2, 30) == settings.RETENTION_SWEEP_AT
    assert str(app.conf.timezone) == "Europe/London"
    # Beat started at 17:13 on 31 December 2025: the first sweep is at 02:30 the next night,
    # not 24 hours later; then one a day at 02:30 London time through 2026, both clock
    # changes (29 March and 25 October) included.
    started = datetime.datetime(2025, 12, 31, 17, 13, tzinfo=LONDON).astimezone(datetime.UTC)
    runs = _next_runs(schedule, started, 365)
    assert {(run.hour, run.minute) for run in runs} == {(2, 30)}
    assert [run.date() for run in runs] == [
        D(2026, 1, 1) + datetime.timedelta(n) for n in range(365)
    ]
    assert runs[87].date() == D(2026, 3, 29) and runs[87].utcoffset() == datetime.timedelta(hours=1)
    assert runs[297].date() == D(2026, 10, 25) and not runs[297].utcoffset()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2.30", "RETENTION_SWEEP_AT must be a time of day written HH:MM"),
        ("25:00", "RETENTION_SWEEP_AT must be a time of day written HH:MM"),
        ("01:30", "RETENTION_SWEEP_AT must not be from 01:00 to 01:59"),
    ],
)
def test_a_sweep_time_that_is_not_a_time_or_falls_in_the_changing_hour_is_refused(value, message):
    env = {**os.environ, "RETENTION_SWEEP_AT": value}
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "import virtualschool.settings.test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_the_task_is_acknowledged_late_and_its_limits_are_well_under_the_visibility_timeout():
    """A task delivered twice does no harm (the sweep is idempotent), and none is delivered
    twice while it runs: Redis redelivers an unacknowledged task after the visibility timeout,
    so the hard limit stops the task long before (at most half of it)."""
    task = app.tasks["retention.sweep"]
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert task.acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert 0 < task.soft_time_limit < task.time_limit <= visibility / 2
