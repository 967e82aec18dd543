"""What `maintain init` writes besides the folders and schemas: the files a new ops
repository needs to work on its first commit.

- `policies/settings.yaml` (with `github.repository` when given);
- `policies/sla.yaml`: service levels with documented starting values;
- `policies/approval.yaml`: who approves a pull request (peer review; standard changes on
  a green check);
- a starter policy pack (`policies/major-incidents-need-commander.yaml`,
  `policies/customer-impact-described.yaml`) with its tests in `policies/tests/`;
- `records/services/example-service.yaml`: a service with a probe, disabled until its URL
  is the team's;
- `.github/ISSUE_TEMPLATE/incident.yml`: the incident issue form;
- `.pre-commit-config.yaml`: maintain's hooks, pinned to this version;
- `README.md` for the ops repository.

Each text is a template of this module filled with the team's names (`Starter`); a file
that exists already is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from maintain_repo import HOME, __version__


@dataclass(frozen=True)
class Starter:
    """Who the new repository belongs to."""

    org: str | None = None  # the GitHub organization (or user)
    repo: str | None = None  # OWNER/NAME of the ops repository on GitHub
    team: str | None = None  # the team that owns the operations (slug, or ORG/slug)

    @property
    def owner(self) -> str:
        """Who owns the starter records: the team (as ORG/slug), else the organization,
        else `ops` (a placeholder login to replace)."""
        if self.team:
            if "/" in self.team or not self.org:
                return self.team.lstrip("@")
            return f"{self.org}/{self.team}"
        return self.org or "ops"


SLA_TEXT = """\
# yaml-language-server: $schema=../schemas/sla-policy.schema.json
# Service levels: how long each obligation may take. These are starting values to adjust
# to what you have agreed; business days (bd) follow policies/settings.yaml.
# `maintain sla` lists what is due, at risk (past at_risk_after of its time) and breached.
kind: SLAPolicy
name: service-levels
description: >-
  Response targets for incidents by severity, postmortem deadlines, action items
  by priority and the remediation windows for security findings.
incident:
  acknowledge: {SEV1: 15m, SEV2: 30m, SEV3: 4h, SEV4: 1bd}
  resolve: {SEV1: 4h, SEV2: 8h, SEV3: 3bd, SEV4: 10bd}
  postmortem: {SEV1: 10bd, SEV2: 15bd}
improvement: {P1: 30d, P2: 90d, P3: 180d, P4: 365d}
finding: {critical: 7d, high: 30d, medium: 90d, low: 180d, info: 365d}
waiver:
  finding: {critical: 30d, high: 90d, medium: 180d, low: 365d, info: 365d}
  policy: 180d
at_risk_after: 0.75
"""


def settings_text(starter: Starter) -> str:
    github = f"github:\n  repository: {starter.repo}\n" if starter.repo else ""
    return (
        "# yaml-language-server: $schema=../schemas/settings.schema.json\n"
        "# Repository-wide settings of this ops repository.\n"
        "kind: Settings\n"
        "schema_version: 1\n"
        f"{github}"
        "time_zone: UTC\n"
        "business_days: [mon, tue, wed, thu, fri]\n"
    )


def approval_text(starter: Starter) -> str:
    veto = (
        f"  disapproval:\n    requires: {{teams: [{starter.owner}]}}\n"
        if "/" in starter.owner
        else ""
    )
    return f"""\
# yaml-language-server: $schema=../schemas/approval-policy.schema.json
# Who approves a pull request to this repository (`maintain approve`, the approval
# workflow). It is read from the base branch: a pull request cannot loosen the policy
# that judges it. When every rule is skipped, the pull request is not approved.
kind: ApprovalPolicy
name: change-approval
description: >-
  One reviewer with write access approves a change; pre-approved standard changes of
  low or medium risk need only a green check.
policy:
  approval:
    - or: [standard-change, peer-review]
{veto}rules:
  - name: standard-change
    description: A pull request that only adds or updates low-risk standard change records.
    if:
      only_changed_files: {{paths: ['^records/changes/CHG-[0-9]{{8}}-[0-9A-Z]{{4}}\\.yaml$']}}
      change: {{types: [standard], risk: [low, medium]}}
    requires:
      count: 0
  - name: peer-review
    description: Everything else is reviewed by one person with write access.
    requires:
      count: 1
      permissions: [write]
"""


COMMANDER_POLICY = """\
# yaml-language-server: $schema=../schemas/record-policy.schema.json
kind: RecordPolicy
name: major-incidents-need-commander
description: >-
  A SEV1 or SEV2 incident past triage has an incident commander, so one person owns
  decisions and communication (`/commander @login` on the incident issue).
severity: error
match:
  kinds: [incident]
  condition: >-
    record.severity in ['SEV1', 'SEV2']
    && record.status in ['active', 'mitigated', 'resolved', 'closed']
validations:
  - expression: "has(record.roles) && has(record.roles.commander)"
    message: "SEV1 and SEV2 incidents past triage need roles.commander"
    messageExpression: >-
      record.id + ' is ' + record.severity + ' and ' + record.status
      + ' but names no commander'
