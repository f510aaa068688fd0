"""Writes to a child's characteristics and free school meal eligibility periods.

Code lists come from the DfE census (records/codes/census.py, ../shared/reference/DOMAIN.md
section (f)); the model's choices refuse anything outside them with the allowed values listed
(records/services/locking.py).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils.formats import date_format

from records.codes.census import FirstLanguage, SenProvision
from records.codes.local_authority import is_la_code
from records.models import Characteristics, Child, FreeSchoolMealsPeriod
from records.services.locking import record_create, record_update
from records.services.rules import date_errors, period_errors, raise_if
from virtualschool.errors import DomainError

# A primary need is recorded only for pupils with SEN support (K) or an EHC plan (E): the
# census "SEN type" item describes those two provisions (DOMAIN.md section (f), SEN).
PROVISIONS_WITH_NEED = frozenset({SenProvision.EHC_PLAN, SenProvision.SEN_SUPPORT})
# DfE: a pupil has English as an additional language when their first language is known or
# believed to be other than English (DOMAIN.md section (f), First language).
ENGLISH_FIRST = frozenset({FirstLanguage.ENG, FirstLanguage.ENB})
OTHER_FIRST = frozenset({FirstLanguage.OTH, FirstLanguage.OTB})
RESPONSIBLE_LA_MESSAGE = (
    "Enter the responsible local authority as its DfE LA code, 3 digits, like 873, or leave "
    "it blank if this authority is responsible for the child"
)


def responsible_la_code_errors(responsible_la_code: str | None) -> dict[str, list[str]]:
    """A responsible authority is named by its DfE LA code (records/codes/local_authority.py);
    blank is this authority. None (not given) says nothing."""
    text = (responsible_la_code or "").strip()
    if text and not is_la_code(text):
        return {"responsible_la_code": [RESPONSIBLE_LA_MESSAGE]}
    return {}


def child_responsible_la_set(
    *, actor: AbstractBaseUser | None, child: Child, responsible_la_code: str
) -> Child:
    """Set the local authority responsible for the child (issue 13): the one write of
    Child.responsible_la_code, which sharing's cohort rule reads (another authority sees the
    children it is responsible for). A DfE LA code, or blank for this authority; this
    authority's own code is stored blank too, so "ours" is written one way. The child's row is
    locked and its version moves on, so a stale "Change details" page cannot undo it."""
    raise_if(responsible_la_code_errors(responsible_la_code))
    code = responsible_la_code.strip()
    if code == settings.LOCAL_AUTHORITY_CODE:
        code = ""
    with transaction.atomic():
        current = Child.objects.select_for_update().get(pk=child.pk)
        if current.responsible_la_code == code:
            return current
        return record_update(
            actor=actor,
            instance=current,
            expected_version=current.version,
            changes={"responsible_la_code": code},
        )


def _characteristics_errors(
    *,
    first_language: str,
    english_additional_language: bool | None,
    sen_provision: str,
    sen_primary_need: str,
    responsible_la_code: str | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = responsible_la_code_errors(responsible_la_code)
    if sen_primary_need and sen_provision not in PROVISIONS_WITH_NEED:
        errors["sen_primary_need"] = [
            "SEN primary need can only be recorded with SEN provision E (Education, health and "
            "care plan) or K (SEN support): change the SEN provision or leave the primary need "
            "blank"
        ]
    if english_additional_language is True and first_language in ENGLISH_FIRST:
        errors["english_additional_language"] = [
            "English as an additional language cannot be Yes when the first language is "
            "English (or believed to be English)"
        ]
    if english_additional_language is False and first_language in OTHER_FIRST:
        errors["english_additional_language"] = [
            "English as an additional language cannot be No when the first language is other "
            "than English (or believed to be)"
        ]
    return errors


def _characteristics_values(
    *,
    ethnicity: str,
    first_language: str,
    english_additional_language: bool | None,
    arrived_from_overseas: bool | None,
    unaccompanied_asylum_seeking: bool,
    sen_provision: str,
    sen_primary_need: str,
    responsible_la_code: str | None,
    placed_in_borough: bool | None,
) -> dict[str, object]:
    raise_if(
        _characteristics_errors(
            first_language=first_language,
            english_additional_language=english_additional_language,
            sen_provision=sen_provision,
            sen_primary_need=sen_primary_need,
            responsible_la_code=responsible_la_code,
        )
    )
    return {
        "ethnicity": ethnicity,
        "first_language": first_language,
        "english_additional_language": english_additional_language,
        "arrived_from_overseas": arrived_from_overseas,
        "unaccompanied_asylum_seeking": bool(unaccompanied_asylum_seeking),
        "sen_provision": sen_provision,
        "sen_primary_need": sen_primary_need,
        "placed_in_borough": placed_in_borough,
    }


def characteristics_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    ethnicity: str = "",
    first_language: str = "",
    english_additional_language: bool | None = None,
    arrived_from_overseas: bool | None = None,
    unaccompanied_asylum_seeking: bool = False,
    sen_provision: str = "",
    sen_primary_need: str = "",
    responsible_la_code: str | None = None,
    placed_in_borough: bool | None = None,
) -> Characteristics:
    """Record a child's characteristics (one row per child).

    Rules: codes from the DfE census lists; a SEN primary need only with SEN provision E or K;
    English as an additional language agrees with the first language; a child has one
    characteristics record, so a second is refused (change the first instead). The
    responsible authority's LA code is the child's (child_responsible_la_set), written in the
    same transaction; None leaves it as it is.
    """
    values = _characteristics_values(
        ethnicity=ethnicity,
        first_language=first_language,
        english_additional_language=english_additional_language,
        arrived_from_overseas=arrived_from_overseas,
        unaccompanied_asylum_seeking=unaccompanied_asylum_seeking,
        sen_provision=sen_provision,
        sen_primary_need=sen_primary_need,
        responsible_la_code=responsible_la_code,
        placed_in_borough=placed_in_borough,
    )
    with transaction.atomic():
        Child.objects.select_for_update().filter(pk=child.pk).first()
        if Characteristics.objects.filter(child=child).exists():
            raise DomainError(
                {
                    NON_FIELD_ERRORS: [
                        "This child's characteristics are already recorded: change them"
                    ]
                }
            )
        row = record_create(actor=actor, instance=Characteristics(child=child, **values))
        return _with_responsible_la(actor=actor, row=row, responsible_la_code=responsible_la_code)


def _with_responsible_la(
    *, actor: AbstractBaseUser | None, row: Characteristics, responsible_la_code: str | None
) -> Characteristics:
    if responsible_la_code is not None:
        row.child = child_responsible_la_set(
            actor=actor, child=row.child, responsible_la_code=responsible_la_code
        )
    return row


def characteristics_update(
    *,
    actor: AbstractBaseUser | None,
    instance: Characteristics,
    expected_version: int,
    ethnicity: str = "",
    first_language: str = "",
    english_additional_language: bool | None = None,
    arrived_from_overseas: bool | None = None,
    unaccompanied_asylum_seeking: bool = False,
    sen_provision: str = "",
    sen_primary_need: str = "",
    responsible_la_code: str | None = None,
    placed_in_borough: bool | None = None,
) -> Characteristics:
    """Change a child's characteristics under the same rules, if nobody else changed them
    first, and the child's responsible LA code with them (None: as it is)."""
    values = _characteristics_values(
        ethnicity=ethnicity,
        first_language=first_language,
        english_additional_language=english_additional_language,
        arrived_from_overseas=arrived_from_overseas,
        unaccompanied_asylum_seeking=unaccompanied_asylum_seeking,
        sen_provision=sen_provision,
        sen_primary_need=sen_primary_need,
        responsible_la_code=responsible_la_code,
        placed_in_borough=placed_in_borough,
    )
    with transaction.atomic():
        row = record_update(
            actor=actor, instance=instance, expected_version=expected_version, changes=values
        )
        return _with_responsible_la(actor=actor, row=row, responsible_la_code=responsible_la_code)


