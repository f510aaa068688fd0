import csv
import datetime
import io
import zipfile

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from records.codes import Cohort, Gender, LegalStatus, PlacRoute
from records.imports.socialcare import PLACEHOLDER_FIRST_NAME
from records.models import Characteristics, Child, ImportRejection, ImportRun, LegalStatusEpisode
from records.services.episodes import episode_update
from tests.factories import ChildFactory, EpisodeFactory
from tests.records.imports.socialcare_files import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    episode_row,
    header_row,
    run_command,
    ssda903_xml,
    table_csv,
    upn,
    write_903_dir,
    write_903_zip,
    wrong_check_letter,
)
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db
D = datetime.date

UPN_A = upn(101)


def march_return():
    headers = [
        header_row("LAC001", D(2012, 3, 4), sex="1", ethnic="WBRI", upn_value=UPN_A),
        header_row("LAC002", D(2016, 11, 20), sex="2", ethnic="BAFR", upn_value="UN2"),
    ]
    episodes = [
        # A: interim care order, then a full care order the day it ceased; then a placement
        # move under the same order (one legal status episode).
        episode_row("LAC001", D(2024, 5, 1), ls="C1", dec=D(2024, 6, 10), rec="X1"),
        episode_row("LAC001", D(2024, 6, 10), ls="C2", dec=D(2024, 9, 1), rec="X1", rne="L"),
        episode_row("LAC001", D(2024, 9, 1), ls="C2", rne="P"),
        # B: accommodated under section 20, then adopted.
        episode_row("LAC002", D(2023, 1, 10), ls="V2", dec=D(2024, 7, 1), rec="E11"),
    ]
    return headers, episodes


def episodes_of(la_child_id):
    return list(
        LegalStatusEpisode.objects.filter(child__la_child_id=la_child_id)
        .order_by("cohort", "start_date")
        .values_list("cohort", "legal_status", "plac_route", "start_date", "end_date")
    )


def snapshot():
    return (
        list(Child.objects.order_by("pk").values()),
        list(LegalStatusEpisode.objects.order_by("pk").values()),
        list(Characteristics.objects.order_by("pk").values()),
    )


def test_a_return_creates_children_and_their_episodes(tmp_path):
    status, output = run_command(
        "import_903", write_903_dir(tmp_path / "march", *march_return()), "--create-missing"
    )

    assert status == 0, output
    a = Child.objects.get(la_child_id="LAC001")
    assert (a.first_name, a.gender, a.date_of_birth, a.upn) == (
        PLACEHOLDER_FIRST_NAME,
        Gender.MALE,
        D(2012, 3, 4),
        UPN_A,
    )
    assert "LAC001" in a.last_name
    assert a.characteristics.ethnicity == "WBRI"
    assert episodes_of("LAC001") == [
        (Cohort.CLA, LegalStatus.C1, "", D(2024, 5, 1), D(2024, 6, 9)),
        (Cohort.CLA, LegalStatus.C2, "", D(2024, 6, 10), None),
    ]
    b = Child.objects.get(la_child_id="LAC002")
    assert (b.gender, b.upn, b.upn_unknown) == (Gender.FEMALE, "", "UN2")
    assert episodes_of("LAC002") == [
        (Cohort.CLA, LegalStatus.V2, "", D(2023, 1, 10), D(2024, 7, 1)),
        (Cohort.PLAC, "", PlacRoute.ADOPTION, D(2024, 7, 2), None),
    ]
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.counts["rows_read"] == 6
    assert run.counts["children_created"] == 2
    assert run.counts["episodes_created"] == 3
    assert run.counts["plac_episodes_created"] == 1


def test_the_same_return_twice_changes_nothing(tmp_path):
    directory = write_903_dir(tmp_path / "march", *march_return())
    run_command("import_903", directory, "--create-missing")
    before, log_entries = snapshot(), LogEntry.objects.count()

    status, output = run_command("import_903", directory, "--create-missing")

    assert status == 0, output
    assert snapshot() == before
    assert LogEntry.objects.count() == log_entries
    counts = ImportRun.objects.order_by("-created_at").first().counts
    assert counts["children_unchanged"] == 2
    assert counts["episodes_unchanged"] == 3
    assert counts["plac_episodes_unchanged"] == 1
    assert not counts.get("episodes_created")


