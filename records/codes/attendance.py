"""DfE attendance register codes: the set in force from 19 August 2024 and the withdrawn codes
older data still contains, with how each counts in attendance statistics.

Sources: ../shared/reference/attendance-codes.csv and attendance-codes-legacy.csv, from the
School Attendance (Pupil Registration) (England) Regulations 2024, reg. 10 tables
(legislation.gov.uk/uksi/2024/208/regulation/10/made), the statutory guidance "Working together
to improve school attendance" (August 2024), and the DfE statistics field groupings in
dfe-analytical-services/attendance-data-dashboard (R/prerun_utils.R). Codes whose meaning changed
in 2024 but whose statistical treatment did not (C, T, G, B, X, #) are listed once, by their
current meaning. I01/I02 (COVID-era local sub-codes of I) are not DfE codes and are not accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    PRESENT = "present"  # attending, or an approved educational activity
    AUTHORISED = "authorised"  # authorised absence
    UNAUTHORISED = "unauthorised"  # unauthorised absence
    NOT_REQUIRED = "not_required"  # attendance not required: not a possible session
    NOT_COUNTED = "not_counted"  # unable to attend / administrative: not a possible session

    @property
    def is_possible(self) -> bool:
        """Whether a session with this code counts as a possible session."""
        return self in {Category.PRESENT, Category.AUTHORISED, Category.UNAUTHORISED}


@dataclass(frozen=True)
class AttendanceCode:
    code: str
    meaning: str
    category: Category
    withdrawn: str = ""  # when the DfE withdrew it; empty for codes in force
    replaced_by: str = ""

    @property
    def is_possible(self) -> bool:
        return self.category.is_possible

    @property
    def is_attended(self) -> bool:
        return self.category is Category.PRESENT

    @property
    def is_absence(self) -> bool:
        return self.category in {Category.AUTHORISED, Category.UNAUTHORISED}


CURRENT_CODES: tuple[AttendanceCode, ...] = (
    AttendanceCode("/", "Present in school when the morning register is taken", Category.PRESENT),
    AttendanceCode(
        "\\", "Present in school when the afternoon register is taken", Category.PRESENT
    ),
    AttendanceCode(
        "L",
        "Late: arrived after the register started but before it closed (register may stay open at most 30 minutes from Aug 2024)",
        Category.PRESENT,
    ),
    AttendanceCode(
        "K",
        "Attending education provision arranged by the local authority (s19 Education Act 1996 or s42/s61 Children and Families Act 2014) somewhere other than the school",
        Category.PRESENT,
    ),
    AttendanceCode(
        "V",
        "Attending an educational visit or trip organised by the school and supervised by school staff",
        Category.PRESENT,
    ),
    AttendanceCode(
        "P", "Taking part in an approved, supervised sporting activity", Category.PRESENT
    ),
    AttendanceCode("W", "Attending approved work experience", Category.PRESENT),
    AttendanceCode(
        "B",
        "Attending any other approved, supervised off-site educational activity",
        Category.PRESENT,
    ),
    AttendanceCode(
        "D",
        "Attending a session at another school where the pupil is also registered (dual registration)",
        Category.NOT_REQUIRED,
    ),
    AttendanceCode(
        "C1",
        "Leave of absence to take part in a regulated performance or regulated employment abroad (licence or exemption)",
        Category.AUTHORISED,
    ),
    AttendanceCode(
        "M", "Leave of absence for a medical or dental appointment", Category.AUTHORISED
    ),
    AttendanceCode(
        "J1",
        "Leave of absence to attend an interview for employment or for admission to another educational institution",
        Category.AUTHORISED,
    ),
    AttendanceCode(
        "S", "Leave of absence for study leave (Year 11, during public exams)", Category.AUTHORISED
    ),
    AttendanceCode(
        "X",
        "Pupil of non-compulsory school age who is not required to attend this session",
        Category.NOT_REQUIRED,
    ),
    AttendanceCode(
        "C2",
        "Leave of absence: compulsory-school-age pupil on an agreed temporary part-time (reduced) timetable, for sessions they are not timetabled to attend",
        Category.AUTHORISED,
    ),
    AttendanceCode(
        "C",
        "Leave of absence granted by the school for exceptional circumstances not covered by another leave code",
        Category.AUTHORISED,
    ),
    AttendanceCode(
        "T",
        "Absent because the parent is travelling for occupational purposes (mobile/traveller families) and the school agreed",
        Category.AUTHORISED,
    ),
    AttendanceCode(
        "R",
        "Religious observance: day set apart exclusively for religious observance by the parent's religious body",
        Category.AUTHORISED,
    ),
    AttendanceCode("I", "Illness (not medical/dental appointments)", Category.AUTHORISED),
    AttendanceCode(
        "E",
        "Suspended or permanently excluded and no alternative provision has been made",
        Category.AUTHORISED,
    ),
    AttendanceCode(
        "Q",
        "Unable to attend because the local authority has not made the access arrangements (e.g. transport, boarding, nearer school place) it is responsible for",
        Category.NOT_COUNTED,
    ),
    AttendanceCode(
        "Y1",
        "Unable to attend: school is beyond walking distance and the transport normally provided is not available",
        Category.NOT_COUNTED,
    ),
    AttendanceCode(
        "Y2",
        "Unable to attend: widespread disruption to travel caused by a local, national or international emergency",
        Category.NOT_COUNTED,
    ),
    AttendanceCode(
        "Y3",
        "Unable to attend: part of the school premises is unavoidably out of use and the pupil cannot be accommodated elsewhere on site",
        Category.NOT_COUNTED,
    ),
    AttendanceCode(
        "Y4",
        "Unable to attend: the whole school site is unexpectedly closed (session cancelled)",
        Category.NOT_COUNTED,
    ),
    AttendanceCode(
        "Y5", "Unable to attend: pupil is in criminal justice detention", Category.NOT_COUNTED
    ),
    AttendanceCode(
        "Y6",
        "Unable to attend: travel or attendance would breach public health guidance or law about infection or disease",
        Category.NOT_COUNTED,
    ),
    AttendanceCode("Y7", "Unable to attend: any other unavoidable cause", Category.NOT_COUNTED),
    AttendanceCode(
        "G",
        "Holiday / leave of absence taken without the school's agreement, or days taken beyond what was agreed",
        Category.UNAUTHORISED,
    ),
    AttendanceCode(
        "N", "Absent and the reason has not yet been established", Category.UNAUTHORISED
    ),
    AttendanceCode(
        "O",
        "Absent in other or unknown circumstances (no authorised reason)",
        Category.UNAUTHORISED,
    ),
    AttendanceCode("U", "Arrived in school after the register closed", Category.UNAUTHORISED),
    AttendanceCode(
        "Z",
        "Prospective pupil not yet on the admission register (administrative)",
        Category.NOT_COUNTED,
    ),
    AttendanceCode(
        "#",
        "Planned closure: school not open to pupils for this session (e.g. INSET day)",
        Category.NOT_REQUIRED,
    ),
)

# Withdrawn codes accepted in historic data, counted as they were counted when in force.
LEGACY_CODES: tuple[AttendanceCode, ...] = (
    AttendanceCode(
        "H",
        "Authorised absence: agreed family holiday (term-time holiday agreed by the head)",
        Category.AUTHORISED,
        withdrawn="withdrawn 19 Aug 2024",
        replaced_by="C",
    ),
    AttendanceCode(
        "F",
        "Authorised absence: agreed extended family holiday",
        Category.AUTHORISED,
        withdrawn="withdrawn Sep 2013",
        replaced_by="C",
    ),
    AttendanceCode(
        "J",
        "Interview (employment or admission to another institution): treated as an approved educational activity",
        Category.PRESENT,
        withdrawn="withdrawn 19 Aug 2024",
        replaced_by="J1",
    ),
    AttendanceCode(
        "Y",
        "Unable to attend due to exceptional circumstances (single code)",
        Category.NOT_COUNTED,
        withdrawn="withdrawn 19 Aug 2024",
        replaced_by="Y1-Y7 (or Q)",
    ),
)

CODES: dict[str, AttendanceCode] = {code.code: code for code in CURRENT_CODES + LEGACY_CODES}
CODE_CHOICES: list[tuple[str, str]] = [
    (code.code, f"{code.code} – {code.meaning}") for code in CODES.values()
]
MAX_CODE_LENGTH = max(len(code) for code in CODES)
