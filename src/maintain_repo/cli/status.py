"""`maintain status build`: the static status page (HTML and JSON) for GitHub Pages."""

from __future__ import annotations

import argparse
from typing import Any

from maintain_repo.cli.common import add_now, now_of, root_of
from maintain_repo.cli.in_flight import add_proposed, proposals_of, token


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="build the static status page from the probes' state and the records",
        description="Status page commands.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    built = actions.add_parser(
        "build",
        help="write the status page (index.html, status.json) to a directory",
        description="Write a self-contained status page: per service and probe the current "
        "state, uptime over 24 h, 7 d, 30 d and 90 d, response-time charts (inline SVG), open "
        "incidents with links to their issues (including those whose record pull request is "
        "not merged yet, marked as proposed), and maintenance notices. No external assets, "
        "no JavaScript, no API calls from the visitor's browser.",
    )
    built.add_argument("--out", required=True, metavar="DIR", help="where to write the site")
    built.add_argument(
        "--state-dir",
        metavar="DIR",
        help="read probe state and history from this directory (default: the state branch "
        "on origin)",
    )
    add_proposed(built)
    add_now(built)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from maintain_repo.cli.common import display, say
    from maintain_repo.engine.load import worktree_policies
    from maintain_repo.engine.status import build_page
    from maintain_repo.report.status_page import write

    root = root_of(args)
    settings = worktree_policies(root).settings
    now = now_of(args)
    out = Path(args.out).resolve()
    proposals = proposals_of(args, root)
    if args.state_dir:
        state = Path(args.state_dir).resolve()
        page = build_page(root, state if state.is_dir() else None, settings, now, proposals)
    else:
        from maintain_repo.git.publish import read_branch

        with read_branch(root, settings.state_branch, token()) as tree:
            page = build_page(root, tree, settings, now, proposals)
    written = write(page, out)
    probes = sum(len(service.probes) for service in page.services)
    say(
        f"status page: {len(page.services)} service(s), {probes} probe(s), "
        f"{len(page.incidents)} open incident(s) -> {display(out)} ({len(written)} files)"
    )
    return 0
