"""Our GitHub workflows, run: each job's steps with the environment Actions provides.

The harness reads a workflow, checks that it is triggered by the event, and
runs its jobs in file order (a job's `needs:` must have run before it), each
once per combination of its `strategy.matrix`, each in a fresh workspace:
`actions/checkout` becomes a clone of the origin repository,
`actions/setup-python` and the install step are provided by the test
environment (maintain is installed in it), `actions/upload-pages-artifact`
checks that its directory holds a site (and records it),
`actions/configure-pages` and `actions/deploy-pages` are recorded no-ops
(deploy-pages checks it has a site and the permissions it needs),
`github/codeql-action/upload-sarif` checks its file against the SARIF 2.1.0 schema
(and records it), the pinned scanners are the test environment's (zizmor and bandit,
real; pip-audit a stand-in, see `_scanners`), and every
`run:` step runs in bash with GITHUB_EVENT_PATH (a real payload from the
emulator), GITHUB_EVENT_NAME, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and
GITHUB_API_URL pointing at the emulator. Expressions are evaluated only where
Actions would (step `env:`), and only the ones we allow (the GITHUB_TOKEN
secret, the job's matrix values, repository variables given to the run): a workflow
that needs anything else, an
action the harness does not know or an `if:` it cannot judge fails here.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from emulated import validate_webhook
from githubops import FORM_BODY, REPOSITORY, git, make_ops_repo, published
from maintain_repo import ACTION as MAINTAIN_ACTION
from maintain_repo.store.yaml import mapping_in, parse
from maintain_repo.testing.github.scopes import job_permissions

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
INSTALL = "python -m pip install --disable-pip-version-check ."
# The one kind of job condition the harness evaluates: a repository variable's value.
VARIABLE_IS = re.compile(
    r"^(?:\$\{\{)?\s*vars\.([A-Za-z_][A-Za-z0-9_]*)\s*==\s*'([^']*)'\s*(?:\}\})?$"
)


def _runs(job_id: str, condition: str, variables: dict[str, str]) -> bool:
    """A job's `if:`, as GitHub evaluates it (string equality ignores case; an unset
    variable is the empty string)."""
    test = VARIABLE_IS.match(condition.strip())
    assert test, f"the harness evaluates only `vars.NAME == 'value'`, not {job_id}'s {condition!r}"
    return variables.get(test[1], "").casefold() == test[2].casefold()


KNOWN_ACTIONS = (
    "actions/checkout",
    "actions/setup-python",
    "actions/configure-pages",
    "actions/upload-pages-artifact",
    "actions/deploy-pages",
    "github/codeql-action/upload-sarif",
)
# A pip-audit report of one vulnerable dependency: what the stand-in writes.
PIP_AUDIT_REPORT = {
    "dependencies": [
        {
            "name": "jinja2",
            "version": "3.1.2",
            "vulns": [
                {
                    "id": "GHSA-h5c8-rqwp-cp95",
                    "aliases": ["CVE-2024-22195"],
                    "fix_versions": ["3.1.3"],
                    "description": "xmlattr filter accepts keys with spaces",
                }
            ],
        }
    ],
    "fixes": [],
}


@dataclass
class Ran:
    outputs: str
    summary: str
    logs: str
    jobs: list[str] = field(default_factory=list)  # `job` or `job (key=value)`, as run
    pages: list[Path] = field(default_factory=list)  # sites actions/upload-pages-artifact took
    deployed: int = 0  # actions/deploy-pages runs
    sarif: list[Path] = field(default_factory=list)  # files upload-sarif took
    failed: list[str] = field(default_factory=list)  # steps that failed (named in may_fail)


def run_workflow(
    name,
    event,
    payload,
    *,
    origin,
    emu,
    tmp_path,
    now="2026-11-27T10:00:00Z",
    variables=None,
    workflows=ROOT / ".github/workflows",
    may_fail=(),
):
    workflow = parse((workflows / name).read_text()).data
    triggers = workflow["on"]
    assert event in triggers, f"{name} is not triggered by {event}"
    types = (triggers[event] or {}).get("types") if isinstance(triggers[event], dict) else None
    if payload.get("action") and types is not None:
        assert payload["action"] in types, f"{name} ignores {event}.{payload['action']}"
    if event == "schedule":
        crons = [entry["cron"] for entry in triggers["schedule"]]
        assert payload["schedule"] in crons, f"{name} has no schedule {payload['schedule']!r}"
    else:
        validate_webhook(event, payload["action"], payload)
    run = tmp_path / f"run-{len(list(tmp_path.glob('run-*')))}"
    run.mkdir()
    event_path = run / "event.json"
    event_path.write_text(json.dumps(payload), encoding="utf-8")
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
        "GITHUB_REPOSITORY_OWNER": REPOSITORY.split("/")[0],
        "GITHUB_RUN_ID": "7001",
        "GITHUB_ACTOR": str((payload.get("sender") or {}).get("login") or "github-actions"),
        "MAINTAIN_NOW": now,
        "MAINTAIN_CACHE_DIR": str(run / "cache"),
        "MAINTAIN_GITHUB_BACKOFF": "0.01",
        "MAINTAIN_GITHUB_PACE": "0",
    }
    for path in ("output", "summary"):
        (run / path).touch()
    ran = Ran("", "", "")
    logs = []
    tokens: list[str] = []
    finished: list[str] = []
    for job_id, job in workflow["jobs"].items():
        if "if" in job and not _runs(job_id, job["if"], variables or {}):
            continue  # skipped, as on GitHub: not among the jobs that ran
        needs = job.get("needs") or []
        for need in [needs] if isinstance(needs, str) else needs:
            assert need in finished, f"{job_id} needs {need}, which does not run before it"
        for matrix in _combinations(job):
            label = job_id + (
                f" ({', '.join(f'{k}={v}' for k, v in matrix.items())})" if matrix else ""
            )
            ran.jobs.append(label)
            # The job's GITHUB_TOKEN, scoped by its permissions (else the workflow's): the
            # emulator refuses what it does not grant, as GitHub does.
            granted = job_permissions(
                job["permissions"] if "permissions" in job else workflow.get("permissions")
            )
            token = emu.job_token(granted)
            tokens.append(token)
            refs = git(origin, "for-each-ref", "--format=%(refname) %(objectname)")
            # Every job runs on a fresh runner: its own workspace and temporary directory.
            runner = run / f"job-{len(ran.jobs)}"
            workspace = runner / "workspace"
            for folder in (workspace, runner / "temp"):
                folder.mkdir(parents=True)
            job_env = env | {
                "GITHUB_WORKSPACE": str(workspace),
                "RUNNER_TEMP": str(runner / "temp"),
            }
            for step in job["steps"]:
                assert "if" not in step, f"the harness does not evaluate if: ({step})"
                if step.get("uses", "").split("@")[0] == MAINTAIN_ACTION:
                    logs.append(
                        _maintain_action(
                            step,
                            job_env,
                            workspace,
                            run / "summary",
                            (token, matrix, variables or {}),
                            label,
                            ran if step.get("name") in may_fail else None,
                        )
                    )
                    if step.get("name") in ran.failed:
                        break  # as on GitHub, a failed step skips the job's later steps
                    continue
                if "uses" in step:
                    _action(step, job, origin=origin, workspace=workspace, ran=ran)
                    continue
                if step["run"].strip() == INSTALL:
                    assert (BIN / "maintain").exists()  # the test environment has it installed
                    continue
                if step["run"].strip().startswith("python -m pip install"):
                    job_env["PATH"] = f"{_scanners(step['run'], runner)}{os.pathsep}{env['PATH']}"
                    continue
                step_env = {
                    key: _expression(value, token, matrix, variables or {})
                    for key, value in (step.get("env") or {}).items()
                }
                done = subprocess.run(
                    ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                    cwd=workspace,
                    env=job_env | step_env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                logs.append(done.stdout + done.stderr)
                assert done.returncode == 0, f"{label}: step {step.get('name')} failed:\n{logs[-1]}"
            # Pushes go to origin by path, which no token guards: a job that pushed must
            # have been given contents: write.
            if git(origin, "for-each-ref", "--format=%(refname) %(objectname)") != refs:
                assert granted is None or granted.get("contents") == "write", (
                    f"{label} pushed without contents: write"
                )
        finished.append(job_id)
    ran.outputs = (run / "output").read_text()
    ran.summary = (run / "summary").read_text()
    ran.logs = "".join(logs)
    for token in tokens:
        assert token not in ran.outputs + ran.summary + ran.logs, "a job's token was printed"
    return ran


def _maintain_action(step, job_env, workspace, summary, context, label, failures=None):
    """maintain's own action as a job runs it: action.yml's setup-python and install steps
    are the test environment's (maintain is installed in it), and its run step runs as
    written, in bash with `-eo pipefail` as Actions runs composite steps, with the inputs
    (expressions in them evaluated as Actions would) and the step's env."""
    token, matrix, variables = context
    given = step.get("with") or {}
    assert set(given) <= {"args", "summary", "python-version"}, given
    args = re.sub(
        r"\$\{\{[^}]*\}\}",
        lambda found: _expression(found.group(), token, matrix, variables),
        str(given["args"]),
    )
    step_env = {
        key: _expression(value, token, matrix, variables)
        for key, value in (step.get("env") or {}).items()
    }
    action = parse((ROOT / "action.yml").read_text()).data
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert "pip install" in steps[1]["run"]
    inputs = {"MAINTAIN_ARGS": args, "MAINTAIN_SUMMARY": str(given.get("summary", "false"))}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", steps[2]["run"]],
        cwd=workspace,
        env=job_env | step_env | inputs | {"GITHUB_STEP_SUMMARY": str(summary)},
        capture_output=True,
        text=True,
        check=False,
    )
    if failures is not None and done.returncode != 0:
        failures.failed.append(step["name"])  # a step the test expects may fail: the job ends
    else:
        assert done.returncode == 0, (
            f"{label}: {step.get('name')} failed:\n{done.stdout}{done.stderr}"
        )
    return done.stdout + done.stderr


