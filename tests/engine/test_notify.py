"""Notifications: every event kind reaches a local webhook server (Apprise's `json://`, a
real HTTP POST on 127.0.0.1) once, a replay sends nothing twice, a failing webhook does
not fail the run (and is tried again), routes filter by event, severity and service, and
the token never leaves."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from githubops import FORM_BODY, make_ops_repo
from incidentops import USERS, comment, sync
from incidentops import open_incident as open_cli
from maintain_repo.cli import main
from maintain_repo.engine import notify as notify_module
from maintain_repo.engine.notify import Event, notify


@dataclass
class Hook:
    url: str
    received: list[dict] = field(default_factory=list)

    def titles(self) -> list[str]:
        return [message["title"] for message in self.received]


@contextmanager
def webhook() -> Iterator[Hook]:
    """A loopback server that records what Apprise's json:// posts to it."""
    hook = Hook("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length", 0))
            hook.received.append(json.loads(self.rfile.read(size)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hook.url = f"json://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def settings(*routes: str) -> str:
    return (
        "kind: Settings\nschema_version: 1\ngithub:\n  repository: acme/shop\n"
        "notifications:\n  routes:\n" + "".join(routes)
    )


EVERYTHING = """\
    - name: ops
      url_env: MAINTAIN_NOTIFY_OPS
      events: [incident.opened, incident.resolved, incident.severity_changed, sla.at_risk,
               sla.breached, slo.fast_burn, finding.overdue]
"""


@pytest.fixture(autouse=True)
def fresh_routes():
    notify_module._ROUTES.clear()  # each test's repository has its own settings
    yield
    notify_module._ROUTES.clear()


@pytest.fixture
def hook():
    with webhook() as running:
        yield running


@pytest.fixture
def world(tmp_path, make_github, monkeypatch, hook):
    from githubops import actions_env

    repo = make_ops_repo(tmp_path, {"policies/settings.yaml": settings(EVERYTHING)})
    emu = make_github(users=USERS, teams={"acme/sre": ["alice", "bob"]}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    monkeypatch.setenv("MAINTAIN_NOW", "2026-11-27T10:00:00Z")
    monkeypatch.setenv("MAINTAIN_NOTIFY_OPS", hook.url)
    return repo, emu


def test_an_incident_opened_is_told_once(world, hook, capsys):
    repo, emu = world
    assert open_cli(repo, "--dedupe-key", "checkout-down") == 0
    assert "notification ops: incident.opened sent" in capsys.readouterr().out
    (message,) = hook.received
    assert message["title"].startswith("Incident INC-")
    assert "(SEV2): Checkout is down" in message["title"]
    assert "Services: checkout-api" in message["message"]
    assert open_cli(repo, "--dedupe-key", "checkout-down") == 0  # a rerun
    assert len(hook.received) == 1
    (issue,) = [i for i in emu.issues if "pull_request" not in i]
    receipts = [c for c in emu.comments(issue["number"]) if "maintain:notifications" in c["body"]]
    assert len(receipts) == 1
    assert emu.bot_token not in json.dumps(hook.received)


def test_severity_changes_and_resolution_are_told(world, hook, tmp_path):
    repo, emu = world
    number = emu.seed_issue("carol", "[Incident]: Checkout is slow", FORM_BODY, labels=["incident"])
    assert sync(repo, tmp_path, "issues", emu.webhook("issues", "opened", issue=number)) == 0
    for text in ("/ack", "/severity SEV1", "/resolve Rolled back."):
        assert sync(repo, tmp_path, "issue_comment", comment(emu, number, "alice", text)) == 0
    titles = hook.titles()
    assert titles[0].startswith("Incident INC-")
    assert "opened (SEV2)" in titles[0]
    assert titles[1].endswith("is now SEV1")
    assert titles[2].endswith("resolved")
    assert len(titles) == 3


OPEN_FINDING = """\
id: SF-20261101-7K2M
kind: finding
schema_version: 1
title: Vulnerable jinja2 in checkout
status: open
owner: acme/security
created_at: 2026-11-01T08:00:00Z
category: dependency
tool:
  name: pip-audit
fingerprint: 1f2c4d1e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e
severity: high
service: payments
first_seen: 2026-11-01T08:00:00Z
"""


def test_breached_obligations_and_overdue_findings_are_told(world, hook, capsys):
    repo, _emu = world
    # An open high finding past its 7-day remediation deadline, and one four days into it.
    (repo.root / "records/findings/SF-20261101-7K2M.yaml").write_text(OPEN_FINDING)
    (repo.root / "records/findings/SF-20261127-7K2N.yaml").write_text(
        OPEN_FINDING.replace("SF-20261101-7K2M", "SF-20261127-7K2N")
        .replace("2026-11-01", "2026-11-27")
        .replace("fingerprint: 1f", "fingerprint: 2f")
    )
    (repo.root / "policies/sla.yaml").write_text(
        "kind: SLAPolicy\nname: levels\nfinding: {high: 7d, critical: 1d, medium: 7d, "
        "low: 7d, info: 7d}\nat_risk_after: 0.5\n"
    )
    argv = ["--root", str(repo.root), "sla", "remind", "--now", "2026-12-01T00:00:00Z"]
    assert main(argv) == 0
    titles = hook.titles()
    assert any(t.startswith("SLA breached: the remediation of SF-") for t in titles), titles
    assert any(t.startswith("Finding SF-") and t.endswith("is overdue") for t in titles)
    assert "SLA at risk: the remediation of SF-20261127-7K2N" in titles
    count = len(titles)
    assert main(argv) == 0  # the next hour: nothing new to tell
    assert len(hook.received) == count


def test_a_failing_webhook_does_not_fail_the_run_and_is_tried_again(
    tmp_path, make_github, monkeypatch, capsys
):
    from githubops import actions_env

    repo = make_ops_repo(tmp_path, {"policies/settings.yaml": settings(EVERYTHING)})
    emu = make_github(users=USERS, teams={"acme/sre": ["alice", "bob"]}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    monkeypatch.setenv("MAINTAIN_NOW", "2026-11-27T10:00:00Z")
    monkeypatch.setenv("MAINTAIN_NOTIFY_OPS", "json://127.0.0.1:9/nobody-listens")
    assert open_cli(repo, "--dedupe-key", "down") == 0
    assert "notification ops: could not be sent (tried again next run)" in capsys.readouterr().out
    with webhook() as hook:
        monkeypatch.setenv("MAINTAIN_NOTIFY_OPS", hook.url)
        assert open_cli(repo, "--dedupe-key", "down") == 0
        assert len(hook.received) == 1


def test_a_route_without_its_secret_says_so(world, monkeypatch, capsys, hook):
    repo, _emu = world
    monkeypatch.delenv("MAINTAIN_NOTIFY_OPS")
    assert open_cli(repo) == 0
    assert (
        "notification ops: MAINTAIN_NOTIFY_OPS is not set; nothing sent" in capsys.readouterr().out
    )
    assert hook.received == []


class FakeApi:
    """Receipts kept in memory (the GitHub side is covered end to end above)."""

    def __init__(self) -> None:
        self.comments: dict[tuple[int, str], str] = {}

    def our_comments(self, number: int) -> list[str]:
        return [body for (n, _), body in self.comments.items() if n == number]

    def upsert_comment(self, number: int, mark: str, body: str) -> int:
        self.comments[(number, mark)] = body
        return 1


@dataclass
class Route:
    name: str
    url_env: str
    events: tuple[str, ...]
    severities: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


@pytest.mark.parametrize(
    ("route", "event", "sent"),
    [
        (Route("a", "U", ("incident.opened",)), Event("incident.opened", "k", 1, "t", "b"), True),
        (
            Route("a", "U", ("incident.resolved",)),
            Event("incident.opened", "k", 1, "t", "b"),
            False,
        ),
        (
            Route("a", "U", ("incident.opened",), severities=("SEV1",)),
            Event("incident.opened", "k", 1, "t", "b", "SEV2"),
            False,
        ),
        (
            Route("a", "U", ("incident.opened",), severities=("SEV1",)),
            Event("incident.opened", "k", 1, "t", "b", "SEV1"),
            True,
        ),
        (
            Route("a", "U", ("slo.fast_burn",), services=("api",)),
            Event("slo.fast_burn", "k", 1, "t", "b", None, ("web",)),
            False,
        ),
        (
            Route("a", "U", ("slo.fast_burn",), services=("api",)),
            Event("slo.fast_burn", "k", 1, "t", "b", None, ("web", "api")),
            True,
        ),
    ],
)
def test_routes_filter_by_event_severity_and_service(route, event, sent):
    calls = []
    lines = notify(
        FakeApi(),
        [route],
        event,
        env={"U": "json://x"},
        send=lambda url, title, body: calls.append(url) or True,
    )
    assert bool(calls) is sent
    assert bool(lines) is sent


def test_the_token_is_never_sent(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_" + "s3cr3t" * 6)
    bodies = []
    route = Route("a", "U", ("incident.opened",))
    event = Event("incident.opened", "k", 1, "t", "the token is ghs_" + "s3cr3t" * 6)
    notify(
        FakeApi(),
        [route],
        event,
        env={"U": "json://x"},
        send=lambda url, title, body: bodies.append(body) or True,
    )
    assert "s3cr3t" not in bodies[0]


BURNING_SERVICE = """\
id: checkout-api
kind: service
schema_version: 1
title: Checkout API
status: active
owner: acme/payments
created_at: 2025-06-01T09:00:00Z
tier: 1
probes:
  - name: health
    type: http
    url: {url}/health
    timeout: 2s
    condition: response.status == 200
    failure_threshold: 5
    success_threshold: 1
    severity: SEV2
slos:
  - name: availability
    objective: 99.9
    probes: [health]
    incident_on_fast_burn: true
"""


def test_a_fast_burn_is_told(tmp_path, make_github, monkeypatch, hook, capsys):
    from githubops import actions_env
    from maintain_repo.testing.servers import HttpServer

    with HttpServer() as server:
        repo = make_ops_repo(
            tmp_path,
            {
                "policies/settings.yaml": settings(EVERYTHING),
                "records/services/checkout-api.yaml": BURNING_SERVICE.format(url=server.url),
            },
        )
        emu = make_github(users=USERS, teams={}, git_dir=repo.origin)
        actions_env(monkeypatch, emu)
        monkeypatch.setenv("MAINTAIN_NOTIFY_OPS", hook.url)

        def probe(now: str) -> None:
            assert main(["--root", str(repo.root), "probe", "run", "--now", now]) == 0

        for minute in range(0, 60, 10):
            probe(f"2026-11-27T09:{minute:02}:00Z")
        server.fail("status")
        probe("2026-11-27T10:00:00Z")
        probe("2026-11-27T10:05:00Z")
        assert any("SLO is burning its error budget fast" in t for t in hook.titles())
        assert any(t.startswith("Incident INC-") for t in hook.titles())  # and opened
        server.recover()
        probe("2026-11-27T10:10:00Z")
        assert hook.titles()[-1].endswith("resolved")
        count = len(hook.received)
        probe("2026-11-27T10:15:00Z")
        assert len(hook.received) == count


def test_text_keeps_its_lines_and_pings_nobody():
    sent = []
    route = Route("a", "U", ("incident.opened",))
    event = Event("incident.opened", "k", 1, "<!channel> @everyone down", "first\nsecond")
    notify(
        FakeApi(),
        [route],
        event,
        env={"U": "json://x"},
        send=lambda url, title, body: sent.append((title, body)) or True,
    )
    ((title, body),) = sent
    assert body == "first\nsecond"
    assert "<!channel>" not in title
    assert "@everyone" not in title
    assert title == "<\u200d!channel> @\u200deveryone down"
