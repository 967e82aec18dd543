"""Errors become messages and exit codes in one place; the crash log and progress lines
never show a token, in whatever form the failing code rendered it."""

from __future__ import annotations

import re
import secrets
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from maintain_repo.cli.common import say, say_aside
from maintain_repo.cli.errors import BUG, USAGE, handle_errors
from maintain_repo.errors import GitHubError
from maintain_repo.github.config import token_from_environment


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    """A token as read from a file (a trailing newline), registered as maintain reads it."""
    raw = "ghs_" + secrets.token_hex(18) + "\n"
    assert token_from_environment({"GITHUB_TOKEN": raw}) == raw.strip()
    return raw


def test_a_crash_log_shows_no_rendering_of_the_token(
    token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["maintain", "--api-url", f"https://x/?t={quote(token)}"])
    with handle_errors() as outcome:
        # What requests itself raises for the raw value (the leak that was reported):
        # InvalidHeader: ... in header value: 'token ghs_...\n'
        requests.Request(
            "GET", "http://127.0.0.1:1/", headers={"Authorization": f"token {token}"}
        ).prepare()
    assert outcome.code == BUG
    err = capsys.readouterr().err
    (log,) = re.findall(r"log at (\S+)", err)
    text = Path(log).read_text(encoding="utf-8")
    assert "InvalidHeader" in text
    assert "***" in text
    assert token.strip() not in text + err
    assert quote(token) not in text


def test_an_error_message_shows_no_rendering_of_the_token(
    token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with handle_errors() as outcome:
        raise GitHubError(f"bad {token!r} {quote(token)}", hint=f"Bearer {token}")
    assert outcome.code == USAGE
    err = capsys.readouterr().err
    assert token.strip() not in err
    assert err.count("***") == 3


@pytest.mark.parametrize("speak", [say, say_aside])
def test_progress_lines_show_no_rendering_of_the_token(
    token: str, capsys: pytest.CaptureFixture[str], speak: object
) -> None:
    assert callable(speak)
    speak(f"GitHub: waiting ({token!r}, {quote(token)}, Authorization: token {token})")
    captured = capsys.readouterr()
    assert token.strip() not in captured.out + captured.err
    assert (captured.out + captured.err).count("***") == 3
