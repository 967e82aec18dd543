"""Where GitHub is and who we are: the token's shape checked once and its every rendering
masked, the limits from the environment, and a no-token hint that fits the command."""

from __future__ import annotations

import base64
import json
import re
import secrets
from urllib.parse import quote, quote_plus

import pytest

from githubops import OPEN_INCIDENT, actions_env, make_ops_repo, write_event
from maintain_repo.cli import main
from maintain_repo.errors import UsageError, conceal, redact
from maintain_repo.github.config import MEGABYTE, from_environment, token_from_environment


def a_token() -> str:
    return "ghs_" + secrets.token_hex(18)


def environment(**extra: str) -> dict[str, str]:
    return {"GITHUB_REPOSITORY": "acme/shop", **extra}


def renderings(value: str) -> list[str]:
    """The ways a message, a header, a URL or a log may show a value."""
    data = value.encode()
    return [
        value,
        repr(value),
        repr(value)[1:-1],
        ascii(value)[1:-1],
        json.dumps(value),
        quote(value, safe=""),
        re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(value, safe="")),
        quote_plus(value, safe=""),
        f"Authorization: token {value}",
        f"Authorization: Bearer {value}",
        f"InvalidHeader: Invalid leading whitespace in header value: {('token ' + value)!r}",
        "AUTHORIZATION: basic " + base64.b64encode(b"x-access-token:" + data).decode(),
        base64.b64encode(data).decode(),
        value.replace("_", "\\_"),  # Markdown
    ]


# -- the token --------------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["\n", "\r\n", ""], ids=["newline", "crlf", "none"])
def test_one_trailing_line_break_is_dropped(ending: str) -> None:
    token = a_token()
    config = from_environment(environ=environment(GITHUB_TOKEN=token + ending))
    assert config.token == token
    assert token_from_environment({"GITHUB_TOKEN": token + ending}) == token


@pytest.mark.parametrize(
    ("shape", "problem"),
    [
        ("{t}\n\n", "it contains whitespace"),
        (" {t}", "it contains whitespace"),
        ("token {t}", "it contains whitespace"),
        ("Bearer {t}", "it contains whitespace"),
        ("{t}\t", "it contains whitespace"),
        ("{t}\r", "it contains whitespace"),
        ("{t}\x00", "it contains a control character"),
        ("{t}\x1b[2J", "it contains a control character"),
        ("{t}\u200b", "it contains a non-ASCII character"),
        ("gh\u0455_{t}", "it contains a non-ASCII character"),
        ('"{t}"', "a character GitHub tokens never have"),
        ("{t};rm -rf", "it contains whitespace"),
        ("{t}%0A", "a character GitHub tokens never have"),
        ("ghp_short", "too short or too long"),
        ("{t}" * 8, "too short or too long"),
        ("\n", "it is empty"),
    ],
)
def test_a_token_of_the_wrong_shape_is_refused_without_being_shown(
    shape: str, problem: str
) -> None:
    raw = shape.format(t=a_token())
    with pytest.raises(UsageError) as refused:
        from_environment(environ=environment(GITHUB_TOKEN=raw))
    text = refused.value.diagnostics()
    assert text.startswith("GITHUB_TOKEN is not a usable GitHub token: ")
    assert problem in text
    assert "(its value is not shown)" in text
    stripped = raw.removesuffix("\n")
    for shown in {*renderings(raw), *renderings(stripped)}:
        assert shown not in text or len(shown) < 8


def test_the_token_given_directly_is_checked_too() -> None:
    with pytest.raises(UsageError, match="the token given is not a usable GitHub token"):
        from_environment(token="ghs_x y", environ=environment())


@pytest.mark.parametrize(
    "value",
    [
        "ghs_" + "A1b2" * 9 + "\n",  # a valid token, read from a file
        "p@ss w/rd%\n\t\u00fc\u200b'\"",  # characters that every encoding escapes
    ],
    ids=["token-with-newline", "escaped-characters"],
)
def test_every_rendering_of_a_secret_is_masked(value: str) -> None:
    conceal(value)
    conceal(value.removesuffix("\n"))
    for shown in renderings(value) + renderings(value.removesuffix("\n")):
        masked = redact(f"before {shown} after")
        assert value.strip() not in masked
        assert "***" in masked, shown


