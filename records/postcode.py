"""UK postcodes: the shape a postcode has, and the one way it is stored.

Source: the Royal Mail / ONS postcode format (general knowledge, as published in the ONS
"Postcode products" guidance and BS 7666): an outward code of an area (1 or 2 letters) and a
district (a digit, two digits, or a digit and a letter), a space, and an inward code of a
sector digit and a 2-letter unit. The unit never uses C, I, K, M, O or V. GIR 0AA (Girobank)
is the one exception still in use.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_SHAPE = re.compile(r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?|GIR) ?[0-9][ABD-HJLNP-UW-Z]{2}$")
POSTCODE_MESSAGE = (
    "Enter a real postcode, like LS1 4AP or SW1A 2AA: an area and district, then a number "
    "and 2 letters"
)


def normalise_postcode(value: str) -> str:
    """Upper case, the inner spaces removed and one space put before the inward code (its
    last 3 characters): "ls14ap" and " LS1  4AP " are both stored as "LS1 4AP"."""
    compact = re.sub(r"\s+", "", value).upper()
    if len(compact) <= 3:  # noqa: PLR2004 - too short to have an inward code; left for the check
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def validate_postcode(value: str) -> None:
    """Raise ValidationError when a postcode (normalised) is not shaped like a UK postcode."""
    if not _SHAPE.match(value):
        raise ValidationError(POSTCODE_MESSAGE, code="postcode")


def postcode_errors(errors: dict[str, list[str]], *, field: str, value: str) -> str:
    """The postcode as stored, adding a message to `errors` when it is not a UK postcode.
    Blank is allowed (a postcode is optional)."""
    postcode = normalise_postcode(value)
    if not postcode:
        return ""
    try:
        validate_postcode(postcode)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)
    return postcode
