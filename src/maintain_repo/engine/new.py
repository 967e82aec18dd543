"""`maintain new`: a new, valid record with sensible defaults, never overwriting.

The record is built in the field order of its model, validated exactly as
`maintain check` would, and only then written (atomically, failing if the
file exists). A line at the top points editors at the kind's JSON Schema.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from maintain_repo.errors import UsageError
from maintain_repo.model.common import TRAILING
from maintain_repo.model.findings import Finding
from maintain_repo.model.kinds import KINDS, Kind
from maintain_repo.rules.schema import fields_at
from maintain_repo.store.files import write_atomic
from maintain_repo.store.ids import new_id, slugify
from maintain_repo.store.problems import YamlError
from maintain_repo.store.repo import RECORDS, SCHEMAS
from maintain_repo.store.roundtrip import new_document
from maintain_repo.store.yaml import parse_value


def create(
    root: Path,
    kind_name: str,
    title: str,
    assignments: Sequence[str],
    *,
    owner: str | None,
    now: datetime | None = None,
    values: Mapping[str, Any] | None = None,
) -> Path:
    """Write a new record of `kind_name`; returns its path.

    `assignments` are `FIELD=VALUE` texts from a person (VALUE is YAML);
    `values` are dotted fields with values from a program, never parsed.
    """
    kind = KINDS[kind_name]
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    stamp = moment.isoformat().replace("+00:00", "Z")
    overrides = [_assignment(kind, text) for text in assignments]
    overrides += [(tuple(name.split(".")), value) for name, value in (values or {}).items()]
    explicit_owner = next((v for p, v in overrides if p == ("owner",)), None)
    who = explicit_owner if isinstance(explicit_owner, str) else owner
    if who is None:
        raise UsageError(
            "no owner: git config has no GitHub login (github.user)",
            hint="pass --set owner=LOGIN, or run `git config --global github.user LOGIN`",
        )
    data = _defaults(kind, title, who, stamp)
    for path, value in overrides:
        _assign(data, path, value)
    target = _target(root, kind, data, title, moment)
    if kind.name == "finding" and "fingerprint" not in data:
        # A manual finding has no scanner identity; its id is stable forever.
        data["fingerprint"] = hashlib.sha256(f"manual\0{data['id']}".encode()).hexdigest()
    validate_record(kind, data, target.relative_to(root).as_posix())
    header = f"# yaml-language-server: $schema=../../{SCHEMAS}/{kind.schema_file}\n"
    write_atomic(target, new_document(ordered(kind, data), header=header), overwrite=False)
    return target


def _target(root: Path, kind: Kind, data: dict[str, Any], title: str, moment: datetime) -> Path:
    """The file of the new record; draws a fresh id unless one was given."""
    folder = root / RECORDS / kind.folder
    if kind.prefix is None:
        data.setdefault("id", slugify(title))
        if not data["id"]:
            raise UsageError("cannot make an id from this title", hint="pass --set id=my-service")
    if "id" in data:
        return folder / f"{data['id']}.yaml"
    for _ in range(20):
        data["id"] = new_id(kind.prefix or "", moment)
        if not (folder / f"{data['id']}.yaml").exists():
            break
    return folder / f"{data['id']}.yaml"


def _defaults(kind: Kind, title: str, owner: str, stamp: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": kind.name,
        "schema_version": 1,
        "title": title,
        "status": kind.lifecycle.initial,
        "owner": owner,
        "created_at": stamp,
        "timeline": [{"at": stamp, "by": owner, "event": "created"}],
    }
    if kind.name == "incident":
        data |= {"severity": "unknown", "type": "other", "reported_at": stamp}
    elif kind.name == "change":
        data |= {"type": "normal"}
    elif kind.name == "improvement":
        data |= {"source": {"kind": "product"}, "category": "feature", "priority": "P3"}
    elif kind.name == "finding":
        data |= {"tool": {"name": "manual"}, "first_seen": stamp}
    elif kind.name == "service":
        data |= {"tier": 3}
    return data


def ordered(kind: Kind, data: dict[str, Any]) -> dict[str, Any]:
    """Keys in the model's field order (id first), as people read records."""
    order = [name for name in kind.model.model_fields if name not in TRAILING] + list(TRAILING)
    return {key: data[key] for key in sorted(data, key=order.index)}


def _assignment(kind: Kind, text: str) -> tuple[tuple[str, ...], Any]:
    name, sep, raw = text.partition("=")
    path = tuple(part for part in name.strip().split(".") if part)
    if not sep or not path:
        raise UsageError(f"--set {text!r}: expected FIELD=VALUE (e.g. severity=SEV2)")
    if path[0] in ("kind", "schema_version"):
        raise UsageError(f"--set {name}: this field is fixed by the record kind")
    if path[-1] not in fields_at(kind.model, path[:-1]):
        allowed = ", ".join(fields_at(kind.model, path[:-1])) or "none"
        raise UsageError(
            f"--set {name}: {kind.name} records have no such field (fields: {allowed})"
        )
    try:
        return path, parse_value(raw)
    except YamlError as e:
        raise UsageError(f"--set {name}: value is not valid YAML: {e.problem.message}") from None


def _assign(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = data
    for part in path[:-1]:
        nested = target.setdefault(part, {})
        if not isinstance(nested, dict):
            raise UsageError(f"--set {'.'.join(path)}: {part} is not a group of fields")
        target = nested
    target[path[-1]] = value


def validate_record(kind: Kind, data: dict[str, Any], rel: str, *, what: str = "") -> None:
    """Refuse to write a record that `maintain check` would reject on its own (`what`
    names it in the message: default, "the new KIND")."""
    from maintain_repo.rules.records import RECORD_RULES
    from maintain_repo.rules.schema import validate

    model, findings = validate(kind.model, data, path=rel, record=str(data.get("id")))
    if model is not None:
        for rule in RECORD_RULES.values():
            findings.extend(rule(kind, model, rel))  # type: ignore[arg-type]  # a Record model
    if findings:
        missing = any(f.message.startswith("missing required field") for f in findings)
        raise UsageError(
            f"{what or 'the new ' + kind.name} would not pass `maintain check`; nothing was "
            "written:\n" + "\n".join(f"  {_describe(f)}" for f in findings),
            hint="supply the missing values with --set FIELD=VALUE" if missing else "",
        )


def _describe(finding: Finding) -> str:
    return f"{finding.rule}: {finding.message}"
