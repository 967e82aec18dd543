"""`maintain probe run`: probe, remember, and open or resolve incidents.

One run: the service records' probes (this shard's share) run concurrently;
each probe's state on the state branch (or `--state-dir`) advances; a probe
that crossed its failure threshold gets an incident (issue + record pull
request, found again by its marker on a rerun), one that recovered gets its
incident resolved and its issue closed; then the states and history rows
that changed are committed to the state branch in one commit, pushed with
retry. Nothing is committed when nothing changed.

Incidents are acted on before the state is saved: if the save fails, the
next run acts again and finds what this one made instead of making it twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maintain_repo.errors import MaintainError
from maintain_repo.model.monitoring import Sample
from maintain_repo.model.service import Service
from maintain_repo.model.timestamps import format_timestamp
from maintain_repo.probes.history import due
from maintain_repo.probes.result import Outcome
from maintain_repo.probes.run import DEFAULT_CONCURRENCY, Target, run_probes, select
from maintain_repo.probes.state import Action, OpenIncident, ProbeState, advance, opened, resolved
from maintain_repo.probes.store import StateDir
from maintain_repo.rules.schema import validate
from maintain_repo.store.repo import RECORDS
from maintain_repo.store.yaml import read_mapping

if TYPE_CHECKING:
    # Imported where incidents are acted on: a run that opens none does not pay for them.
    from maintain_repo.engine.incidents import Ops
    from maintain_repo.model.settings import Settings


@dataclass(frozen=True)
class RunOptions:
    root: Path
    settings: Settings
    now: datetime
    env: Mapping[str, str]
    shard: tuple[int, int] | None = None
    only: tuple[str, ...] = ()
    concurrency: int = DEFAULT_CONCURRENCY
    deadline: float = 240.0
    dry_run: bool = False
    state_dir: Path | None = None  # None: the state branch on origin
    token: str | None = None


@dataclass(frozen=True)
class Row:
    outcome: Outcome
    state: ProbeState
    action: Action
    note: str = ""  # what was done about incidents
    maintenance: bool = False
    writes: tuple[str, ...] = ()  # "state", "history": what was (a dry run: would be) written


@dataclass
class RunReport:
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # services whose probes could not run
    changed: int = 0  # probes whose state or history changed (a dry run: would change)
    commit: str = ""  # the state branch's new tip ("" when nothing was committed)
    where: str = ""  # the state branch or directory
    dry_run: bool = False  # nothing was written: `changed` and the rows say what would be

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(row.outcome.problem for row in self.rows)


@dataclass(frozen=True)
class ProbeItem:
    service: Service
    target: Target

    def in_maintenance(self, moment: datetime) -> bool:
        return any(w.covers(self.target.probe.name, moment) for w in self.service.maintenance)


def load_targets(root: Path) -> tuple[list[ProbeItem], list[str]]:
    """Every enabled probe of every service that is not retired; and the records that fail."""
    probes: list[ProbeItem] = []
    problems: list[str] = []
    folder = root / RECORDS / "services"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        rel = path.relative_to(root).as_posix()
        data = read_mapping(str(path), shown=rel)
        model, findings = (
            (None, []) if data is None else validate(Service, data, path=rel, record=None)
        )
        if model is None or not isinstance(model, Service):
            first = findings[0].message if findings else "it is not a YAML mapping"
            problems.append(f"{rel}: its probes do not run: {first} (run `maintain check`)")
            continue
        if model.status == "retired":
            continue
        probes.extend(
            ProbeItem(model, Target(model.id, probe, rel, str(path), index))
            for index, probe in enumerate(model.probes)
            if probe.enabled
        )
    return probes, problems


def run(options: RunOptions, ops: Ops | None, say: Callable[[str], None]) -> RunReport:
    everything, problems = load_targets(options.root)
    report = RunReport(problems=problems, dry_run=options.dry_run)
    wanted = {
        t.key
        for t in select([p.target for p in everything], shard=options.shard, only=options.only)
    }
    chosen = [p for p in everything if p.target.key in wanted]
    if options.only and not chosen:
        report.problems.append(f"no probe matches --only {' '.join(options.only)}")
    every = options.settings.monitoring.history_interval()
    if options.state_dir is not None:
        # A dry run reads the directory and counts what it would write; it writes nothing.
        report.where = str(options.state_dir)
        store = StateDir(options.state_dir, dry_run=options.dry_run)
        _probe_and_decide(options, ops, store, chosen, report, say)
        _write(store, report, every, options.now)
        return report
    from maintain_repo.git.publish import publish, read_branch

    branch = options.settings.state_branch
    report.where = branch
    with read_branch(options.root, branch, options.token) as tree:
        current = StateDir(tree) if tree is not None else None
        _probe_and_decide(options, ops, current, chosen, report, say)

    def edit(checkout: Path) -> str | None:
        target = StateDir(checkout)  # a temporary worktree: a dry run never pushes it
        target.ensure_readme()
        _write(target, report, every, options.now)
        return _message(report) if report.changed else None

    published = publish(
        options.root,
        branch,
        None,
        edit,
        continue_branch=True,
        token=options.token,
        dry_run=options.dry_run,
        say=say,
    )
    report.commit = published.sha if published.changed else ""
    return report


def _probe_and_decide(
    options: RunOptions,
    ops: Ops | None,
    store: StateDir | None,
    chosen: Sequence[ProbeItem],
    report: RunReport,
    say: Callable[[str], None],
) -> None:
    """Probe, then settle each result: its new state, and the incidents to open or resolve
    (one at a time). Nothing is written here.

    Settling waits for the probes on purpose: file work in threads while the event loop
    runs costs the loop the interpreter lock at every socket call (a 1,000-probe run took
    twice as long that way on two cores)."""
    outcomes = run_probes(
        [p.target for p in chosen],
        now=options.now,
        env=options.env,
        concurrency=options.concurrency,
        deadline=options.deadline,
        secrets=options.settings.monitoring.secrets,
    )
    for item, outcome in zip(chosen, outcomes, strict=True):
        row = _advance(options, store, item, outcome)
        if row.action != "none":
            row = _act(ops, item, row, options.now, report)
            say(f"{outcome.key}: {row.note}")
        report.rows.append(row)
    from maintain_repo.engine.burns import fast_burns  # only when probes ran

    fast_burns(options, ops, store, chosen, report, say)


def _act(ops: Ops | None, item: ProbeItem, row: Row, now: datetime, report: RunReport) -> Row:
    """Open or resolve the row's incident; the row with its new state and a note."""
    try:
        if row.action == "open":
            state, note = _open(ops, item, row.state, row.outcome, now)
        else:
            state, note = _resolve(ops, item, row.state, row.outcome, now)
    except MaintainError as e:
        # GitHub or git failed for this probe: its counts are saved, its incident is not,
        # so the next run tries again; the other probes' results still land.
        verb = "open" if row.action == "open" else "resolve"
        state, note = row.state, f"could not {verb} the incident: {e.message}"
        report.problems.append(f"{row.outcome.key}: {note}")
    return dataclasses.replace(row, state=state, note=note)