def test_next_months_return_ends_the_open_episode_instead_of_adding_one(tmp_path):
    headers, episodes = march_return()
    run_command(
        "import_903", write_903_dir(tmp_path / "march", headers, episodes), "--create-missing"
    )
    # April: the full care order ends with a special guardianship order.
    episodes[2] = episode_row(
        "LAC001", D(2024, 9, 1), ls="C2", rne="P", dec=D(2025, 2, 1), rec="E45"
    )

    status, output = run_command("import_903", write_903_dir(tmp_path / "april", headers, episodes))

    assert status == 0, output
    assert episodes_of("LAC001") == [
        (Cohort.CLA, LegalStatus.C1, "", D(2024, 5, 1), D(2024, 6, 9)),
        (Cohort.CLA, LegalStatus.C2, "", D(2024, 6, 10), D(2025, 2, 1)),
        (Cohort.PLAC, "", PlacRoute.SGO, D(2025, 2, 2), None),
    ]
    counts = ImportRun.objects.order_by("-created_at").first().counts
    assert counts["episodes_updated"] == 1
    assert counts["plac_episodes_created"] == 1


def test_a_child_the_record_does_not_have_is_rejected_unless_asked_to_create(tmp_path):
    status, output = run_command("import_903", write_903_dir(tmp_path / "m", *march_return()))

    assert status == 1
    assert "Header.CHILD" in output
    assert not Child.objects.exists()
    assert not LegalStatusEpisode.objects.exists()
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.REJECTED
    fields = set(run.rejections.values_list("field", flat=True))
    assert fields == {"Header.CHILD", "Episodes.CHILD"}


def test_a_known_child_is_matched_on_la_child_id_and_brought_up_to_date(tmp_path):
    old_upn = upn(7)
    child = ChildFactory(la_child_id="LAC001", upn=old_upn, date_of_birth=D(2012, 3, 5))
    headers, episodes = march_return()

    status, output = run_command(
        "import_903", write_903_dir(tmp_path / "m", headers[:1], episodes[:3])
    )

    assert status == 0, output
    child.refresh_from_db()
    assert (child.upn, child.former_upns, child.date_of_birth) == (
        UPN_A,
        [old_upn],
        D(2012, 3, 4),
    )
    assert Child.objects.count() == 1
    assert len(episodes_of("LAC001")) == 2


def test_a_child_without_an_la_child_id_is_matched_on_upn_and_gets_it(tmp_path):
    child = ChildFactory(upn=UPN_A, date_of_birth=D(2012, 3, 4), gender=Gender.MALE)
    headers, episodes = march_return()

    status, output = run_command(
        "import_903", write_903_dir(tmp_path / "m", headers[:1], episodes[:3])
    )

    assert status == 0, output
    child.refresh_from_db()
    assert child.la_child_id == "LAC001"
    assert child.first_name != PLACEHOLDER_FIRST_NAME


def test_a_upn_unknown_code_never_erases_a_known_upn(tmp_path):
    child = ChildFactory(la_child_id="LAC009", upn=UPN_A, date_of_birth=D(2012, 3, 4))
    headers = [header_row("LAC009", D(2012, 3, 4), upn_value="UN4")]

    status, output = run_command("import_903", write_903_dir(tmp_path / "m", headers, []))

    assert status == 0, output
    child.refresh_from_db()
    assert (child.upn, child.upn_unknown) == (UPN_A, "")


