"""Orchestration of `maintain check`: files -> per-file results -> repo rules -> report.

The per-file stage runs only for files the cache does not vouch for, in
parallel processes when there are many. The repository-wide rules always
run, on the facts of every record, so a check limited to a few paths (as
pre-commit passes them) still sees broken links to and from the rest.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maintain_repo.model.facts import RecordFacts
from maintain_repo.model.findings import Finding, Report, Severity, Summary
from maintain_repo.rules.references import check_repo, involving
from maintain_repo.store.cache import CheckCache, cache_dir, fingerprint, stat_of
from maintain_repo.store.repo import SETTINGS, Selection, policy_files, record_files, select

# Below this many files to check, worker start-up costs more than it saves.
PARALLEL_THRESHOLD = 200


@dataclass(frozen=True, slots=True)
class CheckOptions:
    root: Path
    paths: Sequence[Path] = ()
    use_cache: bool = True
    jobs: int | None = None  # None: one per CPU


@dataclass(frozen=True, slots=True)
class CheckRun:
    report: Report
    cache_discarded: bool


def check(options: CheckOptions) -> CheckRun:
    """Check the ops repository at `options.root` (or the given paths in it)."""
    root = options.root
    selection = select(root, options.paths) if options.paths else None
    records = record_files(root)
    policies = policy_files(root)
    every = records + policies
    directory = cache_dir(root, enabled=options.use_cache)
    cache = CheckCache(directory, fingerprint() if directory is not None else "")
    results = _results(root, every, cache, options.jobs)
    cache.forget_missing(set(every))
    cache.save()

    chosen = [rel for rel in every if selection is None or rel in selection]
    findings = [f for rel in chosen for f in results[rel].findings]
    facts = [fact for rel in records if (fact := results[rel].facts) is not None]
    repo_findings = check_repo(facts)
    if selection is not None:
        repo_findings = involving(repo_findings, set(chosen))
    findings.extend(_locate(root, repo_findings))
    settings = results[SETTINGS].settings if SETTINGS in results else {}
    findings = _apply_settings(findings, settings.get("rules", {}))
    findings.sort(key=Finding.sort_key)
    record_set = set(records)
    record_count = sum(1 for rel in chosen if rel in record_set)
    summary = Summary.of(findings, files=len(chosen), records=record_count)
    return CheckRun(Report(tuple(findings), summary, str(root)), cache.discarded)


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """The per-file result, decoded: findings, record facts, settings extras."""

    findings: list[Finding]
    facts: RecordFacts | None
    settings: dict[str, Any]

    @classmethod
    def decode(cls, result: dict[str, Any]) -> FileOutcome:
        """Raises ValueError/KeyError/TypeError on anything but our own output."""
        findings = [Finding.from_json(f) for f in result["findings"]]
        facts = RecordFacts.from_json(result["facts"]) if result["facts"] is not None else None
        settings = result.get("settings") or {}
        if not isinstance(settings, dict):
            raise ValueError("malformed settings")
        return cls(findings, facts, settings)


def _results(
    root: Path, rels: list[str], cache: CheckCache, jobs: int | None
) -> dict[str, FileOutcome]:
    results: dict[str, FileOutcome] = {}
    pending: list[str] = []
    for rel in rels:
        path = root / rel
        stat, mtime_ns = stat_of(path)
        hit = cache.get(rel, stat)
        if hit is None and cache.directory is not None and rel in cache.entries:
            hit = cache.get_by_hash(rel, _sha(path.read_bytes()), stat, mtime_ns)
        outcome = _decoded(hit, cache) if hit is not None else None
        if outcome is not None:
            results[rel] = outcome
        else:
            pending.append(rel)
    for rel, sha, stat, mtime_ns, result in _compute(root, pending, jobs):
        results[rel] = FileOutcome.decode(result)
        if cache.directory is not None:
            cache.put(rel, sha, stat, mtime_ns, result)
    return results


def _decoded(result: dict[str, Any], cache: CheckCache) -> FileOutcome | None:
    try:
        return FileOutcome.decode(result)
    except (ValueError, KeyError, TypeError, IndexError):
        cache.discarded = True  # not our output: never trust, recompute
        return None


Computed = tuple[str, str, tuple[int, int, int, int], int, dict[str, Any]]


def _compute(root: Path, rels: list[str], jobs: int | None) -> Iterable[Computed]:
    if not rels:
        return []
    from maintain_repo.engine import files  # noqa: F401  # models load once, before forking

    workers = min(jobs or os.cpu_count() or 1, len(rels))
    if workers < 2 or len(rels) < PARALLEL_THRESHOLD:
        return [_check_one(str(root), rel) for rel in rels]
    chunk = max(1, math.ceil(len(rels) / (workers * 4)))
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_check_one, [str(root)] * len(rels), rels, chunksize=chunk))


def _check_one(root: str, rel: str) -> Computed:
    from maintain_repo.engine.files import check_bytes

    path = Path(root) / rel
    stat, mtime_ns = stat_of(path)
    data = path.read_bytes()
    return rel, _sha(data), stat, mtime_ns, check_bytes(rel, data)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _locate(root: Path, findings: list[Finding]) -> list[Finding]:
    """Line and column for repository-wide findings, reading each file once."""
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
            text = decode((root / finding.path).read_bytes())
            try:
                documents[finding.path] = (
                    parse(text, positions=True) if isinstance(text, str) else None
                )
            except YamlError:
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
