"""Probes end to end: real loopback servers, the state branch on a real origin, the emulator.

A server fails on command; `maintain probe run` (the CLI, as the workflow runs
it) opens one incident after `failure_threshold` failing runs, resolves it
and closes its issue after `success_threshold` passing runs, and a rerun of
any run changes nothing: no issue, comment, pull request commit or state
commit more.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from githubops import actions_env, git, make_ops_repo
from maintain_repo.cli import main
from maintain_repo.store.yaml import mapping_in
from maintain_repo.testing.certs import Certificate
from maintain_repo.testing.github import Fault
from maintain_repo.testing.servers import DnsServer, HttpServer, TcpServer

USERS = {"alice": "admin", "bob": "write"}
STATE = "maintain-state"


def service(url: str, *, extra: str = "") -> str:
    return f"""\
id: checkout-api
kind: service
schema_version: 1
title: Checkout API
status: active
owner: acme/payments
created_at: 2025-06-01T09:00:00Z
tier: 1
on_call: acme/sre
probes:
  - name: health
    type: http
    url: {url}/health
    timeout: 2s
    condition: response.status == 200 && response.json.status == "ok"
    retries: 1
    retry_delay: 10ms
    failure_threshold: 3
    success_threshold: 2
    severity: SEV2
{extra}"""


@pytest.fixture
def server():
    with HttpServer() as running:
        yield running


@pytest.fixture
def world(tmp_path, make_github, monkeypatch, server):
    repo = make_ops_repo(tmp_path, {"records/services/checkout-api.yaml": service(server.url)})
    emu = make_github(users=USERS, teams={}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    return repo, emu


def probe_run(repo, now, capsys, *extra):
    capsys.readouterr()
    code = main(
        ["--root", str(repo.root), "probe", "run", "--now", now, "--format", "json", *extra]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def state_of(repo, probe="checkout-api/health"):
    return json.loads(repo.read(STATE, f"probes/{probe}/state.json"))


def history_of(repo, probe="checkout-api/health", month="2026-11"):
    return repo.read(STATE, f"probes/{probe}/{month}.csv").splitlines()[1:]


def snapshot(repo, emu):
    """Everything a run could have changed, to compare a rerun with."""
    issues = [(i["number"], i["state"], i["body"]) for i in emu.issues]
    comments = {i["number"]: [c["body"] for c in emu.comments(i["number"])] for i in emu.issues}
    heads = git(repo.origin, "for-each-ref", "--format=%(refname) %(objectname)")
    return issues, comments, heads


def incident_issues(emu):
    return [i for i in emu.issues if "pull_request" not in i]


def test_three_failures_open_one_incident_two_passes_resolve_it_reruns_change_nothing(
    world, server, capsys
):
    repo, emu = world
    server.fail("status")
    first = probe_run(repo, "2026-11-27T10:00:00Z", capsys)
    (row,) = first["probes"]
    assert (row["state"], row["attempts"], row["failures"]) == ("down", 2, 1)
    assert "HTTP 503" in row["detail"]
    probe_run(repo, "2026-11-27T10:05:00Z", capsys)
    assert incident_issues(emu) == []
    assert emu.pulls == []
    assert state_of(repo)["failures"] == 2

    third = probe_run(repo, "2026-11-27T10:10:00Z", capsys)
    assert third["probes"][0]["action"] == "open"
    (issue,) = incident_issues(emu)
    (pull,) = emu.pulls
    record_id = third["probes"][0]["incident"]
    assert pull["head"]["ref"] == f"maintain/{record_id}"
    record = mapping_in(repo.read(f"maintain/{record_id}", f"records/incidents/{record_id}.yaml"))
    assert record["detection"] == {"source": "probe", "probe": "checkout-api/health"}
    assert record["severity"] == "SEV2"
    assert record["services"] == ["checkout-api"]
    assert record["links"]["github_issue"] == issue["number"]
    assert issue["title"] == "Checkout API: health is down"
    assert {"incident", "SEV2", "status:triage"} <= {label["name"] for label in issue["labels"]}
    assert "failed 3 runs in a row from 2026-11-27T10:00:00Z" in issue["body"]
    assert issue["body"].startswith(f"**Incident {record_id}** · severity SEV2 · status triage")
    assert "**Next:** maintain resolves this incident" in issue["body"]
    # The impact started with the first failing run, not when the threshold was crossed.
    assert record["impact_started_at"] == "2026-11-27T10:00:00Z"
    assert record["detected_at"] == "2026-11-27T10:10:00Z"
    assert "acknowledged_at" not in record
    assert "maintain resolves" not in record["description"]  # facts only: they stay true
    stored = state_of(repo)
    assert stored["incident"] == {
        "id": record_id,
        "issue": issue["number"],
        "opened_at": "2026-11-27T10:10:00Z",
    }

    before = snapshot(repo, emu)
    rerun = probe_run(repo, "2026-11-27T10:10:00Z", capsys)
    assert rerun["state"]["changed"] == 0
    assert rerun["probes"][0]["action"] == "none"
    assert snapshot(repo, emu) == before
    probe_run(repo, "2026-11-27T10:15:00Z", capsys)  # still down: nothing new
    assert len(incident_issues(emu)) == 1
    assert len(emu.pulls) == 1

    # Somebody labels the issue meanwhile: maintain's own label edits keep it.
    from emulated import client

    client(emu, "alice").get_repo("acme/shop").get_issue(issue["number"]).add_to_labels("db")

    server.recover()
    probe_run(repo, "2026-11-27T10:20:00Z", capsys)
    assert emu.issue(issue["number"])["state"] == "open"  # one pass is not a recovery
    fifth = probe_run(repo, "2026-11-27T10:25:00Z", capsys)
    assert fifth["probes"][0]["action"] == "resolve"
    closed = emu.issue(issue["number"])
    assert closed["state"] == "closed"
    assert closed["state_reason"] == "completed"
    assert {label["name"] for label in closed["labels"]} == {
        "incident",
        "maintain",
        "SEV2",
        "status:resolved",
        "db",
    }
    assert closed["body"].startswith(f"**Incident {record_id}** · severity SEV2 · status resolved")
    assert "**Next:**" not in closed["body"]
    assert "failed 3 runs in a row from 2026-11-27T10:00:00Z" in closed["body"]
    (recovery,) = [c["body"] for c in emu.comments(issue["number"]) if "Recovered" in c["body"]]
    assert "failing for 25m (2026-11-27T10:00:00Z to 2026-11-27T10:25:00Z)" in recovery
    record = mapping_in(repo.read(f"maintain/{record_id}", f"records/incidents/{record_id}.yaml"))
    assert record["status"] == "resolved"
    assert record["resolved_at"] == "2026-11-27T10:25:00Z"
    # Nobody acknowledged it: maintain resolving it is no acknowledgement.
    assert "acknowledged_at" not in record
    assert record["timeline"][-1]["event"] == "resolved"
    assert record["timeline"][-1]["by"] == "github-actions"
    assert len(emu.pulls) == 1  # the resolution is a new commit on the same pull request
    assert state_of(repo)["incident"] is None

    before = snapshot(repo, emu)
    again = probe_run(repo, "2026-11-27T10:25:00Z", capsys)
    assert again["state"]["changed"] == 0
    assert snapshot(repo, emu) == before
    states = [line.split(",")[1] for line in history_of(repo)]
    assert states == ["down", "down", "up"]  # state changes, plus one row per 15 minutes


def test_flapping_inside_the_thresholds_opens_nothing(world, server, capsys):
    repo, emu = world
    for minute, failing in enumerate([True, True, False, True, True, False, True]):
        server.fail("status") if failing else server.recover()
        probe_run(repo, f"2026-11-27T10:{minute * 5:02d}:00Z", capsys)
    assert incident_issues(emu) == []
    assert emu.pulls == []
    assert state_of(repo)["failures"] == 1


def test_a_maintenance_window_records_results_but_opens_no_incident(
    tmp_path, make_github, monkeypatch, server, capsys
):
    window = (
        "maintenance:\n  - start: 2026-11-27T09:00:00Z\n    end: 2026-11-27T11:00:00Z\n"
        "    reason: Database upgrade\n"
    )
    repo = make_ops_repo(
        tmp_path, {"records/services/checkout-api.yaml": service(server.url, extra=window)}
    )
    emu = make_github(users=USERS, teams={}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    server.fail("status")
    for minute in ("00", "05", "10", "15"):
        ran = probe_run(repo, f"2026-11-27T10:{minute}:00Z", capsys)
    assert ran["probes"][0]["maintenance"] is True
    assert incident_issues(emu) == []
    first = history_of(repo)[0].split(",")
    assert (first[1], first[3], first[4]) == ("down", "503", "1")  # measured, in maintenance
    # The window ends with the probe still failing: the incident opens on the next run.
    after = probe_run(repo, "2026-11-27T11:05:00Z", capsys)
    assert after["probes"][0]["action"] == "open"
    assert len(incident_issues(emu)) == 1


def test_shards_running_in_parallel_on_one_state_branch_lose_no_results(tmp_path, server):
    probes = "\n".join(
        f"  - name: p{n:02d}\n    type: http\n    url: {server.url}/p{n}\n    retries: 0\n"
        for n in range(12)
    )
    text = service(server.url).split("probes:\n")[0] + "probes:\n" + probes
    repo = make_ops_repo(tmp_path, {"records/services/checkout-api.yaml": text})
    server.delay = 0.05
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    # Separate processes, as the jobs of an Actions matrix are; started together.
    shards = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "maintain_repo",
                "--root",
                str(repo.root),
                "probe",
                "run",
                "--shard",
                f"{index}/3",
                "--now",
                "2026-11-27T10:00:00Z",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for index in (1, 2, 3)
    ]
    outputs = [shard.communicate(timeout=60)[0] for shard in shards]
    if [shard.returncode for shard in shards] != [0, 0, 0]:
        pytest.fail("a shard failed:\n\n" + "\n---\n".join(outputs), pytrace=False)
    listed = git(repo.origin, "ls-tree", "-r", "--name-only", STATE).split()
    states = sorted(p for p in listed if p.endswith("state.json"))
    assert states == [f"probes/checkout-api/p{n:02d}/state.json" for n in range(12)]
    assert all(history_of(repo, f"checkout-api/p{n:02d}") for n in range(12))
    # Each shard committed once; racing pushes were redone on the new tip, not forced.
    assert int(git(repo.origin, "rev-list", "--count", STATE).strip()) == 1 + 3


def _probe_yaml(kind: str, port: int) -> str:
    common = "    timeout: 2s\n    retries: 1\n    retry_delay: 10ms\n"
    return {
        "https": f"    type: http\n    url: https://127.0.0.1:{port}/health\n",
        "tls": f"    type: tls\n    host: 127.0.0.1\n    port: {port}\n"
        "    condition: tls.verified && tls.days_remaining >= 14\n",
        "tcp": f"    type: tcp\n    host: 127.0.0.1\n    port: {port}\n",
        "dns": "    type: dns\n    query: status.example.test\n"
        f"    resolver: 127.0.0.1:{port}\n"
        '    condition: dns.rcode == "NOERROR" && "192.0.2.10" in dns.answers\n',
    }[kind] + common


@pytest.fixture(params=["https", "tls", "tcp", "dns"])
def other(request, tmp_path, monkeypatch):
    """A server of another kind, with how to break and mend it: (kind, server, fail, recover)."""
    kind = request.param
    if kind in ("https", "tls"):
        certificate = Certificate(tmp_path / "pki", days_valid=90)
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate.ca_path))  # trust the test CA
        running = HttpServer(certificate)
        # https: the server answers 503; tls: it stops listening, so no handshake happens.
        mode = "status" if kind == "https" else "refuse"
        fail, mend = (lambda: running.fail(mode)), running.recover
    elif kind == "tcp":
        running = TcpServer()
        fail, mend = running.fail, running.recover
    else:
        running = DnsServer({("status.example.test.", "A"): ["192.0.2.10"]})
        fail, mend = (lambda: running.fail("servfail")), running.recover
    with running:
        yield kind, running, fail, mend


def test_every_probe_type_opens_one_incident_and_resolves_it(
    other, tmp_path, make_github, monkeypatch, capsys
):
    kind, running, fail, mend = other
    text = service("http://unused").split("probes:\n")[0]
    text += f"probes:\n  - name: {kind}-check\n" + _probe_yaml(kind, running.port)
    repo = make_ops_repo(tmp_path, {"records/services/checkout-api.yaml": text})
    emu = make_github(users=USERS, teams={}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)

    healthy = probe_run(repo, "2026-11-27T09:55:00Z", capsys)
    assert healthy["probes"][0]["state"] == "up", healthy["probes"][0]["detail"]
    fail()
    for minute in ("00", "05", "10"):
        ran = probe_run(repo, f"2026-11-27T10:{minute}:00Z", capsys)
    assert ran["probes"][0]["state"] == "down"
    assert ran["probes"][0]["action"] == "open"
    (issue,) = incident_issues(emu)
    assert len(emu.pulls) == 1
    before = snapshot(repo, emu)
    probe_run(repo, "2026-11-27T10:10:00Z", capsys)  # the same run again
    assert snapshot(repo, emu) == before

    mend()
    for minute in ("15", "20"):
        ran = probe_run(repo, f"2026-11-27T10:{minute}:00Z", capsys)
    assert ran["probes"][0]["action"] == "resolve"
    assert emu.issue(issue["number"])["state"] == "closed"
    record_id = ran["probes"][0]["note"].split()[1]
    record = mapping_in(repo.read(f"maintain/{record_id}", f"records/incidents/{record_id}.yaml"))
    assert record["status"] == "resolved"
    before = snapshot(repo, emu)
    probe_run(repo, "2026-11-27T10:20:00Z", capsys)
    assert snapshot(repo, emu) == before


def test_github_failing_keeps_the_counts_and_the_next_run_opens_the_incident(world, server, capsys):
    repo, emu = world
    server.fail("status")
    probe_run(repo, "2026-11-27T10:00:00Z", capsys)
    probe_run(repo, "2026-11-27T10:05:00Z", capsys)
    # GitHub refuses every new issue during the third run.
    emu.inject(Fault(method="POST", path=r"/issues$", status=500, times=None))
    capsys.readouterr()
    code = main(
        ["--root", str(repo.root), "probe", "run", "--now", "2026-11-27T10:10:00Z",
         "--format", "json"]
    )  # fmt: skip
    failed = json.loads(capsys.readouterr().out)
    assert code == 1
    assert "could not open the incident" in failed["problems"][0]
    assert state_of(repo)["failures"] == 3  # saved, with no incident
    assert state_of(repo)["incident"] is None

    emu.clear_faults()
    ran = probe_run(repo, "2026-11-27T10:15:00Z", capsys)
    assert ran["probes"][0]["action"] == "open"
    assert len(incident_issues(emu)) == 1
    assert len(emu.pulls) == 1
    assert state_of(repo)["incident"]["issue"] == incident_issues(emu)[0]["number"]


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (12, "12s"),
        (60, "1m"),
        (250, "4m 10s"),
        (59 * 60 + 59, "59m 59s"),
        (3600, "1h"),
        (3600 + 5 * 60 + 30, "1h 5m"),
        (2 * 86400 + 3 * 3600 + 5 * 60, "2d 3h 5m"),
        (-5, "0s"),
    ],
)
def test_outage_durations_are_shown_to_the_second_under_an_hour(seconds, shown):
    from datetime import timedelta

    from maintain_repo.engine.monitor import _duration

    assert _duration(timedelta(seconds=seconds)) == shown


def test_a_twelve_second_outage_reads_twelve_seconds(world, server, capsys):
    repo, emu = world
    server.fail("status")
    for second in ("00", "04", "08"):
        ran = probe_run(repo, f"2026-11-27T10:00:{second}Z", capsys)
    assert ran["probes"][0]["action"] == "open"
    server.recover()
    for second in ("10", "12"):
        ran = probe_run(repo, f"2026-11-27T10:00:{second}Z", capsys)
    assert ran["probes"][0]["note"].endswith("resolved after 12s")
    (issue,) = incident_issues(emu)
    (recovery,) = [c["body"] for c in emu.comments(issue["number"]) if "Recovered" in c["body"]]
    assert "failing for 12s (2026-11-27T10:00:00Z to 2026-11-27T10:00:12Z)" in recovery


def test_a_dry_run_that_would_open_an_incident_reads_github_and_writes_nothing(
    world, server, capsys
):
    repo, emu = world
    server.fail("status")
    probe_run(repo, "2026-11-27T10:00:00Z", capsys)
    probe_run(repo, "2026-11-27T10:05:00Z", capsys)
    before = snapshot(repo, emu)
    labels = list(emu.labels)
    data = probe_run(repo, "2026-11-27T10:10:00Z", capsys, "--dry-run")  # asserts exit 0
    (row,) = data["probes"]
    assert row["action"] == "open"
    assert row["note"].startswith("would open incident INC-20261127-")
    assert snapshot(repo, emu) == before
    assert emu.labels == labels
    assert not [x for x in emu.exchanges if x.status >= 400]  # nothing it only planned is read


def test_a_recovery_after_the_record_pull_request_was_dropped_still_closes_the_issue(
    world, server, capsys
):
    """The record's pull request was closed unmerged and its branch deleted: there is no
    record to resolve, but the issue is closed and the probe's episode ends (no run after
    fails on it)."""
    repo, emu = world
    server.fail("status")
    for minute in ("00", "05", "10"):
        third = probe_run(repo, f"2026-11-27T10:{minute}:00Z", capsys)
    record_id = third["probes"][0]["incident"]
    (issue,) = incident_issues(emu)
    git(repo.origin, "branch", "-D", f"maintain/{record_id}")
    server.recover()
    probe_run(repo, "2026-11-27T10:15:00Z", capsys)
    second = probe_run(repo, "2026-11-27T10:20:00Z", capsys)  # asserts exit 0
    (row,) = second["probes"]
    assert row["action"] == "resolve"
    assert f"{record_id} is not in the repository" in row["note"]
    assert emu.issue(issue["number"])["state"] == "closed"
    assert state_of(repo)["incident"] is None
    after = probe_run(repo, "2026-11-27T10:25:00Z", capsys)
    assert after["probes"][0]["action"] == "none"


FAST_BURN_SLO = """\
slos:
  - name: availability
    objective: 99.9
    window: 28d
    probes: [health]
    incident_on_fast_burn: true
