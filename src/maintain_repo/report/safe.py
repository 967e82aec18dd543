"""Making untrusted text (paths, record values in messages) safe to print."""

from __future__ import annotations

import re

# C0 and C1 control characters, DEL, line separators, bidi overrides that can
# disguise text, and lone surrogates (undecodable bytes in file names).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def printable(text: str) -> str:
    """`text` with control characters shown as escapes, so a terminal shows, not runs, them."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
