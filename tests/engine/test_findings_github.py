"""Security findings and GitHub's alerts against the emulator: `maintain findings
sync-github` (alerts in, decisions out), the two alert webhook events through `maintain
github sync --event`, and `--propose` (one record pull request per scope, updated in place).
Real git (a bare origin the emulator reads), the real PyGithub client."""

from __future__ import annotations

import json

import pytest

from githubops import actions_env, git, make_ops_repo, write_event
from maintain_repo.cli import main
from maintain_repo.store.yaml import mapping_in, read_mapping

NOW = "2026-12-10T10:00:00Z"
LATER = "2026-12-11T10:00:00Z"
GHSA = "GHSA-v6rh-hp5x-86rv"
CVE = "CVE-2021-44420"


@pytest.fixture
def world(tmp_path, make_github, monkeypatch):
    repo = make_ops_repo(tmp_path)
    emu = make_github(users={"alice": "admin", "bob": "write"}, teams={}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    monkeypatch.setenv("GITHUB_REPOSITORY_OWNER", "acme")
    return repo, emu


def _findings(root):
    folder = root / "records/findings"
    found = {}
    for path in sorted(folder.glob("*.yaml")):
        data = read_mapping(str(path), shown=path.name)
        if data is not None and data.get("scope") in ("dependabot", "codeql"):
            found[path.relative_to(root).as_posix()] = data
    return found


def _sync(repo, now, capsys, *extra):
    code = main(["--root", str(repo.root), "findings", "sync-github", "--now", now, *extra])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def _check(repo, now, capsys):
    capsys.readouterr()
    code = main(["--root", str(repo.root), "check", "--no-cache", "--now", now, "--format", "json"])
    found = json.loads(capsys.readouterr().out)["findings"]
    # The records these tests write (ids of December 2026); the base repository's are not
    # ours to judge (an expired waiver among them).
    wrong = [f for f in found if "-202612" in f["path"]]
    assert wrong == [], wrong
    assert code in (0, 1)


def test_alerts_come_in_as_findings_and_a_fixed_one_is_mitigated(world, capsys):
    repo, emu = world
    number = emu.seed_dependabot_alert(
        "django", GHSA, cve_id=CVE, severity="high", manifest_path="requirements.txt"
    )
    emu.seed_code_scanning_alert(
        "py/sql-injection", "app/views.py", security_severity_level="critical", start_line=12
    )
    out = _sync(repo, NOW, capsys)
    assert "dependabot: 1 new" in out
    assert "codeql: 1 new" in out
    found = _findings(repo.root)
    assert sorted(d["scope"] for d in found.values()) == ["codeql", "dependabot"]
    django = next(d for d in found.values() if d["scope"] == "dependabot")
    assert django["severity"] == "high"
    assert CVE in django["vulnerability_ids"]
    _check(repo, NOW, capsys)

    emu.fix_alert("dependabot", number)
    _sync(repo, LATER, capsys)
    django = next(d for d in _findings(repo.root).values() if d["scope"] == "dependabot")
    assert (django["status"], django["mitigated_at"]) == ("mitigated", LATER)
    _check(repo, LATER, capsys)
    before = {p: (repo.root / p).read_bytes() for p in _findings(repo.root)}
    _sync(repo, LATER, capsys)  # nothing new on GitHub: nothing written
    assert {p: (repo.root / p).read_bytes() for p in _findings(repo.root)} == before


def test_a_decision_here_dismisses_the_alert_with_the_matching_reason(world, capsys):
    repo, emu = world
    dependabot = emu.seed_dependabot_alert("django", GHSA, cve_id=CVE)
    scanning = emu.seed_code_scanning_alert("py/sql-injection", "app/views.py")
    _sync(repo, NOW, capsys)
    ids = {d["scope"]: d["id"] for d in _findings(repo.root).values()}
    by = ["--by", "alice", "--now", NOW]
    root = ["--root", str(repo.root), "findings"]
    assert (
        main(
            [
                *root,
                "accept",
                ids["dependabot"],
                "--until",
                "2026-12-31",
                "--reason",
                "Admin tool only.",
                *by,
            ]
        )
        == 0
    )
    assert (
        main(
            [
                *root,
                "dismiss",
                ids["codeql"],
                "--as",
                "false_positive",
                "--reason",
                "The query is parameterised.",
                *by,
            ]
        )
        == 0
    )
    out = _sync(repo, LATER, capsys)
    assert "2 alert(s) dismissed on GitHub" in out
    alert = emu.dependabot_alert(dependabot)
    assert (alert["state"], alert["dismissed_reason"]) == ("dismissed", "tolerable_risk")
    assert ids["dependabot"] in alert["dismissed_comment"]
    assert "under waiver WV-" in alert["dismissed_comment"]
    code = emu.code_scanning_alert(scanning)
    assert (code["state"], code["dismissed_reason"]) == ("dismissed", "false positive")
    assert "The query is parameterised." in code["dismissed_comment"]
    # The dismissed alerts come back in as the decisions they are: nothing changes.
    statuses = {d["scope"]: d["status"] for d in _findings(repo.root).values()}
    assert statuses == {"dependabot": "risk_accepted", "codeql": "false_positive"}
    assert "0 alert(s) dismissed" in _sync(repo, LATER, capsys)
    _check(repo, LATER, capsys)


def test_alerts_that_cannot_be_read_are_said_and_skipped(world, capsys):
    repo, emu = world
    from maintain_repo.testing.github import Fault

    emu.inject(Fault("GET", "/repos/acme/shop/dependabot/alerts", 403, times=None))
    emu.seed_code_scanning_alert("py/xss", "app/page.py")
    out = _sync(repo, NOW, capsys)
    assert "dependabot alerts: not readable" in out
    assert [d["scope"] for d in _findings(repo.root).values()] == ["codeql"]


def test_propose_puts_each_scope_on_its_own_record_pull_request_updated_in_place(world, capsys):
    repo, emu = world
    emu.seed_dependabot_alert("django", GHSA, cve_id=CVE, severity="critical")
    emu.seed_code_scanning_alert("py/xss", "app/page.py")
    _sync(repo, NOW, capsys, "--propose")
    heads = sorted(p["head"]["ref"] for p in emu.pulls)
    assert heads == ["maintain/findings-codeql", "maintain/findings-dependabot"]
    assert list((repo.root / "records/findings").glob("SF-202612*")) == []  # not in the tree
    pull = next(p for p in emu.pulls if p["head"]["ref"] == "maintain/findings-dependabot")
    assert "| new | 1 | 0 | 0 | 0 | 0 | 1 |" in pull["body"]  # critical first
    files = git(repo.origin, "ls-tree", "-r", "--name-only", "maintain/findings-dependabot")
    [rel] = [f for f in files.split() if f.startswith("records/findings/SF-202612")]
    record = mapping_in(repo.read("maintain/findings-dependabot", rel))
    assert record["scope"] == "dependabot"

    emu.seed_dependabot_alert("urllib3", "GHSA-q2q7-5pp4-w6pg", severity="medium")
    _sync(repo, LATER, capsys, "--propose")
    assert len(emu.pulls) == 2  # the open pull request took the new commit
    files = git(repo.origin, "ls-tree", "-r", "--name-only", "maintain/findings-dependabot")
    assert len([f for f in files.split() if f.startswith("records/findings/SF-202612")]) == 2


def test_alert_events_bring_one_alert_each_and_mitigate_nothing_else(world, tmp_path, capsys):
    repo, emu = world
    first = emu.seed_dependabot_alert("django", GHSA, cve_id=CVE)
    second = emu.seed_dependabot_alert("urllib3", "GHSA-q2q7-5pp4-w6pg")
    for number in (first, second):
        payload = emu.webhook("dependabot_alert", "created", alert=number)
        event = write_event(tmp_path, payload, f"event-{number}.json")
        argv = ["--root", str(repo.root), "github", "sync", "--event", str(event)]
        assert main([*argv, "--event-name", "dependabot_alert", "--now", NOW]) == 0
    (pull,) = emu.pulls
    assert pull["head"]["ref"] == "maintain/findings-dependabot"
    files = git(repo.origin, "ls-tree", "-r", "--name-only", "maintain/findings-dependabot")
    assert len([f for f in files.split() if f.startswith("records/findings/SF-202612")]) == 2

    emu.seed_code_scanning_alert("py/xss", "app/page.py")
    payload = emu.webhook("code_scanning_alert", "created", alert=1)
    event = write_event(tmp_path, payload, "scan.json")
    argv = ["--root", str(repo.root), "github", "sync", "--event", str(event)]
    assert main([*argv, "--event-name", "code_scanning_alert", "--now", NOW]) == 0
    assert sorted(p["head"]["ref"] for p in emu.pulls) == [
        "maintain/findings-codeql",
        "maintain/findings-dependabot",
    ]
