import datetime

import pytest
from django.db import IntegrityError, transaction

from records import services
from records.codes import Cohort, LegalStatus, PlacRoute
from records.models import LegalStatusEpisode
from tests.factories import EpisodeFactory
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date


def test_a_looked_after_episode_is_recorded(manager, child):
    episode = services.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CLA,
        legal_status=LegalStatus.C2,
        start_date=D(2024, 1, 10),
    )
    assert episode.is_open_on(D(2025, 1, 1))


@pytest.mark.parametrize(
    ("existing", "new", "overlaps"),
    [
        ((D(2024, 1, 1), None), (D(2025, 1, 1), None), True),
        ((D(2024, 1, 1), D(2024, 6, 30)), (D(2024, 6, 30), None), True),  # shared last day
        ((D(2024, 1, 1), D(2024, 6, 30)), (D(2024, 7, 1), None), False),
        ((D(2024, 7, 1), None), (D(2024, 1, 1), D(2024, 6, 30)), False),
        ((D(2024, 7, 1), None), (D(2024, 1, 1), D(2024, 7, 1)), True),
        ((D(2024, 3, 1), D(2024, 4, 1)), (D(2024, 1, 1), D(2024, 12, 31)), True),  # contains
    ],
)
def test_episodes_of_one_cohort_never_overlap(manager, child, existing, new, overlaps):
    services.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CIN,
        start_date=existing[0],
        end_date=existing[1],
    )
    if overlaps:
        with pytest.raises(DomainError) as raised:
            services.episode_add(
                actor=manager, child=child, cohort=Cohort.CIN, start_date=new[0], end_date=new[1]
            )
        assert (
            "overlaps the child in need episode from" in raised.value.message_dict["start_date"][0]
        )
        assert LegalStatusEpisode.objects.count() == 1
    else:
        services.episode_add(
            actor=manager, child=child, cohort=Cohort.CIN, start_date=new[0], end_date=new[1]
        )
        assert LegalStatusEpisode.objects.count() == 2


def test_episodes_of_different_cohorts_may_overlap(manager, child):
    services.episode_add(actor=manager, child=child, cohort=Cohort.CIN, start_date=D(2024, 1, 1))
    services.episode_add(actor=manager, child=child, cohort=Cohort.CPP, start_date=D(2024, 2, 1))
    assert child.episodes.count() == 2


def test_the_database_refuses_an_overlap_the_service_did_not_see(child):
    EpisodeFactory(child=child, start_date=D(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        EpisodeFactory(child=child, start_date=D(2024, 5, 1))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"cohort": Cohort.CLA}, "legal_status", "Select the legal status"),
        (
            {"cohort": Cohort.CIN, "legal_status": LegalStatus.C1},
            "legal_status",
            "Only a looked-after episode",
        ),
        ({"cohort": Cohort.PLAC}, "plac_route", "Select how the child left care"),
        (
            {"cohort": Cohort.CIN, "plac_route": PlacRoute.SGO},
            "plac_route",
            "Only a previously looked-after",
        ),
        (
            {"cohort": Cohort.CPP, "closure_date": D(2024, 5, 1)},
            "closure_date",
            "Only a child-in-need episode",
        ),
        (
            {"cohort": Cohort.CIN, "closure_date": D(2023, 5, 1)},
            "closure_date",
            "on or after the start date",
        ),
        ({"cohort": Cohort.CIN, "end_date": D(2023, 12, 31)}, "end_date", "same as or after"),
        ({"cohort": "XX"}, "cohort", "Status must be one of"),
    ],
)
def test_inconsistent_episodes_are_refused(manager, child, fields, field, message):
    with pytest.raises(DomainError) as raised:
        services.episode_add(actor=manager, child=child, start_date=D(2024, 1, 1), **fields)
    assert message in raised.value.message_dict[field][0]
    assert not LegalStatusEpisode.objects.exists()


def test_a_closed_child_in_need_case_keeps_its_closure_date(manager, child):
    episode = services.episode_add(
        actor=manager,
        child=child,
        cohort=Cohort.CIN,
        start_date=D(2022, 1, 1),
        end_date=D(2023, 3, 31),
        closure_date=D(2023, 3, 31),
    )
    episode.refresh_from_db()
    assert episode.closure_date == D(2023, 3, 31)
