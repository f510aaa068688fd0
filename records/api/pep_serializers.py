"""Output serializers for a child's personal education plans (records/api/pep_views.py):
read-only. Each leaves out the fields the user may not see, as the data map says
(records.api.serializers.MappedSerializer and records.permissions.can_see_field), so the API
shows no more of a plan than its page does."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from records.api.serializers import MappedSerializer
from records.forms_pep import TARGET_FIELDS
from records.models import Pep, PepEvent, PepTarget
from records.models.pep import PEP_SECTIONS
from records.permissions import can_see_field

PLAN_FIELDS = [
    "id",
    "url",
    "kind",
    "academic_year",
    "term",
    "term_name",
    "status",
    "meeting_date",
    "participants",
    "qa_rating",
    "created_at",
]


class PepSummarySerializer(MappedSerializer):
    """A plan in the child's list: its term, status, meeting, QA rating and who took part."""

    url = serializers.SerializerMethodField()
    term_name = serializers.CharField(
        read_only=True, help_text='The term and its year: "Autumn 2025"'
    )

    class Meta:
        model = Pep
        fields = PLAN_FIELDS
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, plan: Pep) -> str:
        """The plan's own address in this API."""
        return reverse(
            "api:pep-plan-item",
            kwargs={"pk": plan.child_id, "plan": plan.pk},
            request=self.context["request"],
        )


class PepTargetSerializer(MappedSerializer):
    """A SMART target: the target, who does what by when, how success is measured, the PP+
    amount attached, and its review at the next plan."""

    class Meta:
        model = PepTarget
        fields = ["id", *TARGET_FIELDS, "review"]
        read_only_fields = fields


class PepEventSerializer(MappedSerializer):
    """A change of the plan: what, which section, from and to which status, by whom, on whose
    behalf."""

    actor = serializers.SerializerMethodField()

    class Meta:
        model = PepEvent
        fields = [
            "action",
            "section",
            "from_status",
            "to_status",
            "actor",
            "on_behalf_of",
            "occurred_at",
        ]
        read_only_fields = fields

    def get_actor(self, event: PepEvent) -> str:
        return event.actor.get_full_name() or event.actor.get_username()


class PepSectionSerializer(serializers.Serializer):
    """A section of the plan, its owner and its fields' values."""

    slug = serializers.CharField()
    title = serializers.CharField()
    owner = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text="The section's fields by name; a field you may not see is left out.",
    )


class PepDetailSerializer(PepSummarySerializer):
    """One plan: its details, its sections (each with its owner), the figures taken from the
    record as at the meeting date (`snapshot`), its targets and its history."""

    sections = serializers.SerializerMethodField()
    targets = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    sdq_flagged = serializers.BooleanField(read_only=True, help_text="An SDQ score above 17")

    class Meta:
        model = Pep
        fields = [
            *PLAN_FIELDS,
            "returned_reason",
            "sdq_flagged",
            "red_outstanding",
            "snapshot",
            "snapshot_on",
            "sections",
            "targets",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(PepSectionSerializer(many=True))
    def get_sections(self, plan: Pep) -> list[dict[str, Any]]:
        user = self.context["request"].user
        return [
            {
                "slug": section.slug,
                "title": section.title,
                "owner": section.owner.value,
                "fields": {
                    name: getattr(plan, name)
                    for name in section.fields
                    if can_see_field(user, Pep, name, row=plan)
                },
            }
            for section in PEP_SECTIONS
            if section.fields
        ]

    @extend_schema_field(PepTargetSerializer(many=True))
    def get_targets(self, plan: Pep) -> Any:
        return PepTargetSerializer(
            self.context["page"].targets, many=True, context=self.context
        ).data

    @extend_schema_field(PepEventSerializer(many=True))
    def get_events(self, plan: Pep) -> Any:
        return PepEventSerializer(self.context["page"].events, many=True, context=self.context).data
