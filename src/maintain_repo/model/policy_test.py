"""`PolicyTest` documents (`policies/tests/*.yaml`): records in, expected findings out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from maintain_repo.model.common import Line, Strict, Text, Timestamp


class TestRecord(Strict):
    """A record for a policy test: a file of the repository (with changes), or inline."""

    path: Line | None = Field(
        None,
        description=(
            "Record file of this repository, `records/<folder>/<id>.yaml`, to read. "
            "Give either `path` or `record`."
        ),
    )
    set: dict[str, Any] = Field(
        {},
        description=(
            "Fields to change in the record read from `path`: dotted field name to new value, "
            "e.g. `roles.commander: alice`."
        ),
    )
    record: dict[str, Any] | None = Field(
        None,
        description=(
            "A whole record written inline, as in a record file. Give either this or `path`."
        ),
    )

    @model_validator(mode="after")
    def _one_source(self) -> TestRecord:
        if (self.path is None) == (self.record is None):
            raise ValueError("give either path (with optional set) or record")
        if self.record is not None and self.set:
            raise ValueError("set only applies to a record read from path")
        return self


class Expected(Strict):
    """One finding the test's records must give."""

    rule: Line = Field(description="Policy name or built-in rule id the finding comes from.")
    record: Line = Field(description="Id of the record the finding is about.")
    message: Line | None = Field(
        None, description="The finding's exact message; when left out, any message matches."
    )


class PolicyTest(Strict):
    """Records in, expected findings out: a unit test for the repository's policies."""

    kind: Literal["PolicyTest"] = Field(description="Always `PolicyTest`.")
    name: Line = Field(description="What the test shows, in one line; reported with its result.")
    description: Text | None = Field(None, description="Longer notes on what the test covers.")
    now: Timestamp | None = Field(
        None,
        description=(
            "Time to run the test at, for policies that read `now`: ISO 8601 timestamp with a "
            "UTC offset. Default: the run's `--now`, else `$MAINTAIN_NOW`, else the clock."
        ),
    )
    records: list[TestRecord] = Field(
        min_length=1,
        description=(
            "Records to check, at least one: a repository record file (optionally changed) "
            "or a record written inline."
        ),
    )
    expect: list[Expected] = Field(
        [],
        description=(
            "Findings the records must give, exactly: no more, no fewer. "
            "Leave it empty to expect none."
        ),
    )
