"""`maintain probe run` and `maintain probe list`: the service records' probes."""

from __future__ import annotations

import argparse
import json
import os
import re
from typing import Any

from maintain_repo.cli.common import add_format, add_github, add_now, now_of, root_of
from maintain_repo.errors import UsageError

_SHARD = re.compile(r"^([1-9][0-9]{0,3})/([1-9][0-9]{0,3})$")


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="run the services' probes; open and resolve incidents from their results",
        description="Probes are defined in service records (records/services/*.yaml).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    ran = actions.add_parser(
        "run",
        help="run the probes, record their state, open or resolve incidents",
        description="Run the probes concurrently, each within its timeout and all within "
        "--deadline; a failing result is tested again (the probe's `retries`) before it "
        "counts. States and history go to the state branch (Settings `state_branch`) on "
        "origin, or to --state-dir. A probe failing `failure_threshold` runs in a row opens "
        "an incident (issue and record pull request); `success_threshold` passing runs "
        "resolve it and close the issue. --dry-run probes and reports what would change "
        "(states, history rows, incidents to open or resolve) and writes nothing; GitHub is "
        "read only when GITHUB_TOKEN is set. Exit 0 when the run completed (whatever the "
        "probes found), 1 when a probe or service could not run as written, 2 on usage "
        "errors.",
    )
    _selection(ran)
    ran.add_argument(
        "--concurrency",
        type=int,
        default=200,
        metavar="N",
        help="probes in flight at once (default: 200)",
    )
    ran.add_argument(
        "--deadline",
        default="4m",
        metavar="DURATION",
        help="stop waiting after this long (e.g. 90s, 4m); probes still running count as "
        "unknown, neither failing nor passing (default: 4m)",
    )
    ran.add_argument(
        "--state-dir",
        metavar="DIR",
        help="keep state and history in this directory instead of the state branch",
    )
    add_format(
        ran,
        "text: a table of the probes and a summary line; json: one document on stdout with "
        "every probe's state, counts, incident action and what was written, progress on stderr",
    )
    add_github(ran)
    add_now(ran)
    listed = actions.add_parser(
        "list",
        help="list the probes (and the shard each belongs to)",
        description="List every probe that `maintain probe run` would run.",
    )
    _selection(listed)
    add_format(
        listed,
        "text: one line per probe; json: one document with the probes and the service "
        "records whose probes cannot run",
    )


def _selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shard",
        metavar="I/N",
        help="run only shard I of N (1-based; probes are split by a hash of their name, so "
        "each keeps its shard as others come and go)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="only this probe, service, or SERVICE/PROBE (repeat for more)",
    )


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list(args)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from maintain_repo.cli.common import github_ops, say, say_aside
    from maintain_repo.engine.load import worktree_policies
    from maintain_repo.engine.monitor import RunOptions
    from maintain_repo.engine.monitor import run as run_probes
    from maintain_repo.github.config import token_from_environment
    from maintain_repo.model.probes import seconds

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    try:
        deadline = seconds(args.deadline)
    except ValueError as e:
        raise UsageError(f"--deadline: {e}") from None
    root = root_of(args)
    settings = worktree_policies(root).settings
    token = token_from_environment()
    quiet = args.format == "json"
    # With --format json, stdout is the JSON document alone: progress goes to stderr.
    talk = say_aside if quiet else say
    # GitHub only with a token: a dry run without one reads nothing there and needs no
    # repository (it says which incidents it would open or resolve).
    ops = github_ops(args, root, talk=talk) if token else None
    if ops is None and not quiet:
        say("GITHUB_TOKEN is not set: incidents are reported here, not opened on GitHub")
    options = RunOptions(
        root=root,
        settings=settings,
        now=now_of(args),
        env=dict(os.environ),
        shard=_shard(args.shard),
        only=tuple(args.only),
        concurrency=args.concurrency,
        deadline=deadline,
        dry_run=args.dry_run,
        state_dir=Path(args.state_dir).resolve() if args.state_dir else None,
        token=token,
    )
    report = run_probes(options, ops, talk)
    if quiet:
        print(json.dumps(_json(report, args.shard), indent=2))
    else:
        _table(report, args.shard)
    return 1 if report.failed else 0


def _list(args: argparse.Namespace) -> int:
    from maintain_repo.engine.monitor import load_targets
    from maintain_repo.probes.run import select, shard_of

    probes, problems = load_targets(root_of(args))
    shard = _shard(args.shard)
    chosen = select([p.target for p in probes], shard=shard, only=tuple(args.only))
    count = shard[1] if shard else 1
    rows = [
        {
            "probe": t.key,
            "type": t.probe.type,
            "target": t.probe.target(),
            "shard": f"{shard_of(t.key, count) + 1}/{count}",
        }
        for t in chosen
    ]
    if args.format == "json":
        print(json.dumps({"probes": rows, "problems": problems}, indent=2))
    else:
        from maintain_repo.report.safe import printable

        for row in rows:
            print(
                printable(f"{row['probe']:<40} {row['type']:<5} {row['shard']:<6} {row['target']}")
            )
        for problem in problems:
            print(printable(f"error: {problem}"))
        print(f"{len(rows)} probe(s)")
    return 1 if problems else 0


def _shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    match = _SHARD.match(text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise UsageError(f"--shard {text!r}: expected I/N with 1 <= I <= N, e.g. 2/4")
    return int(match.group(1)), int(match.group(2))


def _json(report: Any, shard: str | None) -> dict[str, Any]:
    return {
        "shard": shard,
        "state": {
            "where": report.where,
            "changed": report.changed,
            "commit": report.commit,
            "dry_run": report.dry_run,
        },
        "probes": [
            {
                "probe": row.outcome.key,
                "state": row.outcome.state,
                "latency_ms": row.outcome.latency_ms,
                "code": row.outcome.code,
                "detail": row.outcome.detail,
                "attempts": row.outcome.attempts,
                "failures": row.state.failures,
                "successes": row.state.successes,
                "maintenance": row.maintenance,
                "action": row.action,
                "note": row.note,
                "incident": row.state.incident.id if row.state.incident else None,
                "writes": list(row.writes),
            }
            for row in report.rows
        ],
        "problems": report.problems,
    }


def _table(report: Any, shard: str | None) -> None:
    from maintain_repo.report.safe import printable

    width = max([len(row.outcome.key) for row in report.rows] + [5])
    print(f"{'PROBE':<{width}}  {'STATE':<8}  {'LATENCY':>8}  DETAIL")
    for row in report.rows:
        outcome = row.outcome
        latency = "-" if outcome.latency_ms is None else f"{outcome.latency_ms:.0f} ms"
        line = f"{outcome.key:<{width}}  {outcome.state:<8}  {latency:>8}  {outcome.detail}"
        print(printable(line))
    for problem in report.problems:
        print(printable(f"error: {problem}"))
    counts = {
        state: sum(row.outcome.state == state for row in report.rows)
        for state in ("up", "degraded", "down", "unknown")
    }
    summary = ", ".join(f"{n} {state}" for state, n in counts.items() if n) or "no probes"
    where = f"state: {report.where}"
    saved = f"{report.changed} changed" + (
        f", commit {report.commit[:10]}" if report.commit else ""
    )
    if report.dry_run:
        states = sum("state" in row.writes for row in report.rows)
        rows = sum("history" in row.writes for row in report.rows)
        saved = (
            f"dry run: {report.changed} would change ({states} state(s), {rows} history "
            "row(s)), nothing written"
        )
    scope = f" (shard {shard})" if shard else ""
    print(f"{len(report.rows)} probe(s){scope}: {summary}; {where}, {saved}")
