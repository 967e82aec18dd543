"""`maintain new KIND --title TEXT [--set FIELD=VALUE ...]`."""

from __future__ import annotations

import argparse
from typing import Any

from maintain_repo.cli.common import add_now, display, now_of, root_of
from maintain_repo.model.kinds import KINDS


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="create a new record with sensible defaults",
        description="Create a record (valid, never overwriting) and print its path.",
    )
    parser.add_argument("kind", choices=list(KINDS), metavar="KIND", help=", ".join(KINDS))
    parser.add_argument("--title", required=True, help="one-line title")
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="set a field (dotted for nested fields; VALUE is YAML, e.g. services=[api])",
    )
    add_now(parser)  # the record's created_at (and its id's date)


def run(args: argparse.Namespace) -> int:
    from maintain_repo.engine.new import create
    from maintain_repo.git.identity import configured_login

    root = root_of(args)
    owned = any(a.split("=", 1)[0].strip() == "owner" for a in args.assignments)
    owner = None if owned else configured_login(root)
    path = create(root, args.kind, args.title, args.assignments, owner=owner, now=now_of(args))
    print(display(path))
    return 0