def test_every_broken_rule_is_reported_by_row_and_field_and_nothing_changes(tmp_path):
    ChildFactory(la_child_id="KNOWN1", date_of_birth=D(2011, 1, 1))
    bad_upn = wrong_check_letter(upn(55))
    headers = [
        header_row("LAC001", D(2012, 3, 4), upn_value=bad_upn),  # row 1: check letter
        {**header_row("LAC002", D(2012, 3, 4), upn_value="UN1"), "DOB": "2012-03-04"},  # row 2
        header_row("LAC003", D(2012, 3, 4), upn_value="UN1", sex="3"),  # row 3: SEX
        header_row("LAC004", D(2012, 3, 4), upn_value="UN1", ethnic="XXXX"),  # row 4
    ]
    episodes = [
        episode_row("KNOWN1", D(2024, 5, 1), ls="Z9"),  # row 1: LS
        episode_row("KNOWN1", D(2025, 5, 1), ls="C2", dec=D(2025, 4, 1), rec="E13"),  # row 2
        episode_row("NOBODY", D(2024, 5, 1)),  # row 3: not in the Header table or record
        {**episode_row("KNOWN1", D(2024, 5, 1)), "DECOM": "31/02/2024"},  # row 4: date
        episode_row("KNOWN1", D(2024, 5, 1), cin="N9"),  # row 5: CIN code
        episode_row("KNOWN1", D(2024, 5, 1), dec=D(2024, 6, 1)),  # row 6: DEC without REC
    ]
    before = snapshot()

    status, output = run_command(
        "import_903", write_903_dir(tmp_path / "m", headers, episodes), "--create-missing"
    )

    assert status == 1
    assert snapshot() == before
    rejected = {(r.row_number, r.field) for r in ImportRejection.objects.all()}
    assert {
        (1, "Header.UPN"),
        (2, "Header.DOB"),
        (3, "Header.SEX"),
        (4, "Header.ETHNIC"),
        (1, "Episodes.LS"),
        (2, "Episodes.DEC"),
        (3, "Episodes.CHILD"),
        (4, "Episodes.DECOM"),
        (5, "Episodes.CIN"),
        (6, "Episodes.REC"),
    } <= rejected
    reasons = " ".join(ImportRejection.objects.values_list("reason", flat=True))
    assert "check letter" in reasons
    assert "DEC (date episode ceased) is before DECOM" in reasons
    assert bad_upn not in reasons and bad_upn not in output


def test_import_valid_rows_keeps_the_good_children(tmp_path):
    headers, episodes = march_return()
    # (A wrong UPN check letter is only a warning since issue 12: SEX 7 is an error.)
    headers.append(header_row("LAC003", D(2012, 3, 4), upn_value=upn(9), sex="7"))
    episodes.append(episode_row("LAC003", D(2024, 5, 1)))

    status, _ = run_command(
        "import_903",
        write_903_dir(tmp_path / "m", headers, episodes),
        "--create-missing",
        "--import-valid-rows",
    )

    assert status == 1
    assert set(Child.objects.values_list("la_child_id", flat=True)) == {"LAC001", "LAC002"}
    assert ImportRun.objects.get().status == ImportRun.Status.SUCCEEDED


def test_an_episode_overlapping_one_in_the_record_is_rejected_with_the_services_message(
    tmp_path,
):
    child = ChildFactory(la_child_id="LAC001", date_of_birth=D(2012, 3, 4), upn=UPN_A)
    EpisodeFactory(child=child, legal_status=LegalStatus.V2, start_date=D(2024, 1, 1))
    headers, episodes = march_return()

    status, output = run_command(
        "import_903",
        write_903_dir(tmp_path / "m", headers[:1], episodes[:3]),
        "--import-valid-rows",
    )

    assert status == 1
    assert "overlaps the looked after episode" in output
    # The child's episodes are written together or not at all.
    assert LegalStatusEpisode.objects.filter(child=child).count() == 1


def test_an_episode_starting_before_the_previous_ceased_is_rejected(tmp_path):
    headers = [header_row("LAC001", D(2012, 3, 4), upn_value=UPN_A)]
    episodes = [
        episode_row("LAC001", D(2024, 5, 1), ls="C1", dec=D(2024, 6, 10), rec="X1"),
        episode_row("LAC001", D(2024, 6, 1), ls="C2"),
    ]

    status, _ = run_command(
        "import_903", write_903_dir(tmp_path / "m", headers, episodes), "--create-missing"
    )

    assert status == 1
    assert ImportRejection.objects.filter(row_number=2, field="Episodes.DECOM").exists()
    assert not Child.objects.exists()


