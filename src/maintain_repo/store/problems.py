"""Problems found while reading a file, before any model sees it.

`YamlProblem` is raised inside the store and turned into a `Finding` by the
caller; it never escapes the store.
"""

from __future__ import annotations

from dataclasses import dataclass

# Rule ids of the problems the store can report (see maintain_repo.rules.catalog).
TOO_LARGE = "yaml-too-large"
BINARY = "yaml-binary"
ENCODING = "yaml-encoding"
BOM = "yaml-bom"
SYNTAX = "yaml-syntax"
TAB = "yaml-tab"
DUPLICATE_KEY = "yaml-duplicate-key"
ALIAS = "yaml-alias"
MULTI_DOCUMENT = "yaml-multi-document"
TAG = "yaml-tag"
KEY = "yaml-key"
DEPTH = "yaml-too-deep"


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """A reason the file is not a readable YAML document, with a 1-based position."""

    rule: str
    message: str
    line: int
    column: int


class YamlError(Exception):
    """Raised by the parser for the first problem that stops reading."""

    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem
