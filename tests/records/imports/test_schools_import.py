import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from records.codes.census import SchoolPhase
from records.models import ImportRejection, ImportRun, School
from records.services.schools import school_save
from tests.factories import SchoolFactory
from tests.records.imports.socialcare_files import gias_csv, gias_row, run_command
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db


def register():
    return [
        gias_row(110001, "St Mary’s Church of England Primary School", number="3301"),
        gias_row(
            110002,
            "Ysgol Gymraeg Llundain – Welsh School",
            kind="Other independent school",
            phase="All-through",
            number="6001",
        ),
        gias_row(
            110003,
            "Chesterton Community College",
            phase="Secondary",
            number="4001",
            status="Closed",
            closed="31-08-2019",
        ),
        gias_row(
            110004, "Parkside Nursery", phase="Nursery", number="1001", status="Proposed to open"
        ),
        gias_row(110005, "Hinchingbrooke Sixth Form", phase="16 plus", number="4002"),
        gias_row(
            110006,
            "Littleport Children's Centre",
            kind="Children's centre",
            phase="Not applicable",
            number="",
            status="Open, but proposed to close",
        ),
    ]


def write(tmp_path, rows, name="edubasealldata.csv", encoding="cp1252"):
    path = tmp_path / name
    path.write_bytes(gias_csv(rows, encoding=encoding))
    return path


def schools():
    return list(School.objects.order_by("urn").values())


def test_a_cp1252_register_loads_the_schools(tmp_path):
    status, output = run_command("import_schools", write(tmp_path, register()))

    assert status == 0, output
    mary = School.objects.get(urn=110001)
    assert mary.name == "St Mary’s Church of England Primary School"
    assert (mary.la_code, mary.la_name, mary.establishment_number, mary.laestab) == (
        "873",
        "Cambridgeshire",
        "3301",
        "8733301",
    )
    assert (mary.phase, mary.establishment_type, mary.is_open) == (
        SchoolPhase.PRIMARY,
        "Community school",
        True,
    )
    assert School.objects.get(urn=110002).name == "Ysgol Gymraeg Llundain – Welsh School"
    phases_open = {s.urn: (s.phase, s.is_open) for s in School.objects.all()}
    assert phases_open == {
        110001: (SchoolPhase.PRIMARY, True),
        110002: (SchoolPhase.ALL_THROUGH, True),
        110003: (SchoolPhase.SECONDARY, False),
        110004: (SchoolPhase.NURSERY, False),
        110005: (SchoolPhase.SIXTEEN_PLUS, True),
        110006: (SchoolPhase.NOT_APPLICABLE, True),
    }
    assert ImportRun.objects.get().counts["schools_created"] == 6


def test_a_utf8_register_with_a_byte_order_mark_is_read_too(tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_bytes(b"\xef\xbb\xbf" + gias_csv(register(), encoding="utf-8"))

    status, output = run_command("import_schools", path)

    assert status == 0, output
    assert School.objects.get(urn=110001).name == "St Mary’s Church of England Primary School"


def test_the_same_register_twice_changes_nothing(tmp_path):
    path = write(tmp_path, register())
    run_command("import_schools", path)
    before = schools()

    status, output = run_command("import_schools", path)

    assert status == 0, output
    assert schools() == before
    counts = ImportRun.objects.order_by("-created_at").first().counts
    assert (counts["schools_created"], counts["schools_updated"], counts["schools_unchanged"]) == (
        0,
        0,
        6,
    )


def test_a_later_register_updates_changed_schools_by_urn(tmp_path):
    existing = SchoolFactory(urn=110001, name="St Mary's Primary", la_code="873")
    run_command("import_schools", write(tmp_path, register()))
    rows = register()
    rows[2] = gias_row(110003, "Chesterton Community College", phase="Secondary", number="4001")

    status, output = run_command("import_schools", write(tmp_path, rows, "later.csv"))

    assert status == 0, output
    existing.refresh_from_db()
    assert existing.name == "St Mary’s Church of England Primary School"
    assert School.objects.get(urn=110003).is_open is True
    counts = ImportRun.objects.order_by("-created_at").first().counts
    assert (counts["schools_updated"], counts["schools_unchanged"]) == (1, 5)


def test_every_broken_rule_is_reported_and_nothing_changes(tmp_path):
    SchoolFactory(urn=110001, name="Before")
    rows = [
        *register(),
        gias_row(0, "Bad URN", number="2002") | {"URN": "12A"},  # row 7
        gias_row(110008, "Short LA", la_code="87"),  # row 8
        gias_row(110009, "Long number", number="12345"),  # row 9
        gias_row(110010, "Odd phase", phase="Middle"),  # row 10
        gias_row(110011, "Odd status", status="Unknown"),  # row 11
        gias_row(110012, "Bad date", opened="2019-09-01"),  # row 12
        gias_row(110001, "Twice"),  # row 13: URN already on row 1
        gias_row(110014, "", number="2003"),  # row 14: no name
        gias_row(110015, "Closed before opening", opened="01-09-2020", closed="31-08-2019"),
    ]
    before = schools()

    status, _ = run_command("import_schools", write(tmp_path, rows))

    assert status == 1
    assert schools() == before
    assert set(ImportRejection.objects.values_list("row_number", "field")) == {
        (7, "URN"),
        (8, "LA (code)"),
        (9, "EstablishmentNumber"),
        (10, "PhaseOfEducation (name)"),
        (11, "EstablishmentStatus (name)"),
        (12, "OpenDate"),
        (13, "URN"),
        (14, "EstablishmentName"),
        (15, "CloseDate"),
    }


def test_import_valid_rows_loads_the_good_ones(tmp_path):
    rows = [*register(), gias_row(110008, "Short LA", la_code="87")]

    status, _ = run_command("import_schools", write(tmp_path, rows), "--import-valid-rows")

    assert status == 1
    assert School.objects.count() == 6


def test_a_large_register_is_written_in_a_fixed_number_of_queries(tmp_path):
    rows = [
        gias_row(200000 + n, f"School {n}", number=f"{2000 + n % 7000:04d}") for n in range(3000)
    ]
    path = write(tmp_path, rows)

    with CaptureQueriesContext(connection) as queries:
        status, output = run_command("import_schools", path)

    assert status == 0, output
    assert School.objects.count() == 3000
    assert len(queries) < 40


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x00\x01PK\x03\x04" * 100, "binary"),
        (b"", "empty"),
        (b"Name,Postcode\r\nA,B\r\n", "no URN"),
        (b"\r\n", "empty"),
    ],
)
def test_a_file_that_is_not_a_gias_register_fails_with_exit_2(tmp_path, content, reason):
    path = tmp_path / "gias.csv"
    path.write_bytes(content)

    status, output = run_command("import_schools", path)

    assert status == 2
    assert reason in output
    assert not School.objects.exists()


