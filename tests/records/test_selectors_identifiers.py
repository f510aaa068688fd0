"""Which child an identifier means (records/selectors/identifiers.py): one rule, one child or
a refusal, never a pick."""

from __future__ import annotations

import pytest

from records.selectors import (
    AmbiguousIdentifierError,
    child_for_identifiers,
    children_for_upns,
)
from records.selectors.identifiers import FORMER_UPN, LA_CHILD_ID, UPN
from tests.factories import ChildFactory
from tests.records.imports.socialcare_files import upn

pytestmark = pytest.mark.django_db

CURRENT, OLD, OTHER, NOBODY = upn(501), upn(502), upn(503), upn(504)


def test_an_la_child_id_finds_its_child_before_any_upn():
    child = ChildFactory(la_child_id="LAC900", upn=CURRENT)
    ChildFactory(upn=OTHER)

    match = child_for_identifiers(la_child_id="LAC900", upn=OTHER)

    assert (match.child, match.by) == (child, LA_CHILD_ID)


def test_a_current_upn_finds_its_child_written_any_way():
    child = ChildFactory(upn=CURRENT)

    match = child_for_identifiers(upn=f" {CURRENT.lower()} ")

    assert (match.child, match.by) == (child, UPN)


def test_a_upn_a_child_has_replaced_finds_them_as_a_former_upn():
    child = ChildFactory(upn=CURRENT, former_upns=[OLD])

    match = child_for_identifiers(upn=OLD)

    assert (match.child, match.by) == (child, FORMER_UPN)


def test_a_former_upn_in_the_file_finds_the_child_who_has_it_now_or_had_it():
    now = ChildFactory(upn=OLD)
    before = ChildFactory(upn=OTHER, former_upns=[upn(505)])

    assert child_for_identifiers(upn=NOBODY, former_upns=[OLD]).child == now
    assert child_for_identifiers(upn=NOBODY, former_upns=[upn(505)]).child == before


def test_identifiers_no_child_has_find_nobody():
    ChildFactory(upn=CURRENT, la_child_id="LAC900")

    assert child_for_identifiers(la_child_id="LAC901", upn=NOBODY, former_upns=[OTHER]) is None
    assert child_for_identifiers() is None


def test_a_current_upn_is_preferred_to_the_same_upn_kept_as_another_childs_former_upn():
    holder = ChildFactory(upn=CURRENT)
    ChildFactory(upn=OTHER, former_upns=[CURRENT])

    assert child_for_identifiers(upn=CURRENT).child == holder


def test_a_upn_two_children_had_is_refused_naming_the_upn():
    ChildFactory(upn=CURRENT, former_upns=[OLD])
    ChildFactory(upn=OTHER, former_upns=[OLD])

    with pytest.raises(AmbiguousIdentifierError) as raised:
        child_for_identifiers(upn=OLD)

    assert raised.value.identifier == UPN
    assert raised.value.message_dict == {
        "upn": [
            "The UPN matches more than one child: correct the duplicate records by hand "
            "before importing"
        ]
    }


def test_former_upns_that_reach_two_children_are_refused_naming_the_former_upn():
    ChildFactory(upn=OLD)
    ChildFactory(upn=OTHER, former_upns=[NOBODY])

    with pytest.raises(AmbiguousIdentifierError) as raised:
        child_for_identifiers(upn=upn(506), former_upns=[OLD, NOBODY])

    assert raised.value.identifier == FORMER_UPN
    assert "former UPN matches more than one child" in raised.value.messages[0]


def test_a_upn_and_a_former_upn_reaching_different_children_are_refused():
    ChildFactory(upn=CURRENT, former_upns=[OLD])
    ChildFactory(upn=OTHER)

    with pytest.raises(AmbiguousIdentifierError, match="matches more than one child"):
        child_for_identifiers(upn=OLD, former_upns=[OTHER])


def test_the_set_based_form_answers_many_upns_in_one_query(django_assert_num_queries):
    holder = ChildFactory(upn=CURRENT, former_upns=[OLD])
    ChildFactory(upn=OTHER, former_upns=[upn(505)])
    ChildFactory(upn=upn(507), former_upns=[upn(505)])

    with django_assert_num_queries(1):
        found = children_for_upns(upns=[CURRENT, OLD.lower(), upn(505), NOBODY, ""])

    assert set(found) == {CURRENT, OLD, upn(505)}
    assert (found[CURRENT].child_id, found[CURRENT].by) == (holder.pk, UPN)
    assert found[CURRENT].date_of_birth == holder.date_of_birth
    assert (found[OLD].child_id, found[OLD].by) == (holder.pk, FORMER_UPN)
    assert found[upn(505)].ambiguous
    assert found[upn(505)].child_id is None
    assert not found[CURRENT].ambiguous


def test_the_set_based_form_follows_the_same_rule_as_the_single_one():
    ChildFactory(upn=CURRENT, former_upns=[OLD])
    ChildFactory(upn=OTHER, former_upns=[CURRENT, upn(505)])
    ChildFactory(upn=upn(507), former_upns=[upn(505)])
    upns = [CURRENT, OLD, OTHER, upn(505), upn(507), NOBODY]

    found = children_for_upns(upns=upns)

    for value in upns:
        try:
            single = child_for_identifiers(upn=value)
        except AmbiguousIdentifierError:
            assert found[value].ambiguous, value
            continue
        if single is None:
            assert value not in found, value
        else:
            assert (found[value].child_id, found[value].by) == (single.child.pk, single.by)


def test_the_set_based_form_of_nothing_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert children_for_upns(upns=["", "  "]) == {}


@pytest.mark.parametrize("blank", ["", "   ", "\t"], ids=["empty", "spaces", "tab"])
def test_a_blank_identifier_never_matches_a_child_who_lacks_it(blank):
    """Children without a UPN or LA child id are common after 903 and CIN imports (issue 12):
    a blank identifier in a file must find none of them, by any step of the rule."""
    ChildFactory(upn="", la_child_id="")
    ChildFactory(upn="", la_child_id="", former_upns=[])

    assert child_for_identifiers(la_child_id=blank, upn=blank, former_upns=[blank, ""]) is None
    assert children_for_upns(upns=[blank, "", " "]) == {}
