"""Facts about records as plain values, for the cross-record rules.

The per-file stage reads a record once and keeps what the repository-wide
rules need (id, kind, status, references); those rules, and a warm cached
run, never need the record itself again. (Facts about a pull request are
`model.pull_facts`.)
"""

from __future__ import annotations

from typing import Any, NamedTuple

from maintain_repo.model.findings import Pointer

_ATOMS = frozenset((str, int))


class Reference(NamedTuple):
    """A field of one record that names another record.

    `relation` names a two-way link (see `maintain_repo.rules.references`):
    the target must name this record back through the same relation.
    (A named tuple: a warm check builds tens of thousands of these.)
    """

    pointer: Pointer
    target: str
    kinds: tuple[str, ...]
    relation: str | None = None

    def to_json(self) -> list[Any]:
        return [list(self.pointer), self.target, list(self.kinds), self.relation]

    @classmethod
    def from_json(cls, data: Any) -> Reference:
        pointer, target, kinds, relation = data
        pointer, kinds = tuple(pointer), tuple(kinds)
        if not (
            type(target) is str
            and (relation is None or type(relation) is str)
            and _ATOMS.issuperset(map(type, pointer))
            and all(type(k) is str for k in kinds)
        ):
            raise ValueError("malformed reference")
        return cls(pointer, target, kinds, relation)


class RecordFacts(NamedTuple):
    """What the repository-wide rules know about one record file."""

    path: str
    kind: str | None  # from the folder the file is in
    id: str | None  # from the file's `id`, when it is text
    status: str | None
    valid: bool  # the record passed its schema
    references: tuple[Reference, ...] = ()
    # A few kind-specific values the repository-wide stage needs (waivers:
    # status, dates and covers; findings: severity and waiver), as JSON.
    extra: dict[str, Any] | None = None

    def to_json(self) -> list[Any]:
        """Compact form (the path is the key it is stored under)."""
        refs = [r.to_json() for r in self.references]
        return [self.kind, self.id, self.status, self.valid, refs, self.extra]

    @classmethod
    def from_json(cls, path: str, data: Any) -> RecordFacts:
        kind, id_, status, valid, refs, extra = data
        if not (
            all(v is None or isinstance(v, str) for v in (kind, id_, status))
            and isinstance(valid, bool)
            and isinstance(refs, list)
            and (extra is None or isinstance(extra, dict))
        ):
            raise ValueError("malformed record facts")
        references = tuple(Reference.from_json(r) for r in refs)
        return cls(path, kind, id_, status, valid, references, extra)
