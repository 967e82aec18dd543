"""`maintain rules`: the rules a check applies here, and the repository's own policies."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from maintain_repo.cli.common import add_format, root_of
from maintain_repo.errors import ConfigError


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="list the rules and policies a check applies",
        description="List the built-in rules with the severity and state "
        "policies/settings.yaml gives them here, then the repository's record policies "
        "(name, severity, file). Outside an ops repository: the built-in defaults.",
    )
    add_format(parser, "text (two tables) or json")


def run(args: argparse.Namespace) -> int:
    from maintain_repo.engine.policies import rules_in_force

    root: Path | None
    try:
        root = root_of(args)
    except ConfigError:
        if args.root:
            raise
        root = None  # not in an ops repository: the defaults are still worth listing
    listing = rules_in_force(root)
    if listing.settings_problem:
        print(
            f"maintain: {listing.settings_problem}; showing the default rule levels "
            "(`maintain check` reports the problem)",
            file=sys.stderr,
        )
    if args.format == "json":
        document = {
            "rules": [asdict(row) for row in listing.rules],
            "policies": [asdict(row) for row in listing.policies],
        }
        print(json.dumps(document, indent=2))
        return 0
    _text(listing, root)
    return 0


def _text(listing: Any, root: Path | None) -> None:
    from maintain_repo.report.safe import printable

    width = max(len(row.id) for row in listing.rules)
    print(f"{'RULE':<{width}}  SCOPE   SEVERITY  STATE  SUMMARY")
    for row in listing.rules:
        state = "on" if row.enabled else "off"
        level = row.severity + ("*" if row.configured and row.severity != row.default else "")
        print(f"{row.id:<{width}}  {row.scope:<6}  {level:<8}  {state:<5}  {row.summary}")
    if any(row.configured for row in listing.rules):
        print("(* re-levelled, off: turned off, in policies/settings.yaml)")
    if root is None:
        print("(not in an ops repository: the defaults; pass --root DIR for a repository's)")
        return
    print()
    if not listing.policies:
        print("no record policies in policies/")
        return
    name_width = max(len("POLICY"), *(len(p.name) for p in listing.policies))
    print(f"{'POLICY':<{name_width}}  SEVERITY  FILE")
    for policy in listing.policies:
        print(f"{printable(policy.name):<{name_width}}  {policy.severity:<8}  {policy.path}")
