"""Where the approval policy comes from, and what is wrong with it when it cannot judge.

The policy is the `ApprovalPolicy` in `policies/` (the first by path), else a policy-bot
`.policy.yml` next to `policies/`, translated (`policy.policybot`). A policy whose file
does not validate, or that has problems (`policy.approval_problems`), judges nothing:
every problem is named with its file, line and column, so the commit status and the
comment say what to fix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from maintain_repo.model.approval import ApprovalPolicy
from maintain_repo.model.findings import Finding, Pointer, Severity
from maintain_repo.policy.approval_problems import ERROR_RULE, policy_problems
from maintain_repo.policy.policybot import (
    DEFAULT_PATH,
    looks_like_policy_bot,
    native_pointer,
    translate,
)
from maintain_repo.rules.schema import validate
from maintain_repo.store.problems import YamlError
from maintain_repo.store.source import decode
from maintain_repo.store.yaml import locate_findings, mapping_in, parse


@dataclass
class Source:
    """An approval policy read from one file: the policy when it can judge, else the
    problems (located findings); notes say what a translation made explicit."""

    path: str
    policy: ApprovalPolicy | None
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)


def choose(documents: Iterable[tuple[str, bytes]], policy_bot: bytes | None) -> Source | None:
    """The approval policy among the policy documents (path, bytes), else from the
    policy-bot file's bytes; None when there is neither."""
    for rel, raw in sorted(documents):
        text = decode(raw)
        if not isinstance(text, str):
            continue  # `maintain check` reports it
        data = mapping_in(text)
        if isinstance(data, dict) and data.get("kind") == "ApprovalPolicy":
            return read_native(rel, text, data)
    if policy_bot is not None:
        return read_policy_bot(DEFAULT_PATH, policy_bot)
    return None


def read_native(path: str, text: str, data: dict[str, object]) -> Source:
    policy, findings = validate(ApprovalPolicy, data, path=path, record=None)
    if policy is None:
        return Source(path, None, locate_findings(findings, text))
    assert isinstance(policy, ApprovalPolicy)
    found = [_finding(path, pointer, message) for pointer, message in policy_problems(policy)]
    return Source(path, None if found else policy, locate_findings(found, text))


def read_policy_bot(path: str, raw: bytes) -> Source:
    text = decode(raw)
    if not isinstance(text, str):
        return Source(path, None, [_at(path, "not UTF-8 text")])
    try:
        data = parse(text).data
    except YamlError as error:
        problem = error.problem
        return Source(path, None, [_at(path, problem.message, problem.line, problem.column)])
    if not looks_like_policy_bot(data):
        message = "not a policy-bot policy: a mapping with policy and approval_rules"
        return Source(path, None, [_at(path, message)])
    made = translate(data)
    notes = [_finding(path, p, m, Severity.NOTE, "policy-bot") for p, m in made.notes]
    found = [_finding(path, p, m) for p, m in made.problems]
    policy, schema = validate(ApprovalPolicy, made.document, path=path, record=None)
    found += [
        dataclasses.replace(f, pointer=native_pointer(f.pointer)) if f.pointer else f
        for f in schema
    ]
    if isinstance(policy, ApprovalPolicy):
        found += [_finding(path, native_pointer(p), m) for p, m in policy_problems(policy)]
    judged = policy if isinstance(policy, ApprovalPolicy) and not found else None
    return Source(path, judged, locate_findings(found, text), locate_findings(notes, text))


def _finding(
    path: str,
    pointer: Pointer,
    message: str,
    severity: Severity = Severity.ERROR,
    rule: str = ERROR_RULE,
) -> Finding:
    return Finding(rule, severity, message, path, pointer=pointer)


def _at(path: str, message: str, line: int = 1, column: int = 1) -> Finding:
    return Finding(ERROR_RULE, Severity.ERROR, message, path, line=line, column=column)
