"""Plain output serializers for children and schools.

Children: a summary for the list (identity and current statuses only) and a detail with the
child's statuses, schools, caseworkers and links to the tabs the user may open. Each leaves out
the fields the user may not see, as the data map says (MappedSerializer). The sections of
a child's record have their own serializers (records/api/section_serializers.py).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from records.categories import DataCategory
from records.models import Allocation, Child, Enrolment, LegalStatusEpisode, School
from records.permissions import can_see_field


class MappedSerializer(serializers.ModelSerializer):
    """Leaves out every field the user may not see, as the data map says
    (records.permissions.can_see_field): a field of the model by its name, a derived one by the
    model field it is worked out from (`derived_from`). Links and flags that are not the
    child's data (url, tabs, can_change) are kept; nested serializers judge their own fields."""

    derived_from: ClassVar[dict[str, tuple[type[models.Model], str]]] = {}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        user = self.context["request"].user
        model = self.Meta.model
        names = {field.name for field in model._meta.concrete_fields}
        for name in list(data):
            source = self.derived_from.get(name) or ((model, name) if name in names else None)
            if source is None:
                continue
            source_model, field = source
            row = instance if source_model is model else None
            if not can_see_field(user, source_model, field, row=row):
                del data[name]
        return data


class StatusSerializer(MappedSerializer):
    """A legal status episode: cohort (CLA, CIN, CPP, PLAC) with its DfE codes and dates."""

    class Meta:
        model = LegalStatusEpisode
        fields = ["cohort", "legal_status", "plac_route", "start_date", "end_date", "closure_date"]
        read_only_fields = fields


class ChildSummarySerializer(MappedSerializer):
    """One child in a list: identity and what they are now, with the link to their record."""

    derived_from: ClassVar = {"current_school": (Enrolment, "school")}

    url = serializers.HyperlinkedIdentityField(view_name="api:child-detail", lookup_field="pk")
    current_school = serializers.CharField(
        read_only=True, allow_null=True, help_text="The school whose roll the child is on today"
    )
    current_statuses = StatusSerializer(source="current_episodes", many=True, read_only=True)

    class Meta:
        model = Child
        fields = [
            "id",
            "url",
            "first_name",
            "last_name",
            "date_of_birth",
            "gender",
            "upn",
            "current_school",
            "current_statuses",
        ]
        read_only_fields = fields


class SchoolSerializer(serializers.ModelSerializer):
    """A school from the reference table (not personal data). A school history row names its
    school by this `id`."""

    class Meta:
        model = School
        fields = [
            "id",
            "urn",
            "name",
            "la_code",
            "la_name",
            "establishment_number",
            "phase",
            "establishment_type",
            "is_open",
        ]
        read_only_fields = fields


class EnrolmentSummarySerializer(MappedSerializer):
    derived_from: ClassVar = {
        "school_urn": (Enrolment, "school"),
        "school_name": (Enrolment, "school"),
    }
    school_urn = serializers.IntegerField(source="school.urn", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["school_urn", "school_name", "start_date", "end_date", "nc_year"]
        read_only_fields = fields


class AllocationSummarySerializer(MappedSerializer):
    caseworker = serializers.SerializerMethodField()

    class Meta:
        model = Allocation
        fields = ["caseworker", "start_date", "end_date"]
        read_only_fields = fields

    def get_caseworker(self, allocation: Allocation) -> str:
        user = allocation.caseworker
        return user.get_full_name() or user.get_username()


class SectionLinkSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    item_name = serializers.CharField()
    single = serializers.BooleanField(help_text="At most one row per child: changed, not added")
    url = serializers.URLField()


class TabLinkSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    category = serializers.ChoiceField(choices=DataCategory.choices, allow_null=True)
    sensitive = serializers.BooleanField()
    sections = SectionLinkSerializer(many=True)


class ChildDetailSerializer(MappedSerializer):
    """A child's record at a glance, as the child's page shows it.

    The view passes what records.selectors.child_summary read (a fixed number of queries) in
    the context as `summary`, the tabs the user may open as `tabs`, and `can_change`.
    """

    derived_from: ClassVar = {"age": (Child, "date_of_birth")}

    age = serializers.SerializerMethodField()
    statuses = serializers.SerializerMethodField()
    schools = serializers.SerializerMethodField()
    caseworkers = serializers.SerializerMethodField()
    can_change = serializers.SerializerMethodField()
    tabs = serializers.SerializerMethodField()

    class Meta:
        model = Child
        fields = [
            "id",
            "version",
            "first_name",
            "last_name",
            "date_of_birth",
            "age",
            "gender",
            "upn",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "statuses",
            "schools",
            "caseworkers",
            "can_change",
            "tabs",
        ]
        read_only_fields = fields

    def get_age(self, child: Child) -> int:
        return self.context["summary"]["age"]

    @extend_schema_field(StatusSerializer(many=True))
    def get_statuses(self, child: Child) -> list[dict[str, Any]]:
        return StatusSerializer(
            self.context["summary"]["episodes"], many=True, context=self.context
        ).data

    @extend_schema_field(EnrolmentSummarySerializer(many=True))
    def get_schools(self, child: Child) -> list[dict[str, Any]]:
        history = self.context["summary"]["schools"]
        enrolments = [
            *history.upcoming,
            *([history.current] if history.current else []),
            *history.previous,
        ]
        return EnrolmentSummarySerializer(enrolments, many=True, context=self.context).data

    @extend_schema_field(AllocationSummarySerializer(many=True))
    def get_caseworkers(self, child: Child) -> list[dict[str, Any]]:
        allocations = self.context["summary"]["allocations"]
        return AllocationSummarySerializer(allocations, many=True, context=self.context).data

    def get_can_change(self, child: Child) -> bool:
        return self.context["can_change"]

    @extend_schema_field(TabLinkSerializer(many=True))
    def get_tabs(self, child: Child) -> list[dict[str, Any]]:
        return TabLinkSerializer(self.context["tabs"], many=True).data
