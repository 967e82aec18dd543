"""SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.

Every built-in rule is described in `tool.driver.rules`; results point at
root-relative URIs under `%SRCROOT%` with 1-based regions counted in Unicode
code points (the YAML reader's columns).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from maintain_repo import __version__
from maintain_repo.model.findings import Finding, Report
from maintain_repo.rules.catalog import RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(report: Report) -> str:
    rule_ids = list(RULES)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "maintain",
                "semanticVersion": __version__,
                "version": __version__,
                "rules": [_rule(rule_id) for rule_id in rule_ids],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, report.prefix) for f in report.findings]
        + [_suppressed(_result(f, index, report.prefix), waiver) for f, waiver in report.waived],
    }
    base = report.workspace or report.root
    if base:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": _dir_uri(base)}}
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.summary} {rule.help}"},
        "help": {"text": rule.help},
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": {"scope": rule.scope},
    }


def _result(finding: Finding, index: dict[str, int], prefix: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": finding.severity.value,
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": quote(prefix + finding.path),
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": {"startLine": finding.line or 1, "startColumn": finding.column or 1},
                }
            }
        ],
        "partialFingerprints": {"maintain/v1": _fingerprint(finding)},
    }
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    if finding.record:
        result["properties"] = {"record": finding.record}
    return result


def _suppressed(result: dict[str, Any], waiver: str) -> dict[str, Any]:
    """A waived result: SARIF's external, accepted suppression (code scanning hides it)."""
    suppression = {"kind": "external", "status": "accepted", "justification": f"waiver {waiver}"}
    return result | {"suppressions": [suppression]}


def _fingerprint(finding: Finding) -> str:
    """Stable across line moves: rule, file, record and message, not the position."""
    key = "\0".join((finding.rule, finding.path, finding.record or "", finding.message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _dir_uri(root: str) -> str:
    return "file://" + quote(root.rstrip("/") + "/")
