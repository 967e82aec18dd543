"""Severity from what a report gives: one table for every format (docs/security.md
shows it). CVSS vectors are parsed and scored by the `cvss` library
(Red Hat's), never by hand; the score a report states is not trusted over its vector.

Order of preference, wherever a report gives several: a CVSS v4.0 vector, a CVSS v3.x
vector, GitHub's `security-severity` score, the advisory's severity, the tool's own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from maintain_repo.security.observation import Cvss

# Words tools use, lower-cased, to ours. "unknown", "none" and "" say nothing: None.
WORDS = {
    "critical": "critical",
    "high": "high",
    "important": "high",
    "medium": "medium",
    "moderate": "medium",
    "low": "low",
    "negligible": "info",
    "info": "info",
    "informational": "info",
}
# SARIF result levels (and code scanning's rule severity).
LEVELS = {"error": "high", "warning": "medium", "note": "low", "none": "info"}


def from_word(word: object) -> str | None:
    """A tool's severity word (any case) as ours; None for unknown or unrecognised."""
    return WORDS.get(word.strip().lower()) if isinstance(word, str) else None


def from_level(level: object) -> str | None:
    """A SARIF level (`error`, `warning`, `note`, `none`) as a severity."""
    return LEVELS.get(level) if isinstance(level, str) else None


def from_score(score: float) -> str:
    """CVSS's qualitative rating of a 0-10 score (0.0 is `info`)."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0.0:
        return "low"
    return "info"


def from_security_severity(text: object) -> str | None:
    """GitHub's `security-severity` property: a score as text ("7.5"); None when it is
    not a number from 0 to 10."""
    if not isinstance(text, (str, int, float)) or isinstance(text, bool):
        return None
    try:
        score = float(text)
    except ValueError:
        return None
    if not math.isfinite(score) or not 0.0 <= score <= 10.0:
        return None
    return from_score(score)


def parse_cvss(vector: object) -> Cvss | None:
    """A CVSS v3.0, v3.1 or v4.0 vector, scored; None for v2, a bare vector without its
    `CVSS:x.y/` prefix, or anything the library does not accept."""
    if not isinstance(vector, str) or len(vector) > 300:
        return None
    text = vector.strip()
    from cvss import CVSS3, CVSS4, CVSSError

    try:
        if text.startswith(("CVSS:3.0/", "CVSS:3.1/")):
            v3 = CVSS3(text)
            return Cvss(text[5:8], v3.clean_vector(), float(v3.base_score))
        if text.startswith("CVSS:4.0/"):
            v4 = CVSS4(text)
            return Cvss("4.0", v4.clean_vector(), float(v4.base_score))
    except (CVSSError, ValueError, KeyError, TypeError):
        return None
    return None


def from_cvss(vectors: Iterable[Cvss]) -> tuple[str, str] | None:
    """The severity of the newest CVSS version given, and its source (`cvss_v4` or
    `cvss_v3`); None without any."""
    best: Cvss | None = None
    for cvss in vectors:
        if best is None or cvss.version > best.version:
            best = cvss
    if best is None:
        return None
    return from_score(best.score), "cvss_v4" if best.version == "4.0" else "cvss_v3"
