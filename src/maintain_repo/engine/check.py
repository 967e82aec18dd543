"""`maintain check`: files -> per-file results -> repo rules -> report.

The per-file stage runs only for files the cache does not vouch for, in
parallel processes when there are many. The repository-wide rules always
run, on the facts of every record, so a check limited to a few paths (as
pre-commit passes them) still sees broken links to and from the rest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from maintain_repo.engine.context import may_mention, policies_for, policy_key, use_documents
from maintain_repo.engine.future import future_in, latest_of, stated_ahead
from maintain_repo.engine.present import apply_settings, locate, workspace_of
from maintain_repo.engine.speculate import Computed, Speculation, begin
from maintain_repo.model.facts import RecordFacts
from maintain_repo.model.findings import Finding, Report, Severity, Summary
from maintain_repo.policy.conflicts import conflicts
from maintain_repo.policy.waivers import apply_waivers, from_facts, relevant, waiver_lengths
from maintain_repo.rules.catalog import RULES
from maintain_repo.rules.references import check_repo, involving
from maintain_repo.sandbox.machine import PARALLEL_THRESHOLD, cpus
from maintain_repo.store.cache import (
    CheckCache,
    Entry,
    cache_dir,
    cache_key,
    fingerprint,
    stat_of,
)
from maintain_repo.store.repo import SETTINGS, Selection, policy_files, record_files
from maintain_repo.store.source import NotARegularFile, read, unreadable

if TYPE_CHECKING:
    from maintain_repo.git.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class CheckOptions:
    root: Path
    paths: Sequence[Path] = ()
    use_cache: bool = True
    jobs: int | None = None  # None: one per CPU
    # From `speculate.begin`, when the caller started checking the named files
    # ahead (see engine.speculate); otherwise `check` does it.
    selection: Selection | None = None
    ahead: Speculation | None = None
    # Compare with this git ref (a pull request's base): the git-aware rules.
    base: str | None = None
    # The time waivers are judged at (default: now).
    now: datetime | None = None
    # With `base`, enforce the working tree's policies instead of the base's.
    policies_from_worktree: bool = False
    # `--online`: findings from comparing records with GitHub (engine.online).
    online: Callable[[], list[Finding]] | None = None
    # A bar on stderr while many files are checked (when it is a terminal).
    progress: bool = False


@dataclass(frozen=True, slots=True)
class CheckRun:
    report: Report
    cache_discarded: bool


def check(options: CheckOptions) -> CheckRun:
    """Check the ops repository at `options.root` (or the given paths in it)."""
    root = options.root
    now = options.now or datetime.now(UTC)
    selection, ahead = (
        (options.selection, options.ahead)
        if options.ahead is not None
        else begin(root, options.paths, now, cached=options.use_cache)
    )
    base = str(root)
    snapshot = _snapshot(root, options.base)
    documents = _policy_documents(root, snapshot, options.policies_from_worktree)
    if snapshot is not None and not options.policies_from_worktree:
        # A pull request cannot weaken the policies that judge it: the base's apply.
        ahead.results()  # the child judged by the working tree's policies: not used
        ahead = Speculation(base, [])
    records, every, unnamed = _files(root)
    directory = cache_dir(root, enabled=options.use_cache)
    key = cache_key() if directory is not None else None
    policies = policy_key(documents)
    tool = f"{fingerprint()}:{policies}" if key else ""
    has_sla = may_mention(documents, b"SLAPolicy")
    run = _Run(base, CheckCache(directory, tool, key or b""), has_sla)
    use_documents(base, documents, run.cache)
    run.load(every, options.jobs, ahead, documents, policies, progress=options.progress)
    # Files that vanished while we looked (a branch switch mid-run) are not there.
    records = [rel for rel in records if rel in run.entries]
    every = [rel for rel in every if rel in run.entries]
    present = set(every)
    run.cache.forget_missing(present)

    record_set = set(records)
    chosen = every if selection is None else selection.pick(every)
    chosen_set = set(chosen)
    findings = [finding for rel in chosen for finding in run.findings(rel)]
    findings.extend(_unnamed(rel) for rel in unnamed if selection is None or rel in selection)
    policy_paths = [rel for rel in every if rel not in record_set]
    repo_findings, covers = run.repo_findings(records, policy_paths)
    if snapshot is not None:
        from maintain_repo.engine.base import base_findings

        repo_findings.extend(base_findings(root, snapshot, set(records), run.facts))
    findings.extend(repo_findings)
    # With paths (pre-commit), only the findings about them are reported: the dynamic
    # policies are evaluated on those records alone (all of them when a policy changed).
    judged = (
        records
        if selection is None or any(rel in chosen_set for rel in policy_paths)
        else selection.pick(records)
    )
    findings.extend(_dynamic(root, base, documents, records, judged, run, now, ahead))
    run.cache.save(present)
    if stated_ahead(run.latest, now):  # a record may state a time after now: judge those
        findings.extend(future_in(base, (f for rel in records if (f := run.facts(rel))), now))
    if options.online is not None:
        findings.extend(locate(root, options.online()))
    # Settings first: a disabled rule's findings are not there to be waived.
    enforce_base = snapshot is not None and not options.policies_from_worktree
    rules = _rule_settings(run, base, enforce_base=enforce_base)
    findings = apply_settings(findings, rules)
    # Waivers depend on the time of the run, so they are applied to every
    # finding afresh (never cached).
    waivers, security = from_facts(covers)
    applied = apply_waivers(findings, waivers, security, now)
    findings = apply_settings(applied.findings, rules)  # and the waivers' own findings
    if selection is not None:
        findings = involving(findings, chosen_set)
    findings = locate(root, findings)
    findings.sort(key=Finding.sort_key)
    record_count = sum(1 for rel in chosen if rel in record_set)
    kept = [(f, w) for f, w in applied.waived if selection is None or f.path in chosen_set]
    located = locate(root, [f for f, _ in kept])
    waived = [(finding, waiver) for finding, (_, waiver) in zip(located, kept, strict=True)]
    summary = Summary.of(findings, files=len(chosen), records=record_count, waived=len(waived))
    workspace = workspace_of(root)
    prefix = root.relative_to(workspace).as_posix() + "/" if workspace != root else ""
    report = Report(tuple(findings), summary, str(root), prefix, str(workspace), tuple(waived))
    return CheckRun(report, run.cache.discarded)


def _dynamic(
    root: Path,
    base: str,
    documents: Sequence[tuple[str, bytes]],
    records: list[str],
    judged: list[str],
    run: _Run,
    now: datetime,
    ahead: Speculation,
) -> list[Finding]:
    """Findings of policies that read the clock or other records (`engine.dynamic`): as
    the speculation child judged the records, when it judged these at this `now` with the
    repository's `lookup()` answers; else here."""
    from maintain_repo.engine.context import may_be_dynamic

    if not may_be_dynamic(documents):  # a cheap test: a warm run imports nothing for it
        return []
    verdict = (
        ahead.verdict(judged, lambda rel: run.entries[rel].sha, lambda: run.repo_key(records, []))
        if ahead.now == now
        else None
    )
    if verdict is not None:
        try:
            found = [Finding.from_json(f) for f in verdict[0]]
        except (ValueError, KeyError, TypeError):
            found = None
        if found is not None:
            for rel, memo in verdict[1].items():
                run.cache.remember(rel, run.entries[rel].sha, memo)
            return found
    from maintain_repo.engine.dynamic import judge_records

    return judge_records(root, base, documents, records, judged, run, now)