"""

IMPACT_POLICY = """\
# yaml-language-server: $schema=../schemas/record-policy.schema.json
kind: RecordPolicy
name: customer-impact-described
description: >-
  An incident that hit customers says how (scope), so the review and the status page
  can tell them what happened.
severity: warning
match:
  kinds: [incident]
  condition: "has(record.customer_impact) && record.customer_impact.impacted"
validations:
  - expression: "has(record.customer_impact.scope)"
    message: "an incident with customer impact describes its scope (customer_impact.scope)"
"""


def commander_test(starter: Starter) -> str:
    return f"""\
# yaml-language-server: $schema=../../schemas/policy-test.schema.json
kind: PolicyTest
name: a SEV1 incident past triage without a commander is an error
records:
  - record:
      id: INC-20260105-T3ST
      kind: incident
      schema_version: 1
      title: Checkout fails for every customer
      status: active
      owner: {starter.owner}
      created_at: 2026-01-05T09:00:00Z
      severity: SEV1
      type: availability
      services: [example-service]
      reported_at: 2026-01-05T09:00:00Z
      acknowledged_at: 2026-01-05T09:05:00Z
now: 2026-01-05T10:00:00Z
expect:
  - rule: major-incidents-need-commander
    record: INC-20260105-T3ST
    message: INC-20260105-T3ST is SEV1 and active but names no commander
"""


def triage_test(starter: Starter) -> str:
    return f"""\
# yaml-language-server: $schema=../../schemas/policy-test.schema.json
kind: PolicyTest
name: an incident still in triage needs no commander yet
records:
  - record:
      id: INC-20260105-TR1A
      kind: incident
      schema_version: 1
      title: Checkout is slow for some customers
      status: triage
      owner: {starter.owner}
      created_at: 2026-01-05T09:00:00Z
      severity: SEV2
      type: performance
      services: [example-service]
      reported_at: 2026-01-05T09:00:00Z
now: 2026-01-05T09:30:00Z
expect: []
"""


def service_text(starter: Starter) -> str:
    return f"""\
# yaml-language-server: $schema=../../schemas/service.schema.json
# An example: rename it (the file and its id) after one of your services, or delete it.
# Its probe runs once `enabled: true` and the URL is one of yours (`maintain probe run`).
id: example-service
kind: service
schema_version: 1
title: Example service
status: active
owner: {starter.owner}
created_at: 2026-01-01T00:00:00Z
tier: 2
probes:
  - name: health
    type: http
    url: https://status.example.com/health
    condition: response.status == 200
    enabled: false
"""


INCIDENT_FORM = """\
# The incident issue form. An issue opened with it gets the `incident` label; the
# incident-sync workflow turns it into a pull request adding the record
# (records/incidents/INC-...), and keeps the record in line with the issue.
name: Incident
description: Something is broken or degraded for users. maintain opens the incident record.
title: "[Incident]: "
labels: ["incident"]
body:
  - type: markdown
    attributes:
      value: |
        Describe what users see. After you submit, maintain proposes the incident record as a
        pull request and comments here with its id. Run the incident with slash commands in
        comments: `/ack`, `/mitigate WORKAROUND`, `/resolve WHAT FIXED IT`, `/severity SEV2`,
        `/commander @login`, `/cause CHG-ID WHAT CAUSED IT`, `/note TEXT`.
  - type: dropdown
    id: severity
    attributes:
      label: Severity
      description: Your best guess; the incident commander can change it with /severity.
      options: [SEV1, SEV2, SEV3, SEV4, unknown]
      default: 4
    validations:
      required: true
  - type: input
    id: services
    attributes:
      label: Affected services
      description: Service ids from records/services/, separated by commas.
      placeholder: example-service
    validations:
      required: true
  - type: textarea
    id: description
    attributes:
      label: What is happening?
      description: What users see, since when, and how you noticed.
    validations:
      required: true
"""


def precommit_text() -> str:
    return f"""\
# maintain's hooks (`pre-commit install`): the records and policies a commit touches are
# checked before it is made, and the policies' tests run when a policy changes.
repos:
  - repo: {HOME}
    rev: v{__version__}
    hooks:
      - id: maintain-check
      - id: maintain-policy-test
"""


def readme_text(starter: Starter) -> str:
    name = starter.repo or "this ops repository"
    return f"""\
# {name}

The operations records of our services, kept by [maintain]({HOME}): incidents, changes,
problems, improvements, security findings and waivers are YAML files in `records/`, checked
by schemas and by the policies in `policies/`.

- `maintain check` checks everything (the pre-commit hooks check what a commit touches:
  `pre-commit install`);
- `maintain new incident --title '...'` starts a record with sensible defaults;
- `maintain sla` lists what is due, at risk and breached;
- `maintain policy test` runs the policies' tests in `policies/tests/`;
- `maintain report` says how the maintenance goes (response times, DORA, SLOs).

Records owned by `{starter.owner}` unless a record says otherwise.
"""
