"""`python -m maintain_repo.testing.github`: run the emulator standalone until SIGINT/SIGTERM.

It prints its base URL and each user's token, one a line, then serves; drive it with
`/_emulator/` (see `control`). Bad arguments: a message on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from maintain_repo.testing.github.emulator import Emulator
from maintain_repo.testing.github.state import PERMISSIONS


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m maintain_repo.testing.github",
        description="Serve an emulated GitHub REST API for one repository on 127.0.0.1.",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)"
    )
    parser.add_argument("--repo", required=True, help="the repository, OWNER/NAME")
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="LOGIN:PERMISSION",
        help=f"a user and their role ({', '.join(PERMISSIONS[1:])}); repeatable",
    )
    parser.add_argument(
        "--team",
        action="append",
        default=[],
        metavar="ORG/SLUG:LOGIN,LOGIN",
        help="a team and its members; repeatable",
    )
    parser.add_argument(
        "--git", type=Path, metavar="DIR", help="a bare git repository: the contents"
    )
    parser.add_argument("--page-size", type=int, default=30, help="the default per_page (1-100)")
    args = parser.parse_args(argv)
    args.users = dict(_pair(parser, spec, "--user", "LOGIN:PERMISSION") for spec in args.user)
    for login, permission in args.users.items():
        if permission not in PERMISSIONS[1:]:
            parser.error(f"--user {login}: the permission is one of {', '.join(PERMISSIONS[1:])}")
    args.teams = {
        key: [m for m in members.split(",") if m]
        for key, members in (
            _pair(parser, spec, "--team", "ORG/SLUG:LOGIN,LOGIN") for spec in args.team
        )
    }
    if not 0 <= args.port <= 65535:
        parser.error("--port is between 0 and 65535")
    if args.git is not None and not args.git.is_dir():
        parser.error(f"--git {args.git}: no such directory")
    return args


def _pair(parser: argparse.ArgumentParser, spec: str, option: str, form: str) -> tuple[str, str]:
    key, sep, value = spec.partition(":")
    if not sep or not key or not value:
        parser.error(f"{option} {spec!r}: expected {form}")
    return key, value


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        emulator = Emulator(args.repo, args.users, args.teams, args.git, args.page_size)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)  # the server threads inherit the mask
    try:
        emulator.start(args.port)
    except OSError as error:
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {error}", file=sys.stderr)
        return 1
    print(f"base_url: {emulator.base_url}")
    print(f"repository: {emulator.repo}")
    for login, permission in emulator.users.items():
        print(f"token {login} ({permission}): {emulator.token(login)}")
    sys.stdout.flush()
    signal.sigwait(signals)
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
