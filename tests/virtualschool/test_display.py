"""The one formatter of stored values (virtualschool.display, issue 16): lists by their items'
labels, and a changes table's stored text read back through its field to read as the page."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from records.display import display_value as record_display_value
from sharing.models import RecipientOrganisation, SharingAgreement, Statute
from staff.models import StaffChange
from virtualschool.display import change_rows, change_text, display_value

AGREEMENT = SharingAgreement._meta


def _change(field: str, before: object, after: object, **extra) -> SimpleNamespace:
    return SimpleNamespace(
        at=timezone.now(),
        actor=None,
        field=field,
        before=change_text(before),
        after=change_text(after),
        **extra,
    )


def test_a_list_reads_by_its_items_labels():
    categories = AGREEMENT.get_field("categories")
    assert display_value(["identity", "contact"], field=categories) == "Identity, Contact details"
    assert display_value([], field=categories) == ""
    statutes = AGREEMENT.get_field("statutes")
    assert (
        display_value([Statute.CA1989, Statute.EA1996_S507B], field=statutes)
        == "Children Act 1989; Education Act 1996, section 507B"
    )
    # The record's own formatter is this one plus academic years.
    assert record_display_value(["identity"], field=categories) == "Identity"


@given(
    before=st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)),
    after=st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)),
)
def test_a_stored_date_reads_back_as_the_page_shows_it(before, after):
    (row,) = change_rows([_change("review_date", before, after)], model=SharingAgreement)
    assert (row.field, row.before, row.after) == (
        "Review date",
        display_value(before),
        display_value(after),
    )
    assert row.after == f"{after.day} {after:%B} {after.year}"


@given(st.lists(st.sampled_from(Statute.values), unique=True))
def test_a_stored_list_reads_back_as_its_labels(codes):
    (row,) = change_rows([_change("statutes", [], codes)], model=SharingAgreement)
    assert row.after == display_value(codes, field=AGREEMENT.get_field("statutes"))
    assert all(Statute(code).label in row.after for code in codes)


def test_choices_flags_and_what_the_model_has_no_field_for():
    rows = change_rows(
        [
            _change("lawful_basis", "6_1_e", "6_1_a"),
            _change("include_all_post_16_age", False, True),
            _change("min_age", None, 13),
            _change("token issued", "", "abc… (MIS)"),
            _change("suspension_reason", "", "True"),
        ],
        model=SharingAgreement,
    )
    assert [(row.field, row.before, row.after) for row in rows] == [
        (
            "Lawful basis (UK GDPR Article 6)",
            "Article 6(1)(e): public task",
            "Article 6(1)(a): consent",
        ),
        ("Also every child of post-16 age", "No", "Yes"),
        ("Minimum age", "", "13"),
        ("Token issued", "", "abc… (MIS)"),
        # Free text is shown as typed, even when it looks like a flag.
        ("Suspension reason", "", "True"),
    ]
    (member,) = change_rows([_change("member", "", "ada_b")], model=RecipientOrganisation)
    assert (member.field, member.after) == ("Member", "ada_b")


def test_a_change_with_its_own_labels_is_named_by_them():
    change = StaffChange(field=StaffChange.Field.TWO_FACTOR, before="Set up", after="Reset")
    (row,) = change_rows([change])
    assert (row.field, row.before, row.after) == ("Two-factor sign-in", "Set up", "Reset")
