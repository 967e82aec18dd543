"""Security findings and GitHub's alerts, kept in step: `maintain findings sync-github`,
the `dependabot_alert` / `code_scanning_alert` events, and `--propose`.

In: every Dependabot and code-scanning alert of the repository (any state) is a full
scan of its scope, imported as `maintain findings import` would (a fixed alert marks
its finding mitigated; a dismissed one comes in with its reason). An event carries one
alert: it is imported on its own, never as a full scan (nothing else is mitigated).

Out: a finding a person decided on in the ops repository (`false_positive`,
`risk_accepted`) whose alert GitHub still shows open gets the alert dismissed with
GitHub's matching reason and a comment naming the record, so the decision is made once.

With `propose`, an import's records go on one record pull request per scope (branch
`maintain/findings-<scope>`), updated in place while it is open, its body a table of
what is new, mitigated and reopened by severity; without it they are written to the
working tree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from maintain_repo.engine.findings_import import (
    FOLDER,
    SEVERITIES,
    Outcome,
    Source,
    import_findings,
)
from maintain_repo.engine.proposals import propose
from maintain_repo.errors import GitHubError, UsageError
from maintain_repo.github.api import GitHubApi
from maintain_repo.report.findings import TOOL_NAME
from maintain_repo.security.observation import line
from maintain_repo.store.ids import slugify
from maintain_repo.store.yaml import read_mapping

KINDS = ("dependabot", "code-scanning")
# A decision in the ops repository -> GitHub's reason for dismissing the alert.
REASONS = {
    "dependabot": {"false_positive": "inaccurate", "risk_accepted": "tolerable_risk"},
    "code-scanning": {"false_positive": "false positive", "risk_accepted": "won't fix"},
}
COMMENT_LIMIT = 280  # GitHub's limit on a dismissal comment


class Imported(NamedTuple):
    scope: str
    outcome: Outcome
    pull: int | None  # the record pull request (with `propose`), if one is open


class Synced(NamedTuple):
    imported: list[Imported]
    dismissed: list[str]  # "dependabot #7 (SF-...)", alerts dismissed on GitHub
    unavailable: list[str]  # kinds whose alerts could not be read
    failed: list[str]  # alerts GitHub refused to dismiss, and why


def sync_github(
    root: Path,
    api: GitHubApi,
    *,
    owner: str,
    now: datetime,
    base: str,
    token: str | None,
    scope: str | None = None,
    propose: bool = False,
    say: Callable[[str], None] = lambda _: None,
) -> Synced:
    """Import every alert, then dismiss the alerts of findings decided here (see the
    module). `scope` names the scope of both kinds' imports (default: `dependabot`, and
    the tool of each code-scanning alert)."""
    imported: list[Imported] = []
    unavailable: list[str] = []
    listed: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        alerts = api.alerts(kind)
        if alerts is None:
            unavailable.append(kind)
            permission = (
                "Dependabot alerts: read (a GitHub App's or a fine-grained token; with "
                "Actions' GITHUB_TOKEN, security-events: read)"
                if kind == "dependabot"
                else "security-events: read (code scanning alerts: read for an App)"
            )
            say(
                f"{kind} alerts: not readable (turned off for the repository, or the token "
                f"lacks {permission}); skipped"
            )
            continue
        # Our own upload's alerts (the open findings, as SARIF) are findings already.
        alerts = [alert for alert in alerts if _tool(alert) != TOOL_NAME]
        listed[kind] = alerts
        source = Source(f"GitHub {kind} alerts", json.dumps(alerts).encode())
        imported.extend(
            import_into(
                root,
                api,
                [source],
                owner=owner,
                now=now,
                base=base,
                token=token,
                report_format=kind,
                scope=scope,
                propose=propose,
                dry_run=api.dry_run,
                say=say,
            )
        )
    dismissed, failed = dismiss_decided(root, api, listed, say=say)
    return Synced(imported, dismissed, unavailable, failed)


def import_into(
    root: Path,
    api: GitHubApi,
    sources: Sequence[Source],
    *,
    owner: str,
    now: datetime,
    base: str,
    token: str | None,
    report_format: str = "auto",
    scope: str | None = None,
    service: str | None = None,
    manifest: str | None = None,
    propose: bool = False,
    full_scan: bool = True,
    dry_run: bool = False,
    say: Callable[[str], None] = lambda _: None,
) -> list[Imported]:
    """Import `sources` into the working tree, or (`propose`) one record pull request per
    scope the reports cover."""

    def run(target: Path, chosen: Sequence[Source], *, dry_run: bool = False) -> Outcome:
        return import_findings(
            target,
            chosen,
            owner=owner,
            now=now,
            report_format=report_format,
            scope=scope,
            service=service,
            manifest=manifest,
            dry_run=dry_run,
            full_scan=full_scan,
        )

    if not propose:
        outcome = run(root, sources, dry_run=dry_run)
        return [Imported("+".join(outcome.scopes) or scope or "", outcome, None)]
    results = []
    for name, chosen in _by_scope(root, sources, run).items():
        results.append(_proposed(root, api, name, chosen, run, base=base, token=token, say=say))
    return results


def _by_scope(
    root: Path, sources: Sequence[Source], run: Callable[..., Outcome]
) -> dict[str, list[Source]]:
    """The reports grouped by the scopes they are scans of (one pull request each)."""
    grouped: dict[str, list[Source]] = {}
    for source in sources:
        planned = run(root, [source], dry_run=True)
        name = "+".join(planned.scopes) or "findings"
        grouped.setdefault(name, []).append(source)
    return grouped


def _proposed(
    root: Path,
    api: GitHubApi,
    scope: str,
    sources: Sequence[Source],
    run: Callable[..., Outcome],
    *,
    base: str,
    token: str | None,
    say: Callable[[str], None],
) -> Imported:
    outcomes: list[Outcome] = []

    def edit(checkout: Path) -> str | None:
        outcome = run(checkout, sources)
        outcomes.append(outcome)
        if not outcome.records:
            return None
        return f"Findings of {_shown(scope)}: {_counts(outcome)}"

    proposal = propose(
        root,
        api,
        f"findings-{slugify(scope, max_length=80) or 'scan'}",  # maintain/findings-<scope>
        edit,
        base=base,
        title=f"Security findings of {_shown(scope)}",
        body=lambda: pull_body(scope, outcomes[-1]),
        token=token,
        say=say,
    )
    return Imported(scope, outcomes[-1], proposal.pull.number if proposal.pull else None)


def pull_body(scope: str, outcome: Outcome) -> str:
    """The record pull request's body: what changed, by severity."""
    rows = ["| | " + " | ".join(SEVERITIES) + " | total |", "|---" * (len(SEVERITIES) + 2) + "|"]
    for what in ("new", "mitigated", "reopened"):
        counts = outcome.changes.get(what, {})
        cells = [str(counts.get(level, 0)) for level in SEVERITIES]
        rows.append(f"| {what} | " + " | ".join(cells) + f" | {sum(counts.values())} |")
    return (
        f"The latest scan of {_shown(scope)}, imported by `maintain findings import`: "
        f"{_counts(outcome)}.\n\n" + "\n".join(rows) + "\n\n"
        "Merging records the scan. A rerun of the scan while this pull request is open "
        "updates it in place.\n"
    )


