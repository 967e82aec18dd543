"""`maintain report`: incident response times, DORA measures, SLOs and SLA compliance over
a window, as text, Markdown, JSON or a static HTML dashboard."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from maintain_repo.cli.common import add_github, add_now, now_of, root_of
from maintain_repo.errors import UsageError

FORMATS = ("text", "markdown", "json", "html")
FILES = {"text": "report.txt", "markdown": "report.md", "json": "report.json", "html": "index.html"}


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="measure the maintenance: MTTx, DORA, SLOs, SLA compliance",
        description="Measure how the maintenance goes over a window (default: the 90 days "
        "before --until, which defaults to now): incidents (count, time to acknowledge, "
        "mitigate and resolve, postmortems, action items, repeats), the four DORA measures "
        "with their performance tiers, changes (approval compliance, freeze overrides, "
        "rollbacks), improvements (opened, done, on time), security findings (open, "
        "overdue, SLA compliance, time to remediate) and the services' SLOs from the probes' "
        "history (availability, error budget, burn rates). Every formula is in the docs (Reports); "
        "records a measure could not use are listed as not counted.",
    )
    parser.add_argument("--since", metavar="TIME", help="start of the window (RFC 3339 or a date)")
    parser.add_argument("--until", metavar="TIME", help="end of the window, not included")
    parser.add_argument(
        "--month",
        metavar="YYYY-MM",
        help="the window is this calendar month (UTC), or `last`: the month before --now's",
    )
    parser.add_argument("--service", metavar="ID", help="only records about this service")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default), markdown (for $GITHUB_STEP_SUMMARY), json (stable, "
        "schema_version 1) or html (a self-contained dashboard)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="write the report into DIR instead of printing it (html: index.html and "
        "report.json, the site's /report/ folder)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="read every record again, ignoring the cache"
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="read the probes' history from this directory (default: the state branch on "
        "origin, read only when a service declares SLOs)",
    )
    parser.add_argument(
        "--issue",
        action="store_true",
        help='also open (or update) the issue "Ops review YYYY-MM" of --month with the '
        "report as Markdown (the report workflow's monthly review; needs --month)",
    )
    parser.add_argument(
        "--public",
        action="store_true",
        help="leave out what only the team should see: the security section and the "
        "records not counted (the status page's site publishes this form)",
    )
    add_github(parser, writes=True)
    add_now(parser)


def run(args: argparse.Namespace) -> int:
    import json
    import sys
    from pathlib import Path

    from maintain_repo.cli.common import display, say_aside
    from maintain_repo.engine.report import Period, build_report, report_items
    from maintain_repo.report.dashboard import render_html
    from maintain_repo.report.ops_review import render_markdown, render_text
    from maintain_repo.store.files import write_atomic

    root = root_of(args)
    now = now_of(args)
    period = Period(_moment(args.since, "--since"), _moment(args.until, "--until"))
    if args.issue and args.month is None:
        raise UsageError(
            "--issue writes one month's review: give --month YYYY-MM (or --month last)"
        )
    if args.month is not None:
        if args.since or args.until:
            raise UsageError("--month is a whole window: give it without --since and --until")
        period = _month(args.month, now)
    if period.since and period.until and period.since >= period.until:
        raise UsageError("--since must be before --until")
    items = report_items(root, use_cache=not args.no_cache)
    if args.service and not any(
        item.get("kind") == "service" and item.id == args.service for item in items
    ):
        raise UsageError(f"--service {args.service}: no such service record")
    with _history(args, root, items, say_aside) as (samples, hold):
        doc = build_report(
            root, period, now, service=args.service, samples=samples, hold=hold, items=items
        )
    if args.public:
        doc = {**doc, "security": None, "unknown": [], "public": True}
    text = json.dumps(doc, indent=2, sort_keys=False) + "\n"
    rendered = {
        "json": text,
        "text": render_text(doc),
        "markdown": render_markdown(doc),
        "html": render_html(doc),
    }[args.format]
    if args.issue:
        from maintain_repo.cli.common import github_ops, say_aside
        from maintain_repo.engine.review_issue import publish_review

        assert period.since is not None  # --month gave the window
        month = f"{period.since.year:04d}-{period.since.month:02d}"
        ops = github_ops(args, root)
        say_aside(
            publish_review(
                ops, month, rendered if args.format == "markdown" else render_markdown(doc)
            )
        )
    if args.out is None:
        sys.stdout.write(rendered)
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / FILES[args.format], rendered, overwrite=True)
    if args.format == "html":
        write_atomic(out / FILES["json"], text, overwrite=True)
    say_aside(f"report: {display(out / FILES[args.format])}")
    return 0


def _moment(text: str | None, option: str) -> datetime | None:
    """An RFC 3339 timestamp, or a date (its midnight, UTC)."""
    if text is None:
        return None
    from datetime import UTC, date

    from maintain_repo.model.timestamps import parse_timestamp

    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        return parse_timestamp(text)
    except ValueError as e:
        raise UsageError(f"{option}: {e}; or a date like 2026-11-01") from None


def _month(text: str, now: datetime) -> Any:
    """The calendar month `text` (YYYY-MM, or `last`: the one before `now`'s), in UTC."""
    import re
    from datetime import UTC

    from maintain_repo.engine.report import Period

    if text == "last":
        year, month = now.year, now.month - 1
        if month == 0:
            year, month = year - 1, 12
    else:
        match = re.fullmatch(r"([0-9]{4})-(0[1-9]|1[0-2])", text)
        if match is None or int(match.group(1)) < 1:
            raise UsageError(f"--month {text!r}: a month like 2026-11, or last")
        year, month = int(match.group(1)), int(match.group(2))
    if (year, month) == (9999, 12):
        raise UsageError(f"--month {text!r}: too late a month")
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return Period(start, end)


class _history:
    """The probes' history for SLOs: from --state-dir, else the state branch (only when a
    service declares SLOs); without it the SLOs are reported with no availability."""

    def __init__(self, args: argparse.Namespace, root: Any, items: Any, say: Any) -> None:
        self.args, self.root, self.items, self.say = args, root, items, say
        self._branch: Any = None

    def __enter__(self) -> tuple[Any, Any]:
        from pathlib import Path

        from maintain_repo.engine.report import objectives
        from maintain_repo.probes.history import hold_for
        from maintain_repo.probes.store import StateDir

        if not objectives(self.items, self.args.service):
            return None, hold_for(None)  # no settings needed (nor their models)
        from maintain_repo.engine.load import worktree_policies

        settings = worktree_policies(self.root).settings
        hold = hold_for(settings.monitoring.history_interval())
        if self.args.state_dir:
            folder = Path(self.args.state_dir)
            if not folder.is_dir():
                raise UsageError(f"--state-dir {self.args.state_dir}: no such directory")
            return StateDir(folder).samples, hold
        from maintain_repo.cli.in_flight import token
        from maintain_repo.errors import ConfigError
        from maintain_repo.git.publish import read_branch

        self._branch = read_branch(self.root, settings.state_branch, token())
        try:
            tree = self._branch.__enter__()
        except ConfigError as e:
            self._branch = None
            self.say(f"report: SLOs without probe history ({e.message})")
            return None, hold
        if tree is None:
            self.say(f"report: SLOs without probe history (no {settings.state_branch} branch)")
            return None, hold
        return StateDir(tree).samples, hold

    def __exit__(self, *exc: object) -> None:
        if self._branch is not None:
            self._branch.__exit__(*exc)
