"""Each child's destruction date: the latest of every rule that applies, recomputed in the
transaction that changes an episode, a date of birth or a closure; never a day early."""

import datetime

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from records import services as records
from records.calendar import years_after
from records.codes import Cohort, LegalStatus
from records.models import LegalStatusEpisode
from records.services.child_update import child_update
from retention import services
from retention.models import ChildRetention, RetentionRule
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _due(child):
    return ChildRetention.objects.get(child=child)


def test_a_looked_after_child_is_kept_75_years_after_their_18th_birthday(manager):
    child = records.child_create(
        actor=manager, first_name="A", last_name="B", date_of_birth=D(2010, 5, 4), gender="F"
    )
    assert _due(child).due_date is None  # no rule applies yet: nothing is ever due
    records.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CLA,
        legal_status=LegalStatus.C2,
        start_date=D(2020, 1, 1),
        end_date=D(2021, 1, 1),
    )
    row = _due(child)
    # Kept through the anniversary (18th birthday 4 May 2028 + 75 years), destroyed after.
    assert row.due_date == D(2103, 5, 5)
    assert row.rule.cohort == Cohort.CLA


def test_a_29_february_birthday_counts_as_1_march():
    rules = {rule.cohort: rule for rule in RetentionRule.objects.all()}
    episode = type("E", (), {"cohort": "CLA", "end_date": None, "closure_date": None})()
    due = services.due_for(born=D(2008, 2, 29), episodes=[episode], rules=rules)
    # 18th birthday: 1 March 2026 (no 29 February); +75 years: 1 March 2101; destroyed after.
    assert due.date == D(2101, 3, 2)


def test_ever_looked_after_keeps_the_cla_date_and_a_reopened_case_moves_the_date_on(manager):
    child = ChildFactory(date_of_birth=D(2012, 1, 1))
    records.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CLA,
        legal_status=LegalStatus.C2,
        start_date=D(2013, 1, 1),
        end_date=D(2014, 1, 1),
    )
    cla = _due(child).due_date
    records.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CIN,
        start_date=D(2015, 1, 1),
        end_date=D(2016, 1, 1),
        closure_date=D(2016, 1, 1),
    )
    assert _due(child).due_date == cla  # the CIN date (2026) is earlier: CLA's stands
    other = ChildFactory(date_of_birth=D(2012, 1, 1))
    first = records.episode_add(
        actor=manager,
        child=other,
        cohort=Cohort.CIN,
        start_date=D(2015, 1, 1),
        end_date=D(2016, 1, 1),
        closure_date=D(2016, 1, 1),
    )
    assert _due(other).due_date == D(2026, 1, 2)
    reopened = records.episode_add(
        actor=manager, child=other, cohort=Cohort.CIN, start_date=D(2020, 1, 1)
    )
    assert _due(other).due_date is None  # open again: not due while it is open
    records.episode_update(
        actor=manager,
        episode=reopened,
        start_date=reopened.start_date,
        end_date=D(2021, 6, 1),
        closure_date=D(2021, 6, 1),
    )
    assert _due(other).due_date == D(2031, 6, 2)
    assert first.pk


def test_a_changed_date_of_birth_moves_the_date_in_the_same_transaction(manager):
    child = ChildFactory(date_of_birth=D(2010, 1, 1))
    records.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CLA,
        legal_status=LegalStatus.C2,
        start_date=D(2015, 1, 1),
    )
    child.refresh_from_db()
    with transaction.atomic():
        child_update(
            actor=manager,
            child=child,
            expected_version=child.version,
            first_name=child.first_name,
            last_name=child.last_name,
            date_of_birth=D(2009, 6, 1),
            gender=child.gender,
            upn=child.upn,
        )
        assert _due(child).due_date == D(2102, 6, 2)


def test_the_date_is_shown_on_the_childs_page_with_its_rule(client_for, manager):
    child = ChildFactory(date_of_birth=D(2010, 5, 4))
    records.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CLA,
        legal_status=LegalStatus.C2,
        start_date=D(2015, 1, 1),
    )
    client = client_for(manager)
    page = client.get(reverse("records:child-detail", kwargs={"pk": child.pk})).content.decode()
    assert "On or after 5 May 2103" in page
    assert "Looked after: 75 years after the child&#x27;s 18th birthday" in page


def test_a_rule_change_recomputes_every_child(admin_user, manager):
    child = ChildFactory(date_of_birth=D(2012, 1, 1))
    records.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CIN,
        start_date=D(2015, 1, 1),
        end_date=D(2016, 1, 1),
        closure_date=D(2016, 1, 1),
    )
    services.retention_rule_change(
        rule=RetentionRule.objects.get(cohort="CIN"), actor=admin_user, years=12
    )
    assert _due(child).due_date == D(2028, 1, 2)


