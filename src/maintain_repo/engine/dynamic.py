"""Record policies that read the clock (`now`) or other records (`lookup()`).

Their answers change without the record changing, so their findings are not
cached as the file's; what they need of each record is. When a file is
checked, the policies of its kind are sorted once: a policy whose
`match.condition` reads neither the clock nor other records and is false on the
record never applies to it until the file changes (a resolved incident is not
in triage), so it is not evaluated again. For the others the cache keeps the
record's parsed data and where it starts (`engine.files`):

- policies that read the clock are evaluated on every run, from that data (no
  YAML is parsed);
- policies that read only other records keep their verdict with the answers
  `lookup()` gave (`Memo`): it is reused while every one of those answers is
  the same, and evaluated again when one changed.

A pre-commit run evaluates only the records it reports on (`engine.check`). The
expressions come from the repository, so they run in sandboxed children
(`maintain_repo.sandbox`), in parallel when there are many.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from maintain_repo.engine.context import may_mention, policies_for
from maintain_repo.model.findings import Finding
from maintain_repo.policy.cel import Context, lookup_entry
from maintain_repo.policy.records import CompiledPolicy, evaluate_all
from maintain_repo.sandbox import guard as sandbox
from maintain_repo.sandbox.machine import PARALLEL_THRESHOLD, cpus
from maintain_repo.store.repo import SETTINGS
from maintain_repo.store.yaml import mapping_of, read_mapping

if TYPE_CHECKING:
    from maintain_repo.engine.check import _Run
    from maintain_repo.engine.speculate import Computed
    from maintain_repo.store.cache import CheckCache

LookupTable = Callable[[str], Mapping[str, Any] | None]


def judge_records(
    root: Path,
    base: str,
    documents: Sequence[tuple[str, bytes]],
    records: list[str],
    judged: list[str],
    run: _Run,
    now: datetime,
) -> list[Finding]:
    """The findings of the dynamic policies on the `judged` records of a check `run`
    (`lookup()` answers from all `records`); their memos are kept in the run's cache."""
    subjects = _subjects(run, judged)
    if not subjects:
        return []
    named = {path for subject in subjects for path in (subject.policies or ())}
    every = any(subject.policies is None for subject in subjects)
    light = _vouched_policies(run, documents, None if every else named)
    if light is None:  # not all vouched for by this run's results: the models read them
        policies = policies_for(base)
        light = policies.dynamic, policies.settings_map
    dynamic, settings = light
    if not dynamic:
        return []
    looks_up = any(p.reads_records for p in dynamic)
    lookup = table_of(_lookup_rows(run, records)) if looks_up else (lambda _: None)
    found = dynamic_findings(root, dynamic, settings, subjects, lookup, now)
    for rel, memo in found.memos.items():
        run.cache.remember(rel, run.entries[rel].sha, memo.to_json())
    return found.findings


def prejudge(
    root: Path, cache: CheckCache | None, computed: Sequence[Computed], now: datetime
) -> dict[str, Any] | None:
    """In the speculation child (`engine.speculate`), which just checked the `computed`
    files: the dynamic policies' findings on them at `now`, and the memos of those
    reading other records. `lookup()` answers from the rows the `cache` holds, with the
    repository-wide key they were made for: the parent uses the verdict only while
    that is still the key (None: no rows to answer from)."""
    subjects = []
    for rel, _, _, _, result in computed:
        stored = result.get("dynamic")
        if stored is None:
            continue
        subject = subject_of(rel, stored)
        if subject is None:
            return None
        subjects.append(subject)
    policies = policies_for(str(root))
    # Those of the subjects' kinds, as the per-file stage compiled them (not every policy).
    by_path = {
        p.path: p
        for kind in dict.fromkeys(subject.kind for subject in subjects)
        for p in policies.compiled_for(kind)
        if p.dynamic
    }
    dynamic = [by_path[path] for path in sorted(by_path)]  # in the order of a full run
    key: str | None = None
    lookup: LookupTable = lambda _: None  # noqa: E731
    if subjects and any(p.reads_records for p in dynamic):
        stored_rows = cache.stored_lookup() if cache is not None else None
        if stored_rows is None:
            return None
        key, rows = stored_rows
        lookup = table_of(rows)
    found = dynamic_findings(root, dynamic, policies.settings_map, subjects, lookup, now)
    return {
        "shas": {rel: sha for rel, sha, _, _, _ in computed},
        "key": key,
        "findings": [finding.to_json() for finding in found.findings],
        "memos": {rel: memo.to_json() for rel, memo in found.memos.items()},
    }


