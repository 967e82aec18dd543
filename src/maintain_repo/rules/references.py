"""Repository-wide rules: unique ids (and finding fingerprints), and references that
resolve, both ways.

They run on `RecordFacts` (id, kind, status, references) of every record,
which the per-file stage extracted or the cache kept, so a warm run needs no
record to be read again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from maintain_repo.model.facts import RecordFacts, Reference
from maintain_repo.model.findings import Finding, Severity, dotted
from maintain_repo.model.relations import FIX_DONE, PROBLEM_FIXED, RELATIONS


def check_repo(facts: Sequence[RecordFacts]) -> list[Finding]:
    """Findings of every repository-wide rule over all records."""
    by_id: dict[str, list[RecordFacts]] = defaultdict(list)
    for fact in facts:
        if fact.id is not None:
            by_id[fact.id].append(fact)
    findings = list(_unique_ids(by_id))
    findings.extend(_unique_fingerprints(facts))
    unique = {rid: group[0] for rid, group in by_id.items() if len(group) == 1}
    for fact in facts:
        if fact.valid:
            findings.extend(_references(fact, by_id, unique))
    return findings


def _unique_ids(by_id: dict[str, list[RecordFacts]]) -> Iterator[Finding]:
    for record_id, group in by_id.items():
        if len(group) < 2:
            continue
        paths = sorted(f.path for f in group)
        for fact in group:
            others = [p for p in paths if p != fact.path]
            yield Finding(
                "id-unique",
                Severity.ERROR,
                f"id {record_id} is also used by {', '.join(others)}",
                fact.path,
                record=record_id,
                pointer=("id",),
                related=tuple(others),
            )


def _unique_fingerprints(facts: Sequence[RecordFacts]) -> Iterator[Finding]:
    """Security findings sharing a fingerprint, those marked `duplicate` left out."""
    by_print: dict[str, list[RecordFacts]] = defaultdict(list)
    for fact in facts:
        if fact.kind == "finding" and fact.valid and fact.status != "duplicate" and fact.extra:
            fingerprint = fact.extra.get("fingerprint")
            if isinstance(fingerprint, str):
                by_print[fingerprint].append(fact)
    for fingerprint, group in by_print.items():
        if len(group) < 2:
            continue
        for fact in group:
            others = sorted(other.id or other.path for other in group if other is not fact)
            yield Finding(
                "finding-fingerprint-unique",
                Severity.ERROR,
                f"fingerprint {fingerprint[:12]}... is also {', '.join(others)}'s: one problem "
                "recorded twice; mark one a duplicate of the other",
                fact.path,
                record=fact.id,
                pointer=("fingerprint",),
                related=tuple(sorted(o.path for o in group if o is not fact)),
            )


def _references(
    fact: RecordFacts,
    by_id: dict[str, list[RecordFacts]],
    unique: dict[str, RecordFacts],
) -> Iterator[Finding]:
    for ref in fact.references:
        field = dotted(ref.pointer)
        if ref.target not in by_id:
            yield _finding(
                "ref-exists", fact, ref, f"{field} names {ref.target}, which does not exist"
            )
            continue
        target = unique.get(ref.target)
        if target is None:
            continue  # ambiguous: id-unique already reports it
        if ref.kinds and target.kind not in ref.kinds:
            expected = " or ".join(_a(kind) for kind in ref.kinds)
            yield _finding(
                "ref-exists",
                fact,
                ref,
                f"{field} names {ref.target}, which is {_a(target.kind or 'record')}, "
                f"not {expected}",
                target,
            )
            continue
        if ref.relation is not None and target.valid and not _names_back(target, fact, ref):
            yield _backlink(fact, ref, target)
        if fact.kind == "problem" and ref.pointer[0] == "permanent_fix":
            yield from _fix_done(fact, ref, target)


def _names_back(target: RecordFacts, source: RecordFacts, ref: Reference) -> bool:
    return any(
        back.relation == ref.relation and back.target == source.id for back in target.references
    )


def _backlink(fact: RecordFacts, ref: Reference, target: RecordFacts) -> Finding:
    sides = RELATIONS.get(ref.relation or "", {})
    back_field = sides.get(target.kind or "", "the matching field")
    return _finding(
        "ref-backlink",
        fact,
        ref,
        f"{dotted(ref.pointer)} names {ref.target}, but {ref.target} does not name {fact.id} "
        f"back in its {back_field}",
        target,
    )


def _fix_done(fact: RecordFacts, ref: Reference, target: RecordFacts) -> Iterator[Finding]:
    if fact.status not in PROBLEM_FIXED:
        return
    done = FIX_DONE.get(target.kind or "", ())
    if target.status not in done:
        yield _finding(
            "problem-fix-done",
            fact,
            ref,
            f"problem is {fact.status} but its permanent fix {ref.target} is "
            f"{target.status} (not {' or '.join(done)})",
            target,
        )


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _finding(
    rule: str,
    fact: RecordFacts,
    ref: Reference,
    message: str,
    target: RecordFacts | None = None,
) -> Finding:
    return Finding(
        rule,
        Severity.ERROR,
        message,
        fact.path,
        record=fact.id,
        pointer=ref.pointer,
        related=(target.path,) if target is not None else (),
    )


def involving(findings: Iterable[Finding], paths: set[str]) -> list[Finding]:
    """The findings located in, or about, any of `paths`."""
    return [f for f in findings if f.path in paths or any(p in paths for p in f.related)]
