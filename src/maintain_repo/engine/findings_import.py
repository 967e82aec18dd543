"""`maintain findings import`: scanner reports in, one finding record per real problem.

Each report is read (`security.detect`), its observations grouped into problems
(`security.identity`: one group per fingerprint, dependency advisories merged across
tools by any shared id) and matched with the findings the repository holds, by
fingerprint, else (a dependency) by package, manifest and any shared advisory id. Then:

- a problem no finding has is a new finding: `first_seen` now, its SLA (`start` now,
  `due` by the SLA policy's target for its severity) and a `created` timeline entry;
- a finding still reported gets `last_seen` now, every new advisory id and tool; a
  severity that changed changes `severity` and `sla.due` (from the same `sla.start`),
  with a timeline entry;
- a `mitigated` finding reported again is reopened (a timeline entry; its SLA clock does
  not restart); `false_positive`, `risk_accepted`, `out_of_scope` and `duplicate` stay;
- a result the report says was suppressed or dismissed comes in closed: false positive
  or out of scope, with its justification and who decided; a risk acceptance with the
  waiver that records it, as long as the SLA policy allows for its severity (the waiver
  `maintain findings accept` writes; left open, with a note, when the policy sets no
  limit); gone, when absent, is skipped;
- an open finding of the same scope (one tool, and service, scanning one target) that
  the scan no longer reports is marked `mitigated`, naming the scan.

Nothing is written until every record validates as `maintain check` would read it, and
then all files at once (`store.files.write_all`): an error leaves the repository as it
was. Re-importing the same report at the same moment changes no byte.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from maintain_repo.engine.finding_fields import (
    advisory_keys,
    location_of,
    place_key,
    set_lists,
    tool_of,
    tools_of,
    union,
    urls_of,
)
from maintain_repo.engine.findings_decide import Acceptance, acceptance_waiver, waiver_text
from maintain_repo.engine.load import worktree_policies
from maintain_repo.engine.new import ordered, validate_record
from maintain_repo.errors import UsageError
from maintain_repo.model.kinds import KINDS
from maintain_repo.security.detect import load, parse
from maintain_repo.security.identity import fingerprint, group_ids, groups
from maintain_repo.security.observation import FormatError, Observation, line
from maintain_repo.store import fastedit, roundtrip
from maintain_repo.store.files import write_all
from maintain_repo.store.ids import new_id
from maintain_repo.store.parsed import ParsedRecords
from maintain_repo.store.repo import RECORDS, SCHEMAS
from maintain_repo.store.source import NotARegularFile, read, unreadable

# Larger than any real scan's JSON (GitHub takes SARIF up to 10 MB compressed); reading a
# report costs up to about fifteen times its size in memory.
MAX_REPORT_BYTES = 64 * 1024 * 1024
# A report is refused before it is read into observations when it holds more values than
# this (a real scan of 100,000 results holds far fewer), and an import of more results
# than MAX_OBSERVATIONS: memory stays bounded by what is refused early.
MAX_VALUES = 3_000_000
MAX_OBSERVATIONS = 100_000
SEVERITIES = ("critical", "high", "medium", "low", "info")
# Formats whose reports can come from many tools: their scope is the tool's.
MANY_TOOLS = ("sarif", "code-scanning")
DEFAULT_SEVERITY = "medium"  # when the report gives none (pip-audit): until a person says
FOLDER = f"{RECORDS}/findings"
HEADER = f"# yaml-language-server: $schema=../../{SCHEMAS}/finding.schema.json\n"
# Closed statuses a person decided on GitHub or in the code, that a rescan never reopens.
DECIDED = ("false_positive", "risk_accepted", "out_of_scope", "duplicate")
# Status changes (before, after) an update counts as reopened or mitigated, not updated.
_COUNTED = (("mitigated", "open"), ("open", "mitigated"))


class Source(NamedTuple):
    name: str  # as the user named it (a path, or "-" for standard input)
    data: bytes


class Outcome(NamedTuple):
    new: int
    updated: int
    mitigated: int
    reopened: int
    unchanged: int
    skipped: int
    by_severity: dict[str, int]  # of the findings the scans reported, by their severity
    records: list[str]  # the files written (root-relative)
    notes: list[str]  # what the reports skipped, and why, in words
    scopes: list[str]  # the scopes of what the reports hold
    changes: dict[str, dict[str, int]]  # new, mitigated, reopened -> severity -> count

    def to_json(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "mitigated": self.mitigated,
            "reopened": self.reopened,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "by_severity": self.by_severity,
            "records": self.records,
        }


class _Problem(NamedTuple):
    members: list[Observation]
    ids: tuple[str, ...]
    fingerprint: str
    scope: str
    source: str


def import_findings(
    root: Path,
    sources: Sequence[Source],
    *,
    owner: str,
    now: datetime,
    report_format: str = "auto",
    scope: str | None = None,
    service: str | None = None,
    manifest: str | None = None,
    dry_run: bool = False,
    full_scan: bool = True,
) -> Outcome:
    """Import the reports in `sources` into `root`'s finding records (see the module);
    `manifest` names the manifest of dependency findings whose report does not say it
    (pip-audit and npm audit read one file the report never names). Without `full_scan`
    (one alert from an event) what the reports do not name is left as it is."""
    moment = now.astimezone(UTC).replace(microsecond=0)
    stamp = _stamp(moment)
    observed: list[tuple[Observation, str, str]] = []  # observation, its source, its scope
    scanned: dict[str, None] = {}  # the scopes these reports are full scans of
    notes: list[str] = []
    for source in sources:
        try:
            document = load(source.data, limit=MAX_REPORT_BYTES)
        except FormatError as e:
            raise UsageError(f"{source.name}: {e}") from None
        if _too_large(source.data, document):
            raise UsageError(
                f"{source.name}: more than {MAX_VALUES:,} values, too large to import at once",
                hint="import the scan in parts (by target, or one tool at a time)",
            )
        try:
            report = parse(document, report_format)
        except FormatError as e:
            raise UsageError(f"{source.name}: {e}", hint=_format_hint(report_format)) from None
        if len(observed) + len(report.observations) > MAX_OBSERVATIONS:
            raise UsageError(
                f"{source.name}: more than {MAX_OBSERVATIONS:,} results in one import",
                hint="import the scan in parts (by target, or one tool at a time)",
            )
        for observation in report.observations:
            if manifest and observation.category == "dependency" and not observation.manifest:
                observation = observation._replace(manifest=manifest)  # pip-audit -r FILE
            name = _scope(scope, report.format, observation.tool, service)
            observed.append((observation, source.name, name))
            scanned.setdefault(name, None)
        if report.format not in MANY_TOOLS or scope:  # an empty scan still covers its scope
            scanned.setdefault(_scope(scope, report.format, "", service), None)
        notes.extend(f"{source.name}: {what}" for what in report.skipped)
    problems = _problems(observed)
    parsed = ParsedRecords(root)
    existing, texts = _existing(root, parsed)
    edits = _Edits(root, existing, texts, parsed, owner, stamp, moment, service)
    skipped = 0
    seen: set[str] = set()
    matched: dict[str, list[_Problem]] = {}  # a record several problems match: one update
    for problem in problems:
        match = edits.match(problem)
        if match is not None:
            matched.setdefault(match, []).append(problem)
        elif _status(problem) == "mitigated":
            skipped += 1  # gone already: nothing to remember
        else:
            seen.add(edits.create(problem))
    for rel, found in matched.items():
        seen.add(rel)
        edits.update(rel, _merged(found))
    for scope_name in scanned if full_scan else ():
        edits.mitigate_absent(scope_name, seen, sources)
    notes.extend(edits.notes)
    writes = edits.validated()
    if not dry_run:
        _unchanged_since_read(root, edits.texts, [rel for rel, _, overwrite in writes if overwrite])
        write_all([(root / rel, text, overwrite) for rel, text, overwrite in writes])
        parsed.save()
    by_severity = dict.fromkeys(SEVERITIES, 0)
    for problem in problems:
        if _status(problem) == "open":
            by_severity[_severity(problem)[0]] += 1
    return Outcome(
        new=edits.counts["new"],
        updated=edits.counts["updated"],
        mitigated=edits.counts["mitigated"],
        reopened=edits.counts["reopened"],
        unchanged=edits.counts["unchanged"],
        skipped=skipped,
        by_severity=by_severity,
        records=sorted(rel for rel, _, _ in writes),
        notes=notes,
        scopes=list(scanned),
        changes=edits.changes,
    )


def _too_large(data: bytes, document: object) -> bool:
    """Whether a document holds more than MAX_VALUES values (list items and members),
    counted without recursion and stopping as soon as the count is over. Every member of
    an object follows a `:` and every item of an array but its first a `,`: when those
    and the `[`s of its text are fewer, there is nothing to count."""
    if data.count(b":") + data.count(b",") + data.count(b"[") <= MAX_VALUES:
        return False
    count = 0
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            count += len(value)
            stack.extend(v for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            count += len(value)
            stack.extend(v for v in value if isinstance(v, (dict, list)))
        if count > MAX_VALUES:
            return True
    return False


def _scope(given: str | None, report_format: str, tool: str, service: str | None) -> str:
    """What a scan covers: `--scope`, else the tool (SARIF and code scanning carry many
    tools) or the format, with `@SERVICE` when the scan is of one service."""
    if given:
        return given
    name = (tool.lower() if report_format in MANY_TOOLS else report_format) or report_format
    return f"{name}@{service}" if service else name


def _problems(observed: list[tuple[Observation, str, str]]) -> list[_Problem]:
    observations = [observation for observation, _, _ in observed]
    problems = []
    for group in groups(observations):
        members = [observations[i] for i in group]
        ids = group_ids(observations, group)
        _, source, scope = observed[group[0]]
        problems.append(_Problem(members, ids, fingerprint(members[0], ids), scope, source))
    # One problem per fingerprint: a report that lists a result twice lists it once here.
    unique: dict[str, _Problem] = {}
    for problem in problems:
        if problem.fingerprint in unique:
            kept = unique[problem.fingerprint]
            merged = kept.members + problem.members
            unique[problem.fingerprint] = kept._replace(members=merged)
        else:
            unique[problem.fingerprint] = problem
    return list(unique.values())


def _unchanged_since_read(root: Path, texts: dict[str, str], rels: list[str]) -> None:
    """Refuse (writing nothing) when a record the import rewrites changed on disk since it
    was read: somebody's edit made meanwhile is never overwritten."""
    for rel in rels:
        try:
            now = (root / rel).read_bytes()
        except OSError:
            now = b""
        if now != texts[rel].encode("utf-8"):
            raise UsageError(
                f"{rel} changed while the import ran; nothing was written",
                hint="run the import again: it reads the records as they are now",
            )


