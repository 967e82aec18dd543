"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

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


def add_format(
    parser: argparse.ArgumentParser, described: str, choices: tuple[str, ...] = ("text", "json")
) -> None:
    """`--format`, defaulting to the first choice; `described` says what each one gives."""
    parser.add_argument(
        "--format",
        choices=choices,
        default=choices[0],
        help=f"{described} (default: {choices[0]})",
    )


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


def add_github(parser: argparse.ArgumentParser, *, writes: bool = True) -> None:
    """The options of every command that talks to GitHub."""
    group = parser.add_argument_group("GitHub")
    group.add_argument(
        "--repository",
        metavar="OWNER/NAME",
        help="default: $GITHUB_REPOSITORY, else github.repository in policies/settings.yaml",
    )
    group.add_argument(
        "--api-url", metavar="URL", help="default: $GITHUB_API_URL, else https://api.github.com"
    )
    group.add_argument(
        "--base-branch",
        metavar="BRANCH",
        help="the branch record pull requests target (default: the repository's default "
        "branch from the event, else main)",
    )
    if writes:
        group.add_argument(
            "--dry-run",
            action="store_true",
            help="change nothing: print what would be created, edited or pushed",
        )


def say(text: str) -> None:
    """Print one line of progress; secrets masked, control characters escaped."""
    _say(text, sys.stdout)


def say_aside(text: str) -> None:
    """`say`, on stderr: for commands whose stdout is a document (`--format json`)."""
    _say(text, sys.stderr)


def _say(text: str, stream: TextIO) -> None:
    from maintain_repo.errors import redact
    from maintain_repo.report.safe import printable

    print("\n".join(printable(line) for line in redact(text).splitlines()), file=stream, flush=True)


def github_ops(
    args: argparse.Namespace,
    root: Path,
    *,
    base: str | None = None,
    talk: Callable[[str], None] | None = None,
) -> Any:
    """The `Ops` of a GitHub-facing command (engine.incidents.Ops); progress goes to
    `talk` (default: stdout)."""
    from maintain_repo.engine.incidents import Ops
    from maintain_repo.engine.load import worktree_policies
    from maintain_repo.github.client import Client
    from maintain_repo.github.config import from_environment

    talk = talk or say
    repository = args.repository or os.environ.get("GITHUB_REPOSITORY")
    if not repository:  # only then are the settings read
        settings = worktree_policies(root).settings
        repository = settings.github.repository if settings.github else None
    config = from_environment(
        api_url=args.api_url,
        repository=repository,
        dry_run=getattr(args, "dry_run", False),
        without_token=_without_token(args),
        say=talk,
    )
    return Ops(
        root=root,
        api=Client(config),
        base=args.base_branch or base or "main",
        token=config.token,
        say=talk,
    )


def _without_token(args: argparse.Namespace) -> str:
    """How this command runs without a token, for the hint when there is none: only what
    the command really has (`check` has no --dry-run)."""
    if hasattr(args, "dry_run"):
        return "or use --dry-run to only print what would be done"
    if getattr(args, "online", False):
        return "or leave out --online to check without GitHub"
    return ""


def login_of(
    root: Any, given: str | None, what: str, option: str, *, in_actions: bool = False
) -> str:
    """`given`, else the GitHub login git config names (github.user); with `in_actions`,
    else the owner of the repository a workflow runs in (a scan's findings belong to the
    organisation until someone takes them)."""
    from maintain_repo.git.identity import configured_login

    login = given or configured_login(root)
    if not login and in_actions:
        login = os.environ.get("GITHUB_REPOSITORY_OWNER", "")
    if not login:
        raise UsageError(
            f"no GitHub login {what}: git config has no github.user", hint=f"pass {option}"
        )
    return login
