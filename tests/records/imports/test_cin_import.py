import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from records.codes import Cohort, Gender
from records.imports.socialcare import PLACEHOLDER_FIRST_NAME
from records.models import Characteristics, Child, ImportRejection, ImportRun, LegalStatusEpisode
from tests.factories import ChildFactory, EpisodeFactory
from tests.records.imports.socialcare_files import (
    CinCase,
    CinChild,
    Plan,
    cin_xml,
    run_command,
    upn,
    wrong_check_letter,
)

pytestmark = pytest.mark.django_db
D = datetime.date
UPN_A = upn(301)


def census(tmp_path, children, name="cin.xml"):
    path = tmp_path / name
    path.write_bytes(cin_xml(children))
    return path


def this_year():
    return [
        CinChild(
            "CIN001",
            D(2014, 6, 2),
            gender="2",
            upn=UPN_A,
            ethnicity="MWBC",
            cases=[CinCase(D(2024, 6, 1), plans=[Plan(D(2024, 7, 15))])],
        ),
        CinChild(
            "CIN002",
            D(2019, 1, 30),
            upn_unknown="UN1",
            cases=[CinCase(D(2023, 2, 1), D(2023, 11, 30), need="N4")],
        ),
    ]


def episodes_of(la_child_id):
    return list(
        LegalStatusEpisode.objects.filter(child__la_child_id=la_child_id)
        .order_by("cohort", "start_date")
        .values_list("cohort", "start_date", "end_date", "closure_date")
    )


def snapshot():
    return (
        list(Child.objects.order_by("pk").values()),
        list(LegalStatusEpisode.objects.order_by("pk").values()),
        list(Characteristics.objects.order_by("pk").values()),
    )


def test_a_census_creates_children_cin_and_protection_plan_episodes(tmp_path):
    status, output = run_command("import_cin", census(tmp_path, this_year()), "--create-missing")

    assert status == 0, output
    child = Child.objects.get(la_child_id="CIN001")
    assert (child.first_name, child.gender, child.upn) == (
        PLACEHOLDER_FIRST_NAME,
        Gender.FEMALE,
        UPN_A,
    )
    assert child.characteristics.ethnicity == "MWBC"
    assert episodes_of("CIN001") == [
        (Cohort.CIN, D(2024, 6, 1), None, None),
        (Cohort.CPP, D(2024, 7, 15), None, None),
    ]
    assert episodes_of("CIN002") == [
        (Cohort.CIN, D(2023, 2, 1), D(2023, 11, 30), D(2023, 11, 30)),
    ]
    assert Child.objects.get(la_child_id="CIN002").upn_unknown == "UN1"
    counts = ImportRun.objects.get().counts
    assert counts["rows_read"] == 2
    assert counts["cin_episodes_created"] == 2
    assert counts["cpp_episodes_created"] == 1


def test_the_same_census_twice_changes_nothing(tmp_path):
    path = census(tmp_path, this_year())
    run_command("import_cin", path, "--create-missing")
    before, log_entries = snapshot(), LogEntry.objects.count()

    status, output = run_command("import_cin", path, "--create-missing")

    assert status == 0, output
    assert snapshot() == before
    assert LogEntry.objects.count() == log_entries
    counts = ImportRun.objects.order_by("-created_at").first().counts
    assert counts["children_unchanged"] == 2
    assert counts["cin_episodes_unchanged"] == 2


def test_next_census_closes_the_case_and_ends_the_plan_without_duplicates(tmp_path):
    run_command("import_cin", census(tmp_path, this_year()), "--create-missing")
    children = this_year()
    children[0].cases = [
        CinCase(D(2024, 6, 1), D(2025, 3, 1), plans=[Plan(D(2024, 7, 15), D(2025, 1, 20))])
    ]

    status, output = run_command("import_cin", census(tmp_path, children, "next.xml"))

    assert status == 0, output
    assert episodes_of("CIN001") == [
        (Cohort.CIN, D(2024, 6, 1), D(2025, 3, 1), D(2025, 3, 1)),
        (Cohort.CPP, D(2024, 7, 15), D(2025, 1, 20), None),
    ]


