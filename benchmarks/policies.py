"""Twenty realistic CEL record policies for the P8 benchmark."""

from __future__ import annotations

from pathlib import Path

POLICIES = [
    (
        "incident",
        "record.severity in ['SEV1', 'SEV2']",
        "has(record.roles) && has(record.roles.commander)",
    ),
    ("incident", "record.status == 'closed'", "has(record.cause) && has(record.cause.summary)"),
    (
        "incident",
        "record.status == 'closed'",
        "size(record.action_items) > 0 || has(record.no_action_items_reason)",
    ),
    (
        "incident",
        "has(record.customer_impact) && record.customer_impact.impacted",
        "size(record.customer_impact.scope) >= 20",
    ),
    ("incident", "", "record.services.all(s, s.startsWith('service-'))"),
    (
        "incident",
        "record.status in ['resolved', 'closed']",
        "timestamp(record.resolved_at) - timestamp(record.reported_at) < duration('720h')",
    ),
    ("incident", "", "record.timeline.all(e, e.by != '' && e.event != '')"),
    (
        "change",
        "record.type == 'normal'",
        "has(record.risk) && record.risk.level in ['low', 'medium', 'high', 'critical']",
    ),
    ("change", "record.status == 'closed'", "has(record.outcome)"),
    ("change", "has(record.deployment)", "record.test_evidence.exists(t, t.result == 'pass')"),
    ("change", "", "size(record.implementation_plan) >= 1"),
    (
        "change",
        "record.status == 'closed' && has(record.approval)",
        "size(record.approval.approvers) >= 1",
    ),
    (
        "improvement",
        "record.status == 'done'",
        "has(record.verification) && size(record.verification) > 10",
    ),
    ("improvement", "record.priority in ['P1', 'P2']", "has(record.due)"),
    ("improvement", "", "record.title.size() <= 200 && !record.title.endsWith('.')"),
    ("finding", "record.severity in ['critical', 'high']", "has(record.sla)"),
    (
        "finding",
        "record.category == 'dependency'",
        "has(record.location) && has(record.location.package)",
    ),
    ("finding", "", "record.vulnerability_ids.all(v, v.matches('^[A-Z]+-'))"),
    ("waiver", "", "size(record.justification) >= 20"),
    ("service", "record.tier <= 2", "has(record.runbook) && has(record.on_call)"),
]


def write(root: Path) -> int:
    directory = root / "policies"
    for index, (kind, condition, expression) in enumerate(POLICIES):
        match = f"match:\n  kinds: [{kind}]\n" + (
            f'  condition: "{condition}"\n' if condition else ""
        )
        (directory / f"bench-{index:02d}.yaml").write_text(
            f"kind: RecordPolicy\nname: bench-{index:02d}\n{match}"
            f'validations:\n  - expression: "{expression}"\n'
        )
    return len(POLICIES)