def _subjects(run: _Run, rels: list[str]) -> list[Subject]:
    """The records among `rels` that dynamic policies may find at fault, with what the
    per-file stage kept of them (read from the file when the cache lost it)."""
    subjects = []
    for rel in rels:
        entry = run.entries[rel]
        if rel in run.fresh:
            stored = run.fresh[rel].get("dynamic")
            if stored is None:
                continue
        elif entry.dynamic:
            stored = run.cache.dynamic_of(rel, entry.sha)
        else:
            continue
        subject = subject_of(rel, stored)
        if subject is None:  # lost or damaged: evaluate every policy from the file
            fact = run.facts(rel)
            if fact is None or fact.kind is None:
                continue
            subject = Subject(rel, fact.kind, None)
        subjects.append(subject)
    return subjects


def _vouched_policies(
    run: _Run, documents: Sequence[tuple[str, bytes]], wanted: set[str] | None
) -> tuple[list[CompiledPolicy], dict[str, Any]] | None:
    """The dynamic record policies (those at the paths `wanted`, or all) and what they see
    as `settings`, built without the models from documents the run's results vouch for
    (checked from these very bytes, without a schema finding); None when one is not."""
    from maintain_repo.policy.records import Document, compile_policy

    settings: dict[str, Any] | None = None
    compiled = []
    for rel, raw in documents:
        entry = run.entries.get(rel)
        if entry is None or entry.sha != hashlib.sha256(raw).hexdigest():
            return None  # --base: the base's documents were not checked here
        if rel == SETTINGS:
            settings = (entry.settings or {}).get("map")
        if (wanted is not None and rel not in wanted) or not may_mention(
            [(rel, raw)], b"RecordPolicy"
        ):
            continue
        data = mapping_of(raw)
        if data is None or data.get("kind") != "RecordPolicy":
            continue
        if any(f.get("rule") == "schema" for f in entry.findings):
            continue  # its own findings say why it is not applied
        try:
            policy = compile_policy(rel, Document.of(data), raw)[0]
        except (KeyError, TypeError, AttributeError):
            return None
        if policy is not None and policy.dynamic:
            compiled.append(policy)
    return (compiled, settings) if isinstance(settings, dict) else None


def _lookup_rows(run: _Run, records: list[str]) -> list[list[Any]]:
    """(id, kind, status, path) of every valid record, for `lookup()`: from the cache while
    no record's facts changed."""
    key = run.repo_key(records, [])
    rows = run.cache.lookup_rows(key)
    if rows is None:
        facts = [f for rel in records if (f := run.facts(rel)) is not None and f.valid]
        rows = [[f.id, f.kind, f.status, f.path] for f in facts if f.id is not None]
        run.cache.set_lookup(key, rows)
    return rows


class Memo(NamedTuple):
    """The verdict of the policies that read only other records, on one record, and the
    answers `lookup()` gave them (id -> answer; None: no such record)."""

    answers: dict[str, Any]
    findings: list[dict[str, Any]]

    def holds(self, lookup: LookupTable) -> bool:
        return all(lookup(rid) == answer for rid, answer in self.answers.items())

    def to_json(self) -> dict[str, Any]:
        return {"answers": self.answers, "findings": self.findings}

    @classmethod
    def from_json(cls, data: Any) -> Memo | None:
        if not isinstance(data, dict):
            return None
        answers, findings = data.get("answers"), data.get("findings")
        if not (isinstance(answers, dict) and isinstance(findings, list)):
            return None
        if not all(answer is None or isinstance(answer, dict) for answer in answers.values()):
            return None
        try:
            [Finding.from_json(f) for f in findings]
        except (ValueError, KeyError, TypeError):
            return None
        return cls(answers, findings)


class Subject(NamedTuple):
    """A record the dynamic policies are evaluated on in this run."""

    path: str
    kind: str
    policies: tuple[str, ...] | None  # by path; None: every dynamic policy of its kind
    data: dict[str, Any] | None = None  # None: read and parse the file
    root: tuple[int, int] | None = None  # where the record starts
    memo: Memo | None = None


def subject_of(path: str, stored: Any) -> Subject | None:
    """The subject from what the per-file stage stored (`engine.files._dynamic`); None
    when that is not of the expected shape (the caller then reads the file)."""
    if not isinstance(stored, dict):
        return None
    kind, names = stored.get("kind"), stored.get("policies")
    data, root = stored.get("data"), stored.get("root")
    if not (
        isinstance(kind, str)
        and isinstance(names, list)
        and all(isinstance(n, str) for n in names)
        and (data is None or isinstance(data, dict))
        and isinstance(root, list)
        and len(root) == 2
        and all(type(n) is int for n in root)
    ):
        return None
    memo = Memo.from_json(stored.get("memo"))
    return Subject(path, kind, tuple(names), data, (root[0], root[1]), memo)


