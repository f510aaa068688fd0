"""The child record's models, one module per area; import them from here."""

from records.models.attainment import AssessmentResult, Post16Course
from records.models.attendance import (
    AttendanceSession,
    AttendanceSummary,
    AttendanceWeek,
    AttendanceYear,
    Session,
    Term,
)
from records.models.base import ChildRecord
from records.models.behaviour import AlternativeProvision, Exclusion
from records.models.characteristics import Characteristics, FreeSchoolMealsPeriod
from records.models.child import (
    AccessLogEntry,
    Allocation,
    BatchEvent,
    Child,
    ChildGroupObjectPermission,
    ChildOwnedMixin,
    ChildUserObjectPermission,
    DateRange,
    LegalStatusEpisode,
)
from records.models.contacts import AddressChange, Contact, PreviousAddress
from records.models.health import HealthCondition, HealthProfessional
from records.models.home import EntryRemoval, HomeSeen
from records.models.imports import AttendanceCodeChange, ImportKind, ImportRejection, ImportRun
from records.models.notes import NOTE_CATEGORIES, Note
from records.models.pep import Pep, PepEvent, PepTarget
from records.models.ppplus import PpPlusRequest, PpPlusRequestTarget, PpPlusSpend, PpPlusStatus
from records.models.safeguarding import CourtOrder, ProfessionalInvolvement
from records.models.schools import Enrolment, School

__all__ = [
    "NOTE_CATEGORIES",
    "AccessLogEntry",
    "AddressChange",
    "Allocation",
    "AlternativeProvision",
    "AssessmentResult",
    "AttendanceCodeChange",
    "AttendanceSession",
    "AttendanceSummary",
    "AttendanceWeek",
    "AttendanceYear",
    "BatchEvent",
    "Characteristics",
    "Child",
    "ChildGroupObjectPermission",
    "ChildOwnedMixin",
    "ChildRecord",
    "ChildUserObjectPermission",
    "Contact",
    "DateRange",
    "CourtOrder",
    "Enrolment",
    "EntryRemoval",
    "Exclusion",
    "FreeSchoolMealsPeriod",
    "HealthCondition",
    "HealthProfessional",
    "HomeSeen",
    "ImportKind",
    "ImportRejection",
    "ImportRun",
    "LegalStatusEpisode",
    "Note",
    "Pep",
    "PepEvent",
    "PepTarget",
    "PpPlusRequest",
    "PpPlusRequestTarget",
    "PpPlusSpend",
    "PpPlusStatus",
    "Post16Course",
    "PreviousAddress",
    "ProfessionalInvolvement",
    "School",
    "Session",
    "Term",
]
