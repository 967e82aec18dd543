"""Per-file check results, cached by content hash (like ruff's and mypy's caches).

One JSON file holds, for each checked file: its stat signature, the SHA-256
of its bytes, and the result of checking it. A result is reused only when
the bytes hash the same and the tool fingerprint (our code plus the
validating libraries) is unchanged. The stat signature only saves re-reading
a file whose mtime, ctime, size and inode are all unchanged.

The cache is never trusted blindly: a payload whose checksum, format or
fingerprint does not match is thrown away and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maintain_repo.store.files import write_atomic

CACHE_ENV = "MAINTAIN_CACHE_DIR"
DEFAULT_DIR = ".maintain-cache"
FILE = "check-v1.json"
FORMAT = 1
# A file modified this recently may change again within the same mtime
# tick; its stat signature is not recorded (git calls this "racy").
RACY_NS = 2_000_000_000

Stat = tuple[int, int, int, int]


def cache_dir(root: Path, *, enabled: bool) -> Path | None:
    """Where the cache lives, or None when caching is off.

    `MAINTAIN_CACHE_DIR` wins. In GitHub Actions the cache is off by default:
    a pull request could commit a crafted cache that reports its records clean.
    """
    if not enabled:
        return None
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return None
    return root / DEFAULT_DIR


def fingerprint() -> str:
    """Changes whenever our checking code or the libraries it relies on change."""
    digest = hashlib.sha256(f"{FORMAT}:{sys.version_info[:2]}".encode())
    package = Path(__file__).resolve().parent.parent
    sources = sorted(package.glob("*/*.py")) + sorted(package.glob("*.py"))
    for source in sources:
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    for module in ("pydantic.version", "pydantic_core", "ruamel.yaml"):
        spec = importlib.util.find_spec(module.split(".")[0])
        if spec is not None and spec.origin:
            name = "version.py" if module.endswith(".version") else "__init__.py"
            candidate = Path(spec.origin).parent / name
            with contextlib.suppress(OSError):
                digest.update(candidate.read_bytes())
    return digest.hexdigest()


def stat_of(path: Path) -> tuple[Stat, int]:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino), st.st_mtime_ns


@dataclass(slots=True)
class Entry:
    stat: Stat | None
    sha: str
    result: dict[str, Any]


class CheckCache:
    """Results of checking files, keyed by path and verified by content hash."""

    def __init__(self, directory: Path | None, tool: str) -> None:
        self.directory = directory
        self.tool = tool
        self.entries: dict[str, Entry] = {}
        self.discarded = False  # an unusable cache file was found and ignored
        self._dirty = False
        if directory is not None:
            self._load(directory / FILE)

    def _load(self, path: Path) -> None:
        try:
            raw = path.read_bytes()
        except OSError:
            return
        try:
            header_line, _, payload = raw.partition(b"\n")
            header = json.loads(header_line)
            if (
                header.get("format") != FORMAT
                or header.get("sha256") != hashlib.sha256(payload).hexdigest()
            ):
                raise ValueError("checksum or format mismatch")
            if header.get("tool") != self.tool:
                self._dirty = True  # stale, not corrupt: rebuild silently
                return
            self.entries = {rel: _entry(value) for rel, value in json.loads(payload).items()}
        except (ValueError, TypeError, KeyError, AttributeError):
            self.entries = {}
            self.discarded = True
            self._dirty = True

    def get(self, rel: str, stat: Stat) -> dict[str, Any] | None:
        """The cached result when the file's stat signature is unchanged."""
        entry = self.entries.get(rel)
        if entry is not None and entry.stat == stat:
            return entry.result
        return None

    def get_by_hash(self, rel: str, sha: str, stat: Stat, mtime_ns: int) -> dict[str, Any] | None:
        """The cached result when the bytes are unchanged (refreshes the stat)."""
        entry = self.entries.get(rel)
        if entry is None or entry.sha != sha:
            return None
        new_stat = _trusted_stat(stat, mtime_ns)
        if entry.stat != new_stat:
            entry.stat = new_stat
            self._dirty = True
        return entry.result

    def put(self, rel: str, sha: str, stat: Stat, mtime_ns: int, result: dict[str, Any]) -> None:
        self.entries[rel] = Entry(_trusted_stat(stat, mtime_ns), sha, result)
        self._dirty = True

    def forget_missing(self, present: set[str]) -> None:
        for rel in [rel for rel in self.entries if rel not in present]:
            del self.entries[rel]
            self._dirty = True

    def save(self) -> None:
        """Write the cache atomically; failures only cost speed, never correctness."""
        if self.directory is None or not self._dirty:
            return
        payload = json.dumps(
            {rel: [e.stat, e.sha, e.result] for rel, e in self.entries.items()},
            separators=(",", ":"),
        ).encode()
        header = json.dumps(
            {"format": FORMAT, "tool": self.tool, "sha256": hashlib.sha256(payload).hexdigest()}
        )
        with contextlib.suppress(OSError, Exception):
            self.directory.mkdir(parents=True, exist_ok=True)
            _mark_cache_dir(self.directory)
            write_atomic(self.directory / FILE, header + "\n" + payload.decode(), overwrite=True)
            self._dirty = False


def _trusted_stat(stat: Stat, mtime_ns: int) -> Stat | None:
    return None if mtime_ns > time.time_ns() - RACY_NS else stat


def _entry(value: Any) -> Entry:
    stat, sha, result = value
    if stat is not None:
        if not (isinstance(stat, list) and len(stat) == 4 and all(type(s) is int for s in stat)):
            raise ValueError("bad stat")
        stat = (stat[0], stat[1], stat[2], stat[3])
    if not isinstance(sha, str) or not isinstance(result, dict):
        raise ValueError("bad entry")
    return Entry(stat, sha, result)


def _mark_cache_dir(directory: Path) -> None:
    """Keep the cache out of git and out of backups, as pytest and ruff do."""
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by maintain automatically.\n*\n")
    tag = directory / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by maintain.\n"
        )