def test_a_same_day_episode_before_a_change_is_not_a_period_of_its_own(tmp_path):
    headers = [header_row("LAC001", D(2012, 3, 4), upn_value=UPN_A)]
    episodes = [
        episode_row("LAC001", D(2024, 5, 1), ls="L1", dec=D(2024, 5, 1), rec="X1"),
        episode_row("LAC001", D(2024, 5, 1), ls="V2", rne="L"),
    ]

    status, output = run_command(
        "import_903", write_903_dir(tmp_path / "m", headers, episodes), "--create-missing"
    )

    assert status == 0, output
    assert episodes_of("LAC001") == [(Cohort.CLA, LegalStatus.V2, "", D(2024, 5, 1), None)]


def test_a_zip_of_the_tables_and_two_files_are_accepted(tmp_path):
    headers, episodes = march_return()
    status, output = run_command(
        "import_903", write_903_zip(tmp_path / "903.zip", headers, episodes), "--create-missing"
    )
    assert status == 0, output
    directory = write_903_dir(tmp_path / "m", headers, episodes)

    status, output = run_command(
        "import_903", directory / "header.csv", directory / "episodes.csv", "--create-missing"
    )

    assert status == 0, output
    assert ImportRun.objects.order_by("-created_at").first().counts["episodes_unchanged"] == 3


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("binary.csv", b"PK\x00\x01\x02\x00\xff\xfe" * 50, "binary"),
        ("empty.csv", b"", "empty"),
        ("other.csv", b"NAME,ADDRESS\r\nA,B\r\n", "No SSDA903 Header or Episodes table"),
        ("broken.zip", b"PK\x03\x04 not really a zip", "zip file cannot be read"),
    ],
)
def test_a_file_that_is_not_a_903_table_fails_with_exit_2(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)

    status, output = run_command("import_903", path)

    assert status == 2
    assert reason in output
    assert not Child.objects.exists()


