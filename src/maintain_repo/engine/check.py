"""`maintain check`: files -> per-file results -> repo rules -> report.

The per-file stage runs only for files the cache does not vouch for, in
parallel processes when there are many. The repository-wide rules always
run, on the facts of every record, so a check limited to a few paths (as
pre-commit passes them) still sees broken links to and from the rest.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maintain_repo.engine.speculate import Computed, Speculation, checkable, fork_safe
from maintain_repo.model.facts import RecordFacts
from maintain_repo.model.findings import Finding, Report, Severity, Summary
from maintain_repo.rules.references import check_repo, involving
from maintain_repo.store.cache import CheckCache, Entry, cache_dir, fingerprint, stat_of
from maintain_repo.store.repo import SETTINGS, Selection, policy_files, record_files, select
from maintain_repo.store.source import NotARegularFile, read

# Below this many files to check, worker start-up costs more than it saves.
PARALLEL_THRESHOLD = 200


@dataclass(frozen=True, slots=True)
class CheckOptions:
    root: Path
    paths: Sequence[Path] = ()
    use_cache: bool = True
    jobs: int | None = None  # None: one per CPU
    # Files of the selection being checked ahead (see engine.speculate).
    ahead: Speculation | None = None


@dataclass(frozen=True, slots=True)
class CheckRun:
    report: Report
    cache_discarded: bool


def check(options: CheckOptions) -> CheckRun:
    """Check the ops repository at `options.root` (or the given paths in it)."""
    root = options.root
    selection = select(root, options.paths) if options.paths else None
    base = str(root)
    ahead = options.ahead or Speculation(base, checkable(selection))
    records = record_files(root)
    every = records + policy_files(root)
    present = set(every)
    directory = cache_dir(root, enabled=options.use_cache)
    run = _Run(base, CheckCache(directory, fingerprint() if directory else ""))
    run.load(every, options.jobs, ahead)
    run.cache.forget_missing(present)

    chosen = [rel for rel in every if selection is None or rel in selection]
    findings = [finding for rel in chosen for finding in run.findings(rel)]
    repo_findings = run.repo_findings(records)
    run.cache.save(present)
    if selection is not None:
        repo_findings = involving(repo_findings, set(chosen))
    findings.extend(_locate(root, repo_findings))
    settings = run.entries[SETTINGS].settings if SETTINGS in run.entries else None
    findings = _apply_settings(findings, (settings or {}).get("rules", {}))
    findings.sort(key=Finding.sort_key)
    record_set = set(records)
    record_count = sum(1 for rel in chosen if rel in record_set)
    summary = Summary.of(findings, files=len(chosen), records=record_count)
    return CheckRun(Report(tuple(findings), summary, str(root)), run.cache.discarded)


class _Run:
    """One check: the cache entry of every file, and the results made fresh."""

    def __init__(self, base: str, cache: CheckCache) -> None:
        self.base = base
        self.cache = cache
        self.entries: dict[str, Entry] = {}
        self.fresh: dict[str, dict[str, Any]] = {}

    def load(self, rels: list[str], jobs: int | None, ahead: Speculation) -> None:
        """Take each file's entry from the cache, or check the file."""
        pending: list[str] = []
        for rel in rels:
            path = os.path.join(self.base, rel)
            stat, mtime_ns = stat_of(path)
            entry = self.cache.get(rel, stat)
            if entry is None and rel in self.cache.entries:
                entry = self.cache.get_by_hash(rel, _sha(_read(self.base, rel)), stat, mtime_ns)
            if entry is not None:
                self.entries[rel] = entry
            else:
                pending.append(rel)
        done = ahead.results()
        still = []
        for rel in pending:
            computed = done.get(rel)
            # Use the child's result only for the very bytes it read.
            if computed is not None and computed[1] == _sha(_read(self.base, rel)):
                self._store(computed)
            else:
                still.append(rel)
        for computed in _compute(self.base, still, jobs):
            self._store(computed)

    def _store(self, computed: Computed) -> dict[str, Any]:
        rel, sha, stat, mtime_ns, result = computed
        self.fresh[rel] = result
        self.entries[rel] = self.cache.put(rel, sha, stat, mtime_ns, result)
        return result

    def _recheck(self, rel: str) -> dict[str, Any]:
        """The cache held something that is not our output: never trust it."""
        self.cache.discarded = True
        return self._store(_check_one(self.base, rel))

    def findings(self, rel: str) -> list[Finding]:
        try:
            return [Finding.from_json(f) for f in self.entries[rel].findings]
        except (ValueError, KeyError, TypeError):
            return [Finding.from_json(f) for f in self._recheck(rel)["findings"]]

    def repo_findings(self, records: list[str]) -> list[Finding]:
        """Findings of the repository-wide rules; reused while no record's facts change."""
        if self._repo_key(records) == self.cache.repo_key:
            try:
                return [Finding.from_json(f) for f in self.cache.repo_findings]
            except (ValueError, KeyError, TypeError):
                self.cache.discarded = True
        facts = [fact for rel in records if (fact := self._facts(rel)) is not None]
        findings = check_repo(facts)
        self.cache.set_repo(self._repo_key(records), [f.to_json() for f in findings])
        return findings

    def _repo_key(self, records: list[str]) -> str:
        digest = hashlib.sha256()
        for rel in records:
            digest.update(f"{rel}\0{self.entries[rel].facts_hash}\n".encode())
        return digest.hexdigest()

    def _facts(self, rel: str) -> RecordFacts | None:
        entry = self.entries[rel]
        if rel in self.fresh:
            raw = self.fresh[rel]["facts"]
        elif entry.facts_hash is None:
            return None
        else:
            raw = self.cache.facts_of(rel, entry.facts_hash)
            if raw is None:  # the facts file lost them (or was damaged): check again
                raw = self._recheck(rel)["facts"]
        if raw is None:
            return None
        try:
            return RecordFacts.from_json(rel, raw)
        except (ValueError, KeyError, TypeError):
            raw = self._recheck(rel)["facts"]
            return RecordFacts.from_json(rel, raw) if raw is not None else None


