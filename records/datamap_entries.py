"""The child record's entries in the data map (records/datamap.py), registered at start-up by
RecordsConfig.ready(). Other apps register their own models from their own ready()."""

from __future__ import annotations

from auditlog.models import LogEntry

from records.categories import declare
from records.datamap import Area, Destruction, Reach, register
from records.models import (
    AccessLogEntry,
    Allocation,
    AlternativeProvision,
    AssessmentResult,
    AttendanceCodeChange,
    AttendanceSession,
    AttendanceSummary,
    AttendanceWeek,
    AttendanceYear,
    BatchEvent,
    Characteristics,
    Child,
    ChildGroupObjectPermission,
    ChildUserObjectPermission,
    Contact,
    CourtOrder,
    Enrolment,
    EntryRemoval,
    Exclusion,
    FreeSchoolMealsPeriod,
    HealthCondition,
    HealthProfessional,
    ImportRejection,
    ImportRun,
    LegalStatusEpisode,
    Note,
    Pep,
    PepEvent,
    PepTarget,
    Post16Course,
    PpPlusRequest,
    PpPlusRequestTarget,
    PpPlusSpend,
    PreviousAddress,
    ProfessionalInvolvement,
)

# Rows of the record itself: each reaches its child by its `child` foreign key, declares its
# fields' categories on the model, and goes when the child is destroyed.
RECORD_AREAS = {
    LegalStatusEpisode: Area.LEGAL_STATUS,
    Characteristics: Area.CHARACTERISTICS,
    FreeSchoolMealsPeriod: Area.CHARACTERISTICS,
    Enrolment: Area.SCHOOLS,
    AttendanceSession: Area.ATTENDANCE,
    AttendanceSummary: Area.ATTENDANCE,
    AttendanceWeek: Area.ATTENDANCE,
    AttendanceYear: Area.ATTENDANCE,
    AttendanceCodeChange: Area.ATTENDANCE,
    AssessmentResult: Area.ATTAINMENT,
    Post16Course: Area.ATTAINMENT,
    Exclusion: Area.BEHAVIOUR,
    AlternativeProvision: Area.BEHAVIOUR,
    CourtOrder: Area.SAFEGUARDING,
    ProfessionalInvolvement: Area.SAFEGUARDING,
    HealthCondition: Area.HEALTH,
    HealthProfessional: Area.HEALTH,
    Note: Area.NOTES,
    Pep: Area.PEP,
    PepTarget: Area.PEP,
    PepEvent: Area.PEP,
    PpPlusRequest: Area.PEP,
    PpPlusRequestTarget: Area.PEP,
    PpPlusSpend: Area.PEP,
    Contact: Area.CONTACTS,
    PreviousAddress: Area.CONTACTS,
    Allocation: Area.ACCESS,
}

# A grant names a child and a member of staff; it says nothing about the child.
_GRANT_FIELDS = ["id", "permission", "content_object"]


def register_records() -> None:
    register(
        Child,
        reach=Reach.SELF,
        child_lookup="id",
        area=Area.IDENTITY,
        destruction=Destruction.DELETE,
    )
    for model, area in RECORD_AREAS.items():
        register(
            model,
            reach=Reach.FOREIGN_KEY,
            child_lookup="child_id",
            area=area,
            destruction=Destruction.DELETE,
        )
    register(
        EntryRemoval,
        reach=Reach.FOREIGN_KEY,
        child_lookup="child_id",
        area=Area.LOGS,
        destruction=Destruction.DELETE,
        note="A mistaken entry removed: who, when and why; the reason is in the entry's category.",
    )
    register(
        ChildUserObjectPermission,
        reach=Reach.FOREIGN_KEY,
        child_lookup="content_object_id",
        area=Area.ACCESS,
        destruction=Destruction.DELETE,
        categories=declare(not_personal=[*_GRANT_FIELDS, "user"]),
    )
    register(
        ChildGroupObjectPermission,
        reach=Reach.FOREIGN_KEY,
        child_lookup="content_object_id",
        area=Area.ACCESS,
        destruction=Destruction.DELETE,
        categories=declare(not_personal=[*_GRANT_FIELDS, "group"]),
    )
    register(
        AccessLogEntry,
        reach=Reach.CHILD_ID,
        child_lookup="child_id",
        area=Area.LOGS,
        destruction=Destruction.DELETE,
        categories=declare(
            not_personal=["id", "child_id", "user", "occurred_at", "outcome", "page"]
        ),
        note="Refused attempts are logged too, so child_id is not a foreign key.",
    )
    register(
        BatchEvent,
        reach=Reach.CHILD_ID,
        child_lookup="child_id",
        area=Area.LOGS,
        destruction=Destruction.DELETE,
        categories=declare(
            attendance=["date_from", "date_to"],
            not_personal=["id", "kind", "actor", "occurred_at", "child_id", "rows", "details"],
        ),
        note="A whole file's event has no child_id; `details` never holds personal data.",
    )
    register(
        LogEntry,
        reach=Reach.AUDIT_LOG,
        child_lookup="additional_data__child_id",
        area=Area.LOGS,
        destruction=Destruction.DELETE,
        categories=declare(
            not_personal=[
                "id",
                "content_type",
                "object_pk",
                "object_id",
                # Audited models' __str__ names no one (records/audit.py).
                "object_repr",
                "action",
                "actor",
                "actor_email",
                "cid",
                "remote_addr",
                "remote_port",
                "timestamp",
                "additional_data",
            ]
        ),
        copies=["changes", "changes_text", "serialized_data"],
        note="Values are masked or shown by the category of the field they copy.",
    )
    register(
        ImportRun,
        reach=Reach.NONE,
        area=Area.IMPORTS,
        destruction=Destruction.KEEP,
        categories=declare(
            not_personal=[
                "id",
                "kind",
                "file_name",
                "stored_path",
                "sha256",
                "size",
                "import_valid_rows",
                "options",
                "created_by",
                "created_at",
                "started_at",
                "finished_at",
                "status",
                "total_rows",
                "processed_rows",
                "counts",
                "error",
                "table_counts",
                "reason_counts",
            ]
        ),
        note="A file's run: counts and a file name, never a child's values.",
    )
    register(
        ImportRejection,
        reach=Reach.MATCHED_CHILD,
        child_lookup="child_id",
        area=Area.IMPORTS,
        # The file's report keeps its row; only the link to the child goes.
        destruction=Destruction.REDACT,
        redact_fields=["child_id"],
        categories=declare(
            not_personal=["id", "run", "severity", "row_number", "field", "reason", "child_id"]
        ),
        note="Reasons name the row, field and rule, never the value.",
    )
