"""Our GitHub workflows, run: each job's steps with the environment Actions provides.

The harness reads a workflow, checks that it is triggered by the event, and
runs its steps: `actions/checkout` becomes a clone of the origin repository,
`actions/setup-python` and the install step are provided by the test
environment (maintain is installed in it), and every `run:` step runs in
bash with GITHUB_EVENT_PATH (a real payload from the emulator),
GITHUB_EVENT_NAME, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_API_URL
pointing at the emulator. Expressions are evaluated only where Actions
would (step `env:`), and only the ones we allow: a workflow that needs
anything else fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from emulated import validate_webhook
from githubops import FORM_BODY, REPOSITORY, git, make_ops_repo
from maintain_repo.store.yaml import mapping_in, parse

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
INSTALL = "python -m pip install --disable-pip-version-check ."
KNOWN_ACTIONS = ("actions/checkout", "actions/setup-python")


@dataclass
class Ran:
    outputs: str
    summary: str
    logs: str


def run_workflow(name, event, payload, *, origin, emu, tmp_path, now="2026-11-27T10:00:00Z"):
    workflow = parse((ROOT / ".github/workflows" / name).read_text()).data
    triggers = workflow["on"]
    assert event in triggers, f"{name} is not triggered by {event}"
    types = (triggers[event] or {}).get("types") if isinstance(triggers[event], dict) else None
    if payload.get("action") and types is not None:
        assert payload["action"] in types, f"{name} ignores {event}.{payload['action']}"
    if event != "schedule":
        validate_webhook(event, payload["action"], payload)
    run = tmp_path / f"run-{len(list(tmp_path.glob('run-*')))}"
    run.mkdir()
    event_path = run / "event.json"
    event_path.write_text(json.dumps(payload), encoding="utf-8")
    workspace = run / "workspace"
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ["HOME"],
        "GIT_CONFIG_NOSYSTEM": "1",
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_OUTPUT": str(run / "output"),
        "GITHUB_STEP_SUMMARY": str(run / "summary"),
        "GITHUB_API_URL": emu.base_url,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_RUN_ID": "7001",
        "GITHUB_ACTOR": str((payload.get("sender") or {}).get("login") or "github-actions"),
        "RUNNER_TEMP": str(run),
        "MAINTAIN_NOW": now,
        "MAINTAIN_CACHE_DIR": str(run / "cache"),
        "MAINTAIN_GITHUB_BACKOFF": "0.01",
        "MAINTAIN_GITHUB_PACE": "0",
    }
    for path in ("output", "summary"):
        (run / path).touch()
    logs = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                action = step["uses"].split("@")[0]
                assert action in KNOWN_ACTIONS, f"the harness cannot run {action}"
                if action == "actions/checkout":
                    depth = (step.get("with") or {}).get("fetch-depth", 1)
                    args = [] if depth == 0 else ["--depth", str(depth), "--no-local"]
                    git(run, "clone", "-q", *args, str(origin), str(workspace))
                continue
            if step["run"].strip() == INSTALL:
                assert (BIN / "maintain").exists()  # the test environment has it installed
                continue
            step_env = {
                key: _expression(value, emu) for key, value in (step.get("env") or {}).items()
            }
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=workspace,
                env=env | step_env,
                capture_output=True,
                text=True,
                check=False,
            )
            logs.append(done.stdout + done.stderr)
            assert done.returncode == 0, f"step {step.get('name')} failed:\n{logs[-1]}"
    return Ran((run / "output").read_text(), (run / "summary").read_text(), "".join(logs))


def _expression(value, emu):
    text = str(value)
    if "${{" not in text:
        return text
    match = re.fullmatch(r"\$\{\{\s*secrets\.GITHUB_TOKEN\s*\}\}", text)
    assert match, f"the harness does not evaluate {text!r}"
    return emu.bot_token


@pytest.fixture
def world(tmp_path, make_github):
    repo = make_ops_repo(
        tmp_path,
        {
            "policies/sla.yaml": "kind: SLAPolicy\nname: response\nincident:\n"
            "  acknowledge: {SEV2: 15m}\n",
        },
    )
    users = {"alice": "admin", "bob": "write", "carol": "triage", "mallory": "read"}
    emu = make_github(users=users, teams={"acme/sre": ["alice", "bob"]}, git_dir=repo.origin)
    return repo, emu


def test_incident_sync_turns_the_form_into_a_record_and_runs_commands(world, tmp_path):
    repo, emu = world
    title = "[Incident]: $(id) ${{ github.token }} @acme/sre <script>x</script>"
    number = emu.seed_issue("mallory", title, FORM_BODY, labels=["incident"])
    opened = emu.webhook("issues", "opened", issue=number, sender="mallory")
    ran = run_workflow(
        "incident-sync.yml", "issues", opened, origin=repo.origin, emu=emu, tmp_path=tmp_path
    )
    (pull,) = emu.pulls
    branch = pull["head"]["ref"]
    record_id = branch.removeprefix("maintain/")
    record = mapping_in(repo.read(branch, f"records/incidents/{record_id}.yaml"))
    assert record["title"] == title.removeprefix("[Incident]: ")
    assert ran.outputs == ""  # nothing untrusted goes to workflow outputs
    assert emu.bot_token not in ran.logs

    from emulated import client

    made = client(emu, "carol").get_repo(REPOSITORY).get_issue(number).create_comment("/ack")
    comment = emu.webhook("issue_comment", "created", comment=made.id, sender="carol")
    run_workflow(
        "incident-sync.yml",
        "issue_comment",
        comment,
        origin=repo.origin,
        emu=emu,
        tmp_path=tmp_path,
    )
    record = mapping_in(repo.read(branch, f"records/incidents/{record_id}.yaml"))
    assert record["status"] == "active"
    assert len(emu.pulls) == 1


def test_sla_watch_opens_a_reminder_and_writes_the_job_summary(world, tmp_path):
    repo, emu = world
    record = (
        "id: INC-20261127-AB12\nkind: incident\nschema_version: 1\ntitle: Payments are slow\n"
        "status: triage\nowner: alice\ncreated_at: 2026-11-27T09:00:00Z\nseverity: SEV2\n"
        "type: performance\nservices: [payments]\nreported_at: 2026-11-27T09:00:00Z\n"
    )
    repo.commit_and_push({"records/incidents/INC-20261127-AB12.yaml": record}, "an incident")
    payload = {"schedule": "17 * * * *"}
    ran = run_workflow(
        "sla.yml", "schedule", payload, origin=repo.origin, emu=emu, tmp_path=tmp_path
    )
    titles = sorted(i["title"] for i in emu.issues)
    assert "SLA breached: acknowledge of INC-20261127-AB12" in titles
    assert "INC-20261127-AB12" in ran.summary
    run_workflow("sla.yml", "schedule", payload, origin=repo.origin, emu=emu, tmp_path=tmp_path)
    assert sorted(i["title"] for i in emu.issues) == titles


APPROVAL_POLICY = """\
kind: ApprovalPolicy
name: change-approval
policy:
  approval: [peer-review]
