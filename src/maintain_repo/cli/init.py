"""`maintain init DIR`: start a new ops repository."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from maintain_repo.cli.common import display


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="create an empty ops repository",
        description="Create a new ops repository in DIR that passes `maintain check` on its "
        "first commit: records/<kind>/ folders, schemas/, a .gitignore, settings, an SLA "
        "policy, an approval policy, a starter policy pack with its tests, an example "
        "service (its probe disabled), the incident issue form, a pre-commit configuration "
        "and a README; files that exist are left alone. Then print the next steps.",
    )
    parser.add_argument("--org", metavar="ORG", help="the GitHub organization (or user)")
    parser.add_argument(
        "--repo", metavar="OWNER/NAME", help="the ops repository on GitHub (github.repository)"
    )
    parser.add_argument(
        "--team",
        metavar="TEAM",
        help="the team that owns operations (a slug of --org, or ORG/slug): the owner of the "
        "starter records and the veto in the approval policy",
    )
    parser.add_argument(
        "--upgrade",
        action="store_true",
        help="in an existing ops repository: rewrite the workflows init wrote (and their "
        "maintain action pins), the pre-commit hooks' rev and schemas/ to this version and "
        "show the diff; files the team wrote or changed (without the generated header) are "
        "left alone",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="with --upgrade: show the diff, write nothing"
    )
    parser.add_argument(
        "directory",
        nargs="?",
        default=None,
        metavar="DIR",
        type=Path,
        help="where to create it (default: --root, else the current directory)",
    )


def run(args: argparse.Namespace) -> int:
    import re

    from maintain_repo.engine.init import scaffold
    from maintain_repo.engine.starter import Starter
    from maintain_repo.errors import UsageError

    name = r"[A-Za-z0-9][A-Za-z0-9-]{0,38}"
    if args.org and not re.fullmatch(name, args.org):
        raise UsageError(f"--org {args.org!r}: a GitHub organization or user name")
    if args.repo and not re.fullmatch(rf"{name}/[A-Za-z0-9._-]{{1,100}}", args.repo):
        raise UsageError(f"--repo {args.repo!r}: OWNER/NAME of a GitHub repository")
    if args.team and not re.fullmatch(rf"@?({name}/)?[A-Za-z0-9][A-Za-z0-9_.-]{{0,99}}", args.team):
        raise UsageError(f"--team {args.team!r}: a team slug, or ORG/slug")
    if args.upgrade:
        return _upgrade(args)
    org = args.org or (args.repo.split("/")[0] if args.repo else None)
    starter = Starter(org=org, repo=args.repo, team=args.team)
    directory = args.directory or Path(args.root or ".")
    for path in scaffold(directory, starter):
        print(f"created {path}")
    print("next:")
    for step in next_steps(directory, starter.owner):
        print(f"  {step}")
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    import sys

    from maintain_repo import __version__
    from maintain_repo.engine.init import upgrade

    directory = args.directory or Path(args.root or ".")
    changed = upgrade(directory, dry_run=args.dry_run)
    for _rel, diff in changed:
        sys.stdout.write(diff)
    verb = "would rewrite" if args.dry_run else "rewrote"
    print(f"{verb} {len(changed)} generated file(s) for maintain {__version__}")
    return 0


def next_steps(directory: Path, owner: str = "ops") -> list[str]:
    """The commands that take a new ops repository to its first checked record."""
    import shlex  # here: every other command starts without it

    steps = []
    shown = display(directory)
    if shown != ".":
        steps.append(f"cd {shlex.quote(shown)}")
    if not any(
        (folder / ".git").exists() for folder in (directory.resolve(), *directory.resolve().parents)
    ):
        steps.append("git init && git add -A && git commit -m 'Start the ops repository'")
    steps += [
        f"maintain new service --title 'Checkout API' --set owner={shlex.quote(owner)}",
        "maintain check",
        "maintain policy test",
    ]
    return steps
