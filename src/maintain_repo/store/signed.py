"""Cache files signed with this user's key: a JSON header line (format, the tool's
fingerprint, the HMAC), then a marshal body. What does not verify, is of another format
or version of maintain, or does not decode is no cache (`load` gives None); a file that
cannot be written is no cache either (`save` says nothing).

The signature covers the format and the fingerprint too: a body written by another
version of maintain never passes for this one's. Only files this user's maintain wrote
are ever decoded (marshal is not for data of unknown origin).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import marshal
from pathlib import Path
from typing import Any

from maintain_repo.store.cache import FORMAT, cache_dir, cache_key, fingerprint, read_cache_file
from maintain_repo.store.files import write_atomic


def _sign(key: bytes, tool: str, body: bytes) -> str:
    prefix = f"{FORMAT}\n{tool}\n".encode()
    return hmac.new(key, prefix + body, hashlib.sha256).hexdigest()


def load(path: Path, key: bytes, tool: str) -> Any:
    """The value kept at `path`, or None (see the module)."""
    raw = read_cache_file(path)
    if raw is None:
        return None
    try:
        head, _, body = raw.partition(b"\n")
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            return None
        if header.get("tool") != tool:
            return None
        signature = header.get("hmac")
        if not isinstance(signature, str) or not hmac.compare_digest(
            signature, _sign(key, tool, body)
        ):
            return None
        return marshal.loads(body)  # noqa: S302  # signed by this user's key, checked above
    except (ValueError, EOFError, TypeError):
        return None


def save(path: Path, key: bytes, tool: str, value: Any) -> None:
    """Keep `value` (marshal-able) at `path`, atomically and without fsync."""
    try:
        body = marshal.dumps(value)
    except ValueError:
        return
    header = {"format": FORMAT, "tool": tool, "hmac": _sign(key, tool, body)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(
            path, json.dumps(header).encode() + b"\n" + body, overwrite=True, durable=False
        )
    except OSError:
        pass  # a cache that cannot be written is no cache


class Store:
    """One signed cache file of an ops repository: `NAME` in its cache directory, off
    where caching is off; `version` names what the file holds (a change of it is a new
    store)."""

    def __init__(self, root: Path, name: str, version: str = "", *, enabled: bool = True) -> None:
        directory = cache_dir(root, enabled=enabled)
        key = cache_key() if directory is not None else None
        self.path = directory / name if directory is not None and key else None
        self._key = key or b""
        self._tool = f"{fingerprint()}:{version}" if self.path is not None else ""

    def load(self) -> dict[Any, Any]:
        """What the file holds, when it is a mapping (else, or without a cache, empty)."""
        if self.path is None:
            return {}
        value = load(self.path, self._key, self._tool)
        return value if isinstance(value, dict) else {}

    def save(self, value: Any) -> None:
        if self.path is not None:
            save(self.path, self._key, self._tool, value)