def _combinations(job):
    """The job's matrix combinations, in Actions' order ([{}]: no matrix)."""
    matrix = (job.get("strategy") or {}).get("matrix")
    if matrix is None:
        return [{}]
    assert isinstance(matrix, dict), "the harness expands a matrix written out, not an expression"
    assert not {"include", "exclude"} & set(matrix), "the harness expands plain matrices only"
    for key, values in matrix.items():
        assert isinstance(values, list), f"matrix.{key} must list its values"
        assert values, f"matrix.{key} is empty"
    keys = list(matrix)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*matrix.values())]


def _action(step, job, *, origin, workspace, ran):
    action = step["uses"].split("@")[0]
    assert action in KNOWN_ACTIONS, f"the harness cannot run {action}"
    given = step.get("with") or {}
    assert not any("${{" in str(value) for value in given.values()), given
    if action == "actions/checkout":
        depth = given.get("fetch-depth", 1)
        args = [] if depth == 0 else ["--depth", str(depth), "--no-local"]
        git(workspace.parent, "clone", "-q", *args, str(origin), str(workspace))
    elif action == "actions/upload-pages-artifact":
        site = workspace / str(given.get("path", "_site/"))
        assert (site / "index.html").is_file(), f"upload-pages-artifact: no index.html in {site}"
        ran.pages.append(site)
    elif action == "actions/deploy-pages":
        permissions = job.get("permissions") or {}
        assert permissions.get("pages") == "write", "deploy-pages needs pages: write"
        assert permissions.get("id-token") == "write", "deploy-pages needs id-token: write"
        assert ran.pages, "deploy-pages: no site was uploaded before it"
        ran.deployed += 1
    elif action == "github/codeql-action/upload-sarif":
        import jsonschema

        from casework import sarif_schema

        permissions = job.get("permissions") or {}
        assert permissions.get("security-events") == "write", "upload-sarif needs security-events"
        report = workspace / str(given["sarif_file"])
        document = json.loads(report.read_text(encoding="utf-8"))
        jsonschema.validate(document, sarif_schema())
        ran.sarif.append(report)


