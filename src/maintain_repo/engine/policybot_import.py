"""`maintain policy import-policy-bot FILE`: a policy-bot `.policy.yml` written as the
native `ApprovalPolicy`, with every difference policy-bot's defaults make noted as a
comment at the top. A file maintain cannot honour (an unsupported predicate, a rule
nobody may approve, an unknown key) is not written: its problems are reported at
their line and column instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from maintain_repo.errors import UsageError
from maintain_repo.model.findings import Finding, dotted
from maintain_repo.policy.approval_source import read_policy_bot
from maintain_repo.policy.policybot import translate
from maintain_repo.store.files import write_atomic
from maintain_repo.store.roundtrip import new_document
from maintain_repo.store.source import read
from maintain_repo.store.yaml import parse

HEADER = """\
# yaml-language-server: $schema=../schemas/approval-policy.schema.json
# Translated from {source} by `maintain policy import-policy-bot`.
"""


@dataclass(frozen=True)
class Imported:
    written: Path | None  # None: not written, because of `problems`
    notes: list[Finding]
    problems: list[Finding]


def import_policy_bot(root: Path, source: Path, out: Path, *, force: bool) -> Imported:
    shown = _shown(root, source)
    try:
        raw = read(str(source))
    except FileNotFoundError:
        raise UsageError(f"{shown}: no such file") from None
    read_back = read_policy_bot(shown, raw)
    if read_back.problems:
        return Imported(None, [], sorted(read_back.problems, key=Finding.sort_key))
    if out.exists() and not force:
        raise UsageError(
            f"{_shown(root, out)} exists", hint="give --force to replace it, or --out PATH"
        )
    translation = translate(parse(raw.decode("utf-8")).data, name=_name(out))
    lines = [HEADER.format(source=shown)]
    if translation.notes:
        lines.append("# Differences from policy-bot, made explicit here:\n")
        lines += [f"# - {dotted(_native(p)[:-1]) or 'top'}: {m}\n" for p, m in translation.notes]
    write_atomic(out, new_document(translation.document, header="".join(lines)), overwrite=True)
    return Imported(out, sorted(read_back.notes, key=Finding.sort_key), [])


def _native(pointer: tuple[str | int, ...]) -> tuple[str | int, ...]:
    return ("rules", *pointer[1:]) if pointer[:1] == ("approval_rules",) else pointer


def _name(out: Path) -> str:
    stem = "".join(c if c.isalnum() else "-" for c in out.stem.lower()).strip("-")
    return stem[:100] or "approval"


def _shown(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