def test_a_zip_without_903_tables_fails_with_exit_2(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("reviews.csv", table_csv(["CHILD", "DOB", "REVIEW"], []))

    status, output = run_command("import_903", path)

    assert status == 2
    assert "No SSDA903 Header or Episodes table" in output


def test_a_directory_without_903_tables_fails_with_exit_2(tmp_path):
    (tmp_path / "notes.csv").write_bytes(table_csv(["A", "B"], []))

    status, _ = run_command("import_903", tmp_path)

    assert status == 2
    assert not ImportRun.objects.exists()


def test_tables_are_recognised_by_their_header_rows_not_their_names(tmp_path):
    headers, episodes = march_return()
    (tmp_path / "a.csv").write_bytes(table_csv(HEADER_COLUMNS, headers))
    (tmp_path / "b.csv").write_bytes(table_csv(EPISODE_COLUMNS, episodes))

    status, output = run_command("import_903", tmp_path, "--create-missing")

    assert status == 0, output
    assert Child.objects.count() == 2


class TestEpisodeUpdate:
    def test_an_episode_is_ended(self, manager, child):
        episode = EpisodeFactory(child=child, start_date=D(2024, 1, 1))

        updated = episode_update(
            actor=manager,
            episode=episode,
            start_date=D(2024, 1, 1),
            end_date=D(2024, 3, 1),
            legal_status=LegalStatus.C2,
        )

        assert updated.end_date == D(2024, 3, 1)

    def test_the_rules_of_episode_add_apply(self, manager, child):
        episode = EpisodeFactory(child=child, start_date=D(2024, 1, 1), end_date=D(2024, 2, 1))
        EpisodeFactory(child=child, start_date=D(2024, 3, 1))

        with pytest.raises(DomainError) as overlap:
            episode_update(
                actor=manager,
                episode=episode,
                start_date=D(2024, 1, 1),
                end_date=D(2024, 3, 1),
                legal_status=LegalStatus.C2,
            )
        with pytest.raises(DomainError) as backwards:
            episode_update(
                actor=manager,
                episode=episode,
                start_date=D(2024, 1, 1),
                end_date=D(2023, 12, 1),
                legal_status=LegalStatus.C2,
            )
        with pytest.raises(DomainError) as no_status:
            episode_update(actor=manager, episode=episode, start_date=D(2024, 1, 1))

        assert "overlaps" in overlap.value.message_dict["start_date"][0]
        assert "end_date" in backwards.value.message_dict
        assert "legal_status" in no_status.value.message_dict
        episode.refresh_from_db()
        assert episode.end_date == D(2024, 2, 1)


# --- Issue 12: counts that add up, warnings beside errors --------------------------------


def _upload_903(client, path, capture, *, create_missing=True, valid_rows=False):
    payload = {"kind": "903", "file": SimpleUploadedFile(path.name, path.read_bytes())}
    if create_missing:
        payload["create_missing"] = "on"
    if valid_rows:
        payload["import_valid_rows"] = "on"
    with capture(execute=True):
        return client.post(reverse("records:import-new"), payload)


def test_a_header_row_and_an_episodes_row_with_the_same_number_count_as_two(tmp_path):
    headers, episodes = march_return()
    headers[1] = {**headers[1], "SEX": "7"}  # Header row 2
    episodes[1] = {**episodes[1], "LS": "Z9"}  # Episodes row 2

    status, _ = run_command(
        "import_903", write_903_dir(tmp_path / "m", headers, episodes), "--create-missing"
    )

    assert status == 1
    run = ImportRun.objects.get()
    # Header row 2; Episodes row 2, rows 1 and 3 with it (one child's episodes go together)
    # and row 4 (LAC002, whose Header row was rejected): five rows, not four.
    assert run.counts["rows_rejected"] == 5
    assert run.table_counts == {
        "Header": {"read": 2, "imported": 1, "warned": 0, "rejected": 1},
        "Episodes": {"read": 4, "imported": 0, "warned": 0, "rejected": 4},
    }
    for key, total in (("read", "rows_read"), ("rejected", "rows_rejected")):
        assert sum(t[key] for t in run.table_counts.values()) == run.counts[total]
    by_reason = {(r["field"], r["reason"][:30]): r["count"] for r in run.reason_counts}
    assert by_reason[("Episodes.CHILD", "Not imported: another of the c")] == 2
    assert by_reason[("Episodes.CHILD", "No child in the record has thi")] == 1
    assert by_reason[("Header.SEX", "SEX must be one of: 1, 2")] == 1


def test_the_report_page_says_what_was_imported_with_counts_per_table_and_reason(
    tmp_path, client_for, manager, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_DIR = tmp_path / "imports"
    headers, episodes = march_return()
    headers.append(header_row("LAC003", D(2012, 3, 4), upn_value="UN1", sex="7"))
    path = write_903_zip(tmp_path / "903.zip", headers, episodes)
    client = client_for(manager)

    response = _upload_903(client, path, django_capture_on_commit_callbacks, valid_rows=True)

    page = client.get(response.url).content.decode()
    assert "2 children imported; 0 warnings; 1 row not imported" in page
    assert "Rows by table" in page and "Errors and warnings by reason" in page
    run = ImportRun.objects.get()
    download = client.get(reverse("records:import-rejections-csv", kwargs={"pk": run.pk}))
    table = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert table[0] == ["Row", "Field", "Reason", "Outcome"]
    assert [row[:2] + row[3:] for row in table[1:]] == [["3", "Header.SEX", "Not imported"]]


def test_a_upn_with_a_wrong_check_letter_is_a_warning_and_the_child_is_imported(
    tmp_path, client_for, manager, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_DIR = tmp_path / "imports"
    bad_upn = wrong_check_letter(upn(55))
    headers, episodes = march_return()
    headers[0] = {**headers[0], "UPN": bad_upn}
    path = write_903_zip(tmp_path / "903.zip", headers, episodes)
    client = client_for(manager)

    response = _upload_903(client, path, django_capture_on_commit_callbacks)

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.SUCCEEDED
    a = Child.objects.get(la_child_id="LAC001")
    assert (a.upn, a.upn_needs_checking) == ("", True)
    assert len(episodes_of("LAC001")) == 2  # the episodes came in with the child
    assert not Child.objects.get(la_child_id="LAC002").upn_needs_checking
    warning = ImportRejection.objects.get()
    assert (warning.severity, warning.row_number, warning.field) == ("warning", 1, "Header.UPN")
    assert "UPN needs checking" in warning.reason
    assert run.table_counts["Header"] == {"read": 2, "imported": 2, "warned": 1, "rejected": 0}
    page = client.get(response.url).content.decode()
    assert "2 children imported; 1 warning; 0 rows not imported" in page
    assert bad_upn not in page
    detail = client.get(reverse("records:child-detail", kwargs={"pk": a.pk})).content.decode()
    assert "UPN needs checking" in detail

    # The caseload can be narrowed to the children whose UPN needs checking (the filter names
    # nobody, so it is in the query string), and a search keeps the filter.
    b = Child.objects.get(la_child_id="LAC002")
    listed = client.get(reverse("records:caseload") + "?upn_check=1").content.decode()
    assert reverse("records:child-detail", kwargs={"pk": a.pk}) in listed
    assert reverse("records:child-detail", kwargs={"pk": b.pk}) not in listed
    assert reverse("records:child-detail", kwargs={"pk": b.pk}) in (
        client.get(reverse("records:caseload")).content.decode()
    )
    searched = client.post(
        reverse("records:caseload"), {"q": b.last_name, "upn_check": "1"}
    ).content.decode()
    assert reverse("records:child-detail", kwargs={"pk": b.pk}) not in searched
    assert 'name="upn_check" value="1"' in searched

    # Next month's return has the right UPN: it is kept, and the mark goes.
    headers[0] = {**headers[0], "UPN": UPN_A}
    run_command("import_903", write_903_dir(tmp_path / "april", headers, episodes))
    a.refresh_from_db()
    assert (a.upn, a.upn_needs_checking) == (UPN_A, False)


def test_a_rec_on_an_open_episode_is_ignored_with_a_warning(tmp_path):
    headers, episodes = march_return()
    episodes[2] = {**episodes[2], "REC": "E13"}  # LAC001's open episode

    status, output = run_command(
        "import_903", write_903_dir(tmp_path / "m", headers, episodes), "--create-missing"
    )

    assert status == 0, output
    assert episodes_of("LAC001") == [
        (Cohort.CLA, LegalStatus.C1, "", D(2024, 5, 1), D(2024, 6, 9)),
        (Cohort.CLA, LegalStatus.C2, "", D(2024, 6, 10), None),
    ]
    warning = ImportRejection.objects.get()
    assert (warning.row_number, warning.field, warning.severity) == (3, "Episodes.REC", "warning")
    assert ImportRun.objects.get().table_counts["Episodes"]["warned"] == 1


def test_an_unknown_optional_code_is_dropped_with_a_warning(tmp_path):
    headers, episodes = march_return()
    episodes[3] = {**episodes[3], "RNE": "Q"}

    status, output = run_command(
        "import_903", write_903_dir(tmp_path / "m", headers, episodes), "--create-missing"
    )

    assert status == 0, output
    assert len(episodes_of("LAC002")) == 2
    warning = ImportRejection.objects.get()
    assert (warning.row_number, warning.field, warning.severity) == (4, "Episodes.RNE", "warning")


def test_episodes_merge_only_across_x1_and_a_rec_that_ends_care_ends_the_period(tmp_path):
    headers = [header_row("LAC001", D(2012, 3, 4), upn_value=UPN_A)]
    episodes = [
        # Placement moves under one order (X1): one period.
        episode_row("LAC001", D(2022, 1, 10), ls="E1", dec=D(2022, 6, 1), rec="X1"),
        episode_row("LAC001", D(2022, 6, 1), ls="E1", rne="P", dec=D(2023, 3, 1), rec="E11"),
        # Adopted on 1 March 2023, and a new episode the same day with the same legal status:
        # the adoption and its PLAC episode are kept, not merged away.
        episode_row("LAC001", D(2023, 3, 1), ls="E1", rne="S", dec=D(2023, 8, 1), rec="E13"),
        # Home to parents (E13) on 1 August, then accommodated again the same day.
        episode_row("LAC001", D(2023, 8, 1), ls="E1", rne="S"),
    ]

    status, output = run_command(
        "import_903", write_903_dir(tmp_path / "m", headers, episodes), "--create-missing"
    )

    assert status == 0, output
    assert episodes_of("LAC001") == [
        (Cohort.CLA, LegalStatus.E1, "", D(2022, 1, 10), D(2023, 2, 28)),
        (Cohort.CLA, LegalStatus.E1, "", D(2023, 3, 1), D(2023, 7, 31)),
        (Cohort.CLA, LegalStatus.E1, "", D(2023, 8, 1), None),
        (Cohort.PLAC, "", PlacRoute.ADOPTION, D(2023, 3, 2), None),
    ]
    warning = ImportRejection.objects.get()
    assert (warning.row_number, warning.field, warning.severity) == (3, "Episodes.DECOM", "warning")


def test_short_and_long_rows_are_errors_and_the_childs_other_episodes_wait(tmp_path):
    headers, episodes = march_return()
    directory = write_903_dir(tmp_path / "m", headers, episodes)
    lines = (directory / "episodes.csv").read_bytes().split(b"\r\n")
    lines[2] = lines[2].rsplit(b",", 3)[0]  # row 2 (LAC001) has 3 fields too few
    lines[4] += b",extra"  # row 4 (LAC002) has one too many
    (directory / "episodes.csv").write_bytes(b"\r\n".join(lines))
    head = (directory / "header.csv").read_bytes().split(b"\r\n")
    head[2] = head[2].rsplit(b",", 1)[0]  # Header row 2 (LAC002) has one field too few
    (directory / "header.csv").write_bytes(b"\r\n".join(head))

    status, output = run_command("import_903", directory, "--create-missing")

    assert status == 1
    rejected = set(ImportRejection.objects.values_list("row_number", "field"))
    assert {(2, "Episodes"), (4, "Episodes"), (2, "Header")} <= rejected
    assert (1, "Episodes.CHILD") in rejected  # LAC001's other episodes are not imported alone
    assert "the header row has 13" in output
    assert not Child.objects.exists()


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
def test_windows_1252_and_utf_8_with_or_without_a_bom_are_read(tmp_path, encoding):
    headers, episodes = march_return()
    for row in episodes:
        row["PLACE_PROVIDER"] = "Café Fostering Ltd"  # é is 0xE9 in Windows-1252
    directory = tmp_path / "m"
    directory.mkdir()
    (directory / "header.csv").write_bytes(table_csv(HEADER_COLUMNS, headers, encoding))
    (directory / "episodes.csv").write_bytes(table_csv(EPISODE_COLUMNS, episodes, encoding))

    status, output = run_command("import_903", directory, "--create-missing")

    assert status == 0, output
    assert Child.objects.count() == 2
    assert ImportRun.objects.get().counts["rows_read"] == 6


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            b"CHILD;SEX;DOB;ETHNIC;UPN\r\nLAC001;1;04/03/2012;WBRI;UN1\r\n",
            "separates its fields with semicolons (;), not commas",
        ),
        (
            b"CHILD\tSEX\tDOB\tETHNIC\tUPN\r\nLAC001\t1\t04/03/2012\tWBRI\tUN1\r\n",
            "separates its fields with tabs",
        ),
        (
            b'CHILD,SEX,DOB,ETHNIC,UPN\r\nLAC001,1,04/03/2012,WBRI,UN1\r\n"LAC002,2,01/01/2015,'
            b"WBRI,UN1\r\nLAC003,1,01/01/2016,WBRI,UN1\r\n",
            'has a quote (") on line 3 that is never closed',
        ),
    ],
)
def test_a_other_delimiter_or_an_unclosed_quote_is_named(tmp_path, content, reason):
    path = tmp_path / "header.csv"
    path.write_bytes(content)

    status, output = run_command("import_903", path, "--create-missing")

    assert status == 2
    assert reason in output
    assert not Child.objects.exists()


