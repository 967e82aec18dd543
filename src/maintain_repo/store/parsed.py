"""Records already read, kept by the hash of their bytes: `ParsedRecords`.

`maintain findings import` reads every finding record to match a scan with them; an
import of a 10,000-result scan reads ten thousand files, and parsing them with the
checking reader takes most of a re-import. The reader's answer depends only on a file's
bytes, so it is kept under their SHA-256: a file whose bytes are the same is not parsed
again, whatever its time stamps say (a fresh clone, a copy), and a changed byte is a
miss. No stat signature is trusted, so there is no racy window.

The store is one file in the cache directory (`MAINTAIN_CACHE_DIR`, else
`.maintain-cache/`; off in GitHub Actions, as the check cache), marshal under the same
HMAC with this user's key as the check cache: a file that does not verify, is of
another version, or holds anything unexpected is ignored and replaced.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from maintain_repo.store import signed
from maintain_repo.store.yaml import mapping_of

NAME = "parsed-records.bin"


class ParsedRecords:
    """Mappings of record files by the SHA-256 of their bytes (see the module)."""

    def __init__(self, root: Path, *, enabled: bool = True) -> None:
        self._store = signed.Store(root, NAME, enabled=enabled)
        self._known: dict[bytes, Any] = {
            digest: data
            for digest, data in self._store.load().items()
            if isinstance(digest, bytes) and (data is None or isinstance(data, dict))
        }
        self._used: dict[bytes, Any] = {}
        self._learned = False  # something was parsed or written that the store lacks

    def mapping(self, raw: bytes) -> dict[str, Any] | None:
        """What `store.yaml.mapping_of(raw)` gives, from the store when the bytes are known."""
        digest = hashlib.sha256(raw).digest()
        if digest in self._known:
            data: dict[str, Any] | None = self._known[digest]
        else:
            data = mapping_of(raw)
            self._learned = True
        self._used[digest] = data
        return data

    def remember(self, text: str, data: dict[str, Any]) -> None:
        """A record written now (its text read back as `data` by the checking reader)."""
        self._used[hashlib.sha256(text.encode("utf-8")).digest()] = data
        self._learned = True

    def save(self) -> None:
        """Keep what this run read or wrote (only that: the store does not grow with
        records long gone); nothing to do when every record read was known."""
        if self._learned:
            self._store.save(self._used)