def _advance(options: RunOptions, store: StateDir | None, item: ProbeItem, outcome: Outcome) -> Row:
    probe = item.target.probe
    maintenance = item.in_maintenance(options.now)
    before = store.state(outcome.service, outcome.probe) if store else ProbeState()
    state, action = advance(
        before,
        outcome,
        failure_threshold=probe.failure_threshold,
        success_threshold=probe.success_threshold,
        maintenance=maintenance,
    )
    note = ""
    if action == "none" and state.failures >= probe.failure_threshold and state.incident is None:
        note = "in a maintenance window: no incident"
    return Row(outcome, state, action, note, maintenance)


def _write(store: StateDir, report: RunReport, every: timedelta, now: datetime) -> None:
    """Write changed states and due history rows (a dry run's store only counts them); each
    row says what it wrote, and `report.changed` how many probes changed.

    Probes own disjoint folders, so their files are written in parallel: the
    time goes to file system calls, which run outside the interpreter lock.
    """
    with ThreadPoolExecutor(max_workers=8) as pool:
        writes = list(pool.map(lambda row: _write_row(store, row, every, now), report.rows))
    report.rows = [
        dataclasses.replace(row, writes=wrote)
        for row, wrote in zip(report.rows, writes, strict=True)
    ]
    report.changed = sum(bool(wrote) for wrote in writes)


