"""Per-file check results, cached by content hash (like ruff's and mypy's caches).

These files live in the cache directory:

- `index` — for every checked file: its stat signature, the SHA-256 of its
  bytes, a hash of its record facts, and its findings; plus the findings of
  the repository-wide rules, keyed by the facts of all records together.
- `facts` — the record facts themselves (ids, statuses, references), read
  only when the repository-wide rules must run again.
- `dynamic` (in 32 files by path, so that a pre-commit run reads and writes
  one) — for records that policies reading the clock or other records apply
  to: which policies, the parsed record and where it starts (every run
  evaluates those policies again from here, without parsing YAML), and the
  verdict of those reading only other records with the answers it rests on.
- `policies` — the policy documents as validated (pickled models, for the
  documents the tool key names), so that a pre-commit run does not validate
  them again.
- `lookup` — what `lookup()` answers from (id, kind, status and path of every
  record), for the repository-wide key it was made with.

Each file is a JSON header line (format, tool fingerprint, HMAC) and a payload
in Python's `marshal` format: several times faster to read than JSON, which
matters on a warm run that reads nothing else. A payload is decoded only once
its HMAC is verified, so it is always one this user's maintain wrote (marshal
is not meant for data from anyone else), and the format is tied to the Python
version through the tool fingerprint. Writes are atomic but not synced to
disk: a cache lost in a power cut is only rebuilt.

A result is reused only when the bytes hash the same and the tool
fingerprint (our code plus the validating libraries) is unchanged; the stat
signature only saves re-reading a file whose mtime, ctime, size and inode
are all unchanged. A warm run where nothing changed reads the index and
stats the files, nothing more.

The cache is never trusted blindly: every file carries an HMAC made with a
key that lives outside the repository (in the user's cache directory), so a
cache committed to a repository, copied from elsewhere or damaged on disk
fails verification and is rebuilt; so is one whose format or tool
fingerprint does not match, and entries that do not decode are checked again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import importlib.util
import json
import marshal
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maintain_repo.errors import StoreError
from maintain_repo.store.files import write_atomic
from maintain_repo.store.source import NotARegularFile, read

CACHE_ENV = "MAINTAIN_CACHE_DIR"
DEFAULT_DIR = ".maintain-cache"
INDEX = "check-index.bin"
DELTA = "check-index.delta.bin"
FACTS = "check-facts.bin"
DYNAMIC = "check-dynamic-{:02d}.bin"  # one of BUCKETS files, chosen by the path
BUCKETS = 32
LOOKUP = "check-lookup.bin"
POLICIES = "check-policies.bin"
FORMAT = 5
# What earlier formats left in the cache directory (removed when the index is rewritten).
LEGACY = "check-*.json"
# A file modified this recently may change again within the same mtime
# tick; its stat signature is not recorded (git calls this "racy").
RACY_NS = 2_000_000_000
# Up to this many changed entries (or a tenth of all) go to the delta file.
DELTA_MIN = 200

# Far above any real index (10,000 records take a few MB), and still bounded.
MAX_CACHE_BYTES = 512 * 1024 * 1024

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


def cache_key() -> bytes | None:
    """This user's secret for signing caches, created on first use; None when
    there is nowhere private to keep it (then nothing is cached)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "maintain" / "cache-key"
    key = read_cache_file(path)
    if key is not None and len(key) >= 32:
        return key
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A key cut short (a run killed while writing it, before writes were atomic)
        # is replaced; a missing one is created, never over another run's new key.
        write_atomic(path, secrets.token_hex(32), overwrite=key is not None, mode=0o600)
    except (OSError, StoreError):
        pass  # another run created it just now, or there is nowhere to keep it
    key = read_cache_file(path)
    return key if key is not None and len(key) >= 32 else None


def read_cache_file(path: Path) -> bytes | None:
    """The bytes of a cache file; None when it is missing or anything but a regular
    file. Never follows a symbolic link and never blocks (a named pipe planted as the
    index would otherwise hang every run): whatever is odd means "no cache"."""
    try:
        data = read(str(path), max_bytes=MAX_CACHE_BYTES)
    except (NotARegularFile, OSError):
        return None
    return data if len(data) <= MAX_CACHE_BYTES else None


