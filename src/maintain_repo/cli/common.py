"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
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