def _scanners(command, runner):
    """The step that installs the pinned scanners: each must be pinned (`name==version`);
    zizmor and bandit are the test environment's own (real scans of the workspace).
    pip-audit asks PyPI's advisory service, on the internet, which tests never reach: a
    stand-in on PATH writes a report of one vulnerable dependency (exiting 1, as pip-audit
    does when it finds one). Returns the folder to put first on PATH."""
    pins = dict(word.split("==", 1) for word in command.split() if "==" in word)
    assert set(pins) == {"pip-audit", "bandit[sarif]", "zizmor"}, pins
    for tool in ("zizmor", "bandit"):
        assert (BIN / tool).exists(), f"the test environment has no {tool}"
    folder = runner / "bin"
    folder.mkdir()
    stand_in = folder / "pip-audit"
    stand_in.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "path = sys.argv[sys.argv.index('--output') + 1]\n"
        f"open(path, 'w').write({json.dumps(PIP_AUDIT_REPORT)!r})\n"
        "sys.exit(1)\n",
        encoding="utf-8",
    )
    stand_in.chmod(0o755)
    return folder


def _expression(value, token, matrix, variables):
    text = str(value)
    if "${{" not in text:
        return text
    match = re.fullmatch(
        r"\$\{\{\s*(secrets\.GITHUB_TOKEN|matrix\.([\w-]+)|vars\.([A-Z][A-Z0-9_]*))\s*\}\}", text
    )
    assert match, f"the harness does not evaluate {text!r}"
    if match.group(3) is not None:
        return variables.get(match.group(3), "")  # an unset repository variable is empty
    if match.group(2) is None:
        return token  # the job's GITHUB_TOKEN
    assert match.group(2) in matrix, f"the job has no matrix value {match.group(2)}"
    return str(matrix[match.group(2)])


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