def _long(value: date) -> str:
    return date_format(value, "j F Y")


def _fsm_errors(
    *, child: Child, start_date: date, end_date: date | None, exclude_pk: int | None = None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    date_errors(
        errors,
        child=child,
        field="start_date",
        label="Start date",
        value=start_date,
        education=True,
    )
    date_errors(
        errors,
        child=child,
        field="end_date",
        label="End date",
        value=end_date,
        allow_future=True,
        education=True,
    )
    period_errors(
        errors, start_field="start_date", start=start_date, end_field="end_date", end=end_date
    )
    if errors or start_date is None:  # no start: the form has said so
        return errors
    others = FreeSchoolMealsPeriod.objects.filter(child=child).exclude(end_date__lt=start_date)
    if end_date is not None:
        others = others.filter(start_date__lte=end_date)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    other = others.order_by("start_date").first()
    if other is not None:
        until = f"to {_long(other.end_date)}" if other.end_date else "with no end date"
        errors["start_date"] = [
            f"This overlaps the free school meals period from {_long(other.start_date)} {until}: "
            "change that period instead, or choose dates that do not overlap it"
        ]
    return errors


def fsm_period_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    start_date: date,
    end_date: date | None = None,
) -> FreeSchoolMealsPeriod:
    """Record a period of free school meal eligibility (the CTF's FSMstartDate/FSMendDate).

    Rules: the start is not in the future; both dates fall within the child's education (from
    their 2nd to their 25th birthday, records/services/rules.py); the end is on or after the
    start; a child's periods never overlap (checked under a lock on the child).
    """
    with transaction.atomic():
        Child.objects.select_for_update().filter(pk=child.pk).first()
        raise_if(_fsm_errors(child=child, start_date=start_date, end_date=end_date))
        return record_create(
            actor=actor,
            instance=FreeSchoolMealsPeriod(child=child, start_date=start_date, end_date=end_date),
        )


def fsm_period_update(
    *,
    actor: AbstractBaseUser | None,
    instance: FreeSchoolMealsPeriod,
    expected_version: int,
    start_date: date,
    end_date: date | None = None,
) -> FreeSchoolMealsPeriod:
    """Change a free school meals period under the same rules, if nobody else changed it."""
    child = instance.child
    with transaction.atomic():
        Child.objects.select_for_update().filter(pk=child.pk).first()
        raise_if(
            _fsm_errors(
                child=child, start_date=start_date, end_date=end_date, exclude_pk=instance.pk
            )
        )
        return record_update(
            actor=actor,
            instance=instance,
            expected_version=expected_version,
            changes={"start_date": start_date, "end_date": end_date},
        )