def test_the_xml_form_of_the_return_is_read_under_the_same_rules(tmp_path):
    headers, episodes = march_return()
    headers[1] = {**headers[1], "UPN": wrong_check_letter(upn(56))}  # a warning, as in CSV
    episodes[2] = {**episodes[2], "REC": "E13"}  # REC on an open episode: ignored
    path = tmp_path / "ssda903.xml"
    path.write_bytes(ssda903_xml(headers, episodes))

    status, output = run_command("import_903", path, "--create-missing")

    assert status == 0, output
    assert episodes_of("LAC001") == [
        (Cohort.CLA, LegalStatus.C1, "", D(2024, 5, 1), D(2024, 6, 9)),
        (Cohort.CLA, LegalStatus.C2, "", D(2024, 6, 10), None),
    ]
    assert episodes_of("LAC002") == [
        (Cohort.CLA, LegalStatus.V2, "", D(2023, 1, 10), D(2024, 7, 1)),
        (Cohort.PLAC, "", PlacRoute.ADOPTION, D(2024, 7, 2), None),
    ]
    assert Child.objects.get(la_child_id="LAC002").upn_needs_checking
    run = ImportRun.objects.get()
    assert run.table_counts == {
        "Header": {"read": 2, "imported": 2, "warned": 1, "rejected": 0},
        "Episodes": {"read": 4, "imported": 4, "warned": 1, "rejected": 0},
    }
    assert set(ImportRejection.objects.values_list("row_number", "field", "severity")) == {
        (2, "Header.UPN", "warning"),
        (3, "Episodes.REC", "warning"),
    }