def test_a_comment_on_a_pull_request_may_approve_it(tmp_path, make_github):
    from emulated import client

    repo = make_ops_repo(tmp_path)
    ticks = itertools.count()
    start = datetime.now(UTC).replace(microsecond=0)
    # A second passes at every reading of the clock: the comment comes after the push.
    emu = make_github(
        users={"alice": "admin", "bob": "write"},
        git_dir=repo.origin,
        clock=lambda: start + timedelta(seconds=next(ticks)),
    )

    repo.commit_and_push({"policies/approval.yaml": APPROVAL_POLICY}, "approval policy")
    git(repo.root, "checkout", "-q", "-b", "feature")
    repo.commit_and_push({"records/services/notes.txt": "x\n"}, "a change", branch="feature")
    pull = (
        client(emu, "bob").get_repo(REPOSITORY).create_pull(base="main", head="feature", title="t")
    )
    comment = client(emu, "alice").get_repo(REPOSITORY).get_issue(pull.number)
    said = comment.create_comment("Looks right :+1:")
    created = emu.webhook("issue_comment", "created", number=pull.number, comment=said.id)
    ran = run_workflow(
        "approval.yml", "issue_comment", created, origin=repo.origin, emu=emu, tmp_path=tmp_path
    )
    head = emu.pull(pull.number)["head"]["sha"]
    states = [s["state"] for s in emu.statuses(head) if s["context"] == "maintain/approval"]
    assert states == ["success"], ran.logs
    # The incident sync leaves pull request comments alone.
    incident = run_workflow(
        "incident-sync.yml",
        "issue_comment",
        created,
        origin=repo.origin,
        emu=emu,
        tmp_path=tmp_path,
    )
    assert "is a pull request; nothing to do" in incident.logs


# -- probes and the status page --------------------------------------------------------------

PROBES = ("health", "login", "cart", "search", "payment", "stock")
PROBE_CRON = {"schedule": "3-59/5 * * * *"}
PAGE_CRON = {"schedule": "14,44 * * * *"}


def probing(url: str) -> str:
    """checkout-api with six HTTP probes of `url` (a loopback server): this replaces the
    corpus's record, whose probes name *.example hosts that no test may contact."""
    probes = "".join(
        f"  - name: {name}\n    type: http\n    url: {url}/{name}\n    timeout: 2s\n"
        "    retries: 0\n    failure_threshold: 3\n    severity: SEV2\n"
        for name in PROBES
    )
    return (
        "id: checkout-api\nkind: service\nschema_version: 1\ntitle: Checkout API\n"
        "status: active\nowner: acme/payments\ncreated_at: 2025-06-01T09:00:00Z\ntier: 1\n"
        f"on_call: acme/sre\nprobes:\n{probes}"
    )