def table_of(rows: Sequence[Sequence[Any]]) -> LookupTable:
    """`lookup(id)` over rows (id, kind, status, path) of every valid record."""
    index = {row[0]: row for row in rows if row[0]}  # answers are made when asked for

    def lookup(record_id: str) -> Mapping[str, Any] | None:
        row = index.get(record_id)
        return lookup_entry(*row) if row is not None else None

    return lookup


class Judged(NamedTuple):
    findings: list[Finding]
    memos: dict[str, Memo]  # path -> the new verdict of its record-reading policies


def dynamic_findings(
    root: Path,
    dynamic: Sequence[CompiledPolicy],
    settings: Mapping[str, Any],
    subjects: Sequence[Subject],
    lookup: LookupTable,
    now: datetime,
) -> Judged:
    """The findings of the `dynamic` policies on the subjects: from their memos where the
    answers they rest on still hold (judged here), else evaluated in sandboxed children."""
    if not dynamic or not subjects:
        return Judged([], {})
    reused: list[dict[str, Any]] = []
    pending: list[tuple[Subject, list[CompiledPolicy], list[CompiledPolicy], Memo | None]] = []
    clocked = {p.path for p in dynamic if p.reads_clock}
    for subject in subjects:
        chosen = [
            p
            for p in dynamic
            if p.applies_to(subject.kind)
            and (subject.policies is None or p.path in subject.policies)
        ]
        timely = [p for p in chosen if p.path in clocked]
        looking = [p for p in chosen if p.path not in clocked]
        memo = subject.memo if looking and subject.memo is not None else None
        if memo is not None and not memo.holds(lookup):
            memo = None
        if not timely and memo is not None:
            reused.extend(memo.findings)  # nothing to evaluate: no parsing either
        elif chosen:
            pending.append((subject, timely, looking, memo))

    def evaluate(index: int) -> dict[str, Any]:
        subject, timely, looking, memo = pending[index]
        data = subject.data
        if data is None:
            data = read_mapping(str(root / subject.path), shown=subject.path)
        if data is None:
            return {"findings": []}
        found = _judge(subject, timely, data, settings, lookup, now)
        if memo is not None:
            return {"findings": found + memo.findings}
        answers: dict[str, Any] = {}

        def recorded(rid: str) -> Mapping[str, Any] | None:
            answer = lookup(rid)
            answers[rid] = answer
            return answer

        guard = sandbox.active()
        stopped = guard.hits if guard is not None else 0
        kept = _judge(subject, looking, data, settings, recorded, now)
        out: dict[str, Any] = {"findings": found + kept}
        limited = guard is not None and guard.hits != stopped  # depends on this run: no memo
        if looking and subject.policies is not None and not limited:
            out["memo"] = Memo(answers, kept).to_json()
        return out

    # Repository expressions: evaluated in sandboxed children (limited in time and memory),
    # or here when this process is one (the speculation child).
    results: list[dict[str, Any]] = [{"findings": []} for _ in pending]
    if sandbox.active() is not None:
        results = [evaluate(index) for index in range(len(pending))]
    else:
        from maintain_repo.sandbox.pool import imap

        workers = cpus() if len(pending) >= PARALLEL_THRESHOLD else 1
        chunk = max(1, math.ceil(len(pending) / (workers * 4)))
        named = lambda index: pending[index][0].path  # noqa: E731
        for index, found in imap(evaluate, len(pending), workers=workers, chunk=chunk, name=named):
            results[index] = found
    raw = reused + [f for result in results for f in result["findings"]]
    memos = {
        item[0].path: memo
        for item, result in zip(pending, results, strict=True)
        if (memo := Memo.from_json(result.get("memo"))) is not None
    }
    return Judged([Finding.from_json(f) for f in raw], memos)


def _judge(
    subject: Subject,
    chosen: list[CompiledPolicy],
    data: dict[str, Any],
    settings: Mapping[str, Any],
    lookup: LookupTable,
    now: datetime,
) -> list[dict[str, Any]]:
    if not chosen:
        return []
    context = Context.of(data, now, settings, lookup)
    found = evaluate_all(chosen, subject.path, subject.kind, data, context)
    if subject.root is not None:  # a finding about the whole record: where it starts
        found = [f.located(*subject.root) if f.pointer == () else f for f in found]
    return [finding.to_json() for finding in found]
