"""A person's decision on a security finding: `maintain findings accept` and `dismiss`.

- **accept** (`risk_accepted`): a waiver record covering the finding is written with
  it, approved by the person accepting, expiring no later than the SLA policy allows for
  the finding's severity (`waiver.finding`), so `maintain check` passes on the result
  (`waiver-too-long`, `waiver-orphaned`, `finding-waiver` hold). The import uses the
  same waiver for a risk acceptance a report carries (a Dependabot alert dismissed as a
  tolerable risk).
- **dismiss** (`false_positive` or `out_of_scope`): the finding records why and who
  decided; a waiver that covered it as a risk acceptance stops covering it (revoked when
  it covered nothing else), so it is never left orphaned.

Both write every file together or none (`store.files.write_all`), editing the finding in
place (its comments and layout kept) with a timeline entry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from maintain_repo.engine.load import worktree_policies
from maintain_repo.engine.new import ordered, validate_record
from maintain_repo.errors import UsageError
from maintain_repo.model.kinds import KINDS
from maintain_repo.security.observation import line
from maintain_repo.store import roundtrip
from maintain_repo.store.files import write_all
from maintain_repo.store.ids import new_id
from maintain_repo.store.repo import RECORDS, SCHEMAS
from maintain_repo.store.yaml import read_mapping

FINDINGS = f"{RECORDS}/findings"
WAIVERS = f"{RECORDS}/waivers"
WAIVER_HEADER = f"# yaml-language-server: $schema=../../{SCHEMAS}/waiver.schema.json\n"
DISMISSALS = ("false_positive", "out_of_scope")
# Statuses a decision may be taken from: a finding that is gone (mitigated) or already
# decided is reopened first, by a rescan or by hand.
UNDECIDED = ("open",)


class Decision(NamedTuple):
    finding: str  # the finding's file (root-relative)
    status: str
    waiver: str | None  # the waiver written or changed (root-relative), if any
    records: list[str]  # every file written


class Acceptance(NamedTuple):
    """A waiver for one finding's risk acceptance, as it will be written."""

    rel: str
    ident: str
    data: dict[str, Any]


def accept(
    root: Path,
    finding_id: str,
    *,
    until: datetime,
    reason: str,
    by: str,
    now: datetime,
    controls: str | None = None,
    dry_run: bool = False,
) -> Decision:
    """Accept the risk of `finding_id` until `until` (see the module)."""
    moment = _moment(now)
    rel, editable = _finding(root, finding_id)
    data = editable.data
    _undecided(rel, data, "accept its risk")
    severity = str(data.get("severity", ""))
    acceptance = acceptance_waiver(
        root, finding_id, severity, str(data.get("title", "")), reason, by, moment, until
    )
    if controls:
        acceptance.data["compensating_controls"] = controls
    data["status"] = "risk_accepted"
    roundtrip.place(data, "waiver", acceptance.ident, before=("timeline",))
    _note(
        data,
        moment,
        by,
        "risk_accepted",
        f"risk accepted until {_stamp(until)} (waiver {acceptance.ident})",
    )
    writes = [
        _edited(rel, editable),
        (acceptance.rel, waiver_text(acceptance), False),
    ]
    return _write(root, rel, "risk_accepted", acceptance.rel, writes, dry_run)


def dismiss(
    root: Path,
    finding_id: str,
    *,
    status: str,
    reason: str,
    by: str,
    now: datetime,
    dry_run: bool = False,
) -> Decision:
    """Close `finding_id` as a false positive or out of scope (see the module)."""
    if status not in DISMISSALS:
        raise UsageError(f"--as must be one of {', '.join(DISMISSALS)}, not {status!r}")
    moment = _moment(now)
    rel, editable = _finding(root, finding_id)
    data = editable.data
    if data.get("status") == status:
        raise UsageError(f"{finding_id} is already {status}; nothing to change")
    if data.get("status") not in (*UNDECIDED, "risk_accepted"):
        _undecided(rel, data, f"mark it {status}")
    writes = []
    waiver_rel = None
    covering = data.get("waiver") if data.get("status") == "risk_accepted" else None
    if isinstance(covering, str):
        waiver_rel, waiver_edit = _release(root, covering, finding_id, moment, by, status)
        if waiver_edit is not None:
            writes.append(_edited(waiver_rel, waiver_edit))
        if waiver_edit is None or waiver_edit.data.get("status") != "revoked":
            del data["waiver"]  # a revoked waiver still names it: the link stays, both ways
    data["status"] = status
    data["justification"] = reason
    data["decided_by"] = by
    _note(data, moment, by, "dismissed", f"{status.replace('_', ' ')}: {line(reason)}")
    writes.insert(0, _edited(rel, editable))
    return _write(root, rel, status, waiver_rel, writes, dry_run)