@pytest.fixture
def probed(tmp_path, make_github):
    from maintain_repo.testing.servers import HttpServer

    with HttpServer() as server:
        repo = make_ops_repo(tmp_path, {"records/services/checkout-api.yaml": probing(server.url)})
        emu = make_github(users={"alice": "admin", "bob": "write"}, teams={}, git_dir=repo.origin)
        yield repo, emu, server


def _shards(summary: str) -> dict[str, set[str]]:
    """The probes each shard's summary table lists (a code block under its heading)."""
    shards: dict[str, set[str]] = {}
    for part in summary.split("### Probes, shard ")[1:]:
        shard, _, text = part.partition("\n")
        lines = text.splitlines()
        header = next(i for i, line in enumerate(lines) if line.startswith("    PROBE "))
        assert lines[-1].startswith("    "), lines[-1]  # the table's last line, in the block
        assert f"(shard {shard})" in lines[-1], lines[-1]
        shards[shard] = {line.split()[0] for line in lines[header + 1 : -1]}
    return shards


def _state(repo, key):
    return json.loads(repo.read("maintain-state", f"probes/{key}/state.json"))


def _incident_issues(emu):
    return [issue for issue in emu.issues if "pull_request" not in issue]


def test_probes_run_in_two_shards_and_open_one_incident_per_failing_probe(probed, tmp_path):
    repo, emu, server = probed
    keys = {f"checkout-api/{name}" for name in PROBES}

    def probes_run(now):
        return run_workflow(
            "probes.yml",
            "schedule",
            PROBE_CRON,
            origin=repo.origin,
            emu=emu,
            tmp_path=tmp_path,
            now=now,
        )

    ran = probes_run("2026-11-27T10:00:00Z")
    assert ran.jobs == ["probe (shard=1)", "probe (shard=2)"]
    shards = _shards(ran.summary)
    assert set(shards) == {"1/2", "2/2"}
    assert all(shards.values()), shards  # both shards have probes to run
    assert shards["1/2"].isdisjoint(shards["2/2"])
    assert shards["1/2"] | shards["2/2"] == keys
    for key in keys:  # each shard saved its probes' state; none was lost to the other's push
        assert _state(repo, key)["failures"] == 0, key
    assert ran.outputs == ""  # nothing goes to workflow outputs
    assert emu.bot_token not in ran.logs + ran.summary
    assert emu.issues == []
    assert emu.pulls == []

    server.fail("status")
    for minute in (5, 10, 15):
        ran = probes_run(f"2026-11-27T10:{minute:02}:00Z")
    issues = _incident_issues(emu)
    assert sorted(issue["title"] for issue in issues) == sorted(
        f"Checkout API: {name} is down" for name in PROBES
    )
    assert len(emu.pulls) == len(PROBES)
    remembered = {key: _state(repo, key)["incident"] for key in keys}
    assert {pull["head"]["ref"] for pull in emu.pulls} == {
        f"maintain/{incident['id']}" for incident in remembered.values()
    }
    assert {incident["issue"] for incident in remembered.values()} == {
        issue["number"] for issue in issues
    }
    assert _shards(ran.summary).keys() == {"1/2", "2/2"}
    assert ran.summary.count("HTTP 503") == len(PROBES)
    probes_run("2026-11-27T10:20:00Z")  # still down: nothing more
    assert len(_incident_issues(emu)) == len(PROBES)
    assert len(emu.pulls) == len(PROBES)