def test_a_child_is_matched_on_upn_when_the_la_child_id_is_new(tmp_path):
    child = ChildFactory(upn=UPN_A, date_of_birth=D(2014, 6, 2), gender=Gender.FEMALE)

    status, output = run_command("import_cin", census(tmp_path, this_year()[:1]))

    assert status == 0, output
    child.refresh_from_db()
    assert child.la_child_id == "CIN001"
    assert child.characteristics.ethnicity == "MWBC"
    assert Child.objects.count() == 1


def test_a_upn_of_a_child_with_another_la_child_id_is_refused(tmp_path):
    ChildFactory(upn=UPN_A, la_child_id="SOMEONE-ELSE")

    status, output = run_command("import_cin", census(tmp_path, this_year()[:1]))

    assert status == 1
    assert ImportRejection.objects.filter(row_number=1, field="UPN").exists()
    assert not LegalStatusEpisode.objects.exists()


def test_an_unknown_child_is_rejected_without_create_missing(tmp_path):
    status, _ = run_command("import_cin", census(tmp_path, this_year()))

    assert status == 1
    assert set(ImportRejection.objects.values_list("row_number", "field")) == {
        (1, "LAchildID"),
        (2, "LAchildID"),
    }
    assert not Child.objects.exists()


def test_every_broken_rule_is_reported_per_child_and_nothing_changes(tmp_path):
    bad_upn = wrong_check_letter(upn(77))
    children = [
        *this_year(),
        CinChild("CIN003", D(2015, 1, 1), upn=bad_upn, cases=[CinCase(D(2024, 1, 1))]),
        CinChild("CIN004", D(2015, 1, 1), cases=[CinCase(D(2024, 5, 1), D(2024, 4, 1))]),
        # (N9 is a census primary need code; an unknown code is a warning since issue 12.)
        CinChild("CIN005", D(2015, 1, 1), cases=[CinCase(D(2024, 5, 1), need="NX")]),
        CinChild(
            "CIN006", D(2015, 1, 1), gender="7", ethnicity="ZZZZ", cases=[CinCase(D(2024, 5, 1))]
        ),
        CinChild(
            "CIN007",
            D(2015, 1, 1),
            cases=[CinCase(D(2024, 5, 1), plans=[Plan(D(2024, 6, 1), D(2024, 5, 1))])],
        ),
        # Two cases of one child that overlap: the episode service refuses the second.
        CinChild("CIN008", D(2015, 1, 1), cases=[CinCase(D(2024, 1, 1)), CinCase(D(2024, 3, 1))]),
    ]
    before = snapshot()

    status, output = run_command("import_cin", census(tmp_path, children), "--create-missing")

    assert status == 1
    assert snapshot() == before
    rejected = set(ImportRejection.objects.values_list("row_number", "field"))
    assert {
        (3, "UPN"),
        (4, "CINdetails[1]/CINclosureDate"),
        (5, "CINdetails[1]/PrimaryNeedCode"),
        (6, "GenderCurrent"),
        (6, "Ethnicity"),
        (7, "CINdetails[1]/ChildProtectionPlans[1]/CPPendDate"),
        (8, "CINdetails[2]/CINreferralDate"),
    } == rejected
    assert "overlaps" in output
    assert bad_upn not in output


def test_import_valid_rows_keeps_the_good_children_only(tmp_path):
    children = [
        *this_year(),
        CinChild("CIN008", D(2015, 1, 1), cases=[CinCase(D(2024, 1, 1)), CinCase(D(2024, 3, 1))]),
    ]

    status, _ = run_command(
        "import_cin", census(tmp_path, children), "--create-missing", "--import-valid-rows"
    )

    assert status == 1
    assert set(Child.objects.values_list("la_child_id", flat=True)) == {"CIN001", "CIN002"}


