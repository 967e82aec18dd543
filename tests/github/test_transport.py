"""The transport between PyGithub and the network: a total deadline, a size bound, no
redirects, bounded and announced waits, pacing, answers only from the API's origin.

Real PyGithub talks through `Client` to the emulator's injected faults (every emulator
answer is checked against GitHub's OpenAPI description at teardown); answers GitHub's
description does not allow (a 302 on an issue, a 202 on a read) come from a loopback
HTTP server posing as the API.
"""

from __future__ import annotations

import re
import socket
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from githubops import OPEN_INCIDENT, actions_env, make_ops_repo
from maintain_repo.cli import main
from maintain_repo.errors import GitHubError
from maintain_repo.github import transport
from maintain_repo.github.client import Client
from maintain_repo.github.config import MEGABYTE, GitHubConfig
from maintain_repo.github.transport import Connection, Transport
from maintain_repo.testing.github import Emulator, Fault
from maintain_repo.testing.servers import HttpServer

ISSUE = "/repos/acme/shop/issues/1"
GiB = 1024**3


def connect(api_url: str, token: str, said: list[str] | None = None, **limits: Any) -> Client:
    """Our client, as commands make it (fast backoff, no pacing unless asked)."""
    settings: dict[str, Any] = {"backoff": 0.01, "pace": False, **limits}
    return Client(
        GitHubConfig(
            api_url=api_url,
            repository="acme/shop",
            token=token,
            say=said.append if said is not None else (lambda _: None),
            **settings,
        )
    )


@pytest.fixture
def emu(make_github: Callable[..., Emulator]) -> Emulator:
    emulator = make_github()
    emulator.seed_issue("alice", "Checkout is down")
    return emulator


@pytest.fixture
def catcher() -> Iterator[HttpServer]:
    """Another origin (the same host, another port): nothing may ever reach it."""
    with HttpServer() as server:
        yield server


def timed(action: Callable[[], object]) -> tuple[float, GitHubError]:
    started = time.monotonic()
    with pytest.raises(GitHubError) as failed:
        action()
    return time.monotonic() - started, failed.value


def requests_to(emu: Emulator, path: str) -> int:
    return sum(1 for e in emu.exchanges if e.path == path)


# -- the deadline -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        # One byte a second: every read returns in time, only a total deadline ends it.
        Fault(method="GET", path=f"{ISSUE}$", status=None, rate=1.0),
        # Nothing at all: the status line never comes.
        Fault(method="GET", path=f"{ISSUE}$", status=None, delay=30),
    ],
    ids=["trickling-body", "silent-server"],
)
def test_every_request_ends_at_its_deadline(emu: Emulator, fault: Fault) -> None:
    client = connect(emu.base_url, emu.bot_token, timeout=2)
    assert client.issue(1).title == "Checkout is down"  # connected, PyGithub loaded
    emu.inject(Fault(method="GET", path=f"{ISSUE}$", status=None, rate=50_000))
    assert client.issue(1).title == "Checkout is down"  # a quick trickle completes

    emu.inject(fault)
    elapsed, error = timed(lambda: client.issue(1))
    assert 1.9 <= elapsed < 3.0, elapsed  # and so not tried again: that takes another 2 s
    assert error.message == (
        f"GitHub: read issue #1 failed: no complete answer to GET {ISSUE} within 2 s"
    )
    assert "MAINTAIN_GITHUB_TIMEOUT" in error.hint


# -- the size bound ---------------------------------------------------------------------


