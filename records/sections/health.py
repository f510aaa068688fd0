"""The Health tab (sensitive): medical conditions and needs, and health professionals
involved."""

from records.forms import record_form
from records.models import HealthCondition, HealthProfessional
from records.sections.base import Column, Section, Tab, attr
from records.services import health as services

CONDITIONS = Section(
    slug="conditions",
    title="Medical conditions and needs",
    item_name="condition",
    model=HealthCondition,
    form_class=record_form(HealthCondition, ["condition", "needs"]),
    create=services.health_condition_record,
    update=services.health_condition_update,
    columns=(
        Column("Condition", attr("condition")),
        Column("Needs and support at school", attr("needs")),
    ),
)

PROFESSIONALS = Section(
    slug="professionals",
    title="Health professionals involved",
    item_name="health professional",
    model=HealthProfessional,
    form_class=record_form(HealthProfessional, ["role", "name", "organisation", "contact_details"]),
    create=services.health_professional_record,
    update=services.health_professional_update,
    columns=(
        Column("Role", attr("role")),
        Column("Name", attr("name")),
        Column("Organisation", attr("organisation")),
        Column("Contact details", attr("contact_details")),
    ),
)

TAB = Tab(
    slug="health",
    title="Health",
    sections=(CONDITIONS, PROFESSIONALS),
)
