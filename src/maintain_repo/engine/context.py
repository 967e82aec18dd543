"""Which policies a check enforces: the working tree's, or a base ref's.

Per-file checking (in this process, a forked worker or the speculation
child) asks `policies_for(root)`. Each check registers the documents it
enforces first (`use_documents`): the working tree's, or with `--base` the
base ref's, so a pull request cannot weaken the policies that judge it.
Parsing is lazy: a warm run never needs the policies at all.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from maintain_repo.policy.policyset import Policies
    from maintain_repo.store.cache import CheckCache

_DOCUMENTS: dict[str, Sequence[tuple[str, bytes]]] = {}
_PARSED: dict[str, Policies] = {}
_CACHES: dict[str, CheckCache] = {}  # where the validated policies of a root are kept


def use_documents(
    root: str, documents: Sequence[tuple[str, bytes]], cache: CheckCache | None = None
) -> None:
    """Enforce these policy documents (path, bytes) when checking files under `root`;
    with a `cache` whose tool key names these documents, their validated form is taken
    from it, or kept in it once parsed."""
    _DOCUMENTS[root] = documents
    _PARSED.pop(root, None)
    if cache is not None and cache.directory is not None:
        _CACHES[root] = cache
    else:
        _CACHES.pop(root, None)


def policies_for(root: str) -> Policies:
    if root not in _PARSED:
        cache = _CACHES.get(root)
        if cache is not None and _stored(root, cache):
            return _PARSED[root]
        from maintain_repo.engine.load import load_policies, worktree_documents

        documents = _DOCUMENTS.get(root)
        if documents is None:
            documents = worktree_documents(Path(root))
        _PARSED[root] = load_policies(documents)
        if cache is not None:
            import pickle

            cache.keep_policies(pickle.dumps(_PARSED[root], protocol=pickle.HIGHEST_PROTOCOL))
    return _PARSED[root]


def _stored(root: str, cache: CheckCache) -> bool:
    """Take the policies for `root` from the cache (validated by an earlier run from the
    very documents the cache's tool key names); False when it holds none."""
    blob = cache.stored_policies()
    if blob is None:
        return False
    import pickle  # of a file this user's maintain wrote: its HMAC was verified

    from maintain_repo.policy.policyset import Policies

    try:
        policies = pickle.loads(blob)  # noqa: S301  # signed by this user's key, verified
    except (
        pickle.UnpicklingError,
        AttributeError,
        ImportError,
        EOFError,
        LookupError,
        TypeError,  # a state `Policies.__setstate__` refuses
        ValueError,
    ):
        return False
    if not isinstance(policies, Policies):
        return False
    _PARSED[root] = policies
    return True


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
    # The bytes of every document first: YAML escapes are rare, and reading them costs a
    # parse (and the YAML library's import).
    return any(_HINT.search(raw) for _, raw in documents) or any(
        _HINT.search(_unescaped(raw)) for _, raw in documents
    )


def may_mention(documents: Sequence[tuple[str, bytes]], word: bytes) -> bool:
    """Whether any document may say `word` (a kind): False only when none does, so that
    what depends on it (limits on evaluation, above all) is never skipped by a document
    that spells it with escapes."""
    return any(word in raw for _, raw in documents) or any(
        word in _unescaped(raw) for _, raw in documents
    )


@lru_cache(maxsize=256)
def _unescaped(raw: bytes) -> bytes:
    """What a document says once YAML's escapes are read (`"Record\\x50olicy"` is
    RecordPolicy): escapes exist only behind a backslash, so a document without one is
    its own bytes; else it is parsed (libyaml, no models), and its values are its text."""
    if b"\\" not in raw:
        return b""  # nothing more than the bytes say
    from maintain_repo.store.yaml import mapping_of

    data = mapping_of(raw)
    return json.dumps(data, ensure_ascii=False, default=str).encode() if data else raw