@functools.cache  # the code that runs does not change while it runs
def fingerprint() -> str:
    """Changes whenever our checking code or the libraries it relies on change."""
    digest = hashlib.sha256(f"{FORMAT}:{sys.version_info[:2]}".encode())
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    for rel in _sources(package):
        digest.update(rel.encode())
        with open(os.path.join(package, rel), "rb") as source:
            digest.update(source.read())
    for package_name, file_name in (
        ("pydantic", "version.py"),
        ("pydantic_core", "__init__.py"),
        ("ruamel", "yaml/__init__.py"),
    ):
        spec = importlib.util.find_spec(package_name)
        locations = spec.submodule_search_locations if spec is not None else None
        for location in locations or ():
            with contextlib.suppress(OSError):
                digest.update((Path(location) / file_name).read_bytes())
    clib = importlib.util.find_spec("_ruamel_yaml")  # the C parser; identify it cheaply
    if clib is not None and clib.origin:
        with contextlib.suppress(OSError):
            st = os.stat(clib.origin)
            digest.update(f"{clib.origin}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()


def _sources(package: str) -> list[str]:
    """The package's modules and those of its subpackages (`x.py`, `sub/y.py`), sorted."""
    found = []
    with os.scandir(package) as entries:
        for entry in entries:
            if entry.name.endswith(".py") and entry.is_file():
                found.append(entry.name)
            elif entry.is_dir() and not entry.name.startswith(("_", ".")):
                with os.scandir(entry.path) as inner:
                    found.extend(
                        f"{entry.name}/{module.name}"
                        for module in inner
                        if module.name.endswith(".py") and module.is_file()
                    )
    return sorted(found)


def stat_of(path: str) -> tuple[Stat, int]:
    """The stat signature of `path` itself (a symbolic link is not followed)."""
    st = os.lstat(path)
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino), st.st_mtime_ns


def facts_hash(facts: Any) -> str:
    return hashlib.sha256(json.dumps(facts, separators=(",", ":")).encode()).hexdigest()[:32]


@dataclass(slots=True)
class Entry:
    stat: Stat | None
    sha: str
    facts_hash: str | None
    findings: list[Any]
    settings: dict[str, Any] | None
    dynamic: bool = False  # the dynamic file holds what clock-reading policies need of it


