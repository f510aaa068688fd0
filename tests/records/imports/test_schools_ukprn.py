"""Issue 13: the schools register import reads GIAS's `UKPRN` column into School.ukprn (8 digits
beginning 1), so a post-16 provider's sharing agreement, which names the provider by UKPRN,
covers the children enrolled there (sharing/cohort.py)."""

from __future__ import annotations

import datetime

import pytest

from records.models import Enrolment, ImportRejection, ImportRun, School
from sharing import services as sharing_services
from sharing.cohort import cohort
from tests.factories import ChildFactory, EpisodeFactory
from tests.records.imports.socialcare_files import GIAS_COLUMNS, gias_row, run_command, table_csv
from tests.sharing.conftest import agreement_values

pytestmark = pytest.mark.django_db

# Where GIAS's edubasealldata puts it: among the identifiers after the address and contacts.
UKPRN_COLUMNS = [*GIAS_COLUMNS, "UKPRN", "FEHEIdentifier"]
COLLEGE_UKPRN = "10012345"


def _register(tmp_path, rows, columns=UKPRN_COLUMNS, name="edubasealldata.csv"):
    path = tmp_path / name
    path.write_bytes(table_csv(columns, rows, encoding="cp1252"))
    return path


def _with_ukprn(urn, name, ukprn, **kwargs):
    return {**gias_row(urn, name, **kwargs), "UKPRN": ukprn, "FEHEIdentifier": ""}


def test_the_register_stores_each_school_s_ukprn(tmp_path):
    rows = [
        _with_ukprn(130001, "Northshire College", COLLEGE_UKPRN, phase="16 plus", number=""),
        _with_ukprn(130002, "Fen Primary School", ""),
    ]
    status, output = run_command("import_schools", _register(tmp_path, rows))

    assert status == 0, output
    assert dict(School.objects.values_list("urn", "ukprn")) == {
        130001: COLLEGE_UKPRN,
        130002: "",
    }


@pytest.mark.parametrize("ukprn", ["1001234", "100123456", "20012345", "1001234X", "1001 2345"])
def test_a_ukprn_that_is_not_8_digits_beginning_1_rejects_the_row_naming_the_column(
    tmp_path, ukprn
):
    rows = [_with_ukprn(130001, "Northshire College", ukprn), _with_ukprn(130002, "Fen", "")]
    status, _ = run_command("import_schools", _register(tmp_path, rows))

    assert status == 1
    rejection = ImportRejection.objects.get()
    assert (rejection.row_number, rejection.field) == (1, "UKPRN")
    assert rejection.reason == "UKPRN must be 8 digits beginning with 1, for example 10012345"
    assert not School.objects.exists()


def test_a_register_without_the_column_leaves_ukprns_and_a_blank_one_clears_it(tmp_path):
    run_command("import_schools", _register(tmp_path, [_with_ukprn(130001, "C", COLLEGE_UKPRN)]))

    # An older or hand-made file without the column says nothing about UKPRNs.
    renamed = gias_row(130001, "C renamed")
    status, _ = run_command(
        "import_schools", _register(tmp_path, [renamed], columns=GIAS_COLUMNS, name="old.csv")
    )
    assert status == 0
    assert School.objects.values_list("name", "ukprn").get() == ("C renamed", COLLEGE_UKPRN)

    # The register itself giving the school no UKPRN is a change, audited like any other.
    status, _ = run_command(
        "import_schools", _register(tmp_path, [_with_ukprn(130001, "C renamed", "")], name="n.csv")
    )
    assert status == 0
    assert School.objects.get().ukprn == ""
    assert ImportRun.objects.order_by("created_at").last().counts["schools_updated"] == 1


def test_a_post_16_provider_named_by_ukprn_then_covers_the_children_enrolled_there(
    tmp_path, admin_user
):
    rows = [
        _with_ukprn(130001, "Northshire College", COLLEGE_UKPRN, phase="16 plus", number=""),
        _with_ukprn(130002, "Fen Academy", "10099999", phase="Secondary", number="4001"),
    ]
    assert run_command("import_schools", _register(tmp_path, rows))[0] == 0
    day = datetime.date(2026, 6, 1)
    at_college, elsewhere = (ChildFactory(date_of_birth=datetime.date(2009, 10, 1)) for _ in "ab")
    for child, urn in ((at_college, 130001), (elsewhere, 130002)):
        EpisodeFactory(child=child, start_date=datetime.date(2020, 1, 1))
        Enrolment.objects.create(
            child=child, school=School.objects.get(urn=urn), start_date=datetime.date(2025, 9, 1)
        )
    college = sharing_services.organisation_add(
        actor=admin_user,
        name="Northshire College",
        type="post_16",
        identifier_kind="ukprn",
        identifier=COLLEGE_UKPRN,
        contact_name="C",
        contact_email="c@example.invalid",
    )
    agreement = sharing_services.agreement_draft(
        actor=admin_user,
        **agreement_values(college, scope="post_16", min_age=None, max_age=None),
    )

    covered = set(cohort(agreement, day).children.values_list("pk", flat=True))

    assert covered == {at_college.pk}