rules:
  - name: peer-review
    requires: {count: 1, permissions: [write]}
"""


def test_approval_posts_the_verdict_for_pull_request_events(world, tmp_path):
    repo, emu = world
    from emulated import client

    repo.commit_and_push({"policies/approval.yaml": APPROVAL_POLICY}, "approval policy")
    git(repo.root, "checkout", "-q", "-b", "feature")
    repo.commit_and_push({"records/services/notes.txt": "x\n"}, "a change", branch="feature")
    pull = (
        client(emu, "bob").get_repo(REPOSITORY).create_pull(base="main", head="feature", title="t")
    )
    opened = emu.webhook("pull_request", "opened", number=pull.number, sender="bob")
    run_workflow(
        "approval.yml", "pull_request", opened, origin=repo.origin, emu=emu, tmp_path=tmp_path
    )
    head = emu.pull(pull.number)["head"]["sha"]
    assert [s["state"] for s in emu.statuses(head) if s["context"] == "maintain/approval"] == [
        "pending"
    ]
    review = (
        client(emu, "alice")
        .get_repo(REPOSITORY)
        .get_pull(pull.number)
        .create_review(event="APPROVE")
    )
    submitted = emu.webhook("pull_request_review", "submitted", review=review.id, sender="alice")
    run_workflow(
        "approval.yml",
        "pull_request_review",
        submitted,
        origin=repo.origin,
        emu=emu,
        tmp_path=tmp_path,
    )
    states = [s["state"] for s in emu.statuses(head) if s["context"] == "maintain/approval"]
    assert states[0] == "success"
    assert len([c for c in emu.comments(pull.number) if "maintain:approval" in c["body"]]) == 1
