"""The dashboards' filter choices (records/selectors/dashboards/options.py): the caseworkers a
manager may filter by and the schools offered, each in one query."""

from datetime import date

from records.models import Enrolment
from records.permissions import can_view_all_children
from records.selectors.dashboards.options import caseworker_options, school_options
from tests.factories import ChildFactory, SchoolFactory, UserFactory
from virtualschool.roles import Role


def test_caseworkers_are_those_in_the_role_and_those_who_held_an_allocation_each_once(
    manager, caseworker, allocate, django_assert_num_queries
):
    caseworker.first_name, caseworker.last_name = "Zoe", "Able"
    caseworker.save()
    idle = UserFactory(username="idle", first_name="Amir", last_name="Khan", role=Role.CASEWORKER)
    left = UserFactory(username="left", first_name="Bea", last_name="Gone", role=Role.CASEWORKER)
    for _ in range(2):  # two allocations, and in the role: listed once
        allocate(ChildFactory(), caseworker)
    allocate(ChildFactory(), left)
    left.groups.clear()  # has left the role; still heads past years' rows
    UserFactory(username="admin_x", role=Role.ADMIN)
    can_view_all_children(manager)  # the user's permissions, read once per user object
    with django_assert_num_queries(1):
        options = caseworker_options(user=manager)
    assert options == [
        (str(idle.pk), "Amir Khan"),
        (str(left.pk), "Bea Gone"),
        (str(caseworker.pk), "Zoe Able"),
    ]


def test_a_caseworker_is_offered_no_caseworker_filter(caseworker, django_assert_num_queries):
    can_view_all_children(caseworker)
    with django_assert_num_queries(0):
        assert caseworker_options(user=caseworker) is None


def test_schools_are_those_with_a_child_the_user_may_see_on_their_roll(
    manager, caseworker, allocate, django_assert_num_queries
):
    hill, vale = SchoolFactory(name="Hill Academy"), SchoolFactory(name="Vale School")
    SchoolFactory(name="Empty School")
    mine, other = ChildFactory(), ChildFactory()
    allocate(mine, caseworker)
    for child, school in ((mine, vale), (other, hill), (other, vale)):
        Enrolment.objects.create(child=child, school=school, start_date=date(2025, 9, 3))
    can_view_all_children(manager)
    with django_assert_num_queries(1):
        everyone = school_options(user=manager)
    assert everyone == [(str(hill.pk), "Hill Academy"), (str(vale.pk), "Vale School")]
    assert school_options(user=caseworker) == [(str(vale.pk), "Vale School")]
