"""Records in flight: those only on an open record pull request's branch.

An incident a probe (or `maintain incident open`) opened is a record on branch
`maintain/<id>` until its pull request is merged. `maintain sla`,
`maintain status build` and `maintain history` read those branches from origin
(`maintain_repo.git.branches`, read-only) besides the checkout, and mark what
they read there as proposed. The checkout (the default branch) wins when both
have a record: a branch is read only for records the checkout does not have.

A record on a branch is validated like any other; one that does not validate is
left out with a note (its pull request's check says why). Fetching can fail
(no network, no token for a private repository): then what the clone already
has is read, with a note saying so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from maintain_repo.git.branches import fetch_proposals, proposed_records
from maintain_repo.model.kinds import FOLDERS, KINDS
from maintain_repo.rules.layout import folder_of
from maintain_repo.store.repo import record_files
from maintain_repo.store.yaml import mapping_of

if TYPE_CHECKING:
    from maintain_repo.model.common import Record


@dataclass(frozen=True, slots=True)
class InFlight:
    """A record read from its record branch."""

    path: str  # root-relative, as it will be once merged
    record: Record
    branch: str  # maintain/<id>


@dataclass
class Proposals:
    records: list[InFlight] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def of(self, kinds: Iterable[str]) -> list[InFlight]:
        wanted = set(kinds)
        return [item for item in self.records if item.record.kind in wanted]

    def branch_of(self, record_id: str) -> str | None:
        return next((i.branch for i in self.records if i.record.id == record_id), None)


def read_proposals(root: Path, token: str | None = None, *, fetch: bool = True) -> Proposals:
    """The records of the open record branches on origin that the checkout lacks."""
    found = Proposals()
    problem = fetch_proposals(root, token) if fetch else None
    if problem is not None:
        found.notes.append(f"{problem}; reading the record branches this clone already has")
    present = {PurePosixPath(rel).stem for rel in record_files(root)}
    for proposed in proposed_records(root):
        record_id = PurePosixPath(proposed.path).stem
        if record_id in present:
            continue  # the default branch has it: the merged record wins
        kind = folder_of(proposed.path, FOLDERS)
        data = mapping_of(proposed.content)
        record = None
        if kind is not None and data is not None:
            try:
                record = KINDS[kind].model.model_validate(data)
            except ValueError:
                record = None
        if record is None or record.id != record_id:
            found.notes.append(
                f"{proposed.path} on branch {proposed.branch} does not pass its schema; "
                "left out (its pull request's check says why)"
            )
            continue
        found.records.append(InFlight(proposed.path, record, proposed.branch))
    return found