def test_school_save_applies_the_shared_rules_including_lengths(manager):
    school = school_save(actor=manager, urn=123456, name="  Test  ", la_code="873")
    assert school.name == "Test"
    with pytest.raises(DomainError) as refused:
        school_save(actor=manager, urn=123457, name="x" * 201, la_code="87")
    assert set(refused.value.message_dict) == {"name", "la_code"}


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        pytest.param({"opened": "01-09-0001"}, "OpenDate", id="year 1"),
        pytest.param({"opened": "31-12-1899"}, "OpenDate", id="1899"),
        pytest.param({"closed": "31-12-9999", "status": "Closed"}, "CloseDate", id="year 9999"),
        pytest.param({"closed": "01/01/2101", "status": "Closed"}, "CloseDate", id="2101"),
    ],
)
def test_an_open_or_close_date_outside_1900_to_2100_is_a_row_error(tmp_path, changes, column):
    SchoolFactory(urn=110001, name="Before")
    before = schools()
    rows = [gias_row(110001, "After"), gias_row(110002, "Out of range", **changes)]

    status, _ = run_command("import_schools", write(tmp_path, rows))

    assert status == 1
    assert list(ImportRejection.objects.values_list("row_number", "field", "reason")) == [
        (2, column, f"{column} must be between 1900 and 2100")
    ]
    assert schools() == before


def test_open_and_close_dates_at_the_ends_of_the_range_are_read(tmp_path):
    rows = [gias_row(110001, "Old", opened="01-01-1900", closed="31-12-2100", status="Closed")]

    status, output = run_command("import_schools", write(tmp_path, rows))

    assert status == 0, output
    assert School.objects.get(urn=110001).name == "Old"


# --- The file's shape, by the shared reader (records/imports/csvfile.py, issue 12) ----------


def test_a_row_with_too_few_or_too_many_fields_is_an_error_not_padded(tmp_path):
    data = gias_csv(register()).splitlines(keepends=True)
    # Row 2 loses its last field; row 4 gains one: neither may be read as if it fitted.
    data[2] = data[2].rstrip(b"\r\n").rsplit(b",", 1)[0] + b"\r\n"
    data[4] = data[4].rstrip(b"\r\n") + b",extra\r\n"
    path = tmp_path / "edubasealldata.csv"
    path.write_bytes(b"".join(data))
    width = len(data[0].split(b","))

    status, _ = run_command("import_schools", path)

    assert status == 1
    assert not School.objects.exists()
    rejections = sorted(ImportRejection.objects.values_list("row_number", "field", "reason"))
    assert [(row, field) for row, field, _ in rejections] == [(2, "row"), (4, "row")]
    assert f"The row has {width - 1} fields; the header row has {width}" in rejections[0][2]
    assert f"The row has {width + 1} fields; the header row has {width}" in rejections[1][2]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda data: data.replace(b",", b";"), "separates its fields with semicolons (;)"),
        (lambda data: data.replace(b",", b"\t"), "separates its fields with tabs"),
        (
            lambda data: data + b'110099,"873,the quote is never closed\r\n',
            'has a quote (") on line 8 that is never closed',
        ),
    ],
    ids=["semicolons", "tabs", "an unclosed quote"],
)
def test_a_file_not_comma_separated_or_with_an_open_quote_is_refused_naming_why(
    tmp_path, change, reason
):
    SchoolFactory(urn=110001, name="Before")
    before = schools()
    path = tmp_path / "edubasealldata.csv"
    path.write_bytes(change(gias_csv(register())))

    status, output = run_command("import_schools", path)

    assert status == 2
    assert reason in output
    assert schools() == before