def test_status_page_builds_from_the_probes_state_and_deploys(probed, tmp_path):
    repo, emu, server = probed
    server.fail("status")
    for minute in (0, 5, 10):
        run_workflow(
            "probes.yml",
            "schedule",
            PROBE_CRON,
            origin=repo.origin,
            emu=emu,
            tmp_path=tmp_path,
            now=f"2026-11-27T10:{minute:02}:00Z",
        )
    ran = run_workflow(
        "status-page.yml",
        "schedule",
        PAGE_CRON,
        origin=repo.origin,
        emu=emu,
        tmp_path=tmp_path,
        now="2026-11-27T10:14:00Z",
    )
    assert ran.jobs == ["build", "deploy"]
    (site,) = ran.pages
    assert ran.deployed == 1
    assert "<html" in (site / "index.html").read_text(encoding="utf-8").lower()
    status = json.loads((site / "status.json").read_text(encoding="utf-8"))
    (service,) = status["services"]
    assert [(p["name"], p["state"]) for p in service["probes"]] == [
        (name, "down") for name in PROBES
    ]
    assert sorted(i["title"] for i in status["incidents"]) == sorted(
        f"Checkout API: {name} is down" for name in PROBES
    )
    assert emu.bot_token not in ran.logs
    # The report's dashboard is part of the same site, at /report/.
    dashboard = (site / "report" / "index.html").read_text(encoding="utf-8")
    assert "Ops report" in dashboard
    assert json.loads((site / "report" / "report.json").read_text())["schema_version"] == 1


UNSAFE_CODE = """\
import subprocess


def run(command):
    return subprocess.call(command, shell=True)
"""
UNSAFE_WORKFLOW = """\
name: ci
on: [push]
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: echo building
"""
SCAN_CRON = {"schedule": "41 5 * * *"}


def test_security_scans_land_on_one_record_pull_request_per_scope(tmp_path, make_github):
    repo = make_ops_repo(
        tmp_path,
        {
            "src/tool/run.py": UNSAFE_CODE,
            ".github/workflows/ci.yml": UNSAFE_WORKFLOW,
            "pyproject.toml": '[project]\nname = "tool"\nversion = "1.0"\n',
        },
    )
    emu = make_github(users={"alice": "admin"}, teams={}, git_dir=repo.origin)
    emu.seed_dependabot_alert("django", "GHSA-v6rh-hp5x-86rv", cve_id="CVE-2021-44420")

    def scan():
        return run_workflow(
            "security.yml", "schedule", SCAN_CRON, origin=repo.origin, emu=emu, tmp_path=tmp_path
        )

    ran = scan()
    heads = sorted(p["head"]["ref"] for p in emu.pulls)
    assert heads == [
        "maintain/findings-bandit",
        "maintain/findings-dependabot",
        "maintain/findings-pip-audit",
        "maintain/findings-zizmor",
    ]
    for head in heads:  # each branch is an ops repository maintain check passes on
        files = git(repo.origin, "ls-tree", "-r", "--name-only", head).split()
        new = [f for f in files if f.startswith("records/findings/SF-2026112")]
        assert new, f"{head} holds no new finding"
        for rel in new:
            record = mapping_in(repo.read(head, rel))
            assert record["owner"] == "acme"  # the repository's owner, until someone takes it
    bandit = next(p for p in emu.pulls if p["head"]["ref"] == "maintain/findings-bandit")
    assert "| new |" in bandit["body"]
    (report,) = ran.sarif
    driver = json.loads(report.read_text())["runs"][0]["tool"]["driver"]
    assert driver["name"] == "maintain findings"
    assert emu.bot_token not in ran.logs

    scan()  # the next day's scan, nothing new: the same pull requests, nothing pushed
    assert sorted(p["head"]["ref"] for p in emu.pulls) == heads


REPORT_CRON = {"schedule": "23 6 * * 1"}


def test_report_writes_the_summary_and_opens_the_review_issue_when_asked(world, tmp_path):
    repo, emu = world

    def report(**variables):
        return run_workflow(
            "report.yml",
            "schedule",
            REPORT_CRON,
            origin=repo.origin,
            emu=emu,
            tmp_path=tmp_path,
            now="2026-04-06T06:23:00Z",
            variables=variables,
        )

    ran = report()
    assert ran.summary.startswith("## Ops report: 2026-01-06T06:23:00Z to 2026-04-06T06:23:00Z")
    assert "### Delivery (DORA)" in ran.summary
    assert ran.jobs == ["report"]  # the issue's job (the only one that may write issues) skipped
    assert emu.issues == []
    assert report(MAINTAIN_OPS_REVIEW_ISSUE="false").jobs == ["report"]
    ran = report(MAINTAIN_OPS_REVIEW_ISSUE="true")
    assert ran.jobs == ["report", "ops-review"]
    report(MAINTAIN_OPS_REVIEW_ISSUE="TRUE")  # the next week (GitHub compares ignoring case)
    (issue,) = emu.issues
    assert issue["title"] == "Ops review 2026-03"
    assert emu.bot_token not in ran.logs


