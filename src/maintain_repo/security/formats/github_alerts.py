"""GitHub's own alerts: Dependabot alerts and code-scanning alerts.

Two shapes are read for each kind:

- the REST list, `GET /repos/{owner}/{repo}/dependabot/alerts` or
  `.../code-scanning/alerts` (a JSON list of alerts, as `gh api --paginate` writes
  it), and a single alert (`.../alerts/{number}`);
- one webhook event, `dependabot_alert` or `code_scanning_alert`
  (`{action, alert, repository, sender, ...}`): its `alert` is the same object.

One alert is one observation, whatever its state: the alert's `state` (not the
webhook's `action`) says whether it is open, and the importer decides what a closed
one does to a record. Its number is its identity on GitHub, kept as the mark
`alert:<number>` (numbers are per repository: a list of an organisation's alerts
mixes repositories and is not told apart here).

Dependabot (`parse_dependabot`): category `dependency`, tool `dependabot`, rule id the
GHSA id. The package is `dependency.package` (ecosystem as OSV names it; an
ecosystem we do not know is kept as GitHub words it), with no installed version (the
alert does not give one); the manifest is `dependency.manifest_path`; the fix is
`security_vulnerability.first_patched_version`. Severity: the advisory's CVSS v4.0,
then v3.x vector (`cvss_severities`, then the legacy `cvss`), scored from the vector;
else the advisory's own word (`security_advisory.severity`, then
`security_vulnerability.severity`), source `advisory`. Status:

- `fixed` is `mitigated`;
- `dismissed` by its `dismissed_reason`: `inaccurate` is `false_positive`,
  `tolerable_risk` and `no_bandwidth` are `risk_accepted`, `not_used` is
  `out_of_scope`; `fix_started` (the work is under way) and a reason we do not know
  leave it `open`;
- an advisory GitHub withdrew (`withdrawn_at`, or a `withdrawn` event) is
  `false_positive` unless the alert was fixed or dismissed for a reason kept above:
  the advisory itself no longer stands;
- `auto_dismissed` (an auto-triage rule, such as GitHub's preset for low-impact
  development dependencies) is `out_of_scope`: nobody judged that alert, a rule
  scoped it out.

Code scanning (`parse_code_scanning`): category `code`, or `workflow` for a file under
`.github/workflows/`, zizmor's results and CodeQL's `actions/` queries; tool
`tool.name` and `tool.version`; rule id `rule.id`; place from
`most_recent_instance.location`. Severity: `rule.security_severity_level` (source
`security_severity`), else the rule's SARIF level `rule.severity` (source `tool`).
CWEs from `rule.tags` (`external/cwe/cwe-022`). Status: `fixed` is `mitigated`;
`dismissed` by reason: "false positive" is `false_positive`, "won't fix" is
`risk_accepted`, "used in tests" is `out_of_scope`, "mitigated" is `mitigated`; a
reason we do not know leaves it `open`, as does a `null` state (GitHub's state for
an alert seen only outside the default branch).

The justification of a dismissal is its comment as written; without one, the
reason GitHub gives, in a sentence, so that a closed status never comes without
why. Anything that is not an object where an object belongs, or an alert without a
positive `number`, is a `FormatError`; a leaf of the wrong type is read as absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from maintain_repo.security import severity
from maintain_repo.security.observation import (
    Cvss,
    FormatError,
    Observation,
    Package,
    Report,
    cwe_of,
    ecosystem,
    line,
    text_block,
    vulnerability_ids,
)

Pointer = tuple[str | int, ...]
Alert = dict[str, Any]

DEPENDABOT_DISMISSED = {
    "inaccurate": "false_positive",
    "tolerable_risk": "risk_accepted",
    "no_bandwidth": "risk_accepted",
    "not_used": "out_of_scope",
}
CODE_SCANNING_DISMISSED = {
    "false positive": "false_positive",
    "won't fix": "risk_accepted",
    "used in tests": "out_of_scope",
    "mitigated": "mitigated",
}
WORKFLOWS = ".github/workflows/"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def parse_dependabot(data: object) -> Report:
    """The observations of a Dependabot alert list, alert, or `dependabot_alert` event."""
    alerts, action = _alerts(data, "Dependabot", "security_advisory")
    return Report("dependabot", tuple(_dependabot(alert, at, action) for alert, at in alerts))


def parse_code_scanning(data: object) -> Report:
    """The observations of a code-scanning alert list, alert, or `code_scanning_alert`
    event."""
    alerts, _ = _alerts(data, "code-scanning", "rule")
    return Report("code-scanning", tuple(_code_scanning(alert, at) for alert, at in alerts))


# -- shapes ----------------------------------------------------------------------------


def _alerts(data: object, kind: str, key: str) -> tuple[list[tuple[Alert, Pointer]], str | None]:
    """The alerts in `data`, each with where it is, and the webhook's action (if any).
    Every alert must be an object holding `key` as an object."""
    found: list[tuple[Alert, Pointer]]
    action: str | None = None
    if isinstance(data, list):
        found = [(_object(alert, (index,)), (index,)) for index, alert in enumerate(data)]
    elif isinstance(data, dict) and "alert" in data and "action" in data:
        found = [(_object(data["alert"], ("alert",)), ("alert",))]
        action = data["action"] if isinstance(data["action"], str) else None
    elif isinstance(data, dict) and "number" in data:
        found = [(data, ())]
    else:
        raise FormatError(
            f"not {kind} alerts: expected a list of alerts, one alert, or a webhook event"
            " with `action` and `alert`"
        )
    for alert, at in found:
        if not isinstance(alert.get(key), dict):
            raise FormatError(f"not a {kind} alert: `{key}` is missing or not an object", at)
    return found, action


def _object(value: object, at: Pointer) -> Alert:
    if not isinstance(value, dict):
        raise FormatError(f"expected an object, found {_json_type(value)}", at)
    return value


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), "a list" if isinstance(value, list) else type(value).__name__)


def _member(parent: Alert, key: str, at: Pointer) -> Alert:
    """`parent[key]` as an object: empty when absent or null, an error otherwise."""
    value = parent.get(key)
    return {} if value is None else _object(value, (*at, key))


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _values(value: object, key: str) -> list[Any]:
    """`item[key]` of each object in the list `value` (other items left out)."""
    return [item.get(key) for item in _list(value) if isinstance(item, dict)]


def _text(value: object) -> str | None:
    """A path, URL or version as written; None for nothing, or for text with control
    characters (no path or URL has them)."""
    if not isinstance(value, str) or _CONTROL.search(value):
        return None
    return value.strip() or None


def _number(alert: Alert, at: Pointer) -> int:
    number = alert.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise FormatError("an alert's `number` must be a positive integer", (*at, "number"))
    return number


def _line_number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _decided_by(alert: Alert, status: str) -> str | None:
    """Who dismissed the alert (their login), for a status a person decided."""
    if status == "open":
        return None
    person = alert.get("dismissed_by")
    return line(person.get("login"), 39) if isinstance(person, dict) else None


def _justification(alert: Alert, reason: str) -> str:
    """The dismissal's comment as written, else GitHub's reason for it."""
    return text_block(alert.get("dismissed_comment")) or f"Dismissed on GitHub: {reason}."


# -- Dependabot ------------------------------------------------------------------------


def _dependabot(alert: Alert, at: Pointer, action: str | None) -> Observation:
    number = _number(alert, at)
    advisory = _member(alert, "security_advisory", at)
    vulnerability = _member(alert, "security_vulnerability", at)
    dependency = _member(alert, "dependency", at)
    package = _package(dependency, vulnerability, at)
    ghsa = _text(advisory.get("ghsa_id"))
    ids = vulnerability_ids(
        [
            advisory.get("ghsa_id"),
            advisory.get("cve_id"),
            *_values(advisory.get("identifiers"), "value"),
        ]
    )
    vectors = _vectors(advisory)
    rated = severity.from_cvss(vectors)
    if rated is None:
        word = severity.from_word(advisory.get("severity")) or severity.from_word(
            vulnerability.get("severity")
        )
        rated = (word, "advisory") if word else None
    patched = _member(vulnerability, "first_patched_version", (*at, "security_vulnerability"))
    fix = _text(patched.get("identifier"))
    status, justification = _dependabot_status(alert, advisory, action)
    return Observation(
        tool="dependabot",
        category="dependency",
        title=_dependabot_title(advisory, ids, package, number),
        rule_id=ghsa or (ids[0] if ids else None),
        description=text_block(advisory.get("description")),
        severity=rated[0] if rated else None,
        severity_source=rated[1] if rated else None,
        vulnerability_ids=ids,
        cwe=_unique(cwe_of(cwe) for cwe in _values(advisory.get("cwes"), "cwe_id")),
        cvss=vectors,
        package=package,
        manifest=_text(dependency.get("manifest_path")),
        fix_versions=(fix,) if fix else (),
        marks=(f"alert:{number}",),
        status=status,
        justification=justification,
        url=_text(alert.get("html_url")),
        decided_by=_decided_by(alert, status),
    )


def _package(dependency: Alert, vulnerability: Alert, at: Pointer) -> Package | None:
    """The dependency's package, else the one the advisory's range is about; None
    without a name and an ecosystem."""
    package = _member(dependency, "package", (*at, "dependency"))
    if not package:
        package = _member(vulnerability, "package", (*at, "security_vulnerability"))
    name = _text(package.get("name"))
    word = _text(package.get("ecosystem"))
    if name is None or word is None:
        return None
    # GitHub's words (pip, rust, actions...) are known; one that is not is kept as
    # GitHub writes it rather than losing the package.
    return Package(ecosystem(word) or word, name, None)


def _vectors(advisory: Alert) -> tuple[Cvss, ...]:
    """The advisory's CVSS v3.x and v4.0 vectors, parsed and scored, once each."""
    found: dict[str, Cvss] = {}
    sources = [advisory.get("cvss")]
    severities = advisory.get("cvss_severities")
    if isinstance(severities, dict):
        sources += [severities.get("cvss_v3"), severities.get("cvss_v4")]
    for source in sources:
        if isinstance(source, dict):
            cvss = severity.parse_cvss(source.get("vector_string"))
            if cvss is not None:
                found.setdefault(cvss.vector, cvss)
    return tuple(sorted(found.values(), key=lambda cvss: (cvss.version, cvss.vector)))


