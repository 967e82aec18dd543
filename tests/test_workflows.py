"""Our GitHub workflows: secure by construction, and their steps really work."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from maintain_repo.store.yaml import parse

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def _load(path):
    return parse(path.read_text()).data


def _steps(workflow):
    for job in workflow["jobs"].values():
        yield from job.get("steps", [])


def test_there_are_workflows():
    names = {p.name for p in WORKFLOWS}
    assert names >= {
        "validate.yml",
        "approval.yml",
        "incident-sync.yml",
        "sla.yml",
        "probes.yml",
        "status-page.yml",
    }


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_security_baseline(path):
    workflow = _load(path)
    text = path.read_text()
    assert workflow["permissions"] == {}, "top-level permissions must be {}"
    assert "pull_request_target" not in workflow["on"]
    for job in workflow["jobs"].values():
        assert "timeout-minutes" in job
        assert "permissions" in job
        # Deploying to Pages is the one reason for an OIDC token or Pages access, and the
        # job that deploys runs nothing else.
        deploys = [s.get("uses", "").split("@")[0] for s in job.get("steps", [])] == [
            "actions/deploy-pages"
        ]
        for scope in ("id-token", "pages"):
            assert scope not in job["permissions"] or deploys, f"{scope} outside a deploy job"
    for step in _steps(workflow):
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
            if step["uses"].startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
        if "run" in step:
            assert "${{" not in step["run"], "no expression expansion inside run:"
            # What a step writes there changes later steps' environment and PATH.
            assert "GITHUB_ENV" not in step["run"]
            assert "GITHUB_PATH" not in step["run"]
    for line in text.splitlines():
        if re.match(r"^\s*(-\s+)?uses:", line):
            assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


def test_zizmor_finds_nothing():
    _zizmor_finds_nothing(ROOT / ".github/workflows", ROOT / "action.yml")


def _zizmor_finds_nothing(*paths):
    done = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--persona=pedantic", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout


def test_workflows_match_the_github_workflow_schema():
    _match_the_workflow_schema(WORKFLOWS)


def _match_the_workflow_schema(paths):
    done = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_validate_workflow_steps_pass_on_this_repository(tmp_path):
    """Run each `run:` step as Actions would, in the repository, with Actions' environment.

    The install step is skipped: the package under test is already installed in
    this interpreter's environment, whose bin directory leads PATH.
    """
    workflow = _load(ROOT / ".github/workflows/validate.yml")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": str(ROOT),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        # A moment after this repository's newest record (waivers start when they are
        # created), so the outcome does not depend on the day the tests run.
        "MAINTAIN_NOW": "2026-11-28T00:00:00Z",
    }
    env.pop("MAINTAIN_CACHE_DIR", None)
    ran = []
    for step in _steps(workflow):
        if "run" not in step or "pip install" in step["run"]:
            continue
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{step.get('name')}: {done.stdout}{done.stderr}"
        assert "::error" not in done.stdout
        ran.append(step["run"])
    assert any("maintain check" in command for command in ran)


def test_what_init_writes_passes_zizmor_and_the_workflow_schema(tmp_path):
    from maintain_repo import ACTION, __version__
    from maintain_repo.cli import main

    root = tmp_path / "ops"
    assert main(["init", str(root), "--repo", "acme/ops", "--team", "sre"]) == 0
    generated = sorted((root / ".github/workflows").glob("*.yml"))
    assert len(generated) == 9
    _zizmor_finds_nothing(root)
    _match_the_workflow_schema(generated)
    for path in generated:
        workflow = _load(path)
        assert workflow["permissions"] == {}
        for job in workflow["jobs"].values():
            assert "timeout-minutes" in job
            assert "permissions" in job
        for step in _steps(workflow):
            uses = step.get("uses", "")
            if uses.startswith(ACTION):
                assert uses == f"{ACTION}@v{__version__}"  # the release tag, as zizmor.yml allows
            elif uses:
                assert PINNED.match(uses), uses
            assert "${{" not in step.get("run", "")
