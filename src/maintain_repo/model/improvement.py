"""Improvement: an action item, enhancement or feature, prioritised and due."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, get_args

from pydantic import model_validator

from maintain_repo.model.common import (
    AnyRecordId,
    ImprovementId,
    Record,
    ServiceId,
    Strict,
    Text,
    Timestamp,
    UniqueList,
    listed,
)
from maintain_repo.model.facts import Reference
from maintain_repo.model.lifecycle import Lifecycle, edges, fan, need

# Where an improvement came from, and the record-id prefix of each source.
SOURCE_PREFIX = {"incident": "INC", "problem": "PRB", "finding": "SF", "change": "CHG"}

# Chains of timestamps that must not go backwards, where present.
ORDER = (("started_at", "done_at"),)

Status = Literal["open", "in_progress", "done", "wont_do"]

LIFECYCLE = Lifecycle(
    states=get_args(Status),
    initial="open",
    transitions=(
        *edges("open", "in_progress", "done"),
        *fan("open", "done", "wont_do"),
        *fan("in_progress", "open", "wont_do"),
        *fan("done", "in_progress"),
        *fan("wont_do", "open"),
    ),
    requires={
        "in_progress": (need("started_at"),),
        "done": (need("done_at"), need("verification")),
        "wont_do": (need("wont_do_reason"),),
    },
    final=frozenset({"done", "wont_do"}),
)


class Source(Strict):
    kind: Literal["incident", "problem", "finding", "change", "product"]
    ref: AnyRecordId | None = None

    @model_validator(mode="after")
    def _ref_matches_kind(self) -> Source:
        if self.kind == "product":
            return self
        prefix = SOURCE_PREFIX[self.kind]
        if self.ref is None:
            raise ValueError(f"a source of kind {self.kind} needs ref: {prefix}-...")
        if not self.ref.startswith(prefix + "-"):
            raise ValueError(
                f"a source of kind {self.kind} needs an id starting with {prefix}-, not {self.ref}"
            )
        return self


class Improvement(Record):
    """Work that makes the product better: from incidents, findings or product."""

    id: ImprovementId
    kind: Literal["improvement"]
    status: Status
    source: Source
    category: Literal[
        "detect",
        "mitigate",
        "prevent",
        "repair",
        "process",
        "feature",
        "optimisation",
    ]
    priority: Literal["P1", "P2", "P3", "P4"]
    services: UniqueList[ServiceId] = []
    due: Timestamp | None = None
    started_at: Timestamp | None = None
    done_at: Timestamp | None = None
    verification: Text | None = None
    wont_do_reason: Text | None = None

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        yield from listed("services", self.services, "service")
        if self.source.ref is not None:
            relation = "action-item" if self.source.kind == "incident" else None
            yield Reference(("source", "ref"), self.source.ref, (self.source.kind,), relation)


MODEL = Improvement
