"""The Contacts tab: the people around the child and the addresses they lived at before."""

from __future__ import annotations

from records.forms import postcode_field, record_form
from records.models import Contact, PreviousAddress
from records.sections.base import Column, Section, Tab, attr
from records.services import contacts as services


def _address(row: PreviousAddress) -> str:
    return "\n".join(filter(None, [row.address_line_1, row.address_line_2, row.town, row.postcode]))


CONTACT_FORM = record_form(
    Contact,
    ["relationship", "name", "organisation", "phone", "email"],
    required={"name": "Enter the contact's name"},
)
CONTACT_FORM.base_fields[
    "organisation"
].help_text = "For example, the fostering agency, children's services team or school"
CONTACT_FORM.base_fields["phone"].help_text = "For example, 01632 960 001 or 07700 900 982"
CONTACT_FORM.base_fields["phone"].widget.attrs.update({"type": "tel", "autocomplete": "off"})
CONTACT_FORM.base_fields["email"].error_messages["invalid"] = (
    "Enter an email address in the correct format, like name@example.com"
)

ADDRESS_FORM = record_form(
    PreviousAddress,
    ["address_line_1", "address_line_2", "town", "postcode", "from_date", "to_date"],
    postcode=postcode_field(),
)
ADDRESS_FORM.base_fields["from_date"].label = "Date moved in (optional)"
ADDRESS_FORM.base_fields["to_date"].label = "Date moved out"
ADDRESS_FORM.base_fields["to_date"].error_messages["required"] = "Enter the date moved out"

CONTACTS = Section(
    slug="contacts",
    title="Contacts",
    item_name="contact",
    model=Contact,
    form_class=CONTACT_FORM,
    create=services.contact_record,
    update=services.contact_update,
    columns=(
        Column("Relationship", attr("relationship")),
        Column("Name", attr("name")),
        Column("Organisation", attr("organisation")),
        Column("Phone", attr("phone")),
        Column("Email", attr("email")),
    ),
)

PREVIOUS_ADDRESSES = Section(
    slug="previous-addresses",
    title="Previous addresses",
    item_name="previous address",
    model=PreviousAddress,
    form_class=ADDRESS_FORM,
    create=services.previous_address_record,
    update=services.previous_address_update,
    columns=(
        Column(
            "Address",
            _address,
            fields=("address_line_1", "address_line_2", "town", "postcode"),
        ),
        Column("Moved in", attr("from_date")),
        Column("Moved out", attr("to_date")),
    ),
)

TAB = Tab(
    slug="contacts",
    title="Contacts",
    sections=(CONTACTS, PREVIOUS_ADDRESSES),
    description=(
        "Carers, social worker, designated teacher and others around the child, and the "
        "addresses the child lived at before their current one (the current address is on the "
        "summary)."
    ),
)
