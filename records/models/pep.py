"""Personal education plans (PEPs): the termly plan every looked-after child must have
(shared/reference/DOMAIN.md, section (b); issue 15).

A `Pep` is one plan: its term, kind, state, meeting, and its sections as fields, each
section owned by one party (`PEP_SECTIONS`). `PepTarget` rows are its SMART targets, each
reviewed at the next plan. `PepEvent` rows are its history of state changes. The figures the
record already holds are copied into `Pep.snapshot` as they stood on the meeting date, so a
later import never rewrites a completed plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from records.calendar import Term, term_label
from records.categories import declare
from records.models.base import ChildRecord
from records.models.child import Child, ChildOwnedMixin

# The Strengths and Difficulties Questionnaire's total difficulties score runs 0 to 40; above
# 17 is "higher than average" and flagged (DOMAIN.md (b), gateshead.gov.uk/article/36728).
SDQ_MAX = 40
SDQ_FLAG_ABOVE = 17


class PepKind(models.TextChoices):
    EARLY_YEARS = "early_years", "Early years"
    SCHOOL_AGE = "school_age", "School age"
    POST_16 = "post_16", "Post-16"


class PepStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    QA_RATED = "qa_rated", "QA-rated"
    COMPLETE = "complete", "Complete"


class QaRating(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class TargetReview(models.TextChoices):
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"


class Owner(models.TextChoices):
    """Who writes a section (FEATURES.md rows 6 to 8: sections owned by different roles)."""

    DESIGNATED_TEACHER = "designated_teacher", "Designated teacher"
    SOCIAL_WORKER = "social_worker", "Social worker"
    VIRTUAL_SCHOOL = "virtual_school", "Virtual school"


@dataclass(frozen=True)
class PepSection:
    """One section of a plan: its fields on `Pep` and the party that owns it."""

    slug: str
    title: str
    owner: Owner
    fields: tuple[str, ...]


# The sections of a plan and their owners, in the order the plan shows them. QA is written
# only through pep_qa_rate; targets are rows of their own (PepTarget).
PEP_SECTIONS: tuple[PepSection, ...] = (
    PepSection(
        "pupil_voice", "Pupil voice", Owner.DESIGNATED_TEACHER, ("voice_words", "voice_how")
    ),
    PepSection(
        "education",
        "Education",
        Owner.DESIGNATED_TEACHER,
        (
            "edu_attendance",
            "edu_attainment",
            "edu_strengths",
            "edu_needs",
            "edu_sen",
            "edu_interventions",
        ),
    ),
    PepSection(
        "care",
        "Care and placement",
        Owner.SOCIAL_WORKER,
        ("care_placement", "care_plan", "care_for_school"),
    ),
    PepSection(
        "sdq", "Strengths and Difficulties Questionnaire", Owner.SOCIAL_WORKER, ("sdq_score",)
    ),
    PepSection("targets", "SMART targets", Owner.DESIGNATED_TEACHER, ()),
    PepSection("qa", "Virtual school QA", Owner.VIRTUAL_SCHOOL, ("qa_rating", "qa_feedback")),
)
# The care section's fields a school is not given unless an agreement releases social care.
CARE_CONFIDENTIAL = ("care_placement", "care_plan")


def pep_section(slug: str) -> PepSection | None:
    return next((section for section in PEP_SECTIONS if section.slug == slug), None)


_PLAN_FIELDS = [
    "kind",
    "academic_year",
    "term",
    "status",
    "meeting_date",
    "participants",
    "returned_reason",
    "voice_words",
    "voice_how",
    "edu_attendance",
    "edu_attainment",
    "edu_strengths",
    "edu_needs",
    "edu_sen",
    "edu_interventions",
    "care_for_school",
    "sdq_score",
    "qa_rating",
    "qa_feedback",
    "red_outstanding",
    "snapshot",
    "snapshot_on",
]


class Pep(ChildRecord):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="peps")
    kind = models.CharField(max_length=11, choices=PepKind.choices)
    academic_year = models.PositiveSmallIntegerField(
        help_text="The year it starts: 2025 for 2025/26"
    )
    term = models.CharField(max_length=6, choices=Term.choices)
    status = models.CharField(
        max_length=11, choices=PepStatus.choices, default=PepStatus.NOT_STARTED
    )
    meeting_date = models.DateField("Meeting date", null=True, blank=True)
    participants = models.TextField(
        "Who took part", blank=True, help_text="One person a line: name and role"
    )
    returned_reason = models.TextField("Reason for returning", blank=True)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Pupil voice
    voice_words = models.TextField("The child's own words", blank=True)
    voice_how = models.TextField("How the child took part", blank=True)
    # Education
    edu_attendance = models.TextField("Attendance commentary", blank=True)
    edu_attainment = models.TextField("Attainment and progress commentary", blank=True)
    edu_strengths = models.TextField("Strengths", blank=True)
    edu_needs = models.TextField("Needs", blank=True)
    edu_sen = models.TextField("SEN and EHCP", blank=True)
    edu_interventions = models.TextField("Interventions", blank=True)
    # Care and placement: the first two are confidential (social care), the third is for school.
    care_placement = models.TextField("Placement and its stability", blank=True)
    care_plan = models.TextField("Care plan and contact arrangements", blank=True)
    care_for_school = models.TextField("What the school needs to know", blank=True)
    sdq_score = models.PositiveSmallIntegerField(
        "SDQ score", null=True, blank=True, validators=[MaxValueValidator(SDQ_MAX)]
    )
    # Virtual school QA
    qa_rating = models.CharField("QA rating", max_length=5, choices=QaRating.choices, blank=True)
    qa_feedback = models.TextField("QA feedback", blank=True)
    # Rated red and not yet revised (returned and submitted again): it cannot be completed.
    red_outstanding = models.BooleanField(default=False)
    # What the record held on `snapshot_on` (the meeting date, or the day the plan started).
    snapshot = models.JSONField(default=dict, blank=True)
    snapshot_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    data_categories = declare(
        education_plans=_PLAN_FIELDS,
        social_care=list(CARE_CONFIDENTIAL),
        not_personal=["id", "child", "version", "previous", "created_at"],
    )

    class Meta:
        ordering = ["-academic_year", "-created_at"]
        verbose_name = "personal education plan"
        constraints = [
            models.CheckConstraint(
                condition=Q(sdq_score__isnull=True) | Q(sdq_score__lte=SDQ_MAX),
                name="pep_sdq_score_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(returned_reason=""),
                name="pep_returned_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["child", "status"], name="pep_child_status")]

    def __str__(self) -> str:
        return f"Personal education plan {self.pk}"

    @property
    def term_name(self) -> str:
        """ "Autumn 2025": the term with the calendar year its days fall in."""
        return term_label(self.academic_year, self.term)

    @property
    def sdq_flagged(self) -> bool:
        return self.sdq_score is not None and self.sdq_score > SDQ_FLAG_ABOVE

    @property
    def is_open(self) -> bool:
        return self.status != PepStatus.COMPLETE


class PepTarget(ChildRecord):
    """A SMART target set at a plan, reviewed at the next plan (met, partly met, not met)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="pep_targets")
    plan = models.ForeignKey(Pep, on_delete=models.CASCADE, related_name="targets")
    target = models.TextField("Target")
    actions = models.TextField("Who will do what", blank=True)
    owner = models.CharField("Who is responsible", max_length=200)
    due_by = models.DateField("By when")
    success_measure = models.TextField("How success is measured", blank=True)
    # Pupil Premium Plus attached to the target; the requests and approvals come later.
    pp_plus_amount = models.DecimalField(
        "PP+ amount (£)", max_digits=7, decimal_places=2, null=True, blank=True
    )
    review = models.CharField("Review", max_length=10, choices=TargetReview.choices, blank=True)
    reviewed_in = models.ForeignKey(
        Pep, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviewed_targets"
    )

    data_categories = declare(
        education_plans=[
            "target",
            "actions",
            "owner",
            "due_by",
            "success_measure",
            "pp_plus_amount",
            "review",
        ],
        not_personal=["id", "child", "version", "plan", "reviewed_in"],
    )

    class Meta:
        ordering = ["due_by", "id"]
        verbose_name = "PEP target"
        constraints = [
            models.CheckConstraint(
                condition=Q(pp_plus_amount__isnull=True) | Q(pp_plus_amount__gte=0),
                name="pep_target_pp_plus_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"PEP target {self.pk}"


class PepEvent(ChildOwnedMixin, models.Model):
    """One change of a plan's state, or an edit of a section: who, when, and on whose behalf."""

    class Action(models.TextChoices):
        STARTED = "started", "Started"
        DETAILS = "details", "Meeting details changed"
        SECTION = "section", "Section changed"
        TARGET = "target", "Target added or reviewed"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned"
        QA_RATED = "qa_rated", "QA-rated"
        COMPLETED = "completed", "Completed"
        PP_PLUS = "pp_plus", "Pupil Premium Plus requested or decided"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="pep_events")
    plan = models.ForeignKey(Pep, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=9, choices=Action.choices)
    section = models.CharField(max_length=20, blank=True)
    from_status = models.CharField(max_length=11, choices=PepStatus.choices, blank=True)
    to_status = models.CharField(max_length=11, choices=PepStatus.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The section's owner the actor acted for, when it is not their own part ("on behalf of").
    on_behalf_of = models.CharField(max_length=18, choices=Owner.choices, blank=True)
    occurred_at = models.DateTimeField(auto_now_add=True)

    data_categories = declare(
        education_plans=["action", "section", "from_status", "to_status", "on_behalf_of"],
        not_personal=["id", "child", "plan", "actor", "occurred_at"],
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"PEP event {self.pk}"
