"""The shapes of organisation identifiers, and which kinds fit which type of recipient."""

from __future__ import annotations

import re

from sharing.models import IdentifierKind, RecipientType

# - URN: Get Information About Schools' unique reference number, six digits (100000-999999).
# - UKPRN: the UK Register of Learning Providers' number, eight digits beginning with 1.
# - LA code: the DfE's three-digit local authority number (201-938 in England).
# - ODS code: NHS Organisation Data Service code, 3 to 6 capital letters and digits with at
#   least one letter (trusts "RJ1", integrated care boards "QWE", sites "RJ122").
SHAPES: dict[str, tuple[re.Pattern[str], str]] = {
    IdentifierKind.URN: (re.compile(r"[1-9]\d{5}"), "a URN is 6 digits, like 100123"),
    IdentifierKind.UKPRN: (re.compile(r"1\d{7}"), "a UKPRN is 8 digits beginning 1, like 10012345"),
    IdentifierKind.LA_CODE: (
        re.compile(r"[2-9]\d{2}"),
        "an LA code is 3 digits from 201 to 999, like 330",
    ),
    IdentifierKind.ODS: (
        re.compile(r"(?=.*[A-Z])[A-Z0-9]{3,6}"),
        "an ODS code is 3 to 6 capital letters and digits, like RJ1",
    ),
}

# An English upper-tier authority's ONS code (the children's services authorities): E06
# unitary authorities, E08 metropolitan districts, E09 London boroughs, E10 counties, then six
# digits. The 903 validator derives PL_LA as this code from the placement's postcode
# (SocialFinanceDigitalLabs/quality-lac-data-beta-validator, validator903/datastore.py).
ONS_CODE = re.compile(r"E(06|08|09|10)\d{6}")

# The identifier kinds each type of organisation is known by; the DfE needs none.
KINDS_FOR_TYPE: dict[str, tuple[str, ...]] = {
    RecipientType.DFE: (),
    RecipientType.YOUTH_SUPPORT: (IdentifierKind.LA_CODE, IdentifierKind.UKPRN),
    RecipientType.POST_16: (IdentifierKind.UKPRN, IdentifierKind.URN),
    RecipientType.OTHER_LA: (IdentifierKind.LA_CODE,),
    RecipientType.HEALTH: (IdentifierKind.ODS,),
    RecipientType.SCHOOL: (IdentifierKind.URN,),
    RecipientType.COUNCIL: (IdentifierKind.LA_CODE,),
    RecipientType.NHS_TRUST: (IdentifierKind.ODS,),
}


def ons_code_errors(*, kind: str, value: str) -> dict[str, list[str]]:
    """What is wrong with an organisation's ONS code; an authority known by LA code only may
    have one, and it is optional."""
    if not value:
        return {}
    if kind != IdentifierKind.LA_CODE:
        return {"ons_code": ["Only an authority identified by its LA code has an ONS code"]}
    if not ONS_CODE.fullmatch(value):
        return {
            "ons_code": [
                "Enter a real ONS code: E06, E08, E09 or E10 then 6 digits, like E09000033"
            ]
        }
    return {}


def identifier_errors(*, type: str, kind: str, value: str) -> dict[str, list[str]]:
    """What is wrong with an organisation's identifier, by field; empty when it is right."""
    allowed = KINDS_FOR_TYPE.get(type)
    if allowed is None:
        return {}
    labels = " or ".join(IdentifierKind(k).label for k in allowed)
    if not kind:
        if value:
            return {"identifier_kind": ["Choose what kind of identifier this is"]}
        if allowed:
            return {
                "identifier_kind": [f"Choose an identifier: this organisation needs a {labels}"]
            }
        return {}
    if kind not in allowed:
        if not allowed:
            return {"identifier_kind": ["The Department for Education needs no identifier"]}
        return {
            "identifier_kind": [
                f"Choose a {labels}: a {IdentifierKind(kind).label} does not identify "
                "this type of organisation"
            ]
        }
    pattern, example = SHAPES[kind]
    if not value:
        return {"identifier": [f"Enter the {IdentifierKind(kind).label}"]}
    if not pattern.fullmatch(value):
        return {"identifier": [f"Enter a real {IdentifierKind(kind).label}: {example}"]}
    return {}