"""


@pytest.fixture
def burning(tmp_path, make_github, monkeypatch, server):
    text = service(server.url, extra=FAST_BURN_SLO).replace(
        "failure_threshold: 3", "failure_threshold: 5"
    )
    repo = make_ops_repo(tmp_path, {"records/services/checkout-api.yaml": text})
    emu = make_github(users=USERS, teams={}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    return repo, emu


def test_a_fast_burn_opens_the_incident_before_the_failure_threshold(burning, server, capsys):
    repo, emu = burning
    # An hour of passing runs, then failures: the probe alone would wait for five.
    for minute in range(0, 60, 10):
        probe_run(repo, f"2026-11-27T09:{minute:02}:00Z", capsys)
    assert incident_issues(emu) == []
    server.fail("status")
    # The first failing run has measured no failing time yet (a result holds from its run
    # on); the second has five failing minutes of the hour: 8.3 % of it, a burn of 83.
    probe_run(repo, "2026-11-27T10:00:00Z", capsys)
    assert incident_issues(emu) == []
    code = main(["--root", str(repo.root), "probe", "run", "--now", "2026-11-27T10:05:00Z"])
    assert code == 0
    out = capsys.readouterr().out
    assert "SLO checkout-api/availability: burning its error budget fast: incident" in out
    (issue,) = incident_issues(emu)
    assert "availability SLO is burning its error budget fast" in issue["title"]
    # The probe's state holds the incident: its own threshold opens no second one...
    assert state_of(repo)["incident"]["issue"] == issue["number"]
    for minute in (10, 15, 20):
        probe_run(repo, f"2026-11-27T10:{minute:02}:00Z", capsys)
    assert len(incident_issues(emu)) == 1
    # ...and its recovery resolves it.
    server.recover()
    for minute in (25, 30):
        probe_run(repo, f"2026-11-27T10:{minute:02}:00Z", capsys)
    assert emu.issue(issue["number"])["state"] == "closed"


def test_slos_that_do_not_ask_open_nothing_early(world, server, capsys):
    repo, emu = world
    server.fail("status")
    probe_run(repo, "2026-11-27T10:00:00Z", capsys)
    assert incident_issues(emu) == []


def test_a_blip_that_recovered_opens_no_burn_incident(burning, server, capsys):
    repo, emu = burning
    for minute in range(0, 60, 10):
        probe_run(repo, f"2026-11-27T09:{minute:02}:00Z", capsys)
    server.fail("status")
    probe_run(repo, "2026-11-27T10:00:00Z", capsys)
    server.recover()
    # The five minutes before this passing run were failing (the last result held), but
    # nothing fails now: no incident, which no probe would ever resolve.
    probe_run(repo, "2026-11-27T10:05:00Z", capsys)
    probe_run(repo, "2026-11-27T10:10:00Z", capsys)
    assert incident_issues(emu) == []
