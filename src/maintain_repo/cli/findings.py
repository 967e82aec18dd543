"""`maintain findings`: the security findings."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from maintain_repo.cli.common import (
    add_github,
    add_now,
    github_ops,
    login_of,
    now_of,
    root_of,
    say,
    say_aside,
)

STATUSES = ("open", "mitigated", "false_positive", "risk_accepted", "out_of_scope", "duplicate")
SEVERITIES = ("critical", "high", "medium", "low", "info")
FORMATS = (
    "sarif",
    "trivy",
    "grype",
    "pip-audit",
    "osv-scanner",
    "npm-audit",
    "dependabot",
    "code-scanning",
)


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="list the security findings (with their SLA), or as SARIF for code scanning",
        description="The security findings of the ops repository, most urgent first, with "
        "the remediation deadline the SLA policy gives each open one.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser(
        "list",
        help="list findings: a table, JSON, or SARIF of the open ones",
        description="List findings. Filters combine: --status open --severity critical "
        "--severity high lists the open critical and high ones.",
    )
    listing.add_argument(
        "--status", action="append", choices=STATUSES, default=[], help="only this status"
    )
    listing.add_argument(
        "--severity", action="append", choices=SEVERITIES, default=[], help="only this severity"
    )
    listing.add_argument(
        "--overdue", action="store_true", help="only findings past their SLA deadline"
    )
    listing.add_argument(
        "--format",
        choices=("table", "json", "sarif"),
        default="table",
        help="table (default), json, or sarif (the open findings, for GitHub code scanning)",
    )
    add_now(listing)
    importing = actions.add_parser(
        "import",
        help="import scanner reports as finding records (new, still there, gone, back)",
        description="Read scanner reports (SARIF, Trivy, Grype, pip-audit, OSV-Scanner, npm "
        "audit, Dependabot or code-scanning alerts) and write one finding record per real "
        "problem: new findings with their SLA, last_seen of those still reported, mitigated "
        "ones reopened when they come back, and open findings of the same scope the scan no "
        "longer reports marked mitigated. Nothing is written when anything fails.",
    )
    importing.add_argument(
        "files", nargs="+", metavar="FILE", help="report files; - reads standard input"
    )
    importing.add_argument(
        "--format",
        choices=("auto", *FORMATS),
        default="auto",
        help="the reports' format (default: read from their content)",
    )
    importing.add_argument(
        "--scope",
        metavar="NAME",
        help="what this scan covers (default: the tool's name, with @SERVICE when --service "
        "is given); a full scan of a scope marks its findings that it no longer reports "
        "mitigated",
    )
    importing.add_argument("--service", metavar="ID", help="the service the findings belong to")
    importing.add_argument(
        "--manifest",
        metavar="PATH",
        help="the manifest a dependency report read when it does not say (pip-audit -r "
        "requirements.txt, npm audit's package-lock.json): the same advisory in the same "
        "manifest from several tools is then one finding",
    )
    importing.add_argument(
        "--owner",
        metavar="LOGIN",
        help="owner of new findings (default: git config github.user, in Actions the "
        "repository's owner)",
    )
    importing.add_argument(
        "--dry-run", action="store_true", help="say what would change, write nothing"
    )
    importing.add_argument(
        "--output-format", choices=("text", "json"), default="text", help="the summary's format"
    )
    importing.add_argument(
        "--propose",
        action="store_true",
        help="put the records on a record pull request per scope (branch "
        "maintain/findings-SCOPE, updated in place while open) instead of the working tree",
    )
    add_github(importing, writes=False)
    add_now(importing)
    _add_decisions(actions)
    syncing = actions.add_parser(
        "sync-github",
        help="import the Dependabot and code-scanning alerts; dismiss those decided here",
        description="Import every Dependabot and code-scanning alert of the repository as a "
        "full scan of its scope (fixed alerts mark their findings mitigated, dismissed ones "
        "come in with their reason), then dismiss on GitHub the open alerts of findings "
        "marked false_positive or risk_accepted here, with a comment naming the record.",
    )
    syncing.add_argument("--scope", metavar="NAME", help="the scope of both imports")
    syncing.add_argument(
        "--owner",
        metavar="LOGIN",
        help="owner of new findings (default: git config github.user, in Actions the "
        "repository's owner)",
    )
    syncing.add_argument(
        "--propose",
        action="store_true",
        help="records on a record pull request per scope instead of the working tree",
    )
    add_github(syncing)
    add_now(syncing)


def _add_decisions(actions: Any) -> None:
    accepting = actions.add_parser(
        "accept",
        help="accept a finding's risk until a date: the finding and its waiver, together",
        description="Mark an open finding risk_accepted and write the waiver that covers it "
        "(approved by you, expiring no later than the SLA policy allows for the finding's "
        "severity), so `maintain check` passes on the result. Open a pull request with both "
        "files: the review is the approval.",
    )
    accepting.add_argument("id", metavar="ID", help="the finding (SF-...)")
    accepting.add_argument(
        "--until",
        metavar="DATE",
        required=True,
        help="when the acceptance ends: YYYY-MM-DD (the end of that day, UTC) or an RFC 3339 "
        "moment",
    )
    accepting.add_argument(
        "--reason", metavar="TEXT", required=True, help="why the risk is accepted"
    )
    accepting.add_argument(
        "--controls", metavar="TEXT", help="compensating controls that limit the risk meanwhile"
    )
    dismissing = actions.add_parser(
        "dismiss",
        help="close a finding as a false positive or out of scope, with the reason",
        description="Mark a finding false_positive or out_of_scope with your reason. A waiver "
        "that covered it as an accepted risk stops covering it (revoked if it covered nothing "
        "else). A rescan never reopens it.",
    )
    dismissing.add_argument("id", metavar="ID", help="the finding (SF-...)")
    dismissing.add_argument(
        "--as",
        dest="status",
        required=True,
        choices=("false_positive", "out_of_scope"),
        help="what the finding is",
    )
    dismissing.add_argument("--reason", metavar="TEXT", required=True, help="why, for reviewers")
    for parser in (accepting, dismissing):
        parser.add_argument(
            "--by", metavar="LOGIN", help="who decides (default: git config github.user)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be written; write nothing"
        )
        add_now(parser)


def run(args: argparse.Namespace) -> int:
    if args.action == "import":
        return _import(args)
    if args.action in ("accept", "dismiss"):
        return _decide(args)
    if args.action == "sync-github":
        return _sync_github(args)
    from maintain_repo.engine.findings import listed
    from maintain_repo.report.findings import render_json, render_sarif, render_table

    now = now_of(args)
    items = listed(
        root_of(args),
        now,
        statuses=args.status,
        severities=args.severity,
        overdue=args.overdue,
    )
    if args.format == "sarif":
        sys.stdout.write(render_sarif(items))
    elif args.format == "json":
        sys.stdout.write(render_json(items, now))
    else:
        sys.stdout.write(render_table(items, now))
    return 0


def _decide(args: argparse.Namespace) -> int:
    from maintain_repo.engine.findings_decide import accept, dismiss
    from maintain_repo.errors import UsageError

    root = root_of(args)
    by = login_of(root, args.by, "to record the decision under", "--by LOGIN")
    reason = args.reason.strip()
    if not reason:
        raise UsageError("--reason is empty; say why, for the reviewers")
    if args.action == "accept":
        decision = accept(
            root,
            args.id,
            until=_until(args.until),
            reason=reason,
            by=by,
            now=now_of(args),
            controls=args.controls,
            dry_run=args.dry_run,
        )
    else:
        decision = dismiss(
            root,
            args.id,
            status=args.status,
            reason=reason,
            by=by,
            now=now_of(args),
            dry_run=args.dry_run,
        )
    verb = "would write" if args.dry_run else "wrote"
    print(f"{args.id}: {decision.status}; {verb} {len(decision.records)} file(s)")
    for rel in decision.records:
        print(f"  {rel}")
    return 0


def _propose(args: argparse.Namespace, root: Any, owner: str, sources: list[Any]) -> int:
    from maintain_repo.engine.findings_github import import_into

    ops = github_ops(args, root)
    results = import_into(
        root,
        ops.api,
        sources,
        owner=owner,
        now=now_of(args),
        base=ops.base,
        token=ops.token,
        report_format=args.format,
        scope=args.scope,
        service=args.service,
        manifest=args.manifest,
        propose=True,
        say=say_aside,
    )
    _print_imported(args, results)
    return 0


def _sync_github(args: argparse.Namespace) -> int:
    from maintain_repo.engine.findings_github import sync_github

    root = root_of(args)
    ops = github_ops(args, root)
    synced = sync_github(
        root,
        ops.api,
        owner=login_of(
            root,
            args.owner,
            "to own new findings",
            "--owner LOGIN (a person or org/team)",
            in_actions=True,
        ),
        now=now_of(args),
        base=ops.base,
        token=ops.token,
        scope=args.scope,
        propose=args.propose,
        say=say,
    )
    _print_imported(args, synced.imported)
    verb = "would be dismissed" if args.dry_run else "dismissed"
    print(f"{len(synced.dismissed)} alert(s) {verb} on GitHub")
    for line in synced.dismissed:
        print(f"  {line}")
    for line in synced.failed:
        print(f"maintain: error: could not dismiss {line}", file=sys.stderr)
    return 1 if synced.failed else 0


def _print_imported(args: argparse.Namespace, results: list[Any]) -> None:
    import json

    if getattr(args, "output_format", "text") == "json":
        shown = [{"scope": r.scope, "pull": r.pull, **r.outcome.to_json()} for r in results]
        sys.stdout.write(json.dumps(shown, indent=2) + "\n")
        return
    for result in results:
        outcome = result.outcome
        where = f" on pull request #{result.pull}" if result.pull else ""
        print(
            f"{result.scope or 'findings'}: {outcome.new} new, {outcome.updated} updated, "
            f"{outcome.mitigated} mitigated, {outcome.reopened} reopened, {outcome.unchanged} "
            f"unchanged; {len(outcome.records)} record(s){where}"
        )


def _until(text: str) -> Any:
    """--until: a date (the end of that day, UTC) or an RFC 3339 moment."""
    import re
    from datetime import UTC, datetime

    from maintain_repo.errors import UsageError
    from maintain_repo.model.timestamps import parse_timestamp

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise UsageError(f"--until {text!r} is not a date") from None
        return day.replace(hour=23, minute=59, second=59)
    try:
        return parse_timestamp(text)
    except ValueError as e:
        raise UsageError(f"--until: {e}", hint="give YYYY-MM-DD or an RFC 3339 moment") from None


def _import(args: argparse.Namespace) -> int:
    import json

    from maintain_repo.engine.findings_import import Source, import_findings

    root = root_of(args)
    owner = login_of(
        root,
        args.owner,
        "to own new findings",
        "--owner LOGIN (a person or org/team)",
        in_actions=True,
    )
    sources = [Source(name, _read(name)) for name in args.files]
    if args.propose:
        return _propose(args, root, owner, sources)
    outcome = import_findings(
        root,
        sources,
        owner=owner,
        now=now_of(args),
        report_format=args.format,
        scope=args.scope,
        service=args.service,
        manifest=args.manifest,
        dry_run=args.dry_run,
    )
    for note in outcome.notes:
        print(f"maintain: note: {note}", file=sys.stderr)
    if args.output_format == "json":
        sys.stdout.write(json.dumps(outcome.to_json(), indent=2) + "\n")
        return 0
    verb = "would write" if args.dry_run else "wrote"
    print(
        f"{outcome.new} new, {outcome.updated} updated, {outcome.mitigated} mitigated, "
        f"{outcome.reopened} reopened, {outcome.unchanged} unchanged, {outcome.skipped} "
        f"skipped; {verb} {len(outcome.records)} record{'s' if len(outcome.records) != 1 else ''}"
    )
    for rel in outcome.records:
        print(f"  {rel}")
    return 0


def _read(name: str) -> bytes:
    from maintain_repo.engine.findings_import import MAX_REPORT_BYTES
    from maintain_repo.errors import UsageError
    from maintain_repo.store.source import NotARegularFile, read

    if name == "-":
        data = sys.stdin.buffer.read(MAX_REPORT_BYTES + 1)
    else:
        try:
            data = read(name, max_bytes=MAX_REPORT_BYTES)
        except FileNotFoundError:
            raise UsageError(f"{name}: no such file") from None
        except NotARegularFile as e:
            raise UsageError(f"{name}: {e}, not a report file") from None
        except OSError as e:
            raise UsageError(f"{name}: cannot read it: {e.strerror or e}") from None
    if len(data) > MAX_REPORT_BYTES:
        raise UsageError(f"{name}: larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB")
    return data
