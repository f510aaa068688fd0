"""The API's JSON parser: DRF's, with a limit on nesting.

Python's json module recurses once per level of nesting, so a body of 5,000 "[" raises
RecursionError, which DRF does not catch (a 500). This parser refuses a body nested deeper than
MAX_DEPTH with a 400 before json.loads sees it. The API's bodies are flat objects (a list of
codes at most), so MAX_DEPTH leaves ample room. Size is limited before this: DRF reads a JSON
body through request.body, which refuses one over DATA_UPLOAD_MAX_MEMORY_SIZE
(RequestDataTooBig, answered 400 by virtualschool.views.bad_request).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

MAX_DEPTH = 20
TOO_DEEP = f"JSON is nested too deeply: at most {MAX_DEPTH} levels of objects and lists"

# A JSON string (RFC 8259, section 7), as an unrolled loop so matching stays linear.
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
BRACKETS = re.compile(r"[\[\]{}]")


def nesting_depth_exceeds(text: str, limit: int) -> bool:
    """Whether the objects and lists in a JSON text nest deeper than `limit`; brackets inside
    strings do not count."""
    depth = 0
    for match in BRACKETS.finditer(JSON_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class LimitedJSONParser(JSONParser):
    """DRF's JSONParser (strict: no NaN), refusing an over-deep body with 400."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if nesting_depth_exceeds(text, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
