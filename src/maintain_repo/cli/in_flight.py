"""The option of the commands that also read records proposed on open record pull
requests (`maintain sla`, `maintain status build`, `maintain history`), and reading them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from maintain_repo.cli.common import say_aside

if TYPE_CHECKING:
    from maintain_repo.engine.in_flight import Proposals


def add_proposed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-proposed",
        dest="proposed",
        action="store_false",
        help="read only the records of the checkout, not those proposed on open record pull "
        "requests (the maintain/* branches, fetched from origin with $GITHUB_TOKEN if set)",
    )


def token() -> str | None:
    """$GITHUB_TOKEN (a private repository's fetch needs it), checked and masked."""
    from maintain_repo.github.config import token_from_environment

    return token_from_environment()


def proposals_of(args: argparse.Namespace, root: Path) -> Proposals:
    """The records on open record branches, unless --no-proposed; notes (a failed fetch,
    a record that does not validate) go to stderr."""
    from maintain_repo.engine.in_flight import Proposals, read_proposals

    if not args.proposed:
        return Proposals()
    found = read_proposals(root, token())
    for note in found.notes:
        say_aside(f"note: {note}")
    return found