def acceptance_waiver(
    root: Path,
    finding_id: str,
    severity: str,
    title: str,
    reason: str,
    by: str,
    now: datetime,
    until: datetime | None,
    *,
    taken: frozenset[str] = frozenset(),
) -> Acceptance:
    """The waiver that records the risk acceptance of one finding: until `until`, or
    (None) the longest the SLA policy allows for its severity. Refused when `until` is
    past that limit, not after `now`, or when the SLA policy sets no limit to take."""
    policies = worktree_policies(root)
    limits = policies.sla.waiver.finding.items() if policies.sla is not None else ()
    limit = next((duration for level, duration in limits if level == severity), None)
    latest = policies.calendar.add(now, limit) if limit is not None else None
    if until is None:
        if latest is None:
            raise UsageError(
                f"{finding_id}: no waiver limit for {severity or 'its'} findings in the SLA "
                "policy, so the acceptance needs an end date",
                hint="accept it with `maintain findings accept ID --until DATE --reason TEXT`",
            )
        until = latest
    until = until.astimezone(UTC)
    if until <= now:
        raise UsageError(f"--until {_stamp(until)} is not after now ({_stamp(now)})")
    if latest is not None and until > latest:
        raise UsageError(
            f"--until {_stamp(until)} is later than the SLA policy allows for a {severity} "
            f"finding ({limit}: at most {_stamp(latest)})",
            hint=f"pick a date no later than {_stamp(latest)}, and renew the waiver then",
        )
    ident, rel = _free(root, "WV", WAIVERS, now, taken)
    subject = line(title) or finding_id
    data: dict[str, Any] = {
        "id": ident,
        "kind": "waiver",
        "schema_version": 1,
        "title": (line(f"Accept the risk of {finding_id}: {subject}") or finding_id)[:200],
        "status": "active",
        "owner": by,
        "created_at": _stamp(now),
        "covers": {"findings": [finding_id]},
        "justification": reason,
        "approver": by,
        "expires": _stamp(until),
        "timeline": [
            {
                "at": _stamp(now),
                "by": by,
                "event": "created",
                "text": f"risk of {finding_id} accepted",
            }
        ],
    }
    return Acceptance(rel, ident, data)


def waiver_text(acceptance: Acceptance) -> str:
    kind = KINDS["waiver"]
    validate_record(
        kind, acceptance.data, acceptance.rel, what=f"{acceptance.rel}, as it would be written,"
    )
    return WAIVER_HEADER + roundtrip.new_document(ordered(kind, acceptance.data))


def _release(
    root: Path, waiver_id: str, finding_id: str, now: datetime, by: str, status: str
) -> tuple[str, roundtrip.Editable | None]:
    """The waiver `waiver_id` without `finding_id` (revoked when nothing is left for it to
    cover); None when no such waiver file is found (check reports the dangling link)."""
    rel = f"{WAIVERS}/{waiver_id}.yaml"
    path = root / rel
    if not path.is_file():
        return rel, None
    editable = roundtrip.load(path.read_text(encoding="utf-8"))
    data = editable.data
    covers = data.get("covers")
    findings = covers.get("findings") if isinstance(covers, dict) else None
    if isinstance(findings, list) and finding_id in findings:
        others = [f for f in findings if f != finding_id]
        policies = covers.get("policies") if isinstance(covers, dict) else None
        if others or policies:
            findings.remove(finding_id)
            text = f"no longer covers {finding_id}, now {status.replace('_', ' ')}"
        else:
            data["status"] = "revoked"
            data["revoked_at"] = _stamp(now)
            text = f"revoked: {finding_id}, all it covered, is now {status.replace('_', ' ')}"
        _note(data, now, by, "updated", text)
    return rel, editable


def _finding(root: Path, finding_id: str) -> tuple[str, roundtrip.Editable]:
    """The finding record named `finding_id`, ready to edit (its file is named by its id,
    else found among the findings)."""
    rel = f"{FINDINGS}/{finding_id}.yaml"
    candidates = [rel] if (root / rel).is_file() else []
    if not candidates and (root / FINDINGS).is_dir():
        for path in sorted((root / FINDINGS).glob("*.yaml")):
            data = read_mapping(str(path), shown=path.relative_to(root).as_posix())
            if data is not None and data.get("id") == finding_id:
                candidates.append(path.relative_to(root).as_posix())
    if not candidates:
        raise UsageError(
            f"no finding {finding_id} in {FINDINGS}/",
            hint="`maintain findings list` shows the findings and their ids",
        )
    rel = candidates[0]
    editable = roundtrip.load((root / rel).read_text(encoding="utf-8"))
    if editable.data.get("kind") != "finding":
        raise UsageError(f"{rel} is not a finding record")
    if editable.data.get("id") != finding_id:
        raise UsageError(f"{rel} holds {editable.data.get('id')!r}, not {finding_id}")
    return rel, editable


def _undecided(rel: str, data: Any, what: str) -> None:
    status = data.get("status")
    if status not in UNDECIDED:
        raise UsageError(
            f"{rel}: the finding is {status}; only an open finding can be decided on ({what})",
            hint="reopen it first (status: open, with a timeline entry) if the decision changed",
        )


def _edited(rel: str, editable: roundtrip.Editable) -> tuple[str, str, bool]:
    kind = KINDS[str(editable.data.get("kind"))]
    validate_record(
        kind, roundtrip.plain(editable.data), rel, what=f"{rel}, as it would be written,"
    )
    return rel, editable.dump(), True


def _write(
    root: Path,
    rel: str,
    status: str,
    waiver_rel: str | None,
    writes: list[tuple[str, str, bool]],
    dry_run: bool,
) -> Decision:
    if not dry_run:
        write_all([(root / path, text, overwrite) for path, text, overwrite in writes])
    return Decision(rel, status, waiver_rel, [path for path, _, _ in writes])


def _free(
    root: Path, prefix: str, folder: str, now: datetime, taken: frozenset[str]
) -> tuple[str, str]:
    for _ in range(50):
        ident = new_id(prefix, now)
        rel = f"{folder}/{ident}.yaml"
        if ident not in taken and not (root / rel).exists():
            return ident, rel
    raise UsageError(f"could not draw a free {prefix} id; try again")


def _note(data: Any, now: datetime, by: str, event: str, text: str) -> None:
    roundtrip.append(data, "timeline", {"at": _stamp(now), "by": by, "event": event, "text": text})


def _moment(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(microsecond=0)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