@pytest.mark.parametrize("unsized", [False, True], ids=["content-length", "until-close"])
def test_a_huge_answer_is_refused_without_being_held(emu: Emulator, unsized: bool) -> None:
    client = connect(emu.base_url, emu.bot_token, max_bytes=MEGABYTE)
    assert client.issue(1).title == "Checkout is down"
    emu.inject(Fault(method="GET", path=f"{ISSUE}$", status=None, pad=2 * GiB, unsized=unsized))
    tracemalloc.start()
    try:
        elapsed, error = timed(lambda: client.issue(1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 5
    assert peak < 8 * MEGABYTE, peak  # a 2 GB answer, one megabyte read
    size = "" if unsized else " (2048.0 MB)"
    assert error.message == (
        f"GitHub: read issue #1 failed: the answer to GET {ISSUE} is larger than 1 MB{size}; "
        "not read further"
    )
    assert "MAINTAIN_GITHUB_MAX_BYTES" in error.hint
    assert client.issue(1).title == "Checkout is down"  # the next request is served


# -- redirects and other origins --------------------------------------------------------


@pytest.mark.parametrize(
    ("act", "method"),
    [
        (lambda client: client.issue(1), "GET"),
        (lambda client: client.edit_issue(1, title="Moved?"), "PATCH"),
    ],
    ids=["read", "edit"],
)
def test_a_redirect_from_the_api_is_an_error_and_takes_the_token_nowhere(
    emu: Emulator, catcher: HttpServer, act: Callable[[Client], object], method: str
) -> None:
    # GitHub documents a 301 for a transferred issue; here it points at another port.
    elsewhere = f"{catcher.url}/repos/acme/shop/issues/1?token=x"
    emu.inject(Fault(method=method, path=f"{ISSUE}$", status=301, location=elsewhere))
    client = connect(emu.base_url, emu.bot_token)
    _, error = timed(lambda: act(client))
    assert f"{method} {ISSUE} answered HTTP 301 (a redirect to {catcher.url}{ISSUE})" in (
        error.message
    )
    assert "token=x" not in error.message  # a Location's query is not repeated
    assert "GITHUB_API_URL" in error.hint
    assert catcher.requests == []
    assert emu.issue(1)["title"] == "Checkout is down"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_no_redirect_is_followed_nor_taken_for_success(catcher: HttpServer, status: int) -> None:
    # A server posing as the API (a proxy gone wrong): GitHub's description has no 302 on
    # an issue, so the emulator does not play this part.
    with HttpServer(status=status, body="", headers={"Location": f"{catcher.url}/x"}) as api:
        client = connect(api.url, "ghs_" + "a" * 36)
        for act in (
            lambda: client.issue(1),
            lambda: client.set_status("a" * 40, "success", "maintain/approval", "ok"),
        ):
            _, error = timed(act)
            assert f"answered HTTP {status} (a redirect to {catcher.url}/x)" in error.message
        assert [r.method for r in api.requests] == ["GET", "POST"]  # each sent once
        assert api.requests[0].headers["authorization"] == "token ghs_" + "a" * 36
    assert catcher.requests == []


def test_202_on_a_read_is_an_error_not_an_endless_wait() -> None:
    # PyGithub sleeps 2 s and asks again on a 202, for as long as it comes.
    with HttpServer(status=202, body="{}") as api:
        elapsed, error = timed(lambda: connect(api.url, "ghs_" + "a" * 36).issue(1))
        assert "answered HTTP 202 (still processing)" in error.message
        assert elapsed < 2
        assert len(api.requests) == 1


def test_requests_go_to_the_api_origin_only(emu: Emulator, catcher: HttpServer) -> None:
    """Whatever URL PyGithub is handed (a `link` to another port, another host), the
    transport sends nothing there: the token stays with the API."""
    config = GitHubConfig(api_url=emu.base_url, repository="acme/shop", token=emu.bot_token)
    transport = Transport(config)
    for host, port in (("127.0.0.1", catcher.port), ("localhost", emu.port)):
        connection = Connection(transport, "http", host, port)
        connection.request("GET", "/x", None, {"Authorization": f"token {emu.bot_token}"})
        _, error = timed(connection.getresponse)
        assert error.message.startswith(f"GET /x was to go to http://{host}:{port}, not to")
    assert catcher.requests == []
    assert transport.exchanges == 0


# -- rate limits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "limits", "wait"),
    [
        (Fault(path=f"{ISSUE}$", status=429, retry_after=99999), {}, 99999),
        (Fault(path=f"{ISSUE}$", status=403, limit="primary", reset_in=30 * 86400), {}, 2592001),
        (Fault(path=f"{ISSUE}$", status=429, limit="primary", reset_in=3600), {}, 3601),
        # No retry-after: GitHub asks for at least a minute.
        (
            Fault(path=f"{ISSUE}$", status=403, limit="secondary"),
            {"backoff": 1, "max_wait": 30},
            60,
        ),
        (Fault(path=f"{ISSUE}$", status=429, retry_after=40), {"max_wait": 30}, 40),
    ],
    ids=["429-retry-after", "403-primary-30-days", "429-primary", "403-secondary", "over-max"],
)
def test_a_wait_beyond_the_bound_ends_at_once_saying_until_when(
    emu: Emulator, fault: Fault, limits: dict[str, Any], wait: int
) -> None:
    said: list[str] = []
    limits = {"max_wait": 300, **limits}
    client = connect(emu.base_url, emu.bot_token, said, **limits)
    emu.inject(fault)
    asked = datetime.now(UTC)
    elapsed, error = timed(lambda: client.issue(1))
    assert elapsed < 2
    prefix = "GitHub: read issue #1 failed: rate limited until "
    assert error.message.startswith(prefix)
    until = datetime.strptime(error.message[len(prefix) :][:23], "%Y-%m-%d %H:%M:%S UTC")
    expected = asked + timedelta(seconds=wait)
    assert abs(until.replace(tzinfo=UTC) - expected) < timedelta(seconds=3)
    assert f"(MAINTAIN_GITHUB_MAX_WAIT={limits['max_wait']} s)" in error.message
    assert "run it again after that time" in error.hint
    assert requests_to(emu, ISSUE) == 1
    assert said == []


def test_a_rate_limited_create_makes_nothing_and_ends_at_once(emu: Emulator) -> None:
    emu.inject(Fault(method="POST", path=r"/issues$", status=403, retry_after=99999))
    client = connect(emu.base_url, emu.bot_token)
    elapsed, error = timed(
        lambda: client.ensure_issue("<!-- m -->", "New", "<!-- m -->", ["incident"], "maintain")
    )
    assert elapsed < 2
    assert error.message.startswith("GitHub: open issue 'New' failed: rate limited until ")
    assert [i["title"] for i in emu.issues] == ["Checkout is down"]


@pytest.mark.parametrize(
    ("fault", "act", "prefix"),
    [
        (
            Fault(method="GET", path=f"{ISSUE}$", status=503, retry_after=99999),
            lambda client: client.issue(1),
            "GitHub: read issue #1 failed: GitHub is unavailable (HTTP 503) until ",
        ),
        (  # a create that failed unclearly: the wait before looking is bounded too
            Fault(method="POST", path=r"/issues$", status=502, retry_after=99999),
            lambda client: client.ensure_issue("<!-- m -->", "New", "", [], "maintain"),
            "GitHub: open issue 'New' failed: HTTP 502 (Server Error): GitHub asks to wait until ",
        ),
    ],
    ids=["read", "create"],
)
def test_a_long_retry_after_on_a_5xx_ends_at_once(
    emu: Emulator, fault: Fault, act: Callable[[Client], object], prefix: str
) -> None:
    emu.inject(fault)
    elapsed, error = timed(lambda: act(connect(emu.base_url, emu.bot_token)))
    assert elapsed < 2
    assert error.message.startswith(prefix)
    assert "(in 28 h), longer than maintain waits (MAINTAIN_GITHUB_MAX_WAIT=300 s)" in (
        error.message
    )


@pytest.mark.parametrize(
    ("fault", "said_wait"),
    [
        (Fault(path=f"{ISSUE}$", status=429, retry_after=1), "waiting 1 s until "),
        # Until the reset second, plus one: it is not said when in that second it comes.
        (Fault(path=f"{ISSUE}$", status=403, limit="primary", reset_in=1), "waiting [12] s until "),
        (Fault(method="POST", path=r"/issues$", status=403, retry_after=1), "waiting 1 s until "),
    ],
    ids=["429-read", "403-primary-read", "403-secondary-create"],
)
def test_a_short_rate_limit_is_waited_out_and_said(
    emu: Emulator, fault: Fault, said_wait: str
) -> None:
    said: list[str] = []
    client = connect(emu.base_url, emu.bot_token, said)
    emu.inject(fault)
    started = time.monotonic()
    assert client.issue(1).title == "Checkout is down"
    client.ensure_issue("<!-- m -->", "New", "<!-- m -->", ["incident"], "maintain")
    assert time.monotonic() - started >= 0.95
    (line,) = said
    method = fault.method if fault.method != "*" else "GET"
    path = ISSUE if method == "GET" else "/repos/acme/shop/issues"
    assert re.fullmatch(
        f"GitHub: rate limited on {method} {path}; {said_wait}20[-0-9]+ [:0-9]+ UTC", line
    )
    assert len([i for i in emu.issues if i["title"] == "New"]) == 1


def test_waits_that_each_fit_but_together_do_not_end_the_run_at_once(emu: Emulator) -> None:
    """The bound is for the run, not for one wait: one-second waits with a budget of 2.5 s
    end at the third, before sleeping it."""
    said: list[str] = []
    client = connect(emu.base_url, emu.bot_token, said, max_wait=2.5)
    emu.inject(Fault(path=f"{ISSUE}$", status=429, retry_after=1, times=4))
    elapsed, error = timed(lambda: client.issue(1))
    assert 1.9 <= elapsed < 2.9
    assert len(said) == 2
    assert "this run has waited 2 s for GitHub already, and another 1 s (until " in error.message
    assert "is more than maintain waits in all (MAINTAIN_GITHUB_MAX_WAIT=2.5 s)" in error.message
    # The budget is the run's: the next request, rate limited again, ends without a wait.
    elapsed, again = timed(lambda: client.issue(1))
    assert elapsed < 0.9
    assert "this run has waited 2 s for GitHub already" in again.message


def test_a_5xx_is_tried_again_for_reads_and_said(emu: Emulator) -> None:
    said: list[str] = []
    emu.inject(Fault(method="GET", path=f"{ISSUE}$", status=502, times=2))
    assert connect(emu.base_url, emu.bot_token, said).issue(1).title == "Checkout is down"
    assert said == [
        f"GitHub: HTTP 502 on GET {ISSUE}; trying again in 0.01 s",
        f"GitHub: HTTP 502 on GET {ISSUE}; trying again in 0.02 s",
    ]


def test_a_refused_connection_is_tried_again_then_reported() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    said: list[str] = []
    _, error = timed(lambda: connect(f"http://127.0.0.1:{port}", "ghs_" + "a" * 36, said).issue(1))
    assert error.message.startswith(
        f"GitHub: read issue #1 failed: the connection broke on GET {ISSUE}: "
    )
    assert "refused" in error.message.lower()
    assert len(said) == 4  # five tries in all


def test_a_rate_limit_ends_a_command_with_exit_2(tmp_path, make_github, monkeypatch, capsys):
    repo = make_ops_repo(tmp_path)
    emu = make_github(git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    emu.inject(Fault(method="POST", path=r"/issues$", status=429, retry_after=99999))
    started = time.monotonic()
    code = main(["--root", str(repo.root), *OPEN_INCIDENT, "--owner=alice"])
    err = capsys.readouterr().err
    assert code == 2
    assert time.monotonic() - started < 10
    assert "failed: rate limited until 20" in err
    assert "hint: run it again after that time" in err
    assert "Traceback" not in err
    assert [i for i in emu.issues if "pull_request" not in i] == []


# -- pacing -----------------------------------------------------------------------------


def test_pacing_is_said_once_and_costs_no_more_than_the_pace(emu: Emulator) -> None:
    said: list[str] = []
    client = connect(emu.base_url, emu.bot_token, said, pace=True)
    started = time.monotonic()
    client.ensure_labels({name: ("ff0000", name) for name in ("a", "b", "c")})  # 1 read, 3 writes
    elapsed = time.monotonic() - started
    assert said == ["GitHub: pacing writes (1 s between writes, as GitHub asks)"]
    assert 2.0 <= elapsed < 4.5, elapsed  # 0.25 s + 1 s + 1 s of pacing, and the requests
    assert sorted(label["name"] for label in emu.labels) == ["a", "b", "c"]


def test_long_pacing_is_said_again_now_and_then(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "PACING_REMINDER", 2.0)  # instead of 10 s: a faster test
    said: list[str] = []
    client = connect(emu.base_url, emu.bot_token, said, pace=True)
    client.ensure_labels({name: ("ff0000", name) for name in "abcde"})  # 1 read, 5 writes
    first, *again = said
    assert first == "GitHub: pacing writes (1 s between writes, as GitHub asks)"
    assert 1 <= len(again) <= 2, again
    assert re.fullmatch(r"GitHub: still pacing writes \([345] so far\)", again[0])
