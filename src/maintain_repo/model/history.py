"""A record's history as plain values: versions from git and what changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Version:
    """The record as one commit left it."""

    sha: str
    author: str
    email: str
    date: str  # ISO 8601 with offset, as git records it
    subject: str
    path: str  # root-relative path of the record in this commit
    content: bytes | None  # None: the commit deleted the file
    moved_from: str | None = None  # the path it had before, when the commit moved it
    # The record branch holding the commit, when it is on an open record pull request
    # (not merged into the checkout's history yet).
    proposed: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    change: str  # added | removed | changed
    before: Any = None
    after: Any = None


@dataclass(frozen=True, slots=True)
class Step:
    version: Version
    changes: tuple[Change, ...]
    unreadable: str | None = None  # why this version could not be read as YAML
    created: bool = False  # the first version (or the first after a deletion)
