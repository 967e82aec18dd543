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
        description="Create records/<kind>/ folders, policies/settings.yaml, schemas/ and a "
        ".gitignore in DIR, then print the next steps.",
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
    from maintain_repo.engine.init import scaffold

    directory = args.directory or Path(args.root or ".")
    for path in scaffold(directory):
        print(f"created {path}")
    print("next:")
    for step in next_steps(directory):
        print(f"  {step}")
    return 0


def next_steps(directory: Path) -> list[str]:
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
        "git config github.user YOUR-GITHUB-LOGIN  # maintain new makes you the owner",
        "maintain new service --title 'Checkout API'",
        "maintain check",
    ]
    return steps
