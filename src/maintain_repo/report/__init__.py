"""Reporters: render a `Report` as text, JSON, GitHub annotations or SARIF.

A literal registry; a new format is one module plus one entry. Reporters only
render: they never decide exit codes or filter findings.
"""

from __future__ import annotations

from collections.abc import Callable

from maintain_repo.model.findings import Report
from maintain_repo.report import github, json_, sarif, text

Reporter = Callable[[Report], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_.render,
    "github": github.render,
    "sarif": sarif.render,
}
