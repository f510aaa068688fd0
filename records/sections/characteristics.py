"""The Characteristics tab: the census characteristics (one record per child) and free school
meal eligibility periods."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from records.codes.census import SenProvision
from records.forms import record_form
from records.models import Characteristics, Child, FreeSchoolMealsPeriod
from records.sections.base import Column, Section, Tab, attr
from records.services import characteristics as services

# Room for a code typed with spaces around it; its shape is the service's rule.
LA_CODE_INPUT_LENGTH = 9


def _sen(row: Characteristics) -> str:
    if not row.sen_provision:
        return ""
    if row.sen_primary_need:
        return f"{row.get_sen_provision_display()} – {row.get_sen_primary_need_display()}"
    return row.get_sen_provision_display()


def _responsible_la(row: Characteristics) -> str:
    code = row.responsible_la_code
    authority = f"LA {code}" if code else "This authority"
    placed = {True: "placed in borough", False: "placed out of borough"}.get(
        row.placed_in_borough, ""
    )
    return ", ".join(filter(None, [authority, placed]))


def _rows(child: Child, user: object) -> QuerySet[Characteristics]:
    return Characteristics.objects.filter(child=child).select_related("child")


def _ongoing(row: FreeSchoolMealsPeriod) -> object:
    return row.end_date or "Continuing"


CHARACTERISTICS_FORM = record_form(
    Characteristics,
    [
        "ethnicity",
        "first_language",
        "english_additional_language",
        "arrived_from_overseas",
        "unaccompanied_asylum_seeking",
        "sen_provision",
        "sen_primary_need",
        "responsible_la_code",
        "placed_in_borough",
    ],
    # The child's own field (Child.responsible_la_code), set through the characteristics
    # services (issue 13): one responsible authority, the one sharing's cohort rule reads.
    responsible_la_code=forms.CharField(
        label="Responsible local authority's LA code (optional)",
        max_length=LA_CODE_INPUT_LENGTH,
        required=False,
        help_text=(
            "The DfE LA code of the authority that looks after the child or holds their case, "
            "3 digits, for example 873. Leave blank if it is this authority"
        ),
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input--width-4",
                "inputmode": "numeric",
                "spellcheck": "false",
                "autocomplete": "off",
            }
        ),
        error_messages={"max_length": services.RESPONSIBLE_LA_MESSAGE},
    ),
    unaccompanied_asylum_seeking=forms.TypedChoiceField(
        label="Unaccompanied asylum-seeking child",
        choices=[("true", "Yes"), ("false", "No")],
        coerce=lambda value: value == "true",
        empty_value=False,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
    ),
)
# A primary need is recorded only with an EHC plan or SEN support: it shows under those two
# (GOV.UK's conditional reveal, virtualschool.forms.Reveal; issue 16).
CHARACTERISTICS_FORM.reveals = {
    "sen_provision": {
        SenProvision.EHC_PLAN: ("sen_primary_need",),
        SenProvision.SEN_SUPPORT: ("sen_primary_need",),
    }
}
CHARACTERISTICS_FORM.base_fields[
    "english_additional_language"
].help_text = "Yes when the child's first language is known or believed to be other than English"
CHARACTERISTICS_FORM.base_fields[
    "sen_primary_need"
].help_text = "Only for a child with an EHC plan or SEN support"
CHARACTERISTICS_FORM.base_fields[
    "placed_in_borough"
].help_text = "Whether the child lives within the responsible local authority's own area"

CHARACTERISTICS = Section(
    slug="characteristics",
    title="Characteristics",
    item_name="characteristics record",
    model=Characteristics,
    form_class=CHARACTERISTICS_FORM,
    create=services.characteristics_record,
    update=services.characteristics_update,
    columns=(
        Column("Ethnicity", attr("ethnicity")),
        Column("First language", attr("first_language")),
        Column("EAL", attr("english_additional_language")),
        Column("Arrived from overseas", attr("arrived_from_overseas")),
        Column("UASC", attr("unaccompanied_asylum_seeking")),
        Column("SEN", _sen, fields=("sen_provision", "sen_primary_need")),
        Column(
            "Responsible authority",
            _responsible_la,
            fields=("responsible_la_code", "placed_in_borough"),
        ),
    ),
    rows=_rows,
    borrowed={"responsible_la_code": (Child, "responsible_la_code")},
    single=True,
)

FSM_PERIODS = Section(
    slug="free-school-meals",
    title="Free school meals eligibility",
    item_name="free school meals period",
    model=FreeSchoolMealsPeriod,
    form_class=record_form(FreeSchoolMealsPeriod, ["start_date", "end_date"]),
    create=services.fsm_period_record,
    update=services.fsm_period_update,
    columns=(Column("From", attr("start_date")), Column("To", _ongoing, fields=("end_date",))),
)

TAB = Tab(
    slug="characteristics",
    title="Characteristics",
    sections=(CHARACTERISTICS, FSM_PERIODS),
    description=(
        "Census characteristics (DfE codes), special educational needs, the responsible "
        "authority, and periods of free school meal eligibility."
    ),
)