# --- Never a day early -----------------------------------------------------------------------

dates = st.dates(min_value=D(1990, 1, 1), max_value=D(2024, 12, 31))


@st.composite
def episodes(draw):
    cohort = draw(st.sampled_from(["CLA", "CIN", "CPP", "PLAC"]))
    start = draw(dates)
    end = draw(st.one_of(st.none(), st.dates(min_value=start, max_value=D(2025, 1, 1))))
    closure = None
    if cohort == "CIN" and end is not None:
        closure = draw(st.one_of(st.none(), st.dates(min_value=start, max_value=D(2025, 6, 1))))
    return type(
        "E", (), {"cohort": cohort, "start_date": start, "end_date": end, "closure_date": closure}
    )()


def _earliest_lawful(born, found, rules):
    """The first day on which every applicable rule's period has passed, written out from the
    rules' words, independently of due_for: None if any case is open."""
    latest = None
    for episode in found:
        rule = rules[episode.cohort]
        if rule.counts_from == "18th_birthday":
            # "n years after the 18th birthday", read the late way for 29 February.
            start = years_after(born, 18)
            if rule.minimum_years is not None:
                assert years_after(start, rule.minimum_years) >= years_after(born, 75)
        elif rule.counts_from == "closure":
            ends = [d for d in (episode.end_date, episode.closure_date) if d]
            if not ends:
                return None
            start = max(ends)
        else:
            if episode.end_date is None:
                return None
            start = episode.end_date
        last_kept = years_after(start, rule.years)
        if born.month == 2 and born.day == 29 and rule.counts_from == "18th_birthday":
            assert last_kept >= D(last_kept.year, 2, 28)
        candidate = last_kept + datetime.timedelta(days=1)
        latest = candidate if latest is None or candidate > latest else latest
    return latest


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    born=st.dates(min_value=D(1985, 1, 1), max_value=D(2020, 12, 31)),
    found=st.lists(episodes(), max_size=4),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
def test_never_a_day_early(born, found, hour, minute):
    rules = {rule.cohort: rule for rule in RetentionRule.objects.all()}
    due = services.due_for(born=born, episodes=found, rules=rules)
    lawful = _earliest_lawful(born, found, rules)
    if lawful is None:
        assert due.date is None
        return
    assert due.date == lawful
    # A sweep at any time of day (UTC clock) sees the child due only on a London date on or
    # after the lawful date.
    for day in (lawful - datetime.timedelta(days=1), lawful):
        moment = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=datetime.UTC)
        with time_machine.travel(moment, tick=False):
            today = timezone.localdate()
            assert (due.date <= today) <= (today >= lawful)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    born=st.one_of(
        st.dates(min_value=D(1985, 1, 1), max_value=D(2020, 12, 31)),
        st.sampled_from([D(2004, 2, 29), D(2008, 2, 29), D(2007, 3, 1), D(2008, 2, 28)]),
    ),
    # One episode per cohort: PostgreSQL refuses two overlapping ones in a cohort.
    found=st.lists(episodes(), max_size=4, unique_by=lambda episode: episode.cohort),
)
def test_the_set_based_recompute_writes_the_date_due_for_gives(born, found):
    """The sweep and a rule change recompute every child in one SQL statement
    (child_retention_recompute_all); it must give due_for's date, 29 February included."""
    rules = {rule.cohort: rule for rule in RetentionRule.objects.all()}
    due = services.due_for(born=born, episodes=found, rules=rules)
    with transaction.atomic():
        child = ChildFactory(date_of_birth=born)
        ChildRetention.objects.filter(child=child).delete()
        LegalStatusEpisode.objects.bulk_create(
            LegalStatusEpisode(
                child=child,
                cohort=episode.cohort,
                legal_status=LegalStatus.C2 if episode.cohort == Cohort.CLA else "",
                plac_route="E1" if episode.cohort == Cohort.PLAC else "",
                start_date=episode.start_date,
                end_date=episode.end_date,
                closure_date=episode.closure_date,
            )
            for episode in found
        )
        assert services.child_retention_recompute_all(child_ids=[child.pk]) == 1
        row = ChildRetention.objects.select_related("rule").get(child=child)
        assert row.due_date == due.date
        assert (row.rule is None) == (due.rule is None)
        if due.date is not None:  # the rule named is one that sets the date
            setting = [
                e
                for e in found
                if services.due_for(born=born, episodes=[e], rules=rules).date == due.date
            ]
            assert row.rule.cohort in {e.cohort for e in setting}
        transaction.set_rollback(True)
