"""Generate a synthetic ops repository: N valid, cross-linked records of all kinds.

Records are realistic in size and shape (~40 lines: nested mappings, lists,
timestamps, timelines) and every two-way link is written on both sides, so
`maintain check` on the corpus reports nothing and all rules do real work.

    python benchmarks/corpus.py DIR [--records 10000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ROOT = Path(__file__).resolve().parents[1]
SHARE = {"incident": 0.22, "change": 0.25, "finding": 0.14, "problem": 0.03}


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


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def header(kind: str) -> str:
    return f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json\n"


def service(i: int) -> tuple[str, str]:
    sid = f"service-{i:03d}"
    text = header("service") + (
        f"id: {sid}\nkind: service\nschema_version: 1\ntitle: Service {i}\nstatus: active\n"
        f"owner: acme/team-{i % 7}\ncreated_at: 2025-01-0{1 + i % 9}T09:00:00Z\n"
        f"description: |\n  Serves part {i} of the product.\n  Owned by team {i % 7}.\n"
        f"tier: {1 + i % 4}\nrunbook: https://runbooks.acme.example/{sid}\non_call: acme/oncall-{i % 7}\n"
        f"repository:\n  name: acme/{sid}\n  default_branch: main\nlabels:\n  - catalog\n"
    )
    return sid, text


def generate(out: Path, records: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
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
    (out / "policies/settings.yaml").write_text("kind: Settings\nschema_version: 1\n")
    counts = dict.fromkeys(("service", *SHARE, "improvement", "waiver"), 0)

    services = [service(i) for i in range(max(4, records // 200))]
    for sid, text in services:
        (out / "records/services" / f"{sid}.yaml").write_text(text)
        counts["service"] += 1
    names = [sid for sid, _ in services]
    budget = records - len(services)
    n_inc = int(budget * SHARE["incident"])
    n_prb = max(1, int(budget * SHARE["problem"]))
    n_find = int(budget * SHARE["finding"])
    start = datetime(2025, 1, 1, tzinfo=UTC)

    # Changes and incidents first (links point from incidents to changes and back).
    incidents = []
    for _ in range(n_inc):
        day = start + timedelta(minutes=rng.randrange(0, 500 * 24 * 60))
        incidents.append(
            {"id": ids.new("INC", day), "at": day, "actions": [], "change": None, "problem": None}
        )
    problems = [
        {"id": ids.new("PRB", start + timedelta(days=rng.randrange(0, 500))), "incidents": []}
        for _ in range(n_prb)
    ]
    for incident in incidents[: n_prb * 3]:
        problem = rng.choice(problems)
        incident["problem"] = problem["id"]
        problem["incidents"].append(incident["id"])
    changes = []
    improvements = []
    for incident in incidents:
        for _ in range(rng.choice((1, 1, 2))):
            imp = ids.new("IMP", incident["at"] + timedelta(days=1))
            incident["actions"].append(imp)
            improvements.append(
                {
                    "id": imp,
                    "source": ("incident", incident["id"]),
                    "at": incident["at"] + timedelta(days=1),
                }
            )
    for incident in incidents[::4]:
        chg_at = incident["at"] - timedelta(hours=rng.randrange(1, 48))
        change = {"id": ids.new("CHG", chg_at), "at": chg_at, "caused": [incident["id"]]}
        incident["change"] = change["id"]
        changes.append(change)
    while len(changes) < int(budget * SHARE["change"]):
        chg_at = start + timedelta(minutes=rng.randrange(0, 500 * 24 * 60))
        changes.append({"id": ids.new("CHG", chg_at), "at": chg_at, "caused": []})
    findings = []
    for _ in range(n_find):
        at = start + timedelta(minutes=rng.randrange(0, 500 * 24 * 60))
        findings.append({"id": ids.new("SF", at), "at": at, "waiver": None})
    waivers = []
    for finding in findings[: max(1, n_find // 6)]:
        waiver = {
            "id": ids.new("WV", finding["at"] + timedelta(days=1)),
            "at": finding["at"] + timedelta(days=1),
            "finding": finding["id"],
        }
        finding["waiver"] = waiver["id"]
        waivers.append(waiver)
    remaining = (
        records
        - len(services)
        - len(incidents)
        - len(problems)
        - len(changes)
        - len(findings)
        - len(waivers)
        - len(improvements)
    )
    for _ in range(max(0, remaining)):
        at = start + timedelta(minutes=rng.randrange(0, 500 * 24 * 60))
        improvements.append({"id": ids.new("IMP", at), "source": ("product", None), "at": at})

    for incident in incidents:
        _write(out, "incidents", incident["id"], _incident(incident, rng, names))
        counts["incident"] += 1
    for problem in problems:
        _write(out, "problems", problem["id"], _problem(problem, rng, names))
        counts["problem"] += 1
    for change in changes:
        _write(out, "changes", change["id"], _change(change, rng, names))
        counts["change"] += 1
    for improvement in improvements:
        _write(out, "improvements", improvement["id"], _improvement(improvement, rng, names))
        counts["improvement"] += 1
    for finding in findings:
        _write(out, "findings", finding["id"], _finding(finding, rng, names))
        counts["finding"] += 1
    for waiver in waivers:
        _write(out, "waivers", waiver["id"], _waiver(waiver))
        counts["waiver"] += 1
    return counts


def _write(out: Path, folder: str, rid: str, text: str) -> None:
    (out / "records" / folder / f"{rid}.yaml").write_text(text)


def _incident(incident: dict, rng: random.Random, services: list[str]) -> str:
    at = incident["at"]
    sev = rng.choice(("SEV1", "SEV2", "SEV3", "SEV3", "SEV4"))
    svc = rng.sample(services, 2)
    t = [at + timedelta(minutes=m) for m in (0, 4, 6, 11, 35, 80)]
    closed = at + timedelta(days=6)
    actions = "".join(f"  - {a}\n" for a in incident["actions"])
    lines = (
        f"id: {incident['id']}\nkind: incident\nschema_version: 1\n"
        f"title: Elevated error rate on {svc[0]}\nstatus: closed\nowner: acme/sre\n"
        f"created_at: {ts(t[2])}\nseverity: {sev}\ntype: availability\n"
        f"services:\n  - {svc[0]}\n  - {svc[1]}\n"
        "customer_impact:\n  impacted: true\n  scope: Some requests failed with 5xx\n"
        "roles:\n  commander: alice\n  scribe: bob\n"
        f"impact_started_at: {ts(t[0])}\ndetected_at: {ts(t[1])}\nreported_at: {ts(t[2])}\n"
        f"acknowledged_at: {ts(t[3])}\nmitigated_at: {ts(t[4])}\nresolved_at: {ts(t[5])}\n"
        f"closed_at: {ts(closed)}\n"
        "workaround: Shifted traffic to the healthy region.\n"
        "resolution: Rolled back the faulty release and drained the queue.\n"
        "cause:\n  summary: A release exhausted the connection pool.\n  category: config\n"
        + (f"  triggering_change: {incident['change']}\n" if incident["change"] else "")
        + "postmortem:\n  status: reviewed\n  owner: alice\n"
        f"  reviewed_at: {ts(closed - timedelta(days=1))}\n"
        f"action_items:\n{actions}"
        + (f"problem: {incident['problem']}\n" if incident["problem"] else "")
        + "labels:\n  - customer-facing\n"
        "timeline:\n"
        f"  - at: {ts(t[1])}\n    by: probe-bot\n    event: detected\n    text: health check failed\n"
        f"  - at: {ts(t[4])}\n    by: alice\n    event: mitigated\n"
    )
    return header("incident") + lines


def _problem(problem: dict, rng: random.Random, services: list[str]) -> str:
    incidents = "".join(f"  - {i}\n" for i in problem["incidents"]) or ""
    return header("problem") + (
        f"id: {problem['id']}\nkind: problem\nschema_version: 1\ntitle: Pools sized by guesswork\n"
        "status: known_error\nowner: acme/sre\ncreated_at: 2026-01-01T00:00:00Z\n"
        + (f"incidents:\n{incidents}" if incidents else "proactive: true\n")
        + f"services:\n  - {rng.choice(services)}\n"
        "root_cause: Connection pools are sized without load data.\n"
        "workaround: Keep the previous, larger pool size.\n"
        "known_error_at: 2026-01-02T00:00:00Z\n"
    )


def _change(change: dict, rng: random.Random, services: list[str]) -> str:
    at = change["at"]
    sha = f"{rng.getrandbits(160):040x}"
    caused = "".join(f"  - {i}\n" for i in change["caused"])
    outcome = "failed" if change["caused"] else "successful"
    return header("change") + (
        f"id: {change['id']}\nkind: change\nschema_version: 1\ntitle: Tune {rng.choice(services)}\n"
        f"status: closed\nowner: acme/platform\ncreated_at: {ts(at - timedelta(days=1))}\n"
        "type: normal\nrisk:\n  level: medium\n  impact: medium\n  likelihood: low\n"
        f"services:\n  - {rng.choice(services)}\nenvironments:\n  - production\n"
        "implementation_plan:\n  - Merge the pull request.\n  - Deploy with the pipeline.\n"
        f"test_evidence:\n  - kind: ci\n    ref: https://ci.acme.example/run/1\n    commit_sha: {sha}\n"
        f"    result: pass\n    at: {ts(at - timedelta(hours=3))}\n"
        "rollback:\n  plan: Revert the pull request and redeploy.\n  tested: true\n"
        f"approval:\n  pull_request: {rng.randrange(1, 9999)}\n  head_sha: {sha}\n  approvers:\n"
        f"    - login: dave\n      at: {ts(at - timedelta(hours=2))}\n"
        f"  evaluated_at: {ts(at - timedelta(hours=2))}\n"
        f"deployment:\n  commit_sha: {sha}\n  environment: production\n"
        f"  started_at: {ts(at)}\n  finished_at: {ts(at + timedelta(minutes=9))}\n  result: success\n"
        f"outcome: {outcome}\n"
        + (f"caused_incidents:\n{caused}" if caused else "")
        + f"review:\n  completed_at: {ts(at + timedelta(days=2))}\n  summary: Went as planned.\n"
        f"submitted_at: {ts(at - timedelta(hours=20))}\nimplemented_at: {ts(at + timedelta(minutes=9))}\n"
        f"closed_at: {ts(at + timedelta(days=2))}\n"
    )


def _improvement(improvement: dict, rng: random.Random, services: list[str]) -> str:
    kind, ref = improvement["source"]
    at = improvement["at"]
    source = f"source:\n  kind: {kind}\n" + (f"  ref: {ref}\n" if ref else "")
    return header("improvement") + (
        f"id: {improvement['id']}\nkind: improvement\nschema_version: 1\n"
        "title: Alert on connection pool saturation\nstatus: done\nowner: acme/sre\n"
        f"created_at: {ts(at)}\n"
        "description: |\n  Page the owning team when pool use stays above 85% for 5 minutes.\n"
        f"{source}category: detect\npriority: P{rng.randrange(1, 5)}\n"
        f"services:\n  - {rng.choice(services)}\n"
        f"due: {ts(at + timedelta(days=30))}\nstarted_at: {ts(at + timedelta(days=2))}\n"
        f"done_at: {ts(at + timedelta(days=9))}\n"
        "verification: The alert fired in a staging load test.\n"
        f"timeline:\n  - at: {ts(at)}\n    by: alice\n    event: created\n"
    )


def _finding(finding: dict, rng: random.Random, services: list[str]) -> str:
    at = finding["at"]
    status = "risk_accepted" if finding["waiver"] else "open"
    return header("finding") + (
        f"id: {finding['id']}\nkind: finding\nschema_version: 1\n"
        "title: urllib3 proxy-authorization header leak\n"
        f"status: {status}\nowner: acme/security\ncreated_at: {ts(at)}\n"
        "category: dependency\ntool:\n  name: pip-audit\n  version: 2.9.0\n"
        f"fingerprint: {rng.getrandbits(256):064x}\nseverity: medium\nseverity_source: cvss_v3\n"
        "vulnerability_ids:\n  - CVE-2026-12345\n  - GHSA-abcd-efgh-ijkl\ncwe:\n  - CWE-200\n"
        "cvss:\n  - version: '3.1'\n    vector: CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N\n    score: 5.3\n"
        "location:\n  package:\n    ecosystem: PyPI\n    name: urllib3\n    version: 1.26.5\n"
        "  manifest: requirements.txt\nfix_versions:\n  - 1.26.18\n"
        f"service: {rng.choice(services)}\nfirst_seen: {ts(at)}\nlast_seen: {ts(at + timedelta(days=3))}\n"
        f"sla:\n  start: {ts(at)}\n  due: {ts(at + timedelta(days=90))}\n"
        + (f"waiver: {finding['waiver']}\n" if finding["waiver"] else "")
    )


def _waiver(waiver: dict) -> str:
    at = waiver["at"]
    return header("waiver") + (
        f"id: {waiver['id']}\nkind: waiver\nschema_version: 1\n"
        "title: Accept the urllib3 issue until the SDK upgrade\nstatus: active\n"
        f"owner: acme/security\ncreated_at: {ts(at)}\n"
        f"covers:\n  findings:\n    - {waiver['finding']}\n"
        "justification: The vulnerable code path needs a proxy we do not use.\n"
        "compensating_controls: Egress is restricted to the payment provider.\n"
        f"approver: erin\napproved_in: 91\nexpires: {ts(at + timedelta(days=1100))}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    counts = generate(args.out, args.records, args.seed)
    print(f"wrote {sum(counts.values())} records to {args.out}: {counts}")


if __name__ == "__main__":
    main()
