"""What a command derives from each record file, kept by the file's stat signature:
`Projections`.

`maintain report` needs a few fields of every record; parsing ten thousand files takes
seconds, reading what an earlier run kept of them a fraction of one. An entry is used
while the file's stat signature (mtime, ctime, size, inode) is the one it was made from;
a file modified within the last two seconds is never vouched for by its stat (its next
change could keep the same signature), so it is read again next time, as the check
cache does.

One signed file in the cache directory (`store.signed`): off where the check cache is
off (GitHub Actions, `--no-cache`), ignored and replaced when it does not verify.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from maintain_repo.store import signed
from maintain_repo.store.cache import RACY_NS, Stat


class Projections:
    """Values derived from files, by root-relative path and stat signature."""

    def __init__(self, root: Path, name: str, version: str, *, enabled: bool = True) -> None:
        self._store = signed.Store(root, name, version, enabled=enabled)
        self._known = {
            rel: entry
            for rel, entry in self._store.load().items()
            if isinstance(rel, str) and isinstance(entry, tuple) and len(entry) == 2
        }
        self._kept: dict[str, tuple[Any, Any]] = {}
        self._changed = False

    def get(self, rel: str, stat: Stat) -> tuple[bool, Any]:
        """(True, value) when `rel` is known with this very stat signature."""
        found = self._known.get(rel)
        if found is not None and found[0] is not None and tuple(found[0]) == tuple(stat):
            self._kept[rel] = found
            return True, found[1]
        return False, None

    def put(self, rel: str, stat: Stat, mtime_ns: int, value: Any) -> None:
        trusted = None if mtime_ns > time.time_ns() - RACY_NS else list(stat)
        self._kept[rel] = (trusted, value)
        self._changed = True

    def save(self) -> None:
        """Keep the entries this run used or made (files gone are forgotten)."""
        if self._changed or len(self._kept) != len(self._known):
            self._store.save(self._kept)
