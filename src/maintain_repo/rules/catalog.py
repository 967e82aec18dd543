"""Every built-in rule: its stable id, default severity and documentation.

Rule ids are a public interface (Settings turn them off or re-level them,
SARIF consumers key on them); never rename one, add a new id instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from maintain_repo.model.findings import Severity


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    scope: Literal["file", "repo", "base", "online"]
    summary: str
    help: str


def _rule(
    rule_id: str,
    summary: str,
    help_text: str,
    *,
    scope: Literal["file", "repo", "base", "online"] = "file",
) -> Rule:
    return Rule(rule_id, Severity.ERROR, scope, summary, help_text)


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        _rule(
            "yaml-syntax",
            "The file is not valid YAML 1.2.",
            "Fix the syntax at the position given; the message says what the parser expected.",
        ),
        _rule(
            "yaml-tab",
            "A tab is used where YAML allows only spaces.",
            "Indent with spaces; YAML forbids tabs in indentation.",
        ),
        _rule(
            "yaml-duplicate-key",
            "A key appears twice in one mapping.",
            "Keep one of the two; YAML parsers disagree on which one wins.",
        ),
        _rule(
            "yaml-alias",
            "Anchors, aliases or merge keys are used.",
            "Write values out; aliases hide what a record says and can expand enormously.",
        ),
        _rule(
            "yaml-multi-document",
            "The file holds more than one YAML document.",
            "Put each record in a file of its own.",
        ),
        _rule(
            "yaml-tag",
            "A YAML tag other than the core ones (!!str, !!int, ...) is used.",
            "Remove the tag; records hold plain text, numbers, booleans, lists and mappings.",
        ),
        _rule(
            "yaml-key",
            "A mapping key is not text (a number, null, or a collection).",
            "Quote the key, or rename it.",
        ),
        _rule(
            "yaml-too-deep",
            "Collections are nested deeper than any record needs.",
            "Flatten the structure; records are at most a few levels deep.",
        ),
        _rule(
            "yaml-too-large",
            "The file is larger than a record can be (256 KiB).",
            "Keep large evidence elsewhere and link to it.",
        ),
        _rule(
            "yaml-binary",
            "The file is binary (contains NUL bytes).",
            "Records are UTF-8 text; move binary files out of records/.",
        ),
        _rule(
            "yaml-encoding",
            "The file is not valid UTF-8.",
            "Re-save the file as UTF-8.",
        ),
        _rule(
            "yaml-bom",
            "The file starts with a byte-order mark.",
            "Re-save the file as UTF-8 without a BOM.",
        ),
        _rule(
            "schema",
            "The document does not match the schema of its kind.",
            "Fix the field named in the message: unknown fields, wrong types, missing fields "
            "and values outside the allowed set are all reported here.",
        ),
        _rule(
            "record-kind",
            "The record's kind is missing, unknown, or not the kind of its folder.",
            "Set `kind` to the kind of the folder the file is in (e.g. incident in incidents/).",
        ),
        _rule(
            "probe-condition",
            "A probe's condition or degraded expression does not compile for its probe type: "
            "a syntax error, a result its type does not have, a field the result does not "
            "have, or values of the wrong type.",
            "Fix the CEL expression at the position given; http probes read `response` and "
            "`tls`, tcp probes `tcp`, tls probes `tls`, dns probes `dns` (see the table of "
            "their fields under Monitoring).",
        ),
        _rule(
            "probe-secret",
            "A probe's headers_from_env names a variable probes may not send.",
            "Name the secret MAINTAIN_PROBE_..., or declare it in Settings "
            "`monitoring.secrets`; the runner's own variables (GITHUB_*, ACTIONS_*, "
            "RUNNER_*...) are never sent.",
        ),
        _rule(
            "record-location",
            "The file is not at records/<folder>/<id>.yaml.",
            "Name the file after the record's id, with the .yaml extension, in its kind's folder.",
        ),
        _rule(
            "lifecycle-required",
            "A field required by the record's status is missing.",
            "Fill in the field, or move the record to the status it has really reached.",
        ),
        _rule(
            "timestamp-order",
            "Timestamps are out of order (e.g. resolved before detected).",
            "Correct the timestamps; all of them carry an offset and are compared in UTC.",
        ),
        _rule(
            "timestamp-future",
            "A record says something happened at a time later than the check's (--now).",
            "Correct the timestamp: only planned times (schedules, maintenance windows, due "
            "dates, expiry dates) may lie ahead; a few minutes of clock skew are allowed.",
        ),
        _rule(
            "change-tested-commit",
            "The deployed commit of a change has no passing test evidence.",
            "Add test evidence with result pass for the exact commit that was deployed.",
        ),
        _rule(
            "id-unique",
            "Two files declare the same record id.",
            "Give one of them a new id (`maintain new` makes collision-free ids).",
            scope="repo",
        ),
        _rule(
            "finding-fingerprint-unique",
            "Two security findings have the same fingerprint: one problem recorded twice.",
            "Keep one: mark the other `status: duplicate` with `duplicate_of` naming the one "
            "kept (`maintain findings import` matches findings by fingerprint, so two would "
            "make its updates land on either).",
            scope="repo",
        ),
        _rule(
            "ref-exists",
            "A record names another record that does not exist, or is of the wrong kind.",
            "Fix the id, or create the missing record.",
            scope="repo",
        ),
        _rule(
            "ref-backlink",
            "A two-way link is written on one side only.",
            "Add the missing side (e.g. list the improvement in the incident's action_items "
            "and set the improvement's source to the incident).",
            scope="repo",
        ),
        _rule(
            "problem-fix-done",
            "A resolved problem has permanent fixes that are not done.",
            "Finish the fixes (improvement done, change implemented) or reopen the problem.",
            scope="repo",
        ),
        _rule(
            "policy-error",
            "A record policy cannot be applied: its CEL does not compile, is not a boolean, "
            "or fails on a record.",
            "Fix the expression at the position given; guard optional fields with has() or ?.",
        ),
        _rule(
            "policy-conflict",
            "Policy documents contradict each other: a second SLA policy, or a policy name "
            "used twice or already a built-in rule's.",
            "Keep one SLA policy, and give every record policy and freeze window a name of "
            "its own.",
            scope="repo",
        ),
        _rule(
            "sla-due",
            "A due date a record states is later than the SLA policy allows.",
            "Bring the due date forward, or waive this record's sla-due with a reason.",
        ),
        _rule(
            "freeze-window",
            "A change is scheduled inside a freeze window (or outside every allowed window).",
            "Reschedule it; an emergency change needs freeze_override with a justification and "
            "an approver the window accepts.",
        ),
        _rule(
            "waiver-expired",
            "A waiver is past its expiry date, or something still relies on it.",
            "Renew the waiver (a new expires, approved in a pull request) or end what it covers.",
            scope="repo",
        ),
        _rule(
            "waiver-orphaned",
            "A waiver covers something that needs no waiver.",
            "Remove the cover (the violation is fixed, or the finding is no longer accepted).",
            scope="repo",
        ),
        _rule(
            "waiver-too-long",
            "A waiver runs longer than the SLA policy allows for what it covers.",
            "Shorten it; renew it when it expires if the reason still holds.",
            scope="repo",
        ),
        _rule(
            "record-deleted",
            "A record that exists on the base was deleted.",
            "Records are the audit trail: move it to a final status instead of deleting it.",
            scope="base",
        ),
        _rule(
            "id-reused",
            "A new record takes an id that another record has (or had) on the base.",
            "Give the new record its own id (`maintain new` makes one).",
            scope="base",
        ),
        _rule(
            "status-transition",
            "A status changed along a move its lifecycle does not allow.",
            "Move through the intermediate states (e.g. active -> mitigated -> resolved).",
            scope="base",
        ),
        _rule(
            "timeline-append-only",
            "A timeline entry that exists on the base was edited or removed.",
            "Leave past entries as they are; add a new entry that corrects them.",
            scope="base",
        ),
        _rule(
            "closed-immutable",
            "A record in a final status changed outside its labels, links and timeline "
            "(the lists of two-way links, such as a change's caused_incidents, may grow).",
            "Reopen the record along a lifecycle edge first, or leave it as it was.",
            scope="base",
        ),
        _rule(
            "settings-rule",
            "Settings name a rule that does not exist.",
            "Use one of the rule ids listed by `maintain rules`.",
        ),
        _rule(
            "approval-unverified",
            "A change record's approval block does not match GitHub (checked with --online).",
            "Never write approval by hand: `maintain approve --pr N` posts the verdict, and the "
            "block must name that pull request, its approved head commit and its approvers.",
            scope="online",
        ),
    )
}