def _rule_settings(run: _Run, base: str, *, enforce_base: bool) -> dict[str, Any]:
    """Which built-in rules are off or re-levelled: per the enforced Settings (with
    --base, the base's: a pull request cannot switch off the rules that judge it)."""
    if enforce_base:
        return {
            name: {"enabled": rule.enabled, "severity": rule.severity}
            for name, rule in policies_for(base).settings.rules.items()
        }
    settings = run.entries[SETTINGS].settings if SETTINGS in run.entries else None
    rules: dict[str, Any] = (settings or {}).get("rules", {})
    return rules


def _snapshot(root: Path, ref: str | None) -> Snapshot | None:
    if ref is None:
        return None
    from maintain_repo.git.snapshot import snapshot

    return snapshot(root, ref)


def _policy_documents(
    root: Path, snapshot: Snapshot | None, from_worktree: bool
) -> list[tuple[str, bytes]]:
    """The policy documents in effect, as (path, bytes): the base's with --base."""
    if snapshot is not None and not from_worktree:
        return [(rel, snapshot.read(rel)) for rel in sorted(snapshot.policies)]
    return [(rel, _read(str(root), rel)) for rel in policy_files(root)]


class _Run:
    """One check: the cache entry of every file, and the results made fresh."""

    def __init__(self, base: str, cache: CheckCache, has_sla: bool = True) -> None:
        self.base = base
        self.cache = cache
        # Whether waiver lengths can be limited at all (no SLA policy: no limit, and
        # the policies need not be parsed).
        self.has_sla = has_sla
        self.entries: dict[str, Entry] = {}
        self.fresh: dict[str, dict[str, Any]] = {}
        self.latest: str | None = None  # the latest time any record states (ISO text)
        # The records' part of `repo_key` (for the list it was made for), until one changes.
        self._records_digest: tuple[list[str], Any] | None = None
        # The cache's repository-wide results, decoded (False: undecodable).
        self._repo_decoded: (
            tuple[list[Finding], list[RecordFacts], dict[str, str]] | Literal[False] | None
        ) = None

    def load(
        self,
        rels: list[str],
        jobs: int | None,
        ahead: Speculation,
        documents: Sequence[tuple[str, bytes]],
        policies: str,
        *,
        progress: bool = False,
    ) -> None:
        """Take each file's entry from the cache, or check the file (by the `documents`,
        whose key is `policies`)."""
        pending: list[str] = []
        for rel in rels:
            path = os.path.join(self.base, rel)
            try:
                stat, mtime_ns = stat_of(path)
            except FileNotFoundError:
                continue
            except OSError as e:  # a folder that can be listed but not entered
                raise unreadable(rel, e) from None
            entry = self.cache.get(rel, stat)
            if entry is None and rel in self.cache.entries:
                entry = self.cache.get_by_hash(rel, _sha(_read(self.base, rel)), stat, mtime_ns)
            if entry is not None:
                self.entries[rel] = entry
            else:
                pending.append(rel)
        if ahead.pending():  # the child is still checking: decode what its results do not change
            self._decoded_repo()
        done = ahead.results()
        if ahead.policies() != policies:  # checked by others (a policy changed meanwhile)
            ahead.discard()
            done = {}
        still = []
        for rel in pending:
            computed = done.get(rel)
            # Use the child's result only for the very bytes it read.
            if computed is not None and computed[1] == _sha(_read(self.base, rel)):
                self._store(computed)
            else:
                still.append(rel)
        from maintain_repo.report.progress import progress as bar

        with bar(len(still), "checking", enabled=progress) as advance:
            for computed in _compute(self.base, still, jobs, documents, advance):
                if computed is not None:
                    self._store(computed)

    def _store(self, computed: Computed) -> dict[str, Any]:
        rel, sha, stat, mtime_ns, result = computed
        self._records_digest = None
        self.fresh[rel] = result
        reusable = not result.pop("volatile", False)
        self.entries[rel] = self.cache.put(rel, sha, stat, mtime_ns, result, reusable=reusable)
        return result

    def _recheck(self, rel: str) -> dict[str, Any]:
        """The cache held something that is not our output: never trust it."""
        self.cache.discarded = True
        computed = _check_one(self.base, rel)
        if computed is None:  # gone meanwhile: report nothing about it
            return {"findings": [], "facts": None}
        return self._store(computed)

    def findings(self, rel: str) -> list[Finding]:
        try:
            return [Finding.from_json(f) for f in self.entries[rel].findings]
        except (ValueError, KeyError, TypeError):
            return [Finding.from_json(f) for f in self._recheck(rel)["findings"]]

    def repo_findings(
        self, records: list[str], documents: list[str]
    ) -> tuple[list[Finding], list[RecordFacts]]:
        """Findings of the repository-wide rules (over records and over the policy
        `documents`), and the facts of waivers and security findings (for applying
        waivers at this run's now); reused while no record's facts and no policy
        document change."""
        key = self.repo_key(records, documents)
        if key == self.cache.repo_key:
            decoded = self._decoded_repo()
            if decoded is not None:
                findings, covers, placed = decoded
                self.latest = self.cache.repo_extra.get("latest")
                return [self._still_placed(f, placed) for f in findings], covers
            self.cache.discarded = True
        facts = [fact for rel in records if (fact := self._facts(rel)) is not None]
        findings = check_repo(facts)
        from maintain_repo.store.yaml import read_mapping  # not needed on a memo hit

        parsed = [
            (rel, _document(read_mapping(os.path.join(self.base, rel), shown=rel)))
            for rel in documents
        ]
        findings.extend(conflicts(parsed, RULES))
        covers = relevant(facts)
        if any(fact.kind == "waiver" for fact in covers) and self.has_sla:
            policies = policies_for(self.base)
            findings.extend(waiver_lengths(covers, policies.sla, policies.calendar))
        self.latest = latest_of(facts)
        # Placed now, while they are new: a warm run reuses them without reading any file
        # (the repository key follows facts, not bytes: a file edited without changing
        # its facts, a comment added, has its findings placed again).
        findings = locate(Path(self.base), findings)
        placed = {f.path: self.entries[f.path].sha for f in findings if f.path in self.entries}
        self.cache.set_repo(
            key,
            [f.to_json() for f in findings],
            {
                "covers": {f.path: f.to_json() for f in covers},
                "latest": self.latest,
                "placed": placed,
            },
        )
        return findings, covers

    def _decoded_repo(
        self,
    ) -> tuple[list[Finding], list[RecordFacts], dict[str, str]] | None:
        """The cached repository-wide findings, the facts of waivers and security findings,
        and where the findings were placed, decoded once (None: the cache holds something
        that is not our output). Decoded while the speculation child works, whether or not
        the repository key then still matches."""
        if self._repo_decoded is None:
            try:
                extra = self.cache.repo_extra
                covers = extra.get("covers", {})
                self._repo_decoded = (
                    [Finding.from_json(f) for f in self.cache.repo_findings],
                    [RecordFacts.from_json(rel, raw) for rel, raw in covers.items()],
                    dict(extra.get("placed", {})),
                )
            except (ValueError, KeyError, TypeError, AttributeError):
                self._repo_decoded = False
        return self._repo_decoded or None

    def _still_placed(self, finding: Finding, placed: dict[str, str]) -> Finding:
        """The finding as cached, or without its position when its file's bytes are not
        the ones it was placed in (the final `locate` places it again)."""
        if finding.pointer is None or finding.line is None:
            return finding
        entry = self.entries.get(finding.path)
        if entry is not None and entry.sha and placed.get(finding.path) == entry.sha:
            return finding
        return dataclasses.replace(finding, line=None, column=None)

    def repo_key(self, records: list[str], documents: list[str]) -> str:
        """Identifies the facts of all `records` and the bytes of the `documents`."""
        known = self._records_digest
        if known is None or known[0] is not records:  # the records' part is made once
            entries = self.entries
            text = "".join([f"{rel}\0{entries[rel].facts_hash}\n" for rel in records])
            known = self._records_digest = (records, hashlib.sha256(text.encode()))
        digest = known[1].copy()
        for rel in documents:
            digest.update(f"{rel}\0{self.entries[rel].sha}\n".encode())
        return digest.hexdigest()

    def facts(self, rel: str) -> RecordFacts | None:
        """The record facts of `rel` (decoded from the cache or just computed)."""
        return self._facts(rel) if rel in self.entries else None

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


