"""The API's JSON parser: DRF's, with the nesting depth bounded before anything is parsed.

Python's json module recurses once per level of [ or {; a body of 50,000 brackets (300 KB, well
under the size limit, no sign-in needed on /api/v1/auth/token/) ends in RecursionError and a 500.
No caseflow payload is more than a few levels deep, so a deeper one is refused with a 400.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]  # not in the stubs yet
from rest_framework.utils import json

# A JSON string: a quote, then anything but quote or backslash, or a backslash and any character.
# An unterminated string runs to the end, so the pattern matches at every quote without backtracking
# (a failed match would be retried from each later quote: quadratic on `"\"\"\"…`).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """The deepest level of [ and { in a JSON text, brackets inside strings left out; linear time.

    The running sum may go below zero on a stray closer; json.loads stops at that closer anyway, so
    what follows it is never parsed.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


class BoundedJSONParser(JSONParser):
    """Refuses JSON nested deeper than JSON_MAX_DEPTH levels with 400, then parses like DRF's."""

    def parse(self, stream: IO[Any] | None, media_type: str | None = None, parser_context: Any = None) -> Any:
        # DRF's check: a text encoding only (a bz2_codec body would expand past the size limit).
        encoding = get_encoding(parser_context or {})
        try:
            # At most DATA_UPLOAD_MAX_MEMORY_SIZE bytes: RequestSizeLimitMiddleware refused bigger ones.
            text = stream.read().decode(encoding) if stream is not None else ""
        except ValueError as exc:  # not text in that encoding
            raise ParseError(f"JSON parse error - {exc}") from exc
        limit = settings.JSON_MAX_DEPTH
        # Counting the openers is much faster than the scan, and bounds the depth from above.
        if text.count("[") + text.count("{") > limit and nesting_depth(text) > limit:
            raise ParseError(_("JSON nested deeper than %(limit)d levels.") % {"limit": limit})
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
