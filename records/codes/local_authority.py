"""The DfE's local authority code ("LA number"): three digits, as a UPN carries it after its
check letter (../shared/reference/DOMAIN.md section (e), UPN rules) and as CIN census rule
1530 checks it. The project holds no list of the authorities, so a code is checked by shape.
"""

from __future__ import annotations

import re

LA_CODE_PATTERN = re.compile(r"[0-9]{3}")
LA_CODE_LENGTH = 3


def is_la_code(text: str) -> bool:
    """Whether `text` is shaped as a DfE LA code (three digits, nothing else)."""
    return bool(LA_CODE_PATTERN.fullmatch(text))