class CheckCache:
    """Results of checking files, keyed by path and verified by content hash."""

    def __init__(
        self, directory: Path | None, tool: str, key: bytes = b"", *, index: bool = True
    ) -> None:
        """`index=False`: only the other files are read (on demand)."""
        self.directory = directory if key else None
        self.tool = tool
        self._key = key
        self.entries: dict[str, Entry] = {}
        self.repo_key = ""
        self.repo_findings: list[Any] = []
        self.repo_extra: dict[str, Any] = {}
        self.discarded = False  # an unusable cache file was found and ignored
        self._facts: dict[str, Any] | None = None
        self._new_facts: dict[str, Any] = {}
        self._facts_dirty = False
        self._shelf: dict[int, dict[str, Any]] = {}  # the dynamic buckets read so far
        self._shelf_dirty: set[int] = set()
        self._lookup: dict[str, Any] | None = None
        self._lookup_dirty = False
        # The index is written in full now and then; in between, only the
        # entries that changed go to a small delta file (a pre-commit run
        # that re-checks one record should not rewrite 10,000 entries).
        self._base = ""  # checksum of the full index the delta applies to
        self._delta: dict[str, Entry | None] = {}
        self._dirty = False
        if self.directory is not None and index:
            self._load_index(self.directory)

    def _load_index(self, directory: Path) -> None:
        loaded = self._read(directory / INDEX)
        if loaded is None:
            return
        payload, self._base, _ = loaded
        try:
            self.entries = {row[0]: _entry(row) for row in payload["files"]}
            self._set_repo(payload["repo"])
            delta = self._read(directory / DELTA)
            if delta is not None and delta[2].get("base") == self._base:
                for row in delta[0]["files"]:
                    rel = row[0]
                    entry = _entry(row) if len(row) > 1 else None
                    self._delta[rel] = entry
                    if entry is None:
                        self.entries.pop(rel, None)
                    else:
                        self.entries[rel] = entry
                self._set_repo(delta[0]["repo"])
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            self.entries, self.repo_key, self.repo_findings, self.repo_extra = {}, "", [], {}
            self._base, self._delta = "", {}
            self._corrupt()

    def _set_repo(self, repo: Any) -> None:
        if not (
            isinstance(repo["key"], str)
            and isinstance(repo["findings"], list)
            and isinstance(repo.get("extra", {}), dict)
        ):
            raise ValueError("bad repository result")
        self.repo_key, self.repo_findings = repo["key"], repo["findings"]
        self.repo_extra = repo.get("extra", {})

    def _read(self, path: Path) -> tuple[Any, str, dict[str, Any]] | None:
        """Payload, checksum and header of a cache file, or None (missing, stale, corrupt)."""
        raw = read_cache_file(path)
        if raw is None:  # missing, or not a file we wrote: no cache (the next save replaces it)
            return None
        try:
            header_line, _, payload = raw.partition(b"\n")
            header = json.loads(header_line)
            if not isinstance(header, dict):
                raise ValueError("no header")
            if header.get("format") != FORMAT or header.get("tool") != self.tool:
                # another version's: stale, not corrupt
                self._dirty = self._facts_dirty = True
                return None
            digest = self._sign(payload)
            if not isinstance(header.get("hmac"), str) or not hmac.compare_digest(
                header["hmac"], digest
            ):
                raise ValueError("signature mismatch")
            return marshal.loads(payload), digest, header  # noqa: S302  # verified above
        except (ValueError, EOFError, TypeError):
            self._corrupt()
            return None

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self._key, payload, hashlib.sha256).hexdigest()

    def _corrupt(self) -> None:
        self.discarded = True
        self._dirty = self._facts_dirty = True

    def _changed(self, rel: str, entry: Entry | None) -> None:
        self._delta[rel] = entry
        self._dirty = True

    # -- per-file results -------------------------------------------------

    def get(self, rel: str, stat: Stat) -> Entry | None:
        """The cached entry when the file's stat signature is unchanged."""
        entry = self.entries.get(rel)
        return entry if entry is not None and entry.stat == stat else None

    def get_by_hash(self, rel: str, sha: str, stat: Stat, mtime_ns: int) -> Entry | None:
        """The cached entry when the bytes are unchanged (refreshes the stat)."""
        entry = self.entries.get(rel)
        if entry is None or entry.sha != sha:
            return None
        new_stat = _trusted_stat(stat, mtime_ns)
        if entry.stat != new_stat:
            entry.stat = new_stat
            self._changed(rel, entry)
        return entry

    def put(
        self,
        rel: str,
        sha: str,
        stat: Stat,
        mtime_ns: int,
        result: dict[str, Any],
        *,
        reusable: bool = True,
    ) -> Entry:
        """Remember a file's result; one that is not `reusable` (it depends on this run,
        not only on the file and the policies) is stored so that no later run matches it."""
        facts = result.get("facts")
        previous = self.entries.get(rel)
        dynamic = result.get("dynamic")
        entry = Entry(
            _trusted_stat(stat, mtime_ns) if reusable else None,
            sha if reusable else "",
            facts_hash(facts) if facts is not None else None,
            result["findings"],
            result.get("settings"),
            dynamic is not None,
        )
        self.entries[rel] = entry
        self._changed(rel, entry)
        if dynamic is not None and reusable:
            self._bucket(rel)[rel] = [sha, dynamic]
            self._shelf_dirty.add(_bucket_of(rel))
        if facts is not None and (previous is None or previous.facts_hash != entry.facts_hash):
            # New facts; unchanged ones are already in the facts file.
            self._new_facts[rel] = [entry.facts_hash, facts]
        return entry

    def forget_missing(self, present: set[str]) -> None:
        for rel in [rel for rel in self.entries if rel not in present]:
            del self.entries[rel]
            self._changed(rel, None)

    # -- record facts and the repository-wide result -------------------------

    def facts(self) -> dict[str, Any]:
        """rel -> [facts hash, facts]; read from disk on first use."""
        if self._facts is None:
            loaded = self._read(self.directory / FACTS) if self.directory is not None else None
            self._facts = loaded[0] if loaded is not None and isinstance(loaded[0], dict) else {}
        if self._new_facts:
            self._facts.update(self._new_facts)
            self._new_facts = {}
            self._facts_dirty = True
        return self._facts

    def facts_of(self, rel: str, expected_hash: str) -> Any:
        """The cached facts of `rel`, if they are the ones the index vouches for."""
        stored = self.facts().get(rel)
        if isinstance(stored, list) and len(stored) == 2 and stored[0] == expected_hash:
            return stored[1]
        return None

    def _bucket(self, rel: str) -> dict[str, Any]:
        """The dynamic bucket holding `rel`, read on first use (an unusable one is empty,
        and rewritten)."""
        index = _bucket_of(rel)
        if index not in self._shelf:
            path = self.directory / DYNAMIC.format(index) if self.directory is not None else None
            loaded = self._read(path) if path is not None else None
            payload = loaded[0] if loaded is not None else None
            if isinstance(payload, dict):
                self._shelf[index] = payload
            else:
                self._shelf[index] = {}
                if path is not None and path.exists():
                    self._shelf_dirty.add(index)
        return self._shelf[index]

    def dynamic_of(self, rel: str, sha: str) -> Any:
        """What dynamic policies need of `rel`, if stored for these very bytes."""
        stored = self._bucket(rel).get(rel)
        if isinstance(stored, list) and len(stored) == 2 and stored[0] == sha:
            return stored[1]
        return None

    def remember(self, rel: str, sha: str, memo: Any) -> None:
        """Keep the verdict of the policies that read only other records (`memo`) with
        what dynamic policies need of `rel` (when that is stored for these bytes)."""
        stored = self._bucket(rel).get(rel)
        if (
            isinstance(stored, list)
            and len(stored) == 2
            and stored[0] == sha
            and isinstance(stored[1], dict)
            and stored[1].get("memo") != memo
        ):
            stored[1]["memo"] = memo
            self._shelf_dirty.add(_bucket_of(rel))

    def lookup_rows(self, key: str) -> list[Any] | None:
        """What `lookup()` answers from, stored for the repository-wide key `key`."""
        stored = self.stored_lookup()
        return stored[1] if stored is not None and stored[0] == key else None

    def stored_lookup(self) -> tuple[str, list[Any]] | None:
        """The stored `lookup()` rows and the repository-wide key they were made for."""
        if self._lookup is None:
            loaded = self._read(self.directory / LOOKUP) if self.directory is not None else None
            payload = loaded[0] if loaded is not None else None
            self._lookup = payload if isinstance(payload, dict) else {}
        key, rows = self._lookup.get("key"), self._lookup.get("rows")
        if not isinstance(key, str) or not isinstance(rows, list):
            return None
        if not all(type(row) is list and len(row) == 4 for row in rows):
            return None
        return key, rows

    def stored_policies(self) -> bytes | None:
        """The policies as validated for the documents of this tool key (pickled)."""
        loaded = self._read(self.directory / POLICIES) if self.directory is not None else None
        return loaded[0] if loaded is not None and isinstance(loaded[0], bytes) else None

    def keep_policies(self, blob: bytes) -> None:
        """Store the validated policies now (they are written once per set of documents)."""
        if self.directory is None:
            return
        with contextlib.suppress(OSError, StoreError):
            self.directory.mkdir(parents=True, exist_ok=True)
            _mark_cache_dir(self.directory)
            self._write(self.directory / POLICIES, blob)

    def set_lookup(self, key: str, rows: list[Any]) -> None:
        self._lookup = {"key": key, "rows": rows}
        self._lookup_dirty = True

    def set_repo(self, key: str, findings: list[Any], extra: dict[str, Any]) -> None:
        self.repo_key, self.repo_findings, self.repo_extra = key, findings, extra
        self._dirty = True

    def save(self, present: set[str]) -> None:
        """Write what changed, atomically; failures only cost speed, never correctness."""
        if self.directory is None:
            return
        with contextlib.suppress(OSError, StoreError):
            self.directory.mkdir(parents=True, exist_ok=True)
            _mark_cache_dir(self.directory)
            if self._new_facts:
                self.facts()  # merge new facts into what is on disk
            if self._facts is not None:
                facts = {rel: v for rel, v in self._facts.items() if rel in present}
                if self._facts_dirty or len(facts) != len(self._facts):
                    self._write(self.directory / FACTS, facts)
                    self._facts, self._facts_dirty = facts, False
            for index, bucket in self._shelf.items():
                kept = {
                    rel: value
                    for rel, value in bucket.items()
                    if (entry := self.entries.get(rel)) is not None and entry.dynamic
                }
                if index in self._shelf_dirty or len(kept) != len(bucket):
                    self._write(self.directory / DYNAMIC.format(index), kept)
                    self._shelf[index] = kept
            self._shelf_dirty.clear()
            if self._lookup_dirty and self._lookup is not None:
                self._write(self.directory / LOOKUP, self._lookup)
                self._lookup_dirty = False
            if self._dirty:
                self._save_index(self.directory)
                self._dirty = False

    def _save_index(self, directory: Path) -> None:
        repo = {"key": self.repo_key, "findings": self.repo_findings, "extra": self.repo_extra}
        if self._base and len(self._delta) <= max(DELTA_MIN, len(self.entries) // 10):
            files = [_row(rel, e) if e is not None else (rel,) for rel, e in self._delta.items()]
            self._write(directory / DELTA, {"files": files, "repo": repo}, base=self._base)
            return
        files = [_row(rel, e) for rel, e in self.entries.items()]
        self._base = self._write(directory / INDEX, {"files": files, "repo": repo})
        self._delta = {}
        for old in [directory / DELTA, *directory.glob(LEGACY)]:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()

    def _write(self, path: Path, payload: Any, *, base: str = "") -> str:
        body = marshal.dumps(payload)
        digest = self._sign(body)
        header = {"format": FORMAT, "tool": self.tool, "hmac": digest}
        if base:
            header["base"] = base
        write_atomic(
            path, json.dumps(header).encode() + b"\n" + body, overwrite=True, durable=False
        )
        return digest


def _bucket_of(rel: str) -> int:
    """Which dynamic file holds `rel` (stable across runs and Python processes)."""
    return int.from_bytes(hashlib.blake2b(rel.encode(), digest_size=2).digest()) % BUCKETS


def _row(rel: str, entry: Entry) -> tuple[Any, ...]:
    return (
        rel,
        entry.stat,
        entry.sha,
        entry.facts_hash,
        entry.findings,
        entry.settings,
        entry.dynamic,
    )


def _trusted_stat(stat: Stat, mtime_ns: int) -> Stat | None:
    return None if mtime_ns > time.time_ns() - RACY_NS else stat


def _entry(row: Any) -> Entry:
    """An entry of the index, as written by `_row` (run for every file of every warm
    run). The file's HMAC vouches that this code wrote it; a value of an unexpected
    type can only fail to match (a stat signature or a hash compares unequal, and the
    file is checked again) or fail to decode where it is used (and is recomputed), so
    only the shape of the row and the settings, read as they are, are checked here."""
    _, stat, sha, fhash, findings, settings, dynamic = row
    if settings is not None and not _settings_shape(settings):
        raise ValueError("bad settings")
    return Entry(stat, sha, fhash, findings, settings, dynamic is True)


def _settings_shape(settings: Any) -> bool:
    """`{"rules": {id: {"enabled": bool, "severity": error|warning|note|None}}}`."""
    if not isinstance(settings, dict) or not isinstance(settings.get("map", {}), dict):
        return False
    rules = settings.get("rules")
    return isinstance(rules, dict) and all(
        isinstance(name, str)
        and isinstance(rule, dict)
        and isinstance(rule.get("enabled"), bool)
        and rule.get("severity") in (None, "error", "warning", "note")
        for name, rule in rules.items()
    )


def _mark_cache_dir(directory: Path) -> None:
    """Keep the cache out of git and out of backups, as pytest and ruff do."""
    for name, text in (
        (".gitignore", "# Created by maintain automatically.\n*\n"),
        (
            "CACHEDIR.TAG",
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by maintain.\n",
        ),
    ):
        if not (directory / name).exists():
            with contextlib.suppress(StoreError):  # another run wrote it just now
                write_atomic(directory / name, text, overwrite=False, durable=False)
