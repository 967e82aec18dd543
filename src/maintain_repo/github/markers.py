"""Hidden markers: how an automated issue or comment is found again.

Every issue and comment maintain writes carries one HTML comment,
`<!-- maintain:KIND:KEY -->`, which GitHub does not render. Reruns and
parallel jobs look for the marker before creating anything, so an object is
never made twice. Only objects written by our own identity count: anybody can
paste a marker into an issue of their own.
"""

from __future__ import annotations

import re

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$")
_FOUND = re.compile(r"<!-- maintain:([a-z-]+):([A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}) -->")


def marker(kind: str, key: str) -> str:
    """The marker of one object, e.g. `<!-- maintain:incident:INC-20260301-7K2M -->`."""
    if not re.match(r"^[a-z-]+$", kind) or not _KEY.match(key):
        raise ValueError(f"not a marker kind/key: {kind!r}, {key!r}")
    return f"<!-- maintain:{kind}:{key} -->"


def has_marker(body: str | None, mark: str) -> bool:
    return bool(body) and mark in (body or "")


def markers_in(body: str | None, kind: str) -> list[str]:
    """The keys of every marker of `kind` in `body`, in order."""
    return [key for found_kind, key in _FOUND.findall(body or "") if found_kind == kind]


def with_marker(body: str, mark: str) -> str:
    """`body` ending with its marker (once)."""
    return body if mark in body else f"{body.rstrip()}\n\n{mark}\n"