def test_a_token_read_from_a_file_works_end_to_end(tmp_path, make_github, monkeypatch, capsys):
    repo = make_ops_repo(tmp_path)
    emu = make_github(git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    monkeypatch.setenv("GITHUB_TOKEN", emu.bot_token + "\n")
    code = main(["--root", str(repo.root), *OPEN_INCIDENT, "--owner=alice"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert {e.login for e in emu.exchanges} == {"github-actions[bot]"}
    assert emu.bot_token not in captured.out + captured.err


def test_a_bad_token_stops_a_command_before_any_request(tmp_path, make_github, monkeypatch, capsys):
    repo = make_ops_repo(tmp_path)
    emu = make_github(git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    monkeypatch.setenv("GITHUB_TOKEN", f"token {emu.bot_token}")
    code = main(["--root", str(repo.root), *OPEN_INCIDENT, "--owner=alice"])
    captured = capsys.readouterr()
    assert code == 2
    assert "GITHUB_TOKEN is not a usable GitHub token: it contains whitespace" in captured.err
    assert emu.bot_token not in captured.out + captured.err
    assert emu.exchanges == []


# -- the API URL and the limits ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://x-access-token:ghs_secretsecretsecret1@api.github.com", "carries credentials"),
        ("https://ghs_secretsecretsecret1@api.github.com", "carries credentials"),
        ("ftp://api.github.com", "is not an http(s) URL"),
        ("https://api.github.com/?token=1", "is not an http(s) URL"),
        ("https://api.github .com", "is not an http(s) URL"),
        ("https://api.github.com:99999", "has a bad port"),
    ],
)
def test_a_bad_api_url_is_refused(url: str, message: str) -> None:
    with pytest.raises(UsageError) as refused:
        from_environment(environ=environment(GITHUB_API_URL=url, GITHUB_TOKEN=a_token()))
    assert message in refused.value.diagnostics()
    assert "ghs_secretsecretsecret1" not in refused.value.diagnostics()


def test_the_limits_come_from_the_environment() -> None:
    config = from_environment(environ=environment(GITHUB_TOKEN=a_token()))
    assert (config.timeout, config.max_bytes, config.max_wait) == (30.0, 32 * MEGABYTE, 300.0)
    config = from_environment(
        environ=environment(
            GITHUB_TOKEN=a_token(),
            MAINTAIN_GITHUB_TIMEOUT="2.5",
            MAINTAIN_GITHUB_MAX_BYTES="1048576",
            MAINTAIN_GITHUB_MAX_WAIT="0",
        )
    )
    assert (config.timeout, config.max_bytes, config.max_wait) == (2.5, MEGABYTE, 0.0)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MAINTAIN_GITHUB_TIMEOUT", "0", "expected 0.1 to 600 seconds"),
        ("MAINTAIN_GITHUB_TIMEOUT", "nan", "expected 0.1 to 600 seconds"),
        ("MAINTAIN_GITHUB_MAX_WAIT", "forever", "is not a number of seconds"),
        ("MAINTAIN_GITHUB_MAX_WAIT", "86400", "expected 0 to 21600 seconds"),
        ("MAINTAIN_GITHUB_MAX_BYTES", "12", "expected 1024 to 2147483648"),
        ("MAINTAIN_GITHUB_MAX_BYTES", "1e99", "expected 1024 to 2147483648"),
    ],
)
def test_bad_limits_are_usage_errors(name: str, value: str, message: str) -> None:
    with pytest.raises(UsageError) as refused:
        from_environment(environ=environment(GITHUB_TOKEN=a_token(), **{name: value}))
    assert f"{name}={value!r}" in refused.value.diagnostics()
    assert message in refused.value.diagnostics()


# -- the hint when there is no token ----------------------------------------------------

SLA = "kind: SLAPolicy\nname: response\nincident:\n  acknowledge: {SEV2: 15m}\n"
# Every command that reaches GitHub through cli.common.github_ops, and its --help.
COMMANDS: list[tuple[list[str], list[str]]] = [
    (["check", "--online"], ["check"]),
    (
        [*OPEN_INCIDENT, "--owner=alice"],
        ["incident", "open"],
    ),
    (["github", "sync", "--event", "{event}", "--event-name", "issues"], ["github", "sync"]),
    (["sla", "remind"], ["sla"]),
    (["approve", "--pr", "1"], ["approve"]),
]


@pytest.mark.parametrize(("argv", "command"), COMMANDS, ids=lambda v: " ".join(v[:2]))
def test_the_no_token_hint_offers_only_what_the_command_has(
    tmp_path, make_github, monkeypatch, capsys, argv: list[str], command: list[str]
) -> None:
    repo = make_ops_repo(tmp_path, {"policies/sla.yaml": SLA})
    emu = make_github(git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    monkeypatch.delenv("GITHUB_TOKEN")
    number = emu.seed_issue("alice", "Down")
    event = write_event(tmp_path, emu.webhook("issues", "opened", number=number))
    code = main(["--root", str(repo.root), *(a.format(event=event) for a in argv)])
    err = capsys.readouterr().err
    assert main([*command, "--help"]) == 0
    has_dry_run = "--dry-run" in capsys.readouterr().out
    assert code == 2
    assert "no GitHub token: GITHUB_TOKEN is not set" in err
    assert ("use --dry-run" in err) == has_dry_run
    if command == ["check"]:
        assert not has_dry_run
        assert "or leave out --online to check without GitHub" in err
    assert emu.exchanges == []
