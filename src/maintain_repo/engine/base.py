"""`maintain check --base REF`: compare the working tree's records with the base.

Only files git reports as changed since the base are read twice (once from
the base blob, once from disk); deletions and id collisions come from the
two listings. Both listings hold record files only (`is_record_file`): a
`.gitkeep` or a stray note is never a record that was deleted or reused.
The comparisons themselves are the pure rules of `maintain_repo.rules.gitaware`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath

from maintain_repo.git.snapshot import Snapshot
from maintain_repo.model.facts import RecordFacts
from maintain_repo.model.findings import Finding
from maintain_repo.model.kinds import FOLDERS, KINDS
from maintain_repo.rules.gitaware import Revision, compare, deleted, reused, same_record
from maintain_repo.rules.layout import folder_of
from maintain_repo.store.repo import is_record_file
from maintain_repo.store.source import NotARegularFile, decode, read
from maintain_repo.store.yaml import locate_findings, mapping_in, mapping_of


def base_findings(
    root: Path,
    base: Snapshot,
    present: set[str],
    fact_of: Callable[[str], RecordFacts | None],
) -> list[Finding]:
    """Findings of the git-aware rules, located in the working-tree files."""
    findings: list[Finding] = []
    present = {rel for rel in present if is_record_file(rel)}
    changed = {rel: fact for rel in sorted(base.changed & present) if (fact := fact_of(rel))}
    ids_now = {PurePosixPath(rel).stem for rel in present} | {
        fact.id for fact in changed.values() if fact.id
    }
    for rel in base.deleted(present):
        record = PurePosixPath(rel).stem
        if record not in ids_now:  # not moved to another file: really gone
            findings.append(deleted(rel, record))
    base_ids = {PurePosixPath(rel).stem: rel for rel in base.records}
    for rel, fact in changed.items():
        if rel in base.records:
            findings.extend(_compared(root, base, rel, fact))
        elif fact.id in base_ids and base_ids[fact.id] != rel:
            finding = _collision(root, base, rel, fact, base_ids[fact.id], present)
            if finding is not None:
                findings.append(finding)
    return findings


def _compared(root: Path, base: Snapshot, rel: str, fact: RecordFacts) -> list[Finding]:
    kind = folder_of(rel, FOLDERS)
    before = mapping_of(base.read(rel))
    text = _text(root / rel)
    after = mapping_in(text)
    if kind is None or before is None or after is None or text is None:
        return []  # unreadable now or then: the file's own findings say why
    revision = Revision(rel, fact.id, KINDS[kind].lifecycle, before, after)
    return locate_findings(list(compare(revision)), text)


def _collision(
    root: Path, base: Snapshot, rel: str, fact: RecordFacts, base_rel: str, present: set[str]
) -> Finding | None:
    record = fact.id or ""
    text = _text(root / rel)
    if base_rel in present:
        finding = reused(rel, record, base_rel, moved=False)
    else:
        # The base file is gone: a move keeps the record (same creation time);
        # anything else is a new record taking an old id.
        before = mapping_of(base.read(base_rel))
        after = mapping_in(text)
        if before is None or after is None or same_record(before, after):
            return None
        finding = reused(rel, record, base_rel, moved=True)
    return locate_findings([finding], text)[0] if text is not None else finding.located(1, 1)


def _text(path: Path) -> str | None:
    try:
        text = decode(read(str(path)))
    except (NotARegularFile, OSError):
        return None
    return text if isinstance(text, str) else None