DEPLOYED_SHA = "4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"
SCHEDULED = f"""\
id: CHG-20260320-9K2D
kind: change
schema_version: 1
title: Raise the checkout timeout
status: scheduled
owner: bob
created_at: 2026-03-20T08:00:00Z
type: standard
risk: {{level: low}}
services: [checkout-api]
implementation_plan: [Raise the timeout to 5 s.]
test_evidence:
  - kind: ci
    ref: https://github.com/acme/shop/actions/runs/1
    commit_sha: {DEPLOYED_SHA}
    result: pass
    at: 2026-03-20T09:00:00Z
schedule: {{planned_start: "2026-03-21T09:00:00Z", planned_end: "2026-03-21T11:00:00Z"}}
submitted_at: 2026-03-20T08:30:00Z
"""


def test_a_deployment_status_completes_its_change_record(world, tmp_path):
    repo, emu = world
    rel = "records/changes/CHG-20260320-9K2D.yaml"
    repo.commit_and_push({rel: SCHEDULED}, "a scheduled change")
    deployment = emu.seed_deployment(
        DEPLOYED_SHA, "production", state="success", payload={"change": "CHG-20260320-9K2D"}
    )
    payload = emu.webhook("deployment_status", "created", deployment=deployment)
    ran = run_workflow(
        "changes.yml",
        "deployment_status",
        payload,
        origin=repo.origin,
        emu=emu,
        tmp_path=tmp_path,
        now="2026-03-21T10:00:00Z",
    )
    assert "CHG-20260320-9K2D: deployment written (pull request #" in ran.logs
    written = mapping_in(repo.read("maintain/CHG-20260320-9K2D", rel))
    assert written["status"] == "implemented"
    assert written["deployment"]["commit_sha"] == DEPLOYED_SHA
    assert emu.bot_token not in ran.logs


# -- the workflows `maintain init` writes, run against the emulator ------------------------


@pytest.fixture
def fresh(tmp_path, make_github):
    """A repository as `maintain init` made it (acme/shop, team acme/sre), on origin."""
    from maintain_repo.cli import main

    root = tmp_path / "checkout"
    assert main(["init", str(root), "--repo", REPOSITORY, "--team", "sre"]) == 0
    origin = published(tmp_path, root, "Start the ops repository").origin
    users = {"alice": "admin", "bob": "write", "carol": "triage"}
    emu = make_github(users=users, teams={"acme/sre": ["alice", "bob"]}, git_dir=origin)
    return root, origin, emu


GENERATED_FORM = FORM_BODY.replace("checkout-api", "example-service")


