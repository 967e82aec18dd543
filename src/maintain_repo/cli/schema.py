"""`maintain schema export|check`: the JSON Schemas in schemas/."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from maintain_repo.cli.common import root_of
from maintain_repo.store.repo import SCHEMAS


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="export or verify the JSON Schemas in schemas/",
        description="The JSON Schemas of every record kind and policy document kind, "
        "generated from the models; editors use them to complete and check YAML.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    actions.add_parser(
        "export",
        help="write schemas/*.schema.json from the models",
        description="Write schemas/*.schema.json from the models (only files that change).",
    )
    actions.add_parser(
        "check",
        help="exit 1 when schemas/ differs from the models",
        description="Compare schemas/ with the models: exit 1 and name each schema that "
        "differs, is missing or is not produced by any model (CI runs it).",
    )


def run(args: argparse.Namespace) -> int:
    from maintain_repo.engine.schemas import drift, export

    directory = root_of(args) / SCHEMAS
    if args.action == "export":
        written, removed = export(directory)
        for name in written:
            print(f"wrote {SCHEMAS}/{name}")
        for name in removed:
            print(f"removed {SCHEMAS}/{name} (no model produces it)")
        changed = len(written) + len(removed)
        print(f"{changed} schema(s) updated" if changed else "schemas are up to date")
        return 0
    result = drift(directory)
    for name in result.changed:
        print(f"{SCHEMAS}/{name}: differs from the models", file=sys.stderr)
    for name in result.missing:
        print(f"{SCHEMAS}/{name}: missing", file=sys.stderr)
    for name in result.extra:
        print(f"{SCHEMAS}/{name}: not produced by any model", file=sys.stderr)
    if result.clean:
        print("schemas are up to date")
        return 0
    print(
        "run `maintain schema export` (in a repository made by `maintain init`, "
        "`maintain init --upgrade` moves the workflows along too) and commit the result",
        file=sys.stderr,
    )
    return 1