def test_an_xml_episode_with_a_broken_rule_is_rejected_by_its_number(tmp_path):
    headers, episodes = march_return()
    episodes[3] = {**episodes[3], "LS": "Z9"}  # the 4th EPISODE element
    path = tmp_path / "ssda903.xml"
    path.write_bytes(ssda903_xml(headers, episodes))

    status, _ = run_command("import_903", path, "--create-missing")

    assert status == 1
    assert ImportRejection.objects.filter(row_number=4, field="Episodes.LS").exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<Message><Children/></Message>", "root element is not EXPSSDA903"),
        (b"<EXPSSDA903><CHILD><HEADER>", "not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><EXPSSDA903/>',
            "declares a DTD",
        ),
        (b"<EXPSSDA903></EXPSSDA903>", "holds no CHILD elements"),
    ],
)
def test_an_xml_file_that_is_not_a_903_return_fails_with_exit_2(tmp_path, content, reason):
    path = tmp_path / "ssda903.xml"
    path.write_bytes(content)

    status, output = run_command("import_903", path, "--create-missing")

    assert status == 2
    assert reason in output


def test_a_one_day_episode_ending_in_adoption_the_day_the_next_begins_keeps_the_plac(tmp_path):
    headers = [header_row("LAC001", D(2012, 3, 4), upn_value=UPN_A)]
    episodes = [
        episode_row("LAC001", D(2024, 5, 1), ls="E1", dec=D(2024, 5, 1), rec="E11"),
        episode_row("LAC001", D(2024, 5, 1), ls="V2", dec=D(2024, 8, 1), rec="E13"),
    ]

    status, output = run_command(
        "import_903", write_903_dir(tmp_path / "m", headers, episodes), "--create-missing"
    )

    assert status == 0, output
    assert episodes_of("LAC001") == [
        (Cohort.CLA, LegalStatus.V2, "", D(2024, 5, 1), D(2024, 8, 1)),
        (Cohort.PLAC, "", PlacRoute.ADOPTION, D(2024, 5, 2), None),
    ]
    assert ImportRun.objects.get().counts["episodes_same_day"] == 1
