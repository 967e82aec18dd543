"""Real pre-commit runs our published hooks on a temporary ops repository.

Each ops repository's `.pre-commit-config.yaml` names a snapshot of this project by
`repo:` (a local clone standing in for GitHub) and `rev:` (the release tag), as a team's
does; pre-commit clones it, builds the hook environment the way a user's pre-commit would
(pip-installing maintain and its dependencies from the package index) and runs the hooks on
a real git repository. The environment is built once for the module, as a user's cache
keeps it between commits.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from maintain_repo import HOME, __version__

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "tests/cases/base"
PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")
BAD = "records/incidents/INC-20260301-7K2M.yaml"
TAG = f"v{__version__}"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    # One hook environment for the module: building it is the slow part.
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """This project as committed *plus* the working tree (new files included), committed
    and tagged with this version's release tag."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    target = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())
    identity = ["-c", "user.name=maintain tests", "-c", "user.email=tests@example.invalid"]
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["commit", "-q", "-m", "snapshot"],
        ["tag", TAG],
    ):
        subprocess.run(["git", *identity, *args], cwd=target, check=True, capture_output=True)
    return target


@pytest.fixture
def ops(tmp_path, git_repo):
    root = tmp_path / "ops"
    shutil.copytree(BASE, root)
    return git_repo(root)


def _run_hook(ops, home, repo, hook, *files, all_files=False):
    """`pre-commit run HOOK` with the ops repository's config naming the snapshot's tag."""
    config = ops / ".pre-commit-config.yaml"
    config.write_text(f"repos:\n  - repo: {repo}\n    rev: {TAG}\n    hooks:\n      - id: {hook}\n")
    subprocess.run(["git", "add", config.name], cwd=ops, check=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(home),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    selection = ["--all-files"] if all_files else (["--files", *files] if files else [])
    return subprocess.run(
        [PRE_COMMIT, "run", hook, "--verbose", "--color=never", *selection],
        cwd=ops,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_the_published_hooks_pass_a_good_record_and_fail_a_bad_one(ops, pre_commit_home, hook_repo):
    good = _run_hook(ops, pre_commit_home, hook_repo, "maintain-check", BAD)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "maintain check (changed records)" in good.stdout
    assert "Passed" in good.stdout

    path = ops / BAD
    path.write_text(path.read_text().replace("severity: SEV2", "severity: SEV2\nseverty: SEV1"))
    bad = _run_hook(ops, pre_commit_home, hook_repo, "maintain-check", BAD)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"{BAD}:10:1: error schema unknown field 'severty'" in bad.stdout
    assert "Failed" in bad.stdout


def test_the_repository_wide_hook_catches_links_broken_by_a_deletion(
    ops, pre_commit_home, hook_repo
):
    (ops / "records/improvements/IMP-20260302-9ZT4.yaml").unlink()
    done = _run_hook(ops, pre_commit_home, hook_repo, "maintain-check-all", all_files=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ref-exists action_items[0] names IMP-20260302-9ZT4, which does not exist" in done.stdout


def test_a_commit_that_only_deletes_a_record_still_runs_the_repository_hook(
    ops, pre_commit_home, hook_repo
):
    subprocess.run(
        ["git", "rm", "-q", "records/improvements/IMP-20260302-9ZT4.yaml"], cwd=ops, check=True
    )
    done = _run_hook(ops, pre_commit_home, hook_repo, "maintain-check-all")  # staged files only
    assert done.returncode == 1, done.stdout + done.stderr
    assert "(no files to check)" not in done.stdout
    assert "ref-exists action_items[0] names IMP-20260302-9ZT4, which does not exist" in done.stdout


def test_a_new_repository_blocks_a_broken_record_with_the_hooks_of_a_tag(
    tmp_path, pre_commit_home, hook_repo
):
    """As a team adopts it: `maintain init`, its .pre-commit-config.yaml pointed at a clone
    of maintain at the release tag it names, `pre-commit install`, then commits."""
    tag = TAG  # the snapshot's tag (hook_repo)
    ops = tmp_path / "ops"
    maintain = str(Path(sys.executable).parent / "maintain")
    made = subprocess.run(
        [maintain, "init", str(ops), "--org", "acme", "--team", "sre"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    config = ops / ".pre-commit-config.yaml"
    text = config.read_text()
    assert f"repo: {HOME}\n    rev: {tag}\n" in text
    config.write_text(text.replace(HOME, str(hook_repo)))  # the clone stands in for GitHub
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(pre_commit_home),
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }

    def run(*args):
        return subprocess.run(
            args, cwd=ops, env=env, capture_output=True, text=True, check=False, timeout=600
        )

    assert run("git", "init", "-q", "-b", "main").returncode == 0
    assert run(PRE_COMMIT, "install").returncode == 0
    run("git", "add", "-A")
    first = run("git", "commit", "-q", "-m", "Start the ops repository")
    assert first.returncode == 0, first.stdout + first.stderr

    service = ops / "records/services/example-service.yaml"
    service.write_text(service.read_text().replace("tier: 2", "tier: 7"))
    run("git", "add", "-A")
    blocked = run("git", "commit", "-q", "-m", "A broken record")
    assert blocked.returncode != 0
    assert "records/services/example-service.yaml" in blocked.stdout + blocked.stderr
    assert "tier" in blocked.stdout + blocked.stderr

    service.write_text(service.read_text().replace("tier: 7", "tier: 3"))
    run("git", "add", "-A")
    fixed = run("git", "commit", "-q", "-m", "A fixed record")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    # A pull request from here is checked against its base, as the validate workflow does.
    based = run(maintain, "check", "--base", "HEAD~1")
    assert based.returncode == 0, based.stdout + based.stderr