def dismiss_decided(
    root: Path,
    api: GitHubApi,
    listed: dict[str, list[dict[str, Any]]],
    *,
    say: Callable[[str], None] = lambda _: None,
) -> tuple[list[str], list[str]]:
    """Dismiss the open alerts of findings decided in the ops repository (see the module);
    the alerts each is linked to by its `links.urls`. The alerts dismissed, and those
    GitHub refused (with why)."""
    by_url: dict[str, tuple[str, dict[str, Any]]] = {}
    for kind, alerts in listed.items():
        for alert in alerts:
            url = alert.get("html_url")
            if isinstance(url, str) and alert.get("state") == "open":
                by_url[url] = (kind, alert)
    dismissed: list[str] = []
    failed: list[str] = []
    folder = root / FOLDER
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        rel = path.relative_to(root).as_posix()
        data = read_mapping(str(path), shown=rel)
        if data is None or data.get("status") not in ("false_positive", "risk_accepted"):
            continue
        links = data.get("links")
        urls = links.get("urls") if isinstance(links, dict) else None
        for url in urls if isinstance(urls, list) else []:
            if url not in by_url:
                continue
            kind, alert = by_url.pop(url)
            number = alert.get("number")
            if not isinstance(number, int):
                continue
            status = str(data["status"])
            comment = _comment(str(data.get("id", "")), status, rel, data)
            try:
                api.dismiss_alert(kind, number, REASONS[kind][status], comment)
            except GitHubError as e:  # one refusal (the alert changed meanwhile) stops none other
                failed.append(f"{kind} #{number} ({data.get('id')}): {e}")
                continue
            dismissed.append(f"{kind} #{number} ({data.get('id')})")
            say(f"dismissed {kind} alert #{number}: {data.get('id')} is {status}")
    return dismissed, failed


def _comment(ident: str, status: str, rel: str, data: dict[str, Any]) -> str:
    why = data.get("justification") if status == "false_positive" else None
    text = f"{ident} is {status.replace('_', ' ')} in the ops repository ({rel})"
    if status == "risk_accepted" and data.get("waiver"):
        text += f", under waiver {data['waiver']}"
    if isinstance(why, str) and why.strip():
        text += f": {' '.join(why.split())}"
    return text if len(text) <= COMMENT_LIMIT else text[: COMMENT_LIMIT - 1] + "…"


def _shown(scope: str) -> str:
    """A scope (a tool's name, from a report: untrusted) in a code span, where Markdown
    makes no link, mention or image of it."""
    flat = line(scope.replace("`", "'"), 100)
    return f"`{flat}`" if flat else "`scan`"


def _tool(alert: dict[str, Any]) -> str | None:
    tool = alert.get("tool")
    name = tool.get("name") if isinstance(tool, dict) else None
    return name if isinstance(name, str) else None


def _counts(outcome: Outcome) -> str:
    return (
        f"{outcome.new} new, {outcome.updated} updated, {outcome.mitigated} mitigated, "
        f"{outcome.reopened} reopened"
    )


def event_alert(payload: dict[str, Any]) -> tuple[str, bytes] | None:
    """The format and the one alert of a `dependabot_alert` or `code_scanning_alert`
    event, as a report to import; None for any other payload."""
    alert = payload.get("alert")
    if not isinstance(alert, dict) or _tool(alert) == TOOL_NAME:
        return None
    instance = alert.get("most_recent_instance")
    ref = payload.get("ref") or (instance.get("ref") if isinstance(instance, dict) else None)
    if isinstance(ref, str) and ref.startswith("refs/pull/"):
        return None  # a pull request's analysis: the default branch's scan says what is there
    if "security_advisory" in alert or "dependency" in alert:
        return "dependabot", json.dumps(payload).encode()
    if "rule" in alert:
        return "code-scanning", json.dumps(payload).encode()
    raise UsageError("the event's alert is neither a Dependabot nor a code-scanning alert")
