"""Generate a synthetic ops repository: N valid, cross-linked records of all kinds.

Records are realistic in size and shape (~40 lines: nested mappings, lists,
timestamps, timelines), every two-way link is written on both sides, and the
repository carries this project's own `policies/` (settings, the SLA policy,
the freeze windows, record policies that read the clock or other records, the
approval policy), copied at generation time. Like a real ops repository it has
work in progress, dated against `NOW` (the benchmarks' MAINTAIN_NOW): about 10%
of incidents and changes, 40% of findings and 30% of improvements are open
(incidents in triage were reported in the last day, changes are scheduled on
working days outside the freeze windows, every due date and waiver is within
what the SLA policy allows), so `maintain check` at `NOW` reports no findings
(a few incidents break a policy under a live waiver: reported as waived) while
every rule and policy does real work.

`--findings half` writes the same corpus (the same records, ids and links) with
one defect in about half of the record files: incidents left in triage for
days, customer impact not described, major incidents without a commander,
risky changes without a rehearsed rollback, deployed commits without passing
tests, urgent findings owned by a person, due dates and waivers longer than the
SLA policy allows... so a check reports thousands of findings (benchmark P2m).

    python benchmarks/corpus.py DIR [--records 10000] [--seed 7] [--findings none|half]
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ROOT = Path(__file__).resolve().parents[1]
SHARE = {"incident": 0.22, "change": 0.25, "finding": 0.14, "problem": 0.03}

# The time the benchmarks judge the corpus at (run.py sets MAINTAIN_NOW to it).
NOW = datetime(2026, 6, 1, tzinfo=UTC)  # a Monday
NOW_TEXT = "2026-06-01T00:00:00Z"
# Closed work happened between START and START + SPAN (2026-05-16).
START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=500)
# gitcorpus.py appends timeline notes dated 2026-05-31T23:00Z: incidents' timelines
# end before that (an entry after it would put the note out of order).
LAST_ENTRY = datetime(2026, 5, 31, 22, 30, tzinfo=UTC)

# This repository's policies, copied into the corpus as they are.
POLICY_FILES = (
    "settings.yaml",
    "sla.yaml",
    "triage-within-a-day.yaml",
    "closed-incidents-action-items.yaml",
    "customer-impact-described.yaml",
    "risky-changes-tested-rollback.yaml",
    "sev1-sev2-need-commander.yaml",
    "urgent-findings-owned-by-teams.yaml",
    "weekend-freeze.yaml",
    "year-end-freeze.yaml",
    "approval.yaml",
)
# What policies/sla.yaml allows, in days (due dates and waivers are kept within it).
IMPROVEMENT_DAYS = {"P1": 30, "P2": 90, "P3": 180, "P4": 365}
FINDING_DAYS = {"critical": 7, "high": 30, "medium": 90, "low": 180, "info": 365}
FINDING_WAIVER_DAYS = {"critical": 30, "high": 90, "medium": 180, "low": 365, "info": 365}
POLICY_WAIVER_DAYS = 180

# Open shares (issue 12: "Fast on a real ops repository").
OPEN_SHARE = {"incident": 0.10, "change": 0.10, "finding": 0.40, "improvement": 0.30}
OPEN_INCIDENT = {"triage": 0.2, "active": 0.35, "mitigated": 0.45}
OPEN_CHANGE = {
    "draft": 0.1,
    "submitted": 0.2,
    "approved": 0.2,
    "scheduled": 0.3,
    "implementing": 0.1,
    "implemented": 0.1,
}
OPEN_STATUSES = {
    "incident": ("triage", "active", "mitigated"),
    "change": tuple(OPEN_CHANGE),
    "finding": ("open",),
    "improvement": ("open", "in_progress"),
}
CLOSED_FINDING = {"mitigated": 0.35, "risk_accepted": 0.12, "false_positive": 0.09, "other": 0.04}
SEVERITY = {"critical": 0.05, "high": 0.2, "medium": 0.45, "low": 0.25, "info": 0.05}
CHANGE_TYPE = {"normal": 0.75, "standard": 0.15, "emergency": 0.1}
RISK = {"low": 0.3, "medium": 0.45, "high": 0.2, "critical": 0.05}
# The services the freeze windows name, beside the numbered ones (tier in brackets).
NAMED_SERVICES = {
    "web-storefront": 1,
    "tracking-api": 1,
    "notifications": 2,
    "carrier-ingest": 2,
    "merchant-portal": 3,
}
SCOPE = "Some requests failed with 5xx"  # customer-impact-described: >= 20 characters
SHORT_SCOPE = "Slow pages"  # too short: the incidents under a policy waiver say this


class Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def new(self, prefix: str, day: datetime) -> str:
        while True:
            suffix = "".join(self.rng.choice(ALPHABET) for _ in range(4))
            rid = f"{prefix}-{day:%Y%m%d}-{suffix}"
            if rid not in self.used:
                self.used.add(rid)
                return rid


class Spoiler:
    """Which records get a defect (`--findings half`), from a generator of its own so
    that both variants hold the same records, ids and links."""

    def __init__(self, seed: int, share: float) -> None:
        self.rng = random.Random(seed * 1_000_003 + 1)
        self.share = share

    def pick(self, *defects: str) -> str | None:
        if not self.share or not defects or self.rng.random() >= self.share:
            return None
        return self.rng.choice(defects)


FINDINGS = {"none": 0.0, "half": 0.5}


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def header(kind: str) -> str:
    return f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json\n"


def between(rng: random.Random, first: datetime, last: datetime) -> datetime:
    """A moment in [first, last), to the minute."""
    return first + timedelta(
        minutes=rng.randrange(max(1, int((last - first).total_seconds() // 60)))
    )


def weighted(rng: random.Random, table: dict[str, float]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def in_range(rng: random.Random) -> datetime:
    """When a piece of closed work happened."""
    return between(rng, START, START + SPAN)


def service(sid: str, i: int, tier: int) -> str:
    return header("service") + (
        f"id: {sid}\nkind: service\nschema_version: 1\ntitle: Service {i}\nstatus: active\n"
        f"owner: acme/team-{i % 7}\ncreated_at: 2025-01-0{1 + i % 9}T09:00:00Z\n"
        f"description: |\n  Serves part {i} of the product.\n  Owned by team {i % 7}.\n"
        f"tier: {tier}\nrunbook: https://runbooks.acme.example/{sid}\non_call: acme/oncall-{i % 7}\n"
        f"repository:\n  name: acme/{sid}\n  default_branch: main\nlabels:\n  - catalog\n"
    )


def generate(
    out: Path,
    records: int,
    seed: int,
    findings: str = "none",
    stats: Counter[tuple[str, str]] | None = None,
) -> dict[str, int]:
    """Write the corpus to `out`; counts by kind. `findings`: "none" or "half" (a defect
    in about half of the record files). `stats`, if given, counts (kind, status)."""
    rng = random.Random(seed)
    spoil = Spoiler(seed, FINDINGS[findings])
    stats = Counter() if stats is None else stats
    ids = Ids(rng)
    if out.exists():
        shutil.rmtree(out)
    for folder in (
        "services",
        "incidents",
        "problems",
        "changes",
        "improvements",
        "findings",
        "waivers",
    ):
        (out / "records" / folder).mkdir(parents=True)
    shutil.copytree(ROOT / "schemas", out / "schemas")
    (out / "policies").mkdir()
    for name in POLICY_FILES:
        shutil.copyfile(ROOT / "policies" / name, out / "policies" / name)
    counts = dict.fromkeys(("service", *SHARE, "improvement", "waiver"), 0)

    numbered = max(4, records // 200)
    services = [(f"service-{i:03d}", i, 1 + i % 4) for i in range(numbered)]
    services += [(sid, numbered + i, tier) for i, (sid, tier) in enumerate(NAMED_SERVICES.items())]
    for sid, i, tier in services:
        (out / "records/services" / f"{sid}.yaml").write_text(service(sid, i, tier))
        counts["service"] += 1
    names = [sid for sid, _, _ in services]
    budget = records - len(services)
    n_inc = int(budget * SHARE["incident"])
    n_prb = max(1, int(budget * SHARE["problem"]))
    n_find = int(budget * SHARE["finding"])

    incidents = [_new_incident(rng, ids) for _ in range(n_inc)]
    problems = [
        {"id": ids.new("PRB", START + timedelta(days=rng.randrange(0, 500))), "incidents": []}
        for _ in range(n_prb)
    ]
    for incident in incidents[: n_prb * 3]:
        problem = rng.choice(problems)
        incident["problem"] = problem["id"]
        problem["incidents"].append(incident["id"])

    # Action items: none yet for an incident in triage; created the day after.
    improvements = []
    for incident in incidents:
        if incident["status"] == "triage":
            continue
        for _ in range(rng.choice((1, 1, 2))):
            at = incident["at"] + timedelta(days=1)
            imp = {"id": ids.new("IMP", at), "source": ("incident", incident["id"]), "at": at}
            incident["actions"].append(imp["id"])
            improvements.append(imp)

    # Changes that caused (closed) incidents, then the rest.
    changes = []
    for incident in incidents[::4]:
        if incident["status"] != "closed":
            continue
        at = incident["at"] - timedelta(hours=rng.randrange(1, 48))
        kind = rng.choice(("normal", "normal", "normal", "emergency"))
        change = {
            "id": ids.new("CHG", at),
            "at": at,
            "status": "closed",
            "type": kind,
            "risk": weighted(rng, RISK),
            "caused": [incident["id"]],
        }
        incident["change"] = change["id"]
        changes.append(change)
    # Those are all closed: the others are open more often, for OPEN_SHARE of all changes.
    n_chg = int(budget * SHARE["change"])
    share = OPEN_SHARE["change"] * n_chg / max(1, n_chg - len(changes))
    while len(changes) < n_chg:
        changes.append(_new_change(rng, ids, share))

    # Security findings, the waivers that accepted some of them, and policy waivers.
    found = [_new_finding(rng, ids) for _ in range(n_find)]
    waivers = []
    for finding in found:
        start, days = finding.get("waiver_at"), FINDING_WAIVER_DAYS[finding["severity"]]
        if start is None:
            continue
        waiver = {
            "id": ids.new("WV", start),
            "at": start,
            "expires": start + timedelta(days=days),
            "status": finding["waiver_status"],
            "finding": finding["id"],
            "days": days,
        }
        if waiver["status"] == "revoked":
            waiver["revoked"] = finding["mitigated"]
        finding["waiver"] = waiver["id"]
        waivers.append(waiver)
    old_closed = [i for i in incidents if i["status"] == "closed" and i["at"] < NOW - 2 * SPAN / 5]
    for incident in old_closed[: max(1, n_inc // 100)]:
        start = NOW - timedelta(days=rng.randrange(1, POLICY_WAIVER_DAYS - 10))
        waiver = {
            "id": ids.new("WV", start),
            "at": start,
            "expires": start + timedelta(days=POLICY_WAIVER_DAYS),
            "status": "active",
            "policy": ("customer-impact-described", incident["id"]),
            "days": POLICY_WAIVER_DAYS,
        }
        incident["waiver"] = waiver["id"]
        waivers.append(waiver)

    remaining = (
        records
        - len(services)
        - len(incidents)
        - len(problems)
        - len(changes)
        - len(found)
        - len(waivers)
        - len(improvements)
    )
    for _ in range(max(0, remaining)):
        at = in_range(rng)
        improvements.append({"id": ids.new("IMP", at), "source": ("product", None), "at": at})
    _improvement_statuses(rng, improvements)
    by_id = {incident["id"]: incident for incident in incidents}
    for imp in improvements:
        kind, ref = imp["source"]
        if kind == "incident" and imp["status"] == "wont_do" and by_id[ref]["status"] == "closed":
            by_id[ref]["dropped"].append(imp["id"])  # explained in the incident's timeline

    for incident in incidents:
        defects = () if incident["waiver"] else _incident_defects(incident)
        text, status = _incident(incident, rng, names, spoil.pick(*defects))
        _write(out, "incidents", incident["id"], text)
        _count(counts, stats, "incident", status)
    for problem in problems:
        text, status = _problem(problem, rng, names, spoil.pick("fix"))
        _write(out, "problems", problem["id"], text)
        _count(counts, stats, "problem", status)
    for change in changes:
        text, status = _change(change, rng, names, spoil.pick(*_change_defects(change)))
        _write(out, "changes", change["id"], text)
        _count(counts, stats, "change", status)
    for improvement in improvements:
        text = _improvement(improvement, rng, names, spoil.pick("due"))
        _write(out, "improvements", improvement["id"], text)
        _count(counts, stats, "improvement", improvement["status"])
    for finding in found:
        defect = spoil.pick("owner" if finding["status"] == "open" else "due")
        text = _finding(finding, rng, names, defect)
        _write(out, "findings", finding["id"], text)
        _count(counts, stats, "finding", finding["status"])
    for waiver in waivers:
        _write(out, "waivers", waiver["id"], _waiver(waiver, spoil.pick("long")))
        _count(counts, stats, "waiver", waiver["status"])
    return counts


def _count(counts: dict[str, int], stats: Counter[tuple[str, str]], kind: str, status: str) -> None:
    counts[kind] += 1
    stats[kind, status] += 1


def _write(out: Path, folder: str, rid: str, text: str) -> None:
    (out / "records" / folder / f"{rid}.yaml").write_text(text)


# Incidents ---------------------------------------------------------------------------


def _new_incident(rng: random.Random, ids: Ids) -> dict:
    """Closed, or open and recent: in triage since the last day (triage-within-a-day),
    active or mitigated since the last two weeks. `at` is when impact started; the
    incident was reported 6 minutes later."""
    status = "closed"
    if rng.random() < OPEN_SHARE["incident"]:
        status = weighted(rng, OPEN_INCIDENT)
    if status == "closed":
        at = in_range(rng)
    elif status == "triage":
        reported = between(rng, NOW - timedelta(hours=23), LAST_ENTRY - timedelta(minutes=5))
        at = reported - timedelta(minutes=6)
    else:
        at = between(rng, NOW - timedelta(days=14), NOW - timedelta(hours=26))
    severity = rng.choice(("SEV1", "SEV2", "SEV3", "SEV3", "SEV4"))
    if status == "triage" and rng.random() < 0.5:
        severity = "unknown"
    return {
        "id": ids.new("INC", at),
        "at": at,
        "status": status,
        "severity": severity,
        "actions": [],
        "dropped": [],
        "change": None,
        "problem": None,
        "waiver": None,
    }


def _incident_defects(incident: dict) -> tuple[str, ...]:
    if incident["status"] == "triage":
        return ("scope",)
    return ("triage", "triage", "scope", "commander")


def _incident(
    incident: dict, rng: random.Random, services: list[str], defect: str | None
) -> tuple[str, str]:
    """The record, and the status written. Defects: `triage` (never left triage, days
    ago), `scope` (customer impact not described), `commander` (SEV2 without one)."""
    at = incident["at"]
    status = "triage" if defect == "triage" else incident["status"]
    sev = incident["severity"]
    svc = rng.sample(services, 2)
    t = [at + timedelta(minutes=m) for m in (0, 4, 6, 11, 35, 80)]
    closed = at + timedelta(days=6)
    scope = SHORT_SCOPE if incident["waiver"] else SCOPE
    roles = "roles:\n  commander: alice\n  scribe: bob\n"
    if defect == "scope":
        scope = "5xx errors"
    elif defect == "commander":
        sev = sev if sev in ("SEV1", "SEV2") else "SEV2"
        roles = "roles:\n  scribe: bob\n"
    if status == "triage":
        roles = "roles:\n  reporter: bob\n"
    acknowledged = status in ("active", "mitigated", "closed")
    mitigated = status in ("mitigated", "closed")
    done = status == "closed"
    actions = "".join(f"  - {a}\n" for a in incident["actions"])
    cause = ""
    if done or incident["change"]:
        cause = "cause:\n" + (
            "  summary: A release exhausted the connection pool.\n  category: config\n"
            if done
            else ""
        )
        if incident["change"]:
            cause += f"  triggering_change: {incident['change']}\n"
    timeline = f"  - at: {ts(t[1])}\n    by: probe-bot\n    event: detected\n    text: health check failed\n"
    if acknowledged and not mitigated:
        timeline += f"  - at: {ts(t[3])}\n    by: alice\n    event: acknowledged\n"
    if mitigated:
        timeline += f"  - at: {ts(t[4])}\n    by: alice\n    event: mitigated\n"
    if done:
        for dropped in incident["dropped"]:
            timeline += (
                f"  - at: {ts(closed - timedelta(hours=1))}\n    by: alice\n    event: note\n"
                f"    text: Dropped {dropped}; the new pool alert covers it.\n"
            )
    lines = (
        f"id: {incident['id']}\nkind: incident\nschema_version: 1\n"
        f"title: Elevated error rate on {svc[0]}\nstatus: {status}\nowner: acme/sre\n"
        f"created_at: {ts(t[2])}\nseverity: {sev}\ntype: availability\n"
        f"services:\n  - {svc[0]}\n  - {svc[1]}\n"
        f"customer_impact:\n  impacted: true\n  scope: {scope}\n"
        f"{roles}"
        f"impact_started_at: {ts(t[0])}\ndetected_at: {ts(t[1])}\nreported_at: {ts(t[2])}\n"
        + (f"acknowledged_at: {ts(t[3])}\n" if acknowledged else "")
        + (f"mitigated_at: {ts(t[4])}\n" if mitigated else "")
        + (f"resolved_at: {ts(t[5])}\nclosed_at: {ts(closed)}\n" if done else "")
        + ("workaround: Shifted traffic to the healthy region.\n" if mitigated else "")
        + ("resolution: Rolled back the faulty release and drained the queue.\n" if done else "")
        + cause
        + (
            "postmortem:\n  status: reviewed\n  owner: alice\n"
            f"  reviewed_at: {ts(closed - timedelta(days=1))}\n"
            if done
            else ""
        )
        + (f"action_items:\n{actions}" if actions else "")
        + (f"problem: {incident['problem']}\n" if incident["problem"] else "")
        + "labels:\n  - customer-facing\n"
        "timeline:\n" + timeline
    )
    return header("incident") + lines, status


# Problems ----------------------------------------------------------------------------


def _problem(
    problem: dict, rng: random.Random, services: list[str], defect: str | None
) -> tuple[str, str]:
    """Defect: `fix` (fix_in_progress without a permanent fix: lifecycle-required)."""
    incidents = "".join(f"  - {i}\n" for i in problem["incidents"]) or ""
    status = "fix_in_progress" if defect == "fix" else "known_error"
    return header("problem") + (
        f"id: {problem['id']}\nkind: problem\nschema_version: 1\ntitle: Pools sized by guesswork\n"
        f"status: {status}\nowner: acme/sre\ncreated_at: 2026-01-01T00:00:00Z\n"
        + (f"incidents:\n{incidents}" if incidents else "proactive: true\n")
        + f"services:\n  - {rng.choice(services)}\n"
        "root_cause: Connection pools are sized without load data.\n"
        "workaround: Keep the previous, larger pool size.\n"
        "known_error_at: 2026-01-02T00:00:00Z\n"
    ), status


# Changes -----------------------------------------------------------------------------


def _new_change(rng: random.Random, ids: Ids, share: float) -> dict:
    """Closed, or (`share` of them) open: created in the last three weeks, not closed."""
    status = "closed"
    if rng.random() < share:
        status = weighted(rng, OPEN_CHANGE)
    kind = weighted(rng, CHANGE_TYPE)
    # Standard changes come from the catalogue: low or medium risk only.
    risk = rng.choice(("low", "medium")) if kind == "standard" else weighted(rng, RISK)
    if status == "closed":
        at = in_range(rng)
        created = at - timedelta(days=1)
    else:
        created = between(rng, NOW - timedelta(days=21), NOW - timedelta(days=2))
        at = created + timedelta(days=1, hours=2)  # deployed (implemented ones)
        if status == "implementing":
            at = NOW - timedelta(minutes=rng.randrange(20, 240))
    change = {
        "id": ids.new("CHG", at if status == "closed" else created),
        "at": at,
        "created": created,
        "status": status,
        "type": kind,
        "risk": risk,
        "caused": [],
    }
    if status == "scheduled":
        change["schedule"] = _working_slot(rng)
    return change


def _working_slot(rng: random.Random) -> tuple[datetime, datetime]:
    """Monday to Thursday of the next four weeks, 07:00-14:00 UTC (09:00-16:00 in
    Amsterdam in summer): outside the weekend freeze, and far from the year-end one."""
    while True:
        day = NOW + timedelta(days=rng.randrange(1, 29))
        if day.weekday() <= 3:
            break
    start = day.replace(hour=rng.randrange(7, 12))
    return start, start + timedelta(hours=rng.randrange(1, 3))


def _change_defects(change: dict) -> tuple[str, ...]:
    if change["status"] == "scheduled":
        return ("rollback", "freeze")
    if change["status"] in ("approved", "implementing"):
        return ("rollback",)  # risky-changes-tested-rollback
    if change["status"] in ("implemented", "closed"):
        return ("evidence",)  # change-tested-commit
    return ("plan",)  # submitted without an implementation plan: lifecycle-required


def _change(
    change: dict, rng: random.Random, services: list[str], defect: str | None
) -> tuple[str, str]:
    """The record, and the status written. Defects: `rollback` (high risk, rollback not
    rehearsed), `freeze` (a normal change to web-storefront scheduled on a Saturday),
    `evidence` (the deployed commit's test failed), `plan` (submitted without an
    implementation plan)."""
    at = change["at"]
    created = change.get("created", at - timedelta(days=1))
    status = change["status"]
    if defect == "plan":
        status = "submitted"
    sha = f"{rng.getrandbits(160):040x}"
    title = rng.choice(services)
    # Most changes go to the customer-facing services (those the freeze windows name).
    service_ = rng.choice(list(NAMED_SERVICES)) if rng.random() < 0.3 else rng.choice(services)
    kind = change["type"]
    caused = "".join(f"  - {i}\n" for i in change["caused"])
    outcome = "failed" if change["caused"] else "successful"
    risk = "high" if defect == "rollback" else change["risk"]
    closed = status == "closed"
    tested = status in ("approved", "scheduled", "implementing", "implemented", "closed")
    approved = tested
    deployed = status in ("implementing", "implemented", "closed")
    if closed:
        submitted, evidence_at, approved_at = (
            at - timedelta(hours=20),
            at - timedelta(hours=3),
            at - timedelta(hours=2),
        )
    else:
        submitted, evidence_at, approved_at = (
            created + timedelta(minutes=30),
            created + timedelta(hours=20),
            created + timedelta(days=1),
        )
    deployment = ""
    if deployed:
        finished = at + timedelta(minutes=9)
        deployment = (
            f"deployment:\n  commit_sha: {sha}\n  environment: production\n  started_at: {ts(at)}\n"
            + (
                "  result: in_progress\n"
                if status == "implementing"
                else f"  finished_at: {ts(finished)}\n  result: success\n"
            )
        )
    schedule = ""
    if "schedule" in change:
        start, end = change["schedule"]
        if defect == "freeze":  # the Saturday of that week: inside weekend-freeze
            service_, kind = "web-storefront", "normal"
            start, end = (moment + timedelta(days=5 - start.weekday()) for moment in (start, end))
        schedule = f"schedule:\n  planned_start: {ts(start)}\n  planned_end: {ts(end)}\n"
    implemented = status in ("implemented", "closed")
    text = header("change") + (
        f"id: {change['id']}\nkind: change\nschema_version: 1\ntitle: Tune {title}\n"
        f"status: {status}\nowner: acme/platform\ncreated_at: {ts(created)}\n"
        f"type: {kind}\nrisk:\n  level: {risk}\n  impact: medium\n  likelihood: low\n"
        f"services:\n  - {service_}\nenvironments:\n  - production\n"
        + schedule
        + (
            ""
            if defect == "plan"
            else "implementation_plan:\n  - Merge the pull request.\n  - Deploy with the pipeline.\n"
        )
        + (
            f"test_evidence:\n  - kind: ci\n    ref: https://ci.acme.example/run/1\n"
            f"    commit_sha: {sha}\n    result: {'fail' if defect == 'evidence' else 'pass'}\n"
            f"    at: {ts(evidence_at)}\n"
            if tested
            else ""
        )
        + "rollback:\n  plan: Revert the pull request and redeploy.\n"
        f"  tested: {'false' if defect == 'rollback' else 'true'}\n"
        + (
            f"approval:\n  pull_request: {rng.randrange(1, 9999)}\n  head_sha: {sha}\n"
            f"  approvers:\n    - login: dave\n      at: {ts(approved_at)}\n"
            f"  evaluated_at: {ts(approved_at)}\n"
            if approved
            else ""
        )
        + deployment
        + (f"outcome: {outcome}\n" if implemented else "")
        + (f"caused_incidents:\n{caused}" if caused else "")
        + (
            f"review:\n  completed_at: {ts(at + timedelta(days=2))}\n  summary: Went as planned.\n"
            if closed
            else ""
        )
        + (f"submitted_at: {ts(submitted)}\n" if status != "draft" else "")
        + (f"implemented_at: {ts(at + timedelta(minutes=9))}\n" if implemented else "")
        + (f"closed_at: {ts(at + timedelta(days=2))}\n" if closed else "")
    )
    return text, status


# Improvements ------------------------------------------------------------------------


def _improvement_statuses(rng: random.Random, improvements: list[dict]) -> None:
    """OPEN_SHARE of them open or in progress (2:1), the rest done or (7%) wont_do. Work
    created less than 9 days before NOW is not done yet (it starts 2 days and is done 9
    days after it was created), so it is open whatever the draw; the others are open
    more often, to make up for it."""
    recent = sum(1 for imp in improvements if imp["at"] + timedelta(days=9) > NOW)
    target = OPEN_SHARE["improvement"] * len(improvements)
    share = max(0.0, target - recent) / max(1, len(improvements) - recent)
    for imp in improvements:
        at = imp["at"]
        if at + timedelta(days=9) > NOW:
            status = "in_progress" if at + timedelta(days=2) <= NOW else "open"
        elif rng.random() < share:
            status = "in_progress" if rng.random() < 1 / 3 else "open"
        else:
            status = "wont_do" if rng.random() < 0.07 else "done"
        imp["status"] = status


def _improvement(
    improvement: dict, rng: random.Random, services: list[str], defect: str | None
) -> str:
    """Defect: `due` (a due date later than the SLA policy allows: sla-due)."""
    kind, ref = improvement["source"]
    at = improvement["at"]
    status = improvement["status"]
    priority = f"P{rng.randrange(1, 5)}"
    due = at + timedelta(days=30)  # the P1 target: within every priority's
    if defect == "due":
        due = at + timedelta(days=IMPROVEMENT_DAYS[priority] + 30)
    source = f"source:\n  kind: {kind}\n" + (f"  ref: {ref}\n" if ref else "")
    started = status in ("in_progress", "done")
    return header("improvement") + (
        f"id: {improvement['id']}\nkind: improvement\nschema_version: 1\n"
        f"title: Alert on connection pool saturation\nstatus: {status}\nowner: acme/sre\n"
        f"created_at: {ts(at)}\n"
        "description: |\n  Page the owning team when pool use stays above 85% for 5 minutes.\n"
        f"{source}category: detect\npriority: {priority}\n"
        f"services:\n  - {rng.choice(services)}\n"
        f"due: {ts(due)}\n"
        + (f"started_at: {ts(at + timedelta(days=2))}\n" if started else "")
        + (
            f"done_at: {ts(at + timedelta(days=9))}\n"
            "verification: The alert fired in a staging load test.\n"
            if status == "done"
            else ""
        )
        + ("wont_do_reason: The new pool alert covers this case.\n" if status == "wont_do" else "")
        + f"timeline:\n  - at: {ts(at)}\n    by: alice\n    event: created\n"
    )


# Security findings and waivers -------------------------------------------------------


def _new_finding(rng: random.Random, ids: Ids) -> dict:
    """Open (seen in the last 200 days), or closed: mitigated, accepted under a waiver
    that is live at NOW (created within the waiver length the SLA policy allows), or
    dismissed. Some mitigated ones were accepted under a waiver earlier, now revoked
    or expired."""
    status = "open"
    if rng.random() >= OPEN_SHARE["finding"]:
        status = weighted(rng, CLOSED_FINDING)
        if status == "other":
            status = rng.choice(("false_positive", "out_of_scope"))
    severity = weighted(rng, SEVERITY)
    finding: dict = {"status": status, "severity": severity, "waiver": None}
    limit = timedelta(days=FINDING_WAIVER_DAYS[severity])
    if status == "open":
        at = between(rng, NOW - timedelta(days=200), NOW - timedelta(days=1))
        finding["last_seen"] = max(at, NOW - timedelta(minutes=rng.randrange(60, 1200)))
    elif status == "risk_accepted":
        accepted = between(rng, NOW - limit + timedelta(days=1), NOW - timedelta(hours=1))
        at = accepted - timedelta(days=rng.randrange(1, 31))
        finding["waiver_at"], finding["waiver_status"] = accepted, "active"
    else:
        at = in_range(rng)
    if status == "mitigated":
        mitigated = at + timedelta(days=rng.randrange(1, FINDING_DAYS[severity] + 1))
        if rng.random() < 0.25:  # accepted for a while first
            accepted = at + timedelta(days=1)
            if accepted + limit + timedelta(days=1) < NOW and rng.random() < 0.5:
                finding["waiver_status"] = "expired"
                mitigated = accepted + limit + timedelta(hours=rng.randrange(1, 24))
            else:
                finding["waiver_status"] = "revoked"
                mitigated = accepted + timedelta(days=rng.randrange(1, 8))
            finding["waiver_at"] = accepted
        finding["mitigated"] = min(mitigated, NOW - timedelta(hours=1))
    finding["id"] = ids.new("SF", at)
    finding["at"] = at
    finding.setdefault("last_seen", min(at + timedelta(days=3), NOW - timedelta(hours=1)))
    if "mitigated" in finding:
        finding["last_seen"] = min(finding["last_seen"], finding["mitigated"])
    return finding


def _finding(finding: dict, rng: random.Random, services: list[str], defect: str | None) -> str:
    """Defects: `owner` (an open high finding owned by a person, not a team: a warning),
    `due` (an SLA due date later than the SLA policy allows: sla-due)."""
    at = finding["at"]
    status = finding["status"]
    severity = "high" if defect == "owner" else finding["severity"]
    owner = "alice" if defect == "owner" else "acme/security"
    due = at + timedelta(days=FINDING_DAYS[severity] + (30 if defect == "due" else 0))
    closing = ""
    if status == "mitigated":
        closing = f"mitigated_at: {ts(finding['mitigated'])}\n"
    elif status in ("false_positive", "out_of_scope"):
        closing = (
            "justification: The vulnerable function is not reachable from our code.\n"
            "decided_by: alice\n"
        )
    return header("finding") + (
        f"id: {finding['id']}\nkind: finding\nschema_version: 1\n"
        "title: urllib3 proxy-authorization header leak\n"
        f"status: {status}\nowner: {owner}\ncreated_at: {ts(at)}\n"
        "category: dependency\ntool:\n  name: pip-audit\n  version: 2.9.0\n"
        f"fingerprint: {rng.getrandbits(256):064x}\nseverity: {severity}\n"
        "severity_source: advisory\n"
        "vulnerability_ids:\n  - CVE-2026-12345\n  - GHSA-abcd-efgh-ijkl\ncwe:\n  - CWE-200\n"
        "cvss:\n  - version: '3.1'\n    vector: CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N\n    score: 5.3\n"
        "location:\n  package:\n    ecosystem: PyPI\n    name: urllib3\n    version: 1.26.5\n"
        "  manifest: requirements.txt\nfix_versions:\n  - 1.26.18\n"
        f"service: {rng.choice(services)}\nfirst_seen: {ts(at)}\n"
        f"last_seen: {ts(finding['last_seen'])}\n"
        + closing
        + f"sla:\n  start: {ts(at)}\n  due: {ts(due)}\n"
        + (f"waiver: {finding['waiver']}\n" if finding["waiver"] else "")
    )


def _waiver(waiver: dict, defect: str | None) -> str:
    """Defect: `long` (a month longer than the SLA policy allows: waiver-too-long)."""
    at = waiver["at"]
    expires = waiver["expires"] + (timedelta(days=30) if defect == "long" else timedelta())
    if "policy" in waiver:
        policy, record = waiver["policy"]
        covers = (
            f"covers:\n  policies:\n    - policy: {policy}\n      records:\n        - {record}\n"
        )
        title = "Accept the short impact note until the postmortem is rewritten"
    else:
        covers = f"covers:\n  findings:\n    - {waiver['finding']}\n"
        title = "Accept the urllib3 issue until the SDK upgrade"
    return header("waiver") + (
        f"id: {waiver['id']}\nkind: waiver\nschema_version: 1\n"
        f"title: {title}\nstatus: {waiver['status']}\n"
        f"owner: acme/security\ncreated_at: {ts(at)}\n"
        + covers
        + "justification: The vulnerable code path needs a proxy we do not use.\n"
        "compensating_controls: Egress is restricted to the payment provider.\n"
        f"approver: erin\napproved_in: 91\nexpires: {ts(expires)}\n"
        + (f"revoked_at: {ts(waiver['revoked'])}\n" if waiver["status"] == "revoked" else "")
    )


def open_shares(stats: Counter[tuple[str, str]]) -> dict[str, str]:
    """For each kind with a target open share: 'open/total (share)'."""
    shares = {}
    for kind, statuses in OPEN_STATUSES.items():
        total = sum(n for (k, _), n in stats.items() if k == kind)
        opened = sum(stats[kind, status] for status in statuses)
        shares[kind] = f"{opened}/{total} ({opened / max(total, 1):.0%})"
    return shares


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--findings",
        choices=sorted(FINDINGS),
        default="none",
        help="none: every policy holds at NOW; half: a defect in about half the record files",
    )
    args = parser.parse_args(argv)
    stats: Counter[tuple[str, str]] = Counter()
    counts = generate(args.out, args.records, args.seed, args.findings, stats)
    print(f"wrote {sum(counts.values())} records to {args.out}: {counts}")
    print(f"open (judged at {NOW_TEXT}): {open_shares(stats)}")


if __name__ == "__main__":
    main()