def test_an_unborn_child_is_skipped(tmp_path):
    unborn = CinChild("CIN010", None, gender="0", expected_dob=D(2030, 1, 1), ethnicity="NOBT")
    unborn.cases = [CinCase(D(2024, 5, 1))]

    status, output = run_command("import_cin", census(tmp_path, [unborn]), "--create-missing")

    assert status == 0, output
    assert not Child.objects.exists()
    assert ImportRun.objects.get().counts["unborn_children_skipped"] == 1


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Message [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Message><Children><Child><ChildIdentifiers><LAchildID>&lol2;</LAchildID></ChildIdentifiers>
</Child></Children></Message>"""


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<Message><Children><Child>", "not well-formed"),
        (BILLION_LAUGHS, "DTD"),
        (b"\x00\x01\x02binary\xff" * 20, "binary"),
        (b"<Other><Child/></Other>", "root element is not Message"),
        (b"<Message><Children/></Message>", "no Child elements"),
        (b"", "empty"),
    ],
)
def test_a_file_that_is_not_a_cin_census_fails_with_exit_2(tmp_path, content, reason):
    path = tmp_path / "census.xml"
    path.write_bytes(content)

    status, output = run_command("import_cin", path, "--create-missing")

    assert status == 2
    assert reason in output
    assert not Child.objects.exists()


def test_a_census_that_breaks_off_part_way_leaves_nothing_behind(tmp_path):
    whole = cin_xml(this_year())
    path = tmp_path / "cut.xml"
    path.write_bytes(whole[: whole.index(b"CIN002")])

    status, _ = run_command("import_cin", path, "--create-missing")

    assert status == 2
    assert not Child.objects.exists()
    assert not LegalStatusEpisode.objects.exists()


def test_a_bad_former_upn_alone_does_not_block_the_case_closure(tmp_path):
    run_command("import_cin", census(tmp_path, this_year()), "--create-missing")
    children = this_year()
    children[0].cases = [CinCase(D(2024, 6, 1), D(2025, 3, 1), plans=[Plan(D(2024, 7, 15))])]
    children[0].former_upn = wrong_check_letter(upn(88))

    status, output = run_command("import_cin", census(tmp_path, children, "next.xml"))

    assert status == 0, output
    assert episodes_of("CIN001")[0] == (Cohort.CIN, D(2024, 6, 1), D(2025, 3, 1), D(2025, 3, 1))
    child = Child.objects.get(la_child_id="CIN001")
    assert (child.upn, child.former_upns, child.upn_needs_checking) == (UPN_A, [], False)
    warning = ImportRejection.objects.get()
    assert (warning.severity, warning.field) == ("warning", "FormerUPN")


def test_a_bad_upn_is_a_warning_and_the_child_is_matched_by_la_child_id(tmp_path):
    run_command("import_cin", census(tmp_path, this_year()[1:]), "--create-missing")
    children = this_year()[1:]
    children[0].upn_unknown = ""
    children[0].upn = wrong_check_letter(upn(90))

    status, output = run_command("import_cin", census(tmp_path, children, "next.xml"))

    assert status == 0, output
    child = Child.objects.get(la_child_id="CIN002")
    assert (child.upn, child.upn_needs_checking) == ("", True)
    run = ImportRun.objects.order_by("-created_at").first()
    assert run.counts["children_updated"] == 1
    assert run.table_counts == {"Child": {"read": 1, "imported": 1, "warned": 1, "rejected": 0}}


def test_primary_need_codes_n0_to_n9_are_read_and_an_unknown_one_is_dropped_with_a_warning(
    tmp_path,
):
    children = [
        CinChild(f"CIN1{n}", D(2015, 1, 1), cases=[CinCase(D(2024, 5, 1), need=f"N{n}")])
        for n in range(10)
    ]
    children.append(CinChild("CIN200", D(2015, 1, 1), cases=[CinCase(D(2024, 5, 1), need="NX")]))

    status, output = run_command("import_cin", census(tmp_path, children), "--create-missing")

    assert status == 0, output
    assert Child.objects.count() == 11
    warning = ImportRejection.objects.get()
    assert (warning.row_number, warning.field, warning.severity) == (
        11,
        "CINdetails[1]/PrimaryNeedCode",
        "warning",
    )
    assert "left out" in warning.reason


def test_a_death_date_ends_open_episodes_and_marks_the_child(tmp_path):
    child = ChildFactory(la_child_id="CIN001", date_of_birth=D(2014, 6, 2), upn=UPN_A)
    EpisodeFactory(child=child, start_date=D(2023, 4, 1))  # looked after, from the 903
    children = this_year()[:1]
    children[0].died = D(2025, 2, 10)

    status, output = run_command("import_cin", census(tmp_path, children))

    assert status == 0, output
    child.refresh_from_db()
    assert child.date_of_death == D(2025, 2, 10)
    assert episodes_of("CIN001") == [
        (Cohort.CIN, D(2024, 6, 1), D(2025, 2, 10), None),
        (Cohort.CLA, D(2023, 4, 1), D(2025, 2, 10), None),
        (Cohort.CPP, D(2024, 7, 15), D(2025, 2, 10), None),
    ]
    assert ImportRun.objects.get().counts["children_death_recorded"] == 1
    before, log_entries = snapshot(), LogEntry.objects.count()

    status, output = run_command("import_cin", census(tmp_path, children, "again.xml"))

    assert status == 0, output
    assert snapshot() == before
    assert LogEntry.objects.count() == log_entries


def test_a_referral_with_no_further_action_is_not_a_cin_episode(tmp_path):
    children = this_year()[:1]
    children[0].cases.append(CinCase(D(2023, 1, 5), D(2023, 1, 6), nfa=True))

    status, output = run_command("import_cin", census(tmp_path, children), "--create-missing")

    assert status == 0, output
    assert [e[:2] for e in episodes_of("CIN001")] == [
        (Cohort.CIN, D(2024, 6, 1)),
        (Cohort.CPP, D(2024, 7, 15)),
    ]
    assert ImportRun.objects.get().counts["cin_referrals_nfa_not_episodes"] == 1


def test_a_protection_plan_starting_before_its_referral_is_a_warning(tmp_path):
    children = this_year()[:1]
    children[0].cases[0].plans = [Plan(D(2024, 5, 20))]

    status, output = run_command("import_cin", census(tmp_path, children), "--create-missing")

    assert status == 0, output
    assert (Cohort.CPP, D(2024, 5, 20), None, None) in episodes_of("CIN001")
    warning = ImportRejection.objects.get()
    assert (warning.field, warning.severity) == (
        "CINdetails[1]/ChildProtectionPlans[1]/CPPstartDate",
        "warning",
    )


def test_a_death_date_before_the_birth_is_an_error_and_the_page_shows_a_death(
    tmp_path, client_for, manager
):
    children = this_year()
    children[0].died = D(2010, 1, 1)  # before the 2014 birth
    children[1].died = D(2024, 1, 5)

    status, output = run_command("import_cin", census(tmp_path, children), "--create-missing")

    assert status == 1
    assert set(ImportRejection.objects.values_list("row_number", "field")) == {
        (1, "PersonDeathDate")
    }
    assert "after the date of birth" in output

    status, output = run_command(
        "import_cin", census(tmp_path, children[1:], "one.xml"), "--create-missing"
    )
    assert status == 0, output
    child = Child.objects.get(la_child_id="CIN002")
    page = client_for(manager).get(reverse("records:child-detail", kwargs={"pk": child.pk}))
    assert "Date of death" in page.content.decode() and "5 January 2024" in page.content.decode()