def _merged(problems: list[_Problem]) -> _Problem:
    """Problems that match one record (two advisories it lists, reported apart) as one,
    so that the record is judged once, on everything the reports say of it."""
    if len(problems) == 1:
        return problems[0]
    members = [member for problem in problems for member in problem.members]
    ids = tuple(dict.fromkeys(i for problem in problems for i in problem.ids))
    return problems[0]._replace(members=members, ids=ids)


def _status(problem: _Problem) -> str:
    """Open when any tool reports it open; else what the first says (closed by a person,
    or gone)."""
    statuses = [m.status for m in problem.members]
    return "open" if "open" in statuses else statuses[0]


def _severity(problem: _Problem) -> tuple[str, str | None]:
    rated = [(m.severity, m.severity_source) for m in problem.members if m.severity]
    if not rated:
        return DEFAULT_SEVERITY, None
    best = min(rated, key=lambda pair: SEVERITIES.index(pair[0]))
    return best[0], best[1]


def _existing(
    root: Path, parsed: ParsedRecords
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The finding records as read (rel -> mapping) and their text; files that do not
    read are left to `maintain check`, and never matched. A file read before with the
    same bytes is not parsed again (`store.parsed`)."""
    folder = root / FOLDER
    found: dict[str, dict[str, Any]] = {}
    texts: dict[str, str] = {}
    try:
        with os.scandir(folder) as entries:
            names = sorted(entry.name for entry in entries if entry.name.endswith(".yaml"))
    except (FileNotFoundError, NotADirectoryError):
        return found, texts
    except OSError as e:
        raise unreadable(FOLDER, e) from None
    for name in names:
        rel = f"{FOLDER}/{name}"
        try:
            raw = read(os.path.join(folder, name))
        except (NotARegularFile, FileNotFoundError):
            continue
        except OSError as e:
            raise unreadable(rel, e) from None
        data = parsed.mapping(raw)
        if data is not None and data.get("kind") == "finding":
            found[rel] = data
            texts[rel] = raw.decode("utf-8")
    return found, texts


class _Edits:
    """The finding records of one import, as they will be written."""

    def __init__(
        self,
        root: Path,
        existing: dict[str, dict[str, Any]],
        texts: dict[str, str],
        parsed: ParsedRecords,
        owner: str,
        stamp: str,
        moment: datetime,
        service: str | None,
    ) -> None:
        self.root, self.existing, self.owner = root, existing, owner
        self.texts = texts  # rel -> the text each existing record was read from
        self.parsed = parsed  # what was read and is written, kept by the bytes' hash
        self.stamp, self.moment, self.service = stamp, moment, service
        policies = worktree_policies(root)
        self.sla, self.calendar = policies.sla, policies.calendar
        # A record marked `duplicate` stands for another: never the one a scan matches.
        kept = {rel: d for rel, d in existing.items() if d.get("status") != "duplicate"}
        self.by_fingerprint = {d.get("fingerprint"): rel for rel, d in kept.items()}
        self.by_advisory: dict[tuple[str, str, str, str], str] = {}
        for rel, data in kept.items():
            for key in advisory_keys(data):
                self.by_advisory.setdefault(key, rel)
        self.new: dict[str, dict[str, Any]] = {}  # rel -> data
        self.edited: dict[str, dict[str, Any]] = {}  # rel -> the record as it will be
        self.counts = dict.fromkeys(("new", "updated", "mitigated", "reopened", "unchanged"), 0)
        self.waivers: dict[str, Acceptance] = {}  # risk acceptances: waiver id -> waiver
        self.changes: dict[str, dict[str, int]] = {}
        self.notes: list[str] = []

    def match(self, problem: _Problem) -> str | None:
        rel = self.by_fingerprint.get(problem.fingerprint)
        if rel is not None:
            return rel
        first = problem.members[0]
        if first.category == "dependency" and first.package is not None:
            where = place_key(
                first.package.ecosystem, first.package.name, first.manifest or first.path
            )
            for advisory in problem.ids:
                rel = self.by_advisory.get((*where, advisory.upper()))
                if rel is not None:
                    return rel
        return None

    def create(self, problem: _Problem) -> str:
        """The new finding's file (open when the report accepted its risk but the SLA
        policy sets no waiver limit to accept it for: a note says so)."""
        first = problem.members[0]
        severity, source = _severity(problem)
        status = _status(problem)
        identifier = self._next_id()
        acceptance = None
        if status == "risk_accepted":
            acceptance = self._acceptance(identifier, problem, severity)
            if acceptance is None:
                status = "open"  # no waiver limit to accept it for: left open (a note says)
        data: dict[str, Any] = {
            "kind": "finding",
            "schema_version": 1,
            "title": line(first.title) or "A security finding",
            "status": status,
            "owner": self.owner,
            "created_at": self.stamp,
            "category": first.category,
            "tool": tool_of(first),
            "fingerprint": problem.fingerprint,
            "severity": severity,
            "first_seen": self.stamp,
            "last_seen": self.stamp,
            "scope": problem.scope,
            "reported_by": tools_of(problem.members),
        }
        if source:
            data["severity_source"] = source
        if first.description:
            data["description"] = first.description
        set_lists(data, problem.members, problem.ids)
        location = location_of(first)
        if location:
            data["location"] = location
        if self.service:
            data["service"] = self.service
        sla = self._sla(severity, self.stamp)
        if sla is not None:
            data["sla"] = sla
        if status in ("false_positive", "out_of_scope"):
            decided = next((m for m in problem.members if m.status == status), first)
            data["justification"] = decided.justification or "Closed by the scanner's report."
            data["decided_by"] = decided.decided_by or self.owner
        elif status == "mitigated":
            data["mitigated_at"] = self.stamp
        elif acceptance is not None:
            data["waiver"] = acceptance.ident
        urls = urls_of(problem.members)
        if urls:
            data["links"] = {"urls": urls}
        data["timeline"] = [
            {
                "at": self.stamp,
                "by": self.owner,
                "event": "created",
                "text": f"imported from {first.tool} ({problem.source})",
            }
        ]
        rel = f"{FOLDER}/{identifier}.yaml"
        data["id"] = identifier
        self.new[rel] = data
        self._count("new", data)
        return rel

    def update(self, rel: str, problem: _Problem) -> None:
        data = self._working(rel)
        before = self.existing[rel]
        status = _status(problem)
        if data.get("status") == "mitigated" and status == "open":
            data["status"] = "open"
            data.pop("mitigated_at", None)
            self._note(data, "reopened", f"reported again by {problem.members[0].tool}")
            self._count("reopened", data)
        if data.get("status") == "open" and status in ("false_positive", "out_of_scope"):
            decided = next(m for m in problem.members if m.status == status)
            data["status"] = status
            data["justification"] = decided.justification or "Closed by the scanner's report."
            data["decided_by"] = decided.decided_by or self.owner
            self._note(data, "dismissed", f"{status.replace('_', ' ')} in {decided.tool}")
        if data.get("status") == "open" and status == "mitigated":
            fixed = next(m for m in problem.members if m.status == status)
            data["status"] = "mitigated"
            data["mitigated_at"] = self.stamp
            self._note(data, "mitigated", f"fixed, as {fixed.tool} reports")
            self._count("mitigated", data)
        if status != "mitigated":  # a fixed alert is not seen again
            data["last_seen"] = self.stamp
        union(data, "vulnerability_ids", problem.ids)
        union(data, "reported_by", tools_of(problem.members))
        severity, source = _severity(problem)
        if data.get("severity") != severity and data.get("severity_source") != "manual":
            old = data.get("severity")
            data["severity"] = severity
            if source:
                data["severity_source"] = source
            sla = data.get("sla")
            if isinstance(sla, dict) and isinstance(sla.get("start"), str):
                renewed = self._sla(severity, sla["start"])
                if renewed is not None:
                    sla["due"] = renewed["due"]
            self._note(data, "severity_changed", f"{old} to {severity}, as the scan rates it")
        # After the severity: the waiver is as long as the policy allows for the new one.
        if data.get("status") == "open" and status == "risk_accepted":
            severity = str(data.get("severity", ""))
            acceptance = self._acceptance(str(data.get("id", "")), problem, severity)
            if acceptance is not None:
                decided = next(m for m in problem.members if m.status == status)
                data["status"] = status
                data["waiver"] = acceptance.ident
                self._note(
                    data,
                    "risk_accepted",
                    f"risk accepted in {decided.tool} (waiver {acceptance.ident})",
                )
        if data == before:
            self.counts["unchanged"] += 1
            del self.edited[rel]
        elif (before.get("status"), data.get("status")) in _COUNTED:
            pass  # counted as reopened or mitigated
        else:
            self.counts["updated"] += 1

    def mitigate_absent(self, scope: str, seen: set[str], sources: Sequence[Source]) -> None:
        names = ", ".join(source.name for source in sources)
        for rel, data in self.existing.items():
            if rel in seen or data.get("scope") != scope or data.get("status") != "open":
                continue
            data = self._working(rel)
            data["status"] = "mitigated"
            data["mitigated_at"] = self.stamp
            self._note(data, "mitigated", f"not reported by the scan of {scope} ({names})")
            self._count("mitigated", data)

    def _count(self, what: str, data: Any) -> None:
        self.counts[what] += 1
        by_severity = self.changes.setdefault(what, {})
        severity = str(data.get("severity", ""))
        by_severity[severity] = by_severity.get(severity, 0) + 1

    def _acceptance(self, finding_id: str, problem: _Problem, severity: str) -> Acceptance | None:
        """The waiver for a risk acceptance the report carries: as long as the SLA policy
        allows for the severity, approved by whoever decided on the scanner's side."""
        decided = next(m for m in problem.members if m.status == "risk_accepted")
        reason = decided.justification or f"Risk accepted in {decided.tool}."
        try:
            acceptance = acceptance_waiver(
                self.root,
                finding_id,
                severity,
                line(decided.title) or "",
                reason,
                decided.decided_by or self.owner,
                self.moment,
                None,
                taken=frozenset(self.waivers),
            )
        except UsageError as e:
            self.notes.append(f"{finding_id}: the report accepts its risk, left open: {e}")
            return None
        self.waivers[acceptance.ident] = acceptance
        return acceptance

    def validated(self) -> list[tuple[str, str, bool]]:
        """Every record to write, as text; refuses (writing nothing) when one would not
        pass `maintain check` on its own."""
        kind = KINDS["finding"]
        writes: list[tuple[str, str, bool]] = [
            (acceptance.rel, waiver_text(acceptance), False) for acceptance in self.waivers.values()
        ]
        for rel, data in self.new.items():
            validate_record(kind, data, rel, what=f"{rel}, as the import would write it,")
            document = ordered(kind, data)
            text = fastedit.emit(document, header=HEADER)
            if text is None:
                text = HEADER + roundtrip.new_document(document)
            else:
                self.parsed.remember(text, document)  # verified: it reads back as this
            writes.append((rel, text, False))
        for rel, data in self.edited.items():
            validate_record(kind, data, rel, what=f"{rel}, as the import would write it,")
            text = self.texts[rel]
            patched = fastedit.patch(text, self.existing[rel], data)
            if patched is None:
                patched = _round_trip(text, self.existing[rel], data)
            else:
                self.parsed.remember(patched, data)  # verified: it reads back as this
            writes.append((rel, patched, True))
        return writes

    def _working(self, rel: str) -> dict[str, Any]:
        """The record as this import changes it: a copy of what was read, edited in place."""
        if rel not in self.edited:  # a deep copy (of plain data: marshal's is the fastest)
            self.edited[rel] = marshal.loads(marshal.dumps(self.existing[rel]))  # noqa: S302
        return self.edited[rel]

    def _note(self, data: Any, event: str, text: str) -> None:
        timeline = data.setdefault("timeline", [])
        timeline.append({"at": self.stamp, "by": self.owner, "event": event, "text": text})

    def _sla(self, severity: str, start: str) -> dict[str, str] | None:
        if self.sla is None:
            return None
        target = next((t for s, t in self.sla.finding.items() if s == severity), None)
        if target is None:
            return None
        begun = datetime.fromisoformat(start.replace("Z", "+00:00"))
        return {"start": start, "due": _stamp(self.calendar.add(begun, target))}

    def _next_id(self) -> str:
        for _ in range(50):
            identifier = new_id("SF", self.moment)
            rel = f"{FOLDER}/{identifier}.yaml"
            if rel not in self.new and not (self.root / rel).exists():
                return identifier
        raise UsageError("could not draw a free finding id; try again")


def _round_trip(text: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    """`text` changed from `before` to `after` through the round trip, for the layouts
    `store.fastedit` does not edit; comments and layout kept."""
    editable = roundtrip.load(text)
    roundtrip.apply(editable.data, before, after)
    return editable.dump()


def _format_hint(report_format: str) -> str:
    if report_format == "auto":
        return "give the format with --format when maintain cannot tell it from the content"
    return f"is it really {report_format}? --format auto reads the format from the content"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
