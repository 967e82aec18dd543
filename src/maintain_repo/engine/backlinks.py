"""Two-way links written on both sides by the tool: a record that names another through a
single field gets listed back in the other's list.

- an incident's `cause.triggering_change` -> the change's `caused_incidents` (so the
  change failure rate never depends on someone remembering);
- an incident's `problem` -> the problem's `incidents`;
- an improvement whose `source` is an incident -> the incident's `action_items`.

Only the list side is ever written: the single-valued side says what a person decided
(which change caused it), and may name another record on purpose. A waiver's coverage is
never extended this way: what a waiver covers is approved with it.

Edits keep the target's comments and layout, and are checked like every machine-made
edit (`proposals.refuse_invalid`); all files are written together or none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maintain_repo.engine.proposals import kind_of, record_path, refuse_invalid
from maintain_repo.errors import MaintainError
from maintain_repo.model.relations import RELATIONS
from maintain_repo.store import roundtrip
from maintain_repo.store.files import write_all
from maintain_repo.store.yaml import read_mapping

# relation -> (the kind holding the single-valued side, the kind holding the list)
FIXABLE = {
    "caused-incident": ("incident", "change"),
    "problem-incident": ("incident", "problem"),
    "action-item": ("improvement", "incident"),
}


@dataclass(frozen=True)
class Backlink:
    target: str  # the file given the back-link (root-relative)
    field: str
    source: str  # the id written into it

    def __str__(self) -> str:
        return f"{Path(self.target).stem}: {self.field} lists {self.source}"


def complete(root: Path, rels: Iterable[str], *, dry_run: bool = False) -> list[Backlink]:
    """Write the missing list sides of the two-way links that the records at `rels` hold
    (root-relative paths); the back-links written (or, with `dry_run`, to write)."""
    edits: dict[str, tuple[str, roundtrip.Editable]] = {}
    done: list[Backlink] = []
    for rel in dict.fromkeys(rels):
        data = read_mapping(str(root / rel), shown=rel)
        if data is None or not isinstance(data.get("id"), str):
            continue
        for relation, (single, listing) in FIXABLE.items():
            target_id = _single_side(data, relation, single)
            if target_id is None:
                continue
            found = _add_back(root, edits, target_id, listing, relation, data["id"])
            if found is not None:
                done.append(found)
    for target, (before, editable) in edits.items():
        refuse_invalid(root, root / target, editable.dump(), before)
    if not dry_run and edits:
        write_all(
            [(root / target, editable.dump(), True) for target, (_, editable) in edits.items()]
        )
    return done


def _single_side(data: dict[str, Any], relation: str, kind: str) -> str | None:
    if data.get("kind") != kind:
        return None
    if relation == "action-item":
        source = data.get("source")
        if not isinstance(source, dict) or source.get("kind") != "incident":
            return None
    value: Any = data
    for part in RELATIONS[relation][kind].split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, str) else None


def _add_back(
    root: Path,
    edits: dict[str, tuple[str, roundtrip.Editable]],
    target_id: str,
    kind: str,
    relation: str,
    source_id: str,
) -> Backlink | None:
    try:
        if kind_of(target_id).name != kind:
            return None
    except MaintainError:
        return None
    path = record_path(root, target_id)
    rel = path.relative_to(root).as_posix()
    if rel not in edits:
        if not path.is_file():
            return None  # a broken link: `ref-exists` says so
        text = path.read_text(encoding="utf-8")
        edits[rel] = (text, roundtrip.load(text))
    data = edits[rel][1].data
    if data.get("id") != target_id:
        return None
    field = RELATIONS[relation][kind]
    listed = data.get(field)
    if listed is None:
        listed = []
        roundtrip.place(data, field, listed)
        listed = data[field]
    if not isinstance(listed, list) or source_id in listed:
        return None
    listed.append(source_id)
    return Backlink(rel, field, source_id)