def _write_row(store: StateDir, row: Row, every: timedelta, now: datetime) -> tuple[str, ...]:
    outcome = row.outcome
    if outcome.state == "unknown":
        return ()
    wrote: tuple[str, ...] = ()
    if store.save_state(outcome.service, outcome.probe, row.state):
        wrote = ("state",)
    last = store.last_sample(outcome.service, outcome.probe)
    if due(last, now, outcome.state, every):
        sample = Sample(now, outcome.state, outcome.latency_ms, outcome.code, row.maintenance)
        if store.append(outcome.service, outcome.probe, sample):
            wrote += ("history",)
    return wrote


def _open(
    ops: Ops | None, item: ProbeItem, state: ProbeState, outcome: Outcome, now: datetime
) -> tuple[ProbeState, str]:
    from maintain_repo.engine.incidents import open_incident
    from maintain_repo.report.safe import inert

    service, probe = item.service, item.target.probe
    if ops is None:
        return state, "would open an incident (no GitHub token: nothing opened)"
    since = state.failing_since or now
    # Facts only: the record keeps this text after the incident is resolved.
    summary = (
        f"The probe **{inert(outcome.key)}** ({probe.type} {inert(probe.target())}) failed "
        f"{state.failures} runs in a row from {format_timestamp(since)}.\n\n"
        f"Last result: {inert(outcome.detail)}"
    )
    made = open_incident(
        ops,
        title=f"{service.title}: {probe.name} is down",
        severity=probe.severity,
        services=[service.id],
        summary=summary,
        owner=service.on_call or service.owner,
        now=now,
        dedupe_key=f"probe:{outcome.key}:{format_timestamp(since)}",
        detection={"source": "probe", "probe": outcome.key},
        impact_started_at=since,  # the first failing run: users were hit from then on
        next_step="maintain resolves this incident and closes the issue when the probe passes "
        f"{probe.success_threshold} runs in a row.",
    )
    if not made.issue.number:  # a dry run: nothing exists to remember
        return state, f"would open incident {made.record_id}"
    incident = OpenIncident(made.record_id, made.issue.number, now)
    verb = "opened" if made.issue_created else "found again"
    return opened(state, incident), f"incident {made.record_id} {verb} (#{made.issue.number})"