def _dependabot_status(alert: Alert, advisory: Alert, action: str | None) -> tuple[str, str | None]:
    state = alert.get("state")
    if state == "fixed":
        return "mitigated", None
    reason = alert.get("dismissed_reason")
    if state == "dismissed" and isinstance(reason, str) and reason in DEPENDABOT_DISMISSED:
        return DEPENDABOT_DISMISSED[reason], _justification(alert, reason)
    withdrawn = line(advisory.get("withdrawn_at"))
    if withdrawn or action == "withdrawn":
        when = f" ({withdrawn})" if withdrawn else ""
        return "false_positive", f"GitHub withdrew the advisory{when}."
    if state == "auto_dismissed":
        return "out_of_scope", "Dismissed on GitHub by a Dependabot auto-triage rule."
    return "open", None


def _dependabot_title(
    advisory: Alert, ids: tuple[str, ...], package: Package | None, number: int
) -> str:
    summary = line(advisory.get("summary"))
    if summary:
        return summary
    what = ids[0] if ids else "A vulnerability"
    return line(f"{what} in {package.name}" if package else f"Dependabot alert {number}") or what


# -- code scanning ---------------------------------------------------------------------


def _code_scanning(alert: Alert, at: Pointer) -> Observation:
    number = _number(alert, at)
    rule = _member(alert, "rule", at)
    tool = _member(alert, "tool", at)
    instance = _member(alert, "most_recent_instance", at)
    location = _member(instance, "location", (*at, "most_recent_instance"))
    message = _member(instance, "message", (*at, "most_recent_instance"))
    rule_id = line(rule.get("id"))
    tool_name = line(tool.get("name")) or "code-scanning"
    path = _text(location.get("path"))
    if path and path.startswith("file://"):
        path = path.removeprefix("file://")
    rated = _code_scanning_severity(rule)
    status, justification = _code_scanning_status(alert)
    return Observation(
        tool=tool_name,
        category=_code_category(tool_name, rule_id, path),
        title=line(rule.get("description"))
        or line(message.get("text"))
        or line(rule.get("name"))
        or rule_id
        or f"Code scanning alert {number}",
        tool_version=line(tool.get("version")),
        rule_id=rule_id,
        description=_code_description(message.get("text"), rule.get("full_description")),
        severity=rated[0] if rated else None,
        severity_source=rated[1] if rated else None,
        cwe=_unique(cwe_of(tag) for tag in _list(rule.get("tags"))),
        path=path,
        start_line=_line_number(location.get("start_line")),
        end_line=_line_number(location.get("end_line")),
        marks=(f"alert:{number}",),
        status=status,
        justification=justification,
        url=_text(alert.get("html_url")),
        decided_by=_decided_by(alert, status),
    )


