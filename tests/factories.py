"""factory_boy factories. Faker is fixed to en_GB; nothing here is real data.

Every test starts them from one seed (`seed_factories`, called by the autouse fixture at the
end of tests/conftest.py), so the names, dates and sequence numbers a test is given are the
same each time it runs, alone, in the whole suite or on another worker: a failure replays.
"""

from __future__ import annotations

import datetime

import factory
import factory.random
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from records.codes import Cohort, Gender, LegalStatus
from records.demo import synthetic_upn
from records.models import Child, LegalStatusEpisode, School
from virtualschool.roles import Role

factory.Faker._DEFAULT_LOCALE = "en_GB"

PASSWORD = "correct horse battery staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: Role | None, **kwargs) -> None:
        if create and extracted is not None:
            self.groups.add(Group.objects.get(name=extracted.value))
        if create:
            self.save()


class ChildFactory(DjangoModelFactory):
    class Meta:
        model = Child

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker(
        "date_between", start_date=datetime.date(2009, 9, 1), end_date=datetime.date(2020, 8, 31)
    )
    gender = factory.Iterator([Gender.MALE, Gender.FEMALE])
    upn = factory.Sequence(lambda n: _upn(n))
    postcode = factory.Faker("postcode")


def _upn(n: int) -> str:
    import random

    return synthetic_upn(random.Random(n), 2015)  # noqa: S311 - test data, not security


class EpisodeFactory(DjangoModelFactory):
    class Meta:
        model = LegalStatusEpisode

    child = factory.SubFactory(ChildFactory)
    cohort = Cohort.CLA
    legal_status = LegalStatus.C2
    start_date = datetime.date(2023, 4, 1)


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("urn",)

    urn = factory.Sequence(lambda n: 100000 + n)
    name = factory.Sequence(lambda n: f"Test School {n}")
    la_code = "873"


FACTORIES: tuple[type[DjangoModelFactory], ...] = (
    UserFactory,
    ChildFactory,
    EpisodeFactory,
    SchoolFactory,
)


def seed_factories(seed: int) -> None:
    """Start every factory afresh from `seed`: Faker's and factory_boy's shared random
    generator (factory.random seeds both), each factory's sequence and each Iterator."""
    factory.random.reseed_random(seed)
    for model_factory in FACTORIES:
        model_factory.reset_sequence()
        for declaration in model_factory._meta.declarations.values():
            if isinstance(declaration, factory.Iterator):
                declaration.reset()