def _resolve(
    ops: Ops | None, item: ProbeItem, state: ProbeState, outcome: Outcome, now: datetime
) -> tuple[ProbeState, str]:
    """Resolve the record (as maintain: a bot acknowledges nothing), say why on the
    issue, close it, and bring its owned labels and status line in line with the record."""
    from maintain_repo.engine.incident_edits import Actor, Skipped, latest_entry, resolve
    from maintain_repo.engine.incidents import follow_record
    from maintain_repo.engine.proposals import Missing, Refused, edit_record
    from maintain_repo.github.markers import marker
    from maintain_repo.report.safe import inert

    incident = state.incident
    assert incident is not None
    if ops is None:
        return state, f"would resolve incident {incident.id} (no GitHub token: nothing changed)"
    start = state.failing_since or incident.opened_at
    down = _duration(now - start)
    text = (
        f"Recovered: the probe {outcome.key} passed {state.successes} runs in a row; "
        f"it was failing for {down} ({format_timestamp(start)} to {format_timestamp(now)})."
    )
    record: dict[str, Any] = {}

    def remembering(data: Any) -> str | None:
        # Now, or just after the record's last entry if a clock ahead of ours wrote it:
        # the timeline only goes forward. A rerun at the same moment finds its own entry.
        at = max(now, latest_entry(data) or now)
        try:
            return resolve(Actor(ops.api.login, at, person=False), text)(data)
        except (Refused, Skipped):
            return None  # somebody resolved it already, or an earlier run did: it says so
        finally:
            record.update(status=data.get("status"), severity=data.get("severity"))

    gone: list[str] = []

    def edit(checkout: Path) -> str | None:
        try:
            return edit_record(checkout, incident.id, remembering)
        except Missing as e:
            # No record to resolve (its pull request was closed unmerged, its branch
            # deleted): the issue is still closed, and the probe's episode ends here.
            gone.append(e.message)
            return None

    ops.propose(
        incident.id,
        edit,
        f"Incident {incident.id}: resolved, {outcome.key} recovered",
        f"The probe {outcome.key} recovered; this resolves incident {incident.id}.\n\n"
        + marker("pull", incident.id),
    )
    if incident.issue:
        mark = marker("recovered", f"{incident.id}")
        ops.api.upsert_comment(incident.issue, mark, f"**{inert(text)}**\n\n{mark}")
        if ops.api.issue(incident.issue).state != "closed":
            ops.api.edit_issue(incident.issue, state="closed", state_reason="completed")
        follow_record(ops, incident.issue, record or {"status": "resolved"})
        severity = (record or {}).get("severity")
        tell(
            ops,
            "incident.resolved",
            incident,
            f"Incident {incident.id} resolved",
            f"{text} Down for {down}.",
            item.service,
            severity if isinstance(severity, str) else item.target.probe.severity,
        )
    if ops.api.dry_run:
        return state, f"would resolve incident {incident.id} after {down}"
    if gone:
        return resolved(state), f"issue of incident {incident.id} closed after {down}; {gone[0]}"
    return resolved(state), f"incident {incident.id} resolved after {down}"


def tell(
    ops: Ops,
    kind: str,
    incident: OpenIncident,
    title: str,
    body: str,
    service: Service,
    severity: str | None,
) -> None:
    """The notification routes hear of it (once; the incident's issue keeps the receipt)."""
    from maintain_repo.engine.notify import Event, issue_link, notify_ops

    if not incident.issue or ops.api.dry_run:
        return
    link = issue_link(ops.api.repository, incident.issue)
    notify_ops(
        ops,
        Event(
            kind,
            f"{kind}:{incident.id}",
            incident.issue,
            title,
            f"{body} Issue: {link}",
            None,
            (service.id,),
        ),
    )


def _message(report: RunReport) -> str:
    moved = [
        f"{row.outcome.key} {row.state.status}"
        for row in report.rows
        if row.outcome.state != "unknown" and row.state.since == row.outcome.at
    ]
    head = f"probes: {report.changed} changed"
    if moved:
        head += f" ({', '.join(moved[:5])}{', ...' if len(moved) > 5 else ''})"
    return f"{head} [skip ci]"


def _duration(span: timedelta) -> str:
    """How long: `12s`, `4m 10s` under an hour; `2h 5m`, `2d 3h 5m` (to the minute) beyond."""
    seconds = max(int(span.total_seconds()), 0)
    if seconds < 3600:
        parts: tuple[tuple[int, str], ...] = ((seconds // 60, "m"), (seconds % 60, "s"))
    else:
        days, minutes = divmod(seconds // 60, 24 * 60)
        parts = ((days, "d"), (minutes // 60, "h"), (minutes % 60, "m"))
    return " ".join(f"{n}{unit}" for n, unit in parts if n) or "0s"