def _code_category(tool: str, rule_id: str | None, path: str | None) -> str:
    if path and path.removeprefix("./").startswith(WORKFLOWS):
        return "workflow"
    if tool.lower() == "zizmor":
        return "workflow"
    if tool.lower() == "codeql" and rule_id and rule_id.startswith("actions/"):
        return "workflow"  # CodeQL's queries for Actions workflows and composite actions
    return "code"


def _code_scanning_severity(rule: Alert) -> tuple[str, str] | None:
    word = severity.from_word(rule.get("security_severity_level"))
    if word:
        return word, "security_severity"
    level = severity.from_level(rule.get("severity"))
    return (level, "tool") if level else None


def _code_scanning_status(alert: Alert) -> tuple[str, str | None]:
    state = alert.get("state")
    if state == "fixed":
        return "mitigated", None
    reason = alert.get("dismissed_reason")
    if state == "dismissed" and isinstance(reason, str) and reason in CODE_SCANNING_DISMISSED:
        return CODE_SCANNING_DISMISSED[reason], _justification(alert, reason)
    return "open", None


def _code_description(message: object, rule: object) -> str | None:
    """This alert's message, then what the rule looks for."""
    parts = [part for part in (text_block(message), text_block(rule)) if part]
    return text_block("\n\n".join(parts)) if parts else None


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """The texts among `values`, in order, once each (None left out)."""
    return tuple(dict.fromkeys(value for value in values if value))
