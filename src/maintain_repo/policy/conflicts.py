"""Policy documents that contradict each other.

One SLA policy sets the deadlines and one approval policy says who approves
pull requests: with two, one would silently win (and a pull request could add
a laxer one). Record policy names are what findings
and waivers are keyed by, so a name used twice, or one a built-in rule
already has, would make two rules answer to it; freeze window names appear
in findings and must tell windows apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from maintain_repo.model.findings import Finding, Severity

RULE = "policy-conflict"
# Kinds a repository has at most one of.
_SINGLE = {"SLAPolicy": "SLA policy", "ApprovalPolicy": "approval policy"}
# Kinds whose `name` must be unique among documents of the same kind.
_NAMED = {"RecordPolicy": "record policy", "FreezeWindow": "freeze window"}


def conflicts(
    documents: Iterable[tuple[str, Mapping[str, Any] | None]], builtin: Iterable[str]
) -> list[Finding]:
    """Conflicts among policy documents (path, parsed mapping or None), in path order."""
    rules = set(builtin)
    first: dict[str, str] = {}
    names: dict[tuple[str, str], str] = {}
    found = []
    for path, data in sorted(documents, key=lambda item: item[0]):
        kind = data.get("kind") if data is not None else None
        if not isinstance(kind, str):
            continue  # no kind, or not text (a schema finding of its own): nothing to match
        if kind in _SINGLE:
            if kind in first:
                found.append(
                    _at(
                        path,
                        ("kind",),
                        f"a second {_SINGLE[kind]} ({first[kind]} is the first); a repository "
                        "has one, so merge them",
                    )
                )
            first.setdefault(kind, path)
        name = data.get("name") if data is not None else None
        if kind not in _NAMED or not isinstance(name, str):
            continue
        what = _NAMED[kind]
        if kind == "RecordPolicy" and name in rules:
            found.append(
                _at(path, ("name",), f"{name!r} is a built-in rule's id; give the policy its own")
            )
        elif (kind, name) in names:
            found.append(
                _at(
                    path,
                    ("name",),
                    f"another {what} is named {name!r} ({names[kind, name]}); names are unique",
                )
            )
        names.setdefault((kind, name), path)
    return found


def _at(path: str, pointer: tuple[str, ...], message: str) -> Finding:
    return Finding(RULE, Severity.ERROR, message, path, pointer=pointer)
