"""Which policies a check enforces: the working tree's, or a base ref's.

Per-file checking (in this process, a forked worker or the speculation
child) asks `policies_for(root)`. Each check registers the documents it
enforces first (`use_documents`): the working tree's, or with `--base` the
base ref's, so a pull request cannot weaken the policies that judge it.
Parsing is lazy: a warm run never needs the policies at all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from maintain_repo.policy.policyset import Policies

_DOCUMENTS: dict[str, Sequence[tuple[str, bytes]]] = {}
_PARSED: dict[str, Policies] = {}


def use_documents(root: str, documents: Sequence[tuple[str, bytes]]) -> None:
    """Enforce these policy documents (path, bytes) when checking files under `root`."""
    _DOCUMENTS[root] = documents
    _PARSED.pop(root, None)


def policies_for(root: str) -> Policies:
    if root not in _PARSED:
        from maintain_repo.engine.load import load_policies, worktree_documents

        documents = _DOCUMENTS.get(root)
        if documents is None:
            documents = worktree_documents(Path(root))
        _PARSED[root] = load_policies(documents)
    return _PARSED[root]


def policy_key(documents: Iterable[tuple[str, bytes]]) -> str:
    """Identifies a set of policy documents by their bytes (without parsing them)."""
    digest = hashlib.sha256()
    for rel, raw in sorted(documents):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(raw).digest())
    return digest.hexdigest()[:32]


_HINT = re.compile(rb"\bnow\b|\blookup\s*\(")


def may_be_dynamic(documents: Sequence[tuple[str, bytes]]) -> bool:
    """Whether any policy may read the clock or other records (a cheap test on the raw
    documents, so a warm run parses none of them)."""
    return any(_HINT.search(raw) for _, raw in documents)
