"""Lifecycles as data: states, allowed moves, and what each state requires.

Each record kind declares one `Lifecycle` next to its model. Rules read it;
nothing here evaluates a record beyond looking up dotted field paths, so the
same data drives `maintain check`, the git-aware transition rule and docs.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple


class When(NamedTuple):
    """A condition on a record: the field at `path` has one of `values`."""

    path: str
    values: tuple[str, ...]

    def holds(self, record: object) -> bool:
        return lookup(record, self.path) in self.values

    def describe(self) -> str:
        return f"{self.path} is {' or '.join(self.values)}"


class Requirement(NamedTuple):
    """In a state, one of `any_of` must be set (to one of `values`, if given)."""

    any_of: tuple[str, ...]
    values: tuple[str, ...] = ()
    when: When | None = None

    def applies(self, record: object) -> bool:
        return self.when is None or self.when.holds(record)

    def satisfied(self, record: object) -> bool:
        for path in self.any_of:
            value = lookup(record, path)
            if self.values:
                if value in self.values:
                    return True
            elif present(value):
                return True
        return False

    def describe(self) -> str:
        names = " or ".join(self.any_of)
        what = f"{names} set to {' or '.join(self.values)}" if self.values else names
        return f"{what} (when {self.when.describe()})" if self.when else what


def need(*paths: str, values: tuple[str, ...] = (), when: When | None = None) -> Requirement:
    return Requirement(tuple(paths), values, when)


class Transition(NamedTuple):
    source: str
    target: str
    when: When | None = None


class Lifecycle(NamedTuple):
    """The states of a record kind and the moves between them."""

    states: tuple[str, ...]
    initial: str
    transitions: tuple[Transition, ...]
    requires: Mapping[str, tuple[Requirement, ...]] = MappingProxyType({})
    # States that end the record's active life (closed records are immutable).
    final: frozenset[str] = frozenset()

    def allows(self, source: str, target: str, record: object = None) -> bool:
        """True when moving `source -> target` is an edge of this lifecycle."""
        if source == target:
            return True
        return any(
            t.source == source
            and t.target == target
            and (t.when is None or record is None or t.when.holds(record))
            for t in self.transitions
        )

    def reaches(self, source: str, target: str, record: object = None) -> bool:
        """True when one change may move `source -> target`: a lifecycle edge, or (from
        a state that is not final) a path of edges through states that are not final.

        A pull request often carries several steps at once (acknowledged, then
        mitigated); a final record reopens only along a direct edge.
        """
        if self.allows(source, target, record):
            return True
        if source in self.final:
            return False
        seen, frontier = {source}, [source]
        while frontier:
            state = frontier.pop()
            for step in self.transitions:
                if step.source != state or step.target in seen:
                    continue
                if step.when is not None and record is not None and not step.when.holds(record):
                    continue
                if step.target == target:
                    return True
                if step.target not in self.final:
                    seen.add(step.target)
                    frontier.append(step.target)
        return False

    def requirements(self, state: str) -> tuple[Requirement, ...]:
        return self.requires.get(state, ())

    def missing(self, record: object, state: str) -> list[Requirement]:
        """Requirements of `state` that `record` does not meet."""
        return [
            r for r in self.requirements(state) if r.applies(record) and not r.satisfied(record)
        ]


def edges(*chain: str, when: When | None = None) -> tuple[Transition, ...]:
    """`edges("a", "b", "c")` is a -> b -> c."""
    return tuple(Transition(a, b, when) for a, b in itertools.pairwise(chain))


def fan(source: str, *targets: str, when: When | None = None) -> tuple[Transition, ...]:
    """`fan("a", "b", "c")` is a -> b and a -> c."""
    return tuple(Transition(source, t, when) for t in targets)


def lookup(record: object, path: str) -> Any:
    """The value at a dotted `path` of a model or mapping, or None."""
    value: Any = record
    for part in path.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
    return value


def present(value: object) -> bool:
    """Set to something: not None or False, not an empty string, list or mapping."""
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict):
        return bool(value)
    return True
