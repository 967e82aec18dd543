"""`PolicyTest` documents (`policies/tests/*.yaml`): records in, expected findings out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from maintain_repo.model.common import Line, Strict, Text, Timestamp


class TestRecord(Strict):
    """A record for a policy test: a file of the repository (with changes), or inline."""

    path: Line | None = None
    set: dict[str, Any] = {}  # dotted field -> value, applied to the file's record
    record: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> TestRecord:
        if (self.path is None) == (self.record is None):
            raise ValueError("give either path (with optional set) or record")
        if self.record is not None and self.set:
            raise ValueError("set only applies to a record read from path")
        return self


class Expected(Strict):
    rule: Line  # a policy name or a built-in rule id
    record: Line
    message: Line | None = None  # when given, the message must match exactly


class PolicyTest(Strict):
    """Records in, expected findings out: a unit test for the repository's policies."""

    kind: Literal["PolicyTest"]
    name: Line
    description: Text | None = None
    now: Timestamp | None = None
    records: list[TestRecord] = Field(min_length=1)
    expect: list[Expected] = []
