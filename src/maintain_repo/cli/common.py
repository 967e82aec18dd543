"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path

from maintain_repo.errors import UsageError
from maintain_repo.store.repo import find_root


def root_of(args: argparse.Namespace) -> Path:
    """The ops repository: --root, or discovered from the current directory."""
    if args.root:
        root = Path(args.root)
        if not root.is_dir():
            raise UsageError(f"--root {args.root}: no such directory")
        return find_root(root)
    return find_root(Path.cwd())


def display(path: Path) -> str:
    """`path` relative to the current directory when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def add_now(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        metavar="TIMESTAMP",
        help="judge time as at this RFC 3339 moment (default: $MAINTAIN_NOW, else the clock)",
    )


def now_of(args: argparse.Namespace) -> datetime:
    """--now, else MAINTAIN_NOW, else the current time (UTC)."""
    text = getattr(args, "now", None) or os.environ.get("MAINTAIN_NOW")
    if not text:
        return datetime.now(UTC)
    from maintain_repo.model.timestamps import parse_timestamp

    try:
        return parse_timestamp(text)
    except ValueError as e:
        source = "--now" if getattr(args, "now", None) else "MAINTAIN_NOW"
        raise UsageError(f"{source}: {e}") from None
