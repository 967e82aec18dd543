"""Making untrusted text (paths, record values in messages) safe to print, or to echo
in Markdown on GitHub."""

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


_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_REFERENCE = re.compile(r"(?<![\w&])#(?=[0-9])")


def inert(text: str) -> str:
    """Untrusted text made inert for a GitHub comment or issue body.

    HTML is escaped, @mentions and #references are broken with a zero-width
    joiner (so quoting `@org/team` pings nobody and links nothing), and
    control characters are shown as escapes. The reader sees the same words.
    """
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MENTION.sub("@\u200d", escaped)
    escaped = _REFERENCE.sub("#\u200d", escaped)
    return "\n".join(printable(line) for line in escaped.replace("\r\n", "\n").split("\n"))


# Characters that format Markdown (or end a table cell), escaped with a backslash.
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")


def markdown(text: str) -> str:
    """`text` as one line of a Markdown comment (a table cell, a list item): `inert`,
    and shown as written, with no formatting and no line breaks."""
    return inert(_MARKDOWN.sub(r"\\\1", printable(text)))