def _document(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A policy document for the rules across documents, or None when its `kind` is not
    text (`kind: [RecordPolicy]`: its own schema finding says so; comparing it with
    other documents' kinds would only be a crash)."""
    return data if data is not None and isinstance(data.get("kind"), str) else None


def _compute(
    base: str,
    rels: list[str],
    jobs: int | None,
    documents: Sequence[tuple[str, bytes]],
    advance: Callable[[int], None] = lambda _: None,
) -> list[Computed | None]:
    """Check `rels`: in sandboxed child processes when record policies (repository CEL)
    are evaluated, or when there are enough files for parallel processes to pay."""
    if not rels:
        return []
    from maintain_repo.engine import files  # noqa: F401  # models load once, before forking

    workers = min(jobs or cpus(), len(rels))
    parallel = workers >= 2 and len(rels) >= PARALLEL_THRESHOLD
    if not parallel:
        # Record policies are repository code: evaluated in a sandbox, whatever the count.
        # Whether there are any is read from the parsed documents (not their bytes: YAML
        # can spell a kind with escapes), unless no document can name one.
        if not (may_mention(documents, b"RecordPolicy") and policies_for(base).records):
            return [_counted(_check_one(base, rel), advance) for rel in rels]
        workers = 1
    from maintain_repo.sandbox.pool import imap

    _ = policies_for(base).static  # parsed and compiled once, here: the children inherit
    chunk = max(1, math.ceil(len(rels) / (workers * 4)))
    results: list[Computed | None] = [None] * len(rels)
    for index, computed in imap(
        lambda index: _check_one(base, rels[index]),
        len(rels),
        workers=workers,
        chunk=chunk,
        name=rels.__getitem__,
    ):
        results[index] = computed
        advance(1)
    return results


def _counted(computed: Computed | None, advance: Callable[[int], None]) -> Computed | None:
    advance(1)
    return computed


def _files(root: Path) -> tuple[list[str], list[str], list[str]]:
    """Record files, all files to check, and files whose names are not UTF-8."""
    records = record_files(root)
    every = records + policy_files(root)
    unnamed = [rel for rel in every if not _utf8(rel)]
    if unnamed:
        records = [rel for rel in records if _utf8(rel)]
        every = [rel for rel in every if _utf8(rel)]
    return records, every, unnamed


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept as surrogates by os.walk
        return False
    return True


def _unnamed(rel: str) -> Finding:
    shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
    message = "the file name is not valid UTF-8; rename the file"
    return Finding("record-location", Severity.ERROR, message, shown, 1, 1)


def _check_one(base: str, rel: str) -> Computed | None:
    from maintain_repo.engine.files import check_path

    return check_path(base, rel)


def _read(base: str, rel: str) -> bytes:
    try:
        return read(os.path.join(base, rel))
    except NotARegularFile as e:
        return f"not-a-file:{e}".encode()  # never equal to a real file's hash input
    except FileNotFoundError:
        return b"gone:"  # vanished since it was listed; checking it again drops it
    except OSError as e:
        raise unreadable(rel, e) from None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = ["CheckOptions", "CheckRun", "Selection", "check"]
