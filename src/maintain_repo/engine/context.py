"""Which policies a check enforces: the working tree's, or a base ref's.

Per-file checking (in this process, a forked worker or the speculation
child) asks `policies_for(root)`; a `--base` run registers the base ref's
policies first with `use_policies`, so a pull request cannot weaken the
policies that judge it. Loading is lazy: a warm run never parses them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from maintain_repo.policy.policyset import Policies

_IN_USE: dict[str, Policies] = {}


def use_policies(root: str, policies: Policies) -> None:
    _IN_USE[root] = policies


def policies_for(root: str) -> Policies:
    if root not in _IN_USE:
        from maintain_repo.engine.load import worktree_policies

        _IN_USE[root] = worktree_policies(Path(root))
    return _IN_USE[root]


def policy_key(documents: Iterable[tuple[str, bytes]]) -> str:
    """Identifies a set of policy documents by their bytes (without parsing them)."""
    digest = hashlib.sha256()
    for rel, raw in sorted(documents):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(raw).digest())
    return digest.hexdigest()[:32]
