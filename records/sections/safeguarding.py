"""The Safeguarding tab: court orders and professionals involved (sensitive)."""

from records.forms import record_form
from records.models import CourtOrder, ProfessionalInvolvement
from records.sections.base import Column, Section, Tab, attr
from records.services import safeguarding as services

COURT_ORDERS = Section(
    slug="court-orders",
    title="Court orders",
    item_name="court order",
    model=CourtOrder,
    form_class=record_form(
        CourtOrder,
        ["order_type", "court", "made_on", "expires_on"],
        required={"made_on": "Enter the date the order was made"},
    ),
    create=services.court_order_record,
    update=services.court_order_update,
    columns=(
        Column("Order", attr("order_type")),
        Column("Court", attr("court")),
        Column("Made", attr("made_on")),
        Column("Expires", attr("expires_on")),
    ),
)

PROFESSIONALS = Section(
    slug="professionals",
    title="Professionals involved",
    item_name="professional",
    model=ProfessionalInvolvement,
    form_class=record_form(
        ProfessionalInvolvement,
        ["agency", "role", "contact_name", "contact_details", "start_date", "end_date"],
    ),
    create=services.professional_record,
    update=services.professional_update,
    columns=(
        Column("Agency", attr("agency")),
        Column("Role", attr("role")),
        Column("Contact", attr("contact_name")),
        Column("From", attr("start_date")),
        Column("To", attr("end_date")),
    ),
)

TAB = Tab(
    slug="safeguarding",
    title="Safeguarding",
    sections=(COURT_ORDERS, PROFESSIONALS),
)
