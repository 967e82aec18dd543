"""`maintain init DIR`: start a new ops repository."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="create an empty ops repository",
        description="Create records/<kind>/ folders, policies/settings.yaml and schemas/ in DIR.",
    )
    parser.add_argument("directory", nargs="?", default=".", metavar="DIR", type=Path)


def run(args: argparse.Namespace) -> int:
    from maintain_repo.engine.init import scaffold

    for path in scaffold(args.directory):
        print(f"created {path}")
    print(f"next: cd {args.directory} && maintain new incident --title '...'")
    return 0
