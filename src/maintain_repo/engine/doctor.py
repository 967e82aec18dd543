"""`maintain doctor`: is this machine, this ops repository and (with `--online`) its GitHub
repository ready for maintain? Each problem comes with the exact fix.

Offline: Python and git versions, the C YAML extension, the ops repository, its settings,
its schemas against the models, the git clone and its `origin`. Online (the token and
repository of the GitHub options): the repository and what the token may do there, the
labels maintain uses (created with `--fix`), whether Actions may create pull requests, the
Pages source, the default branch's protection requiring `maintain check`, the state branch,
and whether the teams the approval policy names can be read.

A check the token cannot see (GitHub answers 403 or 404 to a settings endpoint that needs
administration rights) is reported as unknown, with where to look by hand: never as fine.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maintain_repo.store.repo import SCHEMAS, SETTINGS

MIN_GIT = (2, 25)  # worktrees and `git cat-file --batch` as maintain uses them
CHECK_NAME = "maintain check"  # the validate workflow's job: the status to require


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: could not be told (or only informative)
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def offline(root: Path) -> Iterator[Check]:
    version = sys.version_info
    yield Check("python", version >= (3, 11), f"Python {version.major}.{version.minor}")
    yield _git_version()
    yield _c_yaml()
    yield _settings(root)
    yield _schemas(root)
    yield _clone(root)


def _git_version() -> Check:
    try:
        done = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return Check("git", False, "git is not installed", "install git 2.25 or newer")
    found = re.search(r"(\d+)\.(\d+)", done.stdout)
    version = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    ok = version >= MIN_GIT
    fix = "" if ok else "install git 2.25 or newer"
    return Check("git", ok, done.stdout.strip() or "git --version said nothing", fix)


def _c_yaml() -> Check:
    try:
        import _ruamel_yaml  # noqa: F401
    except ImportError:
        return Check(
            "yaml",
            False,
            "ruamel.yaml runs without its C extension (four times slower)",
            "pip install ruamel.yaml.clib",
        )
    return Check("yaml", True, "ruamel.yaml's C extension is installed")


def _settings(root: Path) -> Check:
    from maintain_repo.engine.files import check_bytes
    from maintain_repo.model.findings import Finding, Severity

    path = root / SETTINGS
    if not path.is_file():
        return Check(
            "settings", False, f"{SETTINGS} is missing", "maintain init writes one; or copy it"
        )
    result = check_bytes(SETTINGS, path.read_bytes())
    errors = [
        Finding.from_json(f)
        for f in result["findings"]
        if Finding.from_json(f).severity is Severity.ERROR
    ]
    if errors:
        first = errors[0]
        return Check(
            "settings",
            False,
            f"{SETTINGS}:{first.line or 1}:{first.column or 1}: {first.message}",
            f"fix it (maintain check {SETTINGS} lists every problem)",
        )
    return Check("settings", True, f"{SETTINGS} is valid")


def _schemas(root: Path) -> Check:
    from maintain_repo.engine.schemas import drift

    found = drift(root / SCHEMAS)
    stale = [*found.changed, *found.missing, *found.extra]
    if stale:
        shown = ", ".join(stale[:3]) + (" ..." if len(stale) > 3 else "")
        return Check(
            "schemas",
            False,
            f"{SCHEMAS}/ differs from this version's models ({shown})",
            "maintain schema export, and commit schemas/",
        )
    return Check("schemas", True, f"{SCHEMAS}/ matches this version's models")


def _clone(root: Path) -> Check:
    done = subprocess.run(
        ["git", "-C", str(root), "remote", "get-url", "origin"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return Check(
            "clone",
            False,
            "not a git clone with an `origin` remote: record pull requests cannot be pushed",
            "git remote add origin https://github.com/OWNER/NAME.git",
        )
    return Check("clone", True, "a git clone with an `origin` remote")


# -- online ---------------------------------------------------------------------------------


def online(
    root: Path, api: Any, labels: dict[str, tuple[str, str]], *, fix: bool, state_branch: str
) -> Iterator[Check]:
    status, repo = api.probe(f"/repos/{api.repository}")
    if status != 200 or not isinstance(repo, dict):
        yield Check(
            "repository",
            False,
            f"{api.repository} cannot be read with this token (HTTP {status})",
            "set GITHUB_TOKEN to a token that can read it, and --repository OWNER/NAME",
        )
        return
    yield Check("repository", True, f"{api.repository} is readable")
    yield _permissions(repo)
    yield _labels(api, labels, fix=fix)
    yield _actions_pulls(api)
    yield _pages(api)
    default = repo.get("default_branch")
    granted = repo.get("permissions")
    admin = isinstance(granted, dict) and granted.get("admin") is True
    yield _protection(api, default if isinstance(default, str) else "main", admin=admin)
    yield _state_branch(root, state_branch)
    yield from _teams(root, api)


def _permissions(repo: dict[str, Any]) -> Check:
    granted = repo.get("permissions")
    if not isinstance(granted, dict):
        return Check(
            "permissions",
            None,
            "GitHub does not say what this token may do (an Actions or App token)",
            "the workflows declare what each job needs",
        )
    if not granted.get("push"):
        return Check(
            "permissions",
            False,
            "the token cannot write to the repository: record pull requests, issues and "
            "labels need write access",
            "use a token with contents: write, issues: write and pull-requests: write",
        )
    return Check("permissions", True, "the token can write to the repository")


def _labels(api: Any, labels: dict[str, tuple[str, str]], *, fix: bool) -> Check:
    have = {name.lower() for name in api.label_names()}
    missing = sorted(name for name in labels if name.lower() not in have)
    if not missing:
        return Check("labels", True, f"the {len(labels)} labels maintain uses exist")
    if fix:
        api.ensure_labels({name: labels[name] for name in missing})
        return Check("labels", True, f"created {len(missing)} label(s): {', '.join(missing)}")
    return Check(
        "labels",
        False,
        f"{len(missing)} label(s) maintain uses are missing: {', '.join(missing)}",
        "maintain doctor --online --fix creates them",
    )


def _unknown(name: str, status: int, where: str) -> Check:
    return Check(
        name,
        None,
        f"this token cannot read it (HTTP {status}: it needs administration: read)",
        f"check by hand: {where}",
    )


def _actions_pulls(api: Any) -> Check:
    where = (
        "Settings → Actions → General → allow GitHub Actions to create and approve pull requests"
    )
    status, data = api.probe(f"/repos/{api.repository}/actions/permissions/workflow")
    if status != 200 or not isinstance(data, dict):
        return _unknown("actions", status, where)
    if data.get("can_approve_pull_request_reviews") is not True:
        return Check(
            "actions",
            False,
            "GitHub Actions may not create pull requests (record pull requests)",
            where,
        )
    return Check("actions", True, "GitHub Actions may create pull requests")


def _pages(api: Any) -> Check:
    where = "Settings → Pages → Source: GitHub Actions"
    status, data = api.probe(f"/repos/{api.repository}/pages")
    if status == 404:
        return Check(
            "pages", False, "GitHub Pages is off: the status page has nowhere to go", where
        )
    if status != 200 or not isinstance(data, dict):
        return _unknown("pages", status, where)
    if data.get("build_type") != "workflow":
        return Check(
            "pages",
            False,
            f"Pages builds from a branch ({data.get('build_type')}), not from "
            "the status page workflow",
            where,
        )
    return Check("pages", True, "Pages is published by a workflow (the status page)")


def _protection(api: Any, branch: str, *, admin: bool) -> Check:
    where = f"Settings → Branches → {branch} → require the status check `{CHECK_NAME}`"
    status, data = api.probe(f"/repos/{api.repository}/branches/{branch}/protection")
    # GitHub answers 404 both for an unprotected branch and to a token that may not read
    # protections: only an administrator's 404 says the branch is unprotected.
    if status == 404 and admin:
        return Check("protection", False, f"{branch} is not protected", where)
    if status != 200 or not isinstance(data, dict):
        return _unknown("protection", status, where)
    checks = data.get("required_status_checks")
    contexts = checks.get("contexts") if isinstance(checks, dict) else None
    if not isinstance(contexts, list) or CHECK_NAME not in contexts:
        return Check("protection", False, f"{branch} does not require `{CHECK_NAME}`", where)
    return Check("protection", True, f"{branch} requires `{CHECK_NAME}`")


def _state_branch(root: Path, branch: str) -> Check:
    done = subprocess.run(
        ["git", "-C", str(root), "ls-remote", "--heads", "origin", branch],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return Check("state branch", None, f"origin cannot be listed: {done.stderr.strip()}")
    if not done.stdout.strip():
        return Check(
            "state branch",
            None,
            f"{branch} does not exist yet: the first `maintain probe run` creates it",
        )
    return Check("state branch", True, f"{branch} exists on origin")


def _teams(root: Path, api: Any) -> Iterator[Check]:
    from maintain_repo.store.yaml import read_mapping

    policy = read_mapping(str(root / "policies/approval.yaml"), shown="policies/approval.yaml")
    named = sorted(set(_walk_teams(policy))) if policy else []
    for team in named:
        org, _, slug = team.lstrip("@").partition("/")
        status, _ = api.probe(f"/orgs/{org}/teams/{slug}/members")
        if status == 200:
            yield Check(f"team {org}/{slug}", True, "its members can be read")
        else:
            yield Check(
                f"team {org}/{slug}",
                False,
                f"the token cannot read its members (HTTP {status}): what needs the team is "
                "not judged (the verdict is an error, never approved over it)",
                "use a token that can read members (organization members: read), e.g. a "
                "GitHub App token",
            )


def _walk_teams(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "teams" and isinstance(item, list):
                yield from (str(t) for t in item if isinstance(t, str) and "/" in t)
            else:
                yield from _walk_teams(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_teams(item)


def all_labels() -> dict[str, tuple[str, str]]:
    """Every label maintain puts on issues and pull requests."""
    from maintain_repo.engine.incidents import LABELS as INCIDENTS
    from maintain_repo.engine.remind import LABELS as REMINDERS
    from maintain_repo.engine.review_issue import LABELS as REVIEWS

    return {**INCIDENTS, **REMINDERS, **REVIEWS}


Report = Callable[[Check], None]
