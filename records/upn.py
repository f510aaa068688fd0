"""Unique Pupil Number (UPN) validation.

Source: DfE "Unique Pupil Numbers (UPNs) - A guide for schools and local authorities"
(govtalk UniquePupilNumber 2.0), as summarised in ../shared/reference/DOMAIN.md section (e):
13 characters: a check letter, the 3-digit LA number, the 4-digit establishment number, the
2-digit year of allocation and a 3-digit serial; a temporary UPN ends in a letter. The check
letter is the sum of characters 2-13 times their position (2..13), modulo 23, mapped onto the
alphabet below (no I, O or S).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
_SHAPE = re.compile(r"^[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]$")


def _character_value(char: str) -> int:
    return int(char) if char.isdigit() else CHECK_ALPHABET.index(char)


def check_letter(body: str) -> str:
    """The check letter for the 12 characters that follow it (LA, establishment, year, serial)."""
    total = sum(_character_value(char) * position for position, char in enumerate(body, start=2))
    return CHECK_ALPHABET[total % 23]


def normalise_upn(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def validate_upn(value: str) -> None:
    """Raise ValidationError naming what is wrong with a UPN; return None when it is valid."""
    upn = normalise_upn(value)
    if len(upn) != 13:
        raise ValidationError(
            "UPN must be 13 characters: a letter followed by 12 numbers (or 11 numbers and a "
            "letter for a temporary UPN)",
            code="upn_length",
        )
    if not _SHAPE.match(upn):
        raise ValidationError(
            "UPN must start with a letter (not I, O or S), then 11 numbers, then a number or "
            "letter",
            code="upn_format",
        )
    expected = check_letter(upn[1:])
    if upn[0] != expected:
        raise ValidationError(
            "UPN check letter does not match its numbers: check the UPN was copied correctly",
            code="upn_check_letter",
        )


def is_valid_upn(value: str) -> bool:
    try:
        validate_upn(value)
    except ValidationError:
        return False
    return True