def test_every_workflow_init_writes_runs(fresh, tmp_path):
    from emulated import client

    root, origin, emu = fresh
    workflows = root / ".github/workflows"
    written = sorted(p.name for p in workflows.glob("*.yml"))
    assert written == sorted(
        [
            "approval.yml",
            "changes.yml",
            "incident-sync.yml",
            "probes.yml",
            "report.yml",
            "security.yml",
            "sla.yml",
            "status-page.yml",
            "validate.yml",
        ]
    )
    ran: dict[str, Ran] = {}

    def run(name, event, payload, now="2026-03-02T10:00:00Z", variables=None):
        ran[name] = run_workflow(
            name,
            event,
            payload,
            origin=origin,
            emu=emu,
            tmp_path=tmp_path,
            now=now,
            variables=variables,
            workflows=workflows,
        )
        assert emu.bot_token not in ran[name].logs

    def cron(name):
        workflow = parse((workflows / name).read_text()).data
        return {"schedule": workflow["on"]["schedule"][0]["cron"]}

    # An incident from the form: its record pull request, then /ack.
    number = emu.seed_issue(
        "carol", "[Incident]: Checkout fails", GENERATED_FORM, labels=["incident"]
    )
    run("incident-sync.yml", "issues", emu.webhook("issues", "opened", issue=number))
    (record_pull,) = emu.pulls
    assert record_pull["head"]["ref"].startswith("maintain/INC-")

    # A change pull request: validated and judged.
    git(root, "checkout", "-q", "-b", "add-service")
    (root / "records/services/checkout-api.yaml").write_text(
        "id: checkout-api\nkind: service\nschema_version: 1\ntitle: Checkout API\n"
        "status: active\nowner: acme/sre\ncreated_at: 2026-03-01T09:00:00Z\ntier: 1\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Add checkout-api")
    git(root, "push", "-q", "origin", "add-service")
    pull = (
        client(emu, "bob")
        .get_repo(REPOSITORY)
        .create_pull(base="main", head="add-service", title="Add checkout-api", body="")
    )
    opened = emu.webhook("pull_request", "opened", number=pull.number)
    run("validate.yml", "pull_request", opened)
    assert "files checked" in ran["validate.yml"].logs
    run("approval.yml", "pull_request", opened)
    head = emu.pull(pull.number)["head"]["sha"]
    assert [s["state"] for s in emu.statuses(head) if s["context"] == "maintain/approval"] == [
        "pending"
    ]

    for name in ("sla.yml", "probes.yml", "report.yml", "security.yml"):
        run(name, "schedule", cron(name))
    assert "open obligations" in ran["sla.yml"].summary
    assert "## Ops report" in ran["report.yml"].summary
    assert ran["report.yml"].jobs == ["report"]  # no ops review issue unless the team asks
    run(
        "report.yml",
        "schedule",
        cron("report.yml"),
        variables={"MAINTAIN_OPS_REVIEW_ISSUE": "true"},
    )
    assert ran["report.yml"].jobs == ["report", "ops-review"]
    reviews = [i["title"] for i in emu.issues if i["title"].startswith("Ops review")]
    assert reviews == ["Ops review 2026-02"]
    assert ran["probes.yml"].jobs == ["probe (shard=1)", "probe (shard=2)"]

    run("status-page.yml", "schedule", cron("status-page.yml"))
    (site,) = ran["status-page.yml"].pages
    assert (site / "index.html").is_file()
    assert json.loads((site / "report" / "report.json").read_text())["public"] is True
    assert ran["status-page.yml"].deployed == 1

    deployment = emu.seed_deployment("a" * 40, "production", state="success")
    run(
        "changes.yml",
        "deployment_status",
        emu.webhook("deployment_status", "created", deployment=deployment),
    )
    assert "no change record names it; nothing to do" in ran["changes.yml"].logs


def test_a_team_veto_the_jobs_token_cannot_read_is_never_approved_over(fresh, tmp_path):
    """`maintain init --team` vetoes by the team; Actions' GITHUB_TOKEN may not read team
    members (GitHub answers 404, as for a non-member), so a veto from someone who may be in
    it leaves the pull request unapproved: the verdict is an error that names the missing
    permission, and the run is red."""
    from emulated import client

    root, origin, emu = fresh
    git(root, "checkout", "-q", "-b", "risky")
    (root / "records/services/notes.txt").write_text("x\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "A risky change")
    git(root, "push", "-q", "origin", "risky")
    pull = client(emu, "bob").get_repo(REPOSITORY).create_pull(base="main", head="risky", title="t")
    issue = client(emu, "alice").get_repo(REPOSITORY).get_issue(pull.number)
    approved = client(emu, "alice").get_repo(REPOSITORY).get_pull(pull.number)
    approved.create_review(event="APPROVE", body="fine by me")
    said = issue.create_comment(":-1: not before the migration")
    created = emu.webhook("issue_comment", "created", number=pull.number, comment=said.id)
    ran = run_workflow(
        "approval.yml",
        "issue_comment",
        created,
        origin=origin,
        emu=emu,
        tmp_path=tmp_path,
        workflows=root / ".github/workflows",
        may_fail=("Judge the pull request",),
    )
    # The run is red (the policy could not be judged), and says what to do.
    assert ran.failed == ["Judge the pull request"]
    head = emu.pull(pull.number)["head"]["sha"]
    (status,) = [s for s in emu.statuses(head) if s["context"] == "maintain/approval"]
    assert status["state"] == "error"
    assert "the token may not read the members of acme/sre" in status["description"]
    (verdict,) = [c["body"] for c in emu.comments(pull.number) if "maintain" in c["body"]]
    assert "members: read" in verdict
