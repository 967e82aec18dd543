"""Improvement: an action item, enhancement or feature, prioritised and due."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, get_args

from pydantic import Field, model_validator

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
    """Where an improvement came from: a record, or the product itself."""

    kind: Literal["incident", "problem", "finding", "change", "product"] = Field(
        description=(
            "Kind of origin: an `incident`, `problem`, `finding` or `change` record, or "
            "`product` for work that no record asked for."
        )
    )
    ref: AnyRecordId | None = Field(
        None,
        description=(
            "Id of the originating record, with the prefix of `kind` (`INC-`, `PRB-`, `SF-`, "
            "`CHG-`). Required unless `kind` is `product`, which takes none."
        ),
    )

    @model_validator(mode="after")
    def _ref_matches_kind(self) -> Source:
        if self.kind == "product":
            if self.ref is not None:
                raise ValueError("a source of kind product names no record: remove ref")
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

    id: ImprovementId = Field(
        description=(
            "`IMP-YYYYMMDD-XXXX`: the UTC date and four random Crockford base32 characters, "
            "the same as the file name. `maintain new` makes one."
        )
    )
    kind: Literal["improvement"] = Field(description="Always `improvement`.")
    status: Status = Field(
        description=(
            "`open` -> `in_progress` -> `done`, or `wont_do`; both can be reopened. Each state "
            "requires its fields."
        )
    )
    source: Source = Field(
        description=(
            "Where the work came from. An incident's improvement is listed in that incident's "
            "`action_items`."
        )
    )
    category: Literal[
        "detect",
        "mitigate",
        "prevent",
        "repair",
        "process",
        "feature",
        "optimisation",
    ] = Field(
        description=(
            "Kind of work: `detect`, `mitigate`, `prevent`, `repair`, `process`, `feature` or "
            "`optimisation`."
        )
    )
    priority: Literal["P1", "P2", "P3", "P4"] = Field(
        description=(
            "`P1` (most urgent) to `P4`. The SLA policy gives each priority a deadline counted "
            "from `created_at`."
        )
    )
    services: UniqueList[ServiceId] = Field(
        [],
        description="Slugs of the services the work touches, e.g. `checkout-api`; each must exist.",
    )
    due: Timestamp | None = Field(
        None,
        description=(
            "Deadline (RFC 3339, may lie ahead); no later than the SLA policy allows for the "
            "`priority`."
        ),
    )
    started_at: Timestamp | None = Field(
        None, description="When work started (RFC 3339). Required in `in_progress`."
    )
    done_at: Timestamp | None = Field(
        None,
        description=(
            "When the work was finished (RFC 3339); not before `started_at`. Required in `done`."
        ),
    )
    verification: Text | None = Field(
        None, description="How it was checked that the improvement works. Required in `done`."
    )
    wont_do_reason: Text | None = Field(
        None, description="Why the work will not be done. Required in `wont_do`."
    )

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        yield from listed("services", self.services, "service")
        if self.source.ref is not None:
            relation = "action-item" if self.source.kind == "incident" else None
            yield Reference(("source", "ref"), self.source.ref, (self.source.kind,), relation)


MODEL = Improvement