def _compute(base: str, rels: list[str], jobs: int | None) -> list[Computed]:
    if not rels:
        return []
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from maintain_repo.engine import files  # noqa: F401  # models load once, before forking

    workers = min(jobs or os.cpu_count() or 1, len(rels))
    if workers < 2 or len(rels) < PARALLEL_THRESHOLD:
        return [_check_one(base, rel) for rel in rels]
    chunk = max(1, math.ceil(len(rels) / (workers * 4)))
    context = multiprocessing.get_context("fork" if fork_safe() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_check_one, [base] * len(rels), rels, chunksize=chunk))


def _check_one(base: str, rel: str) -> Computed:
    from maintain_repo.engine.files import check_path

    return check_path(base, rel)


def _read(base: str, rel: str) -> bytes:
    try:
        return read(os.path.join(base, rel))
    except NotARegularFile as e:
        return f"not-a-file:{e}".encode()  # never equal to a real file's hash input


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _locate(root: Path, findings: list[Finding]) -> list[Finding]:
    """Line and column for repository-wide findings, reading each file once."""
    if all(f.line is not None or f.pointer is None for f in findings):
        return findings
    from maintain_repo.store.problems import YamlError
    from maintain_repo.store.source import decode
    from maintain_repo.store.yaml import parse

    located: list[Finding] = []
    documents: dict[str, Any] = {}
    for finding in findings:
        if finding.line is not None or finding.pointer is None:
            located.append(finding)
            continue
        if finding.path not in documents:
            try:
                text = decode(read(str(root / finding.path)))
                documents[finding.path] = (
                    parse(text, positions=True) if isinstance(text, str) else None
                )
            except (YamlError, NotARegularFile, OSError):
                documents[finding.path] = None
        document = documents[finding.path]
        line, column = document.locate(finding.pointer) if document is not None else (1, 1)
        located.append(finding.located(line, column))
    return located


def _apply_settings(findings: list[Finding], rules: dict[str, Any]) -> list[Finding]:
    """Drop findings of disabled rules; re-level those Settings re-level."""
    if not rules:
        return findings
    out: list[Finding] = []
    for finding in findings:
        setting = rules.get(finding.rule)
        if setting is None:
            out.append(finding)
        elif setting.get("enabled", True):
            severity = setting.get("severity")
            out.append(_relevel(finding, Severity(severity)) if severity else finding)
    return out


def _relevel(finding: Finding, severity: Severity) -> Finding:
    return Finding(
        finding.rule,
        severity,
        finding.message,
        finding.path,
        finding.line,
        finding.column,
        finding.record,
        finding.pointer,
        finding.related,
    )


__all__ = ["CheckOptions", "CheckRun", "Selection", "check"]
