"""The emulated repository's state: users, teams, labels, issues, pulls, comments, reviews,
statuses, check runs and security alerts (Dependabot, code scanning), as plain dataclasses
guarded by one re-entrant lock.

Ids come from one sequence shared by every kind of object (so they are unique), and issue
and pull request numbers from another, shared by both, as on GitHub. Each kind of alert is
numbered on its own, from 1, per repository.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PERMISSIONS = ("none", "read", "triage", "write", "maintain", "admin")
BOT_LOGIN = "github-actions[bot]"
BOT_ID = 41898282
DEFAULT_LABEL_COLOR = "ededed"
# Commits made on GitHub (the web editor, "Update branch") are committed by this account.
WEB_FLOW = "web-flow"
WEB_FLOW_EMAIL = "noreply@github.com"


def rank(permission: str) -> int:
    """The order of a repository role: none < read < triage < write < maintain < admin."""
    return PERMISSIONS.index(permission)


def utcnow() -> datetime:
    """The real time, to the second (GitHub's timestamps have no fraction)."""
    return datetime.now(UTC).replace(microsecond=0)


def fake_sha(*parts: object) -> str:
    """A stable 40-hex string standing for a git object the emulator has no git for."""
    return hashlib.sha1("\0".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def node_id(prefix: str, ident: int) -> str:
    """A GraphQL-style global id, e.g. `I_kwDOAAAB9A` (opaque, unique per object)."""
    raw = ident.to_bytes(8, "big").lstrip(b"\0") or b"\0"
    return f"{prefix}_kwDO{base64.urlsafe_b64encode(raw).decode().rstrip('=')}"


@dataclass
class User:
    login: str
    id: int
    node_id: str
    permission: str
    token: str
    type: str = "User"


@dataclass
class Team:
    id: int
    node_id: str
    org: str
    slug: str
    members: list[str]


@dataclass
class Label:
    id: int
    node_id: str
    name: str
    color: str
    description: str | None
    default: bool = False


@dataclass(frozen=True)
class FileChange:
    """One file of a pull request's diff (GitHub's `diff-entry`)."""

    filename: str
    status: str = "modified"  # added | removed | modified | renamed
    additions: int = 0
    deletions: int = 0
    sha: str | None = None
    previous_filename: str | None = None


@dataclass(frozen=True)
class CommitInfo:
    """One commit as `git log` tells it (or as seeded)."""

    sha: str
    tree: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: str
    committer_name: str
    committer_email: str
    committer_date: str
    message: str


@dataclass(frozen=True)
class Activity:
    """A change to a branch, as the repository's activity lists it (pushes, force pushes,
    branches made and deleted)."""

    id: int
    node_id: str
    before: str
    after: str
    ref: str  # refs/heads/NAME
    timestamp: datetime
    activity_type: str  # push | force_push | branch_creation | branch_deletion | pr_merge
    actor: str | None


@dataclass
class PullData:
    """What a pull request has beyond its issue."""

    id: int
    node_id: str
    head_ref: str
    base_ref: str
    head_sha: str
    base_sha: str
    files: list[FileChange]  # seeded; re-read from git when the emulator has a git_dir
    draft: bool = False
    merged_at: datetime | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    number: int = 0  # its number, for `refs/pull/N/head` in the git repository


@dataclass
class Issue:
    """An issue, or the issue half of a pull request (`pull` is set)."""

    number: int
    id: int
    node_id: str
    title: str
    body: str | None
    author: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)  # label names as the repository spells them
    assignees: list[str] = field(default_factory=list)
    closed_at: datetime | None = None
    closed_by: str | None = None
    locked: bool = False
    pull: PullData | None = None


@dataclass
class Comment:
    id: int
    node_id: str
    issue_number: int
    author: str
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Review:
    id: int
    node_id: str
    number: int
    author: str
    body: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    commit_id: str
    submitted_at: datetime


@dataclass
class Status:
    id: int
    node_id: str
    sha: str
    state: str
    target_url: str | None
    description: str | None
    context: str
    creator: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Deployment:
    """A deployment (`POST /deployments`) and its statuses, newest last."""

    id: int
    node_id: str
    sha: str
    ref: str
    environment: str
    payload: dict[str, Any] | str
    description: str | None
    creator: str
    created_at: datetime
    production: bool = True
    statuses: list[DeploymentStatus] = field(default_factory=list)


@dataclass
class DeploymentStatus:
    id: int
    node_id: str
    deployment_id: int
    state: str  # error | failure | inactive | in_progress | queued | pending | success
    description: str
    environment: str
    creator: str
    created_at: datetime
    log_url: str = ""


DEPLOYMENT_STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")


@dataclass
class CheckRun:
    id: int
    node_id: str
    head_sha: str
    name: str
    status: str
    conclusion: str | None
    started_at: datetime
    completed_at: datetime | None


# -- security alerts --------------------------------------------------------------------------

SEVERITIES = ("low", "medium", "high", "critical")
DEPENDABOT_STATES = ("open", "dismissed", "fixed", "auto_dismissed")
DEPENDABOT_REASONS = ("fix_started", "inaccurate", "no_bandwidth", "not_used", "tolerable_risk")
SCOPES = ("development", "runtime")
CODE_SCANNING_STATES = ("open", "dismissed", "fixed")
CODE_SCANNING_REASONS = ("false positive", "won't fix", "used in tests")
RULE_SEVERITIES = ("none", "note", "warning", "error")
ALERT_KINDS = ("dependabot", "code_scanning")
DEFAULT_REF = "refs/heads/main"  # the default branch, as `repository()` renders it
# A representative CVSS 3.1 vector and score for each severity, for advisories seeded without one.
_CVSS = {
    "critical": (9.8, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    "high": (7.5, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
    "medium": (5.3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"),
    "low": (3.1, "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"),
}
_MANIFESTS = {
    "pip": "requirements.txt",
    "npm": "package-lock.json",
    "maven": "pom.xml",
    "go": "go.mod",
    "rubygems": "Gemfile.lock",
    "composer": "composer.lock",
    "nuget": "packages.lock.json",
    "rust": "Cargo.lock",
    "pub": "pubspec.lock",
    "actions": ".github/workflows/ci.yml",
}
_LANGUAGES = {
    ".py": "python",
    ".js": "javascript-typescript",
    ".ts": "javascript-typescript",
    ".go": "go",
    ".java": "java-kotlin",
    ".rb": "ruby",
    ".cs": "csharp",
    ".c": "c-cpp",
    ".cpp": "c-cpp",
}
_GHSA_ALPHABET = "23456789cfghjmpqrvwx"


@dataclass(frozen=True)
class Advisory:
    """A GitHub security advisory, as a Dependabot alert carries it."""

    ghsa_id: str
    cve_id: str | None
    summary: str
    description: str
    severity: str  # low | medium | high | critical
    cvss_score: float
    cvss_vector: str | None
    cwes: tuple[tuple[str, str], ...]  # (cwe_id, name)
    identifiers: tuple[tuple[str, str], ...]  # (GHSA | CVE, value)
    references: tuple[str, ...]
    published_at: datetime
    classification: str = "general"  # general | malware


@dataclass
class DependabotAlert:
    """A vulnerable dependency found by Dependabot (`dependabot-alert`)."""

    number: int
    package: str
    ecosystem: str
    manifest_path: str
    scope: str | None  # development | runtime
    relationship: str | None  # direct | transitive | unknown
    advisory: Advisory
    vulnerable_version_range: str
    first_patched_version: str | None
    created_at: datetime
    updated_at: datetime
    state: str = "open"  # open | dismissed | fixed | auto_dismissed
    dismissed_by: str | None = None
    dismissed_at: datetime | None = None
    dismissed_reason: str | None = None
    dismissed_comment: str | None = None
    fixed_at: datetime | None = None
    auto_dismissed_at: datetime | None = None
    assignees: list[str] = field(default_factory=list)
    actor: str | None = None  # who changed its state last (None: GitHub itself)


@dataclass(frozen=True)
class Rule:
    """The code scanning rule (query) an alert comes from."""

    id: str
    name: str
    severity: str  # none | note | warning | error
    security_severity_level: str | None  # low | medium | high | critical
    description: str
    full_description: str
    tags: tuple[str, ...]
    help: str | None = None
    help_uri: str | None = None


@dataclass(frozen=True)
class Tool:
    name: str = "CodeQL"
    version: str | None = "2.20.1"
    guid: str | None = None


@dataclass(frozen=True)
class Location:
    path: str
    start_line: int
    end_line: int
    start_column: int
    end_column: int


@dataclass
class CodeScanningAlert:
    """A code scanning alert and its most recent instance (on one ref)."""

    number: int
    rule: Rule
    tool: Tool
    location: Location
    message: str
    ref: str  # refs/heads/NAME or refs/pull/N/merge
    commit_sha: str
    analysis_key: str
    category: str
    environment: str  # JSON text, e.g. {"language":"python"}
    created_at: datetime
    updated_at: datetime
    state: str = "open"  # open | dismissed | fixed
    dismissed_by: str | None = None
    dismissed_at: datetime | None = None
    dismissed_reason: str | None = None
    dismissed_comment: str | None = None
    fixed_at: datetime | None = None
    assignees: list[str] = field(default_factory=list)
    actor: str | None = None  # who changed its state last (None: GitHub itself)


def ghsa_id(*parts: object) -> str:
    """A stable, well-formed GHSA id (`GHSA-xxxx-xxxx-xxxx`) standing for an advisory."""
    digest = int(fake_sha("ghsa", *parts), 16)
    chars = []
    for _ in range(12):
        digest, index = divmod(digest, len(_GHSA_ALPHABET))
        chars.append(_GHSA_ALPHABET[index])
    text = "".join(chars)
    return f"GHSA-{text[:4]}-{text[4:8]}-{text[8:]}"


def full_ref(ref: str) -> str:
    """`main` -> `refs/heads/main`; a full ref is kept."""
    return ref if ref.startswith("refs/") else f"refs/heads/{ref}"


def _one_of(value: object, allowed: Sequence[object], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} is one of {', '.join(map(str, allowed))}, not {value!r}")


class State:
    """Everything the emulator knows; hold `lock` while reading or changing it."""

    def __init__(
        self,
        repo: str,
        users: Mapping[str, str],
        teams: Mapping[str, Sequence[str]],
        clock: Callable[[], datetime] | None = None,
        orgs: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock or utcnow
        self._ids = 1000
        self._numbers = 0
        self.owner, self.name = _split_repo(repo)
        self.owner_id = self.next_id()
        self.repo_id = self.next_id()
        self.created_at = self.now()
        self.users: dict[str, User] = {}
        self.tokens: dict[str, User] = {}
        # token -> permission -> read|write, for a workflow job's GITHUB_TOKEN (others: any)
        self.scopes: dict[str, dict[str, str]] = {}
        for login, permission in users.items():
            self.add_user(login, permission)
        self.bot = self.add_user(BOT_LOGIN, "write", kind="Bot", ident=BOT_ID, prefix="ghs_")
        self.teams: dict[tuple[str, str], Team] = {}
        for key, members in teams.items():
            self.add_team(key, members)
        # organization (lower case) -> members besides those of its teams
        self.orgs: dict[str, list[str]] = {}
        for org, members in (orgs or {}).items():
            self.add_org(org, members)
        self.activities: list[Activity] = []
        self.labels: dict[str, Label] = {}
        self.issues: dict[int, Issue] = {}
        self.comments: dict[int, Comment] = {}
        self.reviews: dict[int, Review] = {}
        self.statuses: list[Status] = []
        self.check_runs: list[CheckRun] = []
        self.branches: dict[str, str] = {}  # seeded branch tips (without a git_dir)
        self.deployments: dict[int, Deployment] = {}
        # Repository settings a doctor reads: Actions' token defaults, Pages, protections.
        self.workflow_permissions = "read"  # default_workflow_permissions
        self.actions_create_pulls = False  # can_approve_pull_request_reviews
        self.pages: str | None = None  # None: no Pages site; else its build_type
        self.protections: dict[str, list[str]] = {}  # branch -> required status checks
        self.dependabot_alerts: dict[int, DependabotAlert] = {}
        self.code_scanning_alerts: dict[int, CodeScanningAlert] = {}
        self.rate_used: dict[tuple[str, str], int] = {}
        self.rate_reset = int(utcnow().timestamp()) + 3600

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def now(self) -> datetime:
        return self.clock().astimezone(UTC).replace(microsecond=0)

    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    def next_number(self) -> int:
        with self.lock:
            self._numbers += 1
            return self._numbers

    def add_user(
        self,
        login: str,
        permission: str,
        *,
        kind: str = "User",
        ident: int | None = None,
        prefix: str = "ghu_",
    ) -> User:
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r} for {login}: one of {PERMISSIONS}")
        ident = ident if ident is not None else self.next_id()
        token = prefix + secrets.token_hex(18)
        user = User(
            login, ident, node_id("BOT" if kind == "Bot" else "U", ident), permission, token
        )
        user.type = kind
        self.users[login.lower()] = user
        self.tokens[token] = user
        return user

    def add_job_token(self, permissions: dict[str, str]) -> str:
        """A new GITHUB_TOKEN of the Actions bot, scoped as a job's `permissions:` says."""
        token = "ghs_" + secrets.token_hex(18)
        with self.lock:
            self.tokens[token] = self.bot
            self.scopes[token] = dict(permissions)
        return token

    def add_team(self, key: str, members: Sequence[str]) -> Team:
        org, _, slug = key.partition("/")
        if not org or not slug or "/" in slug:
            raise ValueError(f"a team is ORG/SLUG, not {key!r}")
        unknown = [m for m in members if m.lower() not in self.users]
        if unknown:
            raise ValueError(f"team {key} has members who are not users: {', '.join(unknown)}")
        ident = self.next_id()
        team = Team(
            ident, node_id("T", ident), org, slug, [self.users[m.lower()].login for m in members]
        )
        self.teams[(org.lower(), slug.lower())] = team
        return team

    def add_org(self, org: str, members: Sequence[str]) -> None:
        unknown = [m for m in members if m.lower() not in self.users]
        if not org or "/" in org or unknown:
            raise ValueError(f"organization {org!r}: members must be users ({unknown})")
        self.orgs.setdefault(org.lower(), []).extend(self.users[m.lower()].login for m in members)

    def org_known(self, org: str) -> bool:
        return (
            org.lower() in self.orgs
            or org.lower() == self.owner.lower()
            or any(t.org.lower() == org.lower() for t in self.teams.values())
        )

    def org_member(self, org: str, login: str) -> bool:
        """A member of the organization: listed for it, or in one of its teams."""
        teams = [t for t in self.teams.values() if t.org.lower() == org.lower()]
        people = [*self.orgs.get(org.lower(), []), *(m for t in teams for m in t.members)]
        return login.lower() in {p.lower() for p in people}

    def user_by_email(self, email: str) -> User | None:
        """The account a commit's e-mail address belongs to: GitHub's no-reply addresses
        (`login@users.noreply.github.com`, `ID+login@...`)."""
        local, _, domain = email.lower().partition("@")
        if domain != "users.noreply.github.com":
            return None
        return self.user(local.partition("+")[2] or local)

    def record_activity(
        self, before: str, after: str, ref: str, kind: str, actor: str | None = None
    ) -> Activity:
        ident = self.next_id()
        found = Activity(ident, node_id("A", ident), before, after, ref, self.now(), kind, actor)
        self.activities.append(found)
        return found

    def user(self, login: str) -> User | None:
        return self.users.get(login.lower())

    def team(self, org: str, slug: str) -> Team | None:
        return self.teams.get((org.lower(), slug.lower()))

    def label(self, name: str) -> Label | None:
        return self.labels.get(name.lower())

    def ensure_label(self, name: str) -> Label:
        """The label of that name (case-insensitive), created as GitHub does when it is new."""
        found = self.label(name)
        if found is None:
            ident = self.next_id()
            found = Label(ident, node_id("LA", ident), name, DEFAULT_LABEL_COLOR, None)
            self.labels[name.lower()] = found
        return found

    def association(self, login: str) -> str:
        """GitHub's `author_association` of a user with this repository."""
        if login.lower() == self.owner.lower():
            return "OWNER"
        if any(
            t.org.lower() == self.owner.lower() and login in t.members for t in self.teams.values()
        ):
            return "MEMBER"
        user = self.user(login)
        if user is not None and user.type == "User" and rank(user.permission) >= rank("read"):
            return "COLLABORATOR"
        return "NONE"

    def pulls(self) -> list[Issue]:
        return [i for i in self.issues.values() if i.pull is not None]

    # -- security alerts (as Dependabot and code scanning would raise them) ------------------

    def add_dependabot_alert(
        self,
        package: str,
        ghsa: str | None = None,
        *,
        ecosystem: str = "pip",
        severity: str = "high",
        summary: str | None = None,
        description: str | None = None,
        cve_id: str | None = None,
        cvss_score: float | None = None,
        cvss_vector: str | None = None,
        cwes: Mapping[str, str] | Sequence[str] = (),
        manifest_path: str | None = None,
        scope: str | None = "runtime",
        relationship: str | None = "direct",
        vulnerable_version_range: str = "< 2.0.0",
        first_patched_version: str | None = "2.0.0",
        state: str = "open",
        dismissed_reason: str | None = None,
        dismissed_comment: str | None = None,
        dismissed_by: str | None = None,
    ) -> DependabotAlert:
        """A new Dependabot alert; everything but the package has a plausible default."""
        _one_of(severity, SEVERITIES, "severity")
        _one_of(state, DEPENDABOT_STATES, "a Dependabot alert's state")
        _one_of(scope, (*SCOPES, None), "scope")
        if cvss_score is not None and not 0 <= cvss_score <= 10:
            raise ValueError("a CVSS score is between 0 and 10")
        with self.lock:
            now = self.now()
            ghsa = ghsa or ghsa_id(ecosystem, package, len(self.dependabot_alerts))
            identifiers = [("GHSA", ghsa)] + ([("CVE", cve_id)] if cve_id else [])
            named = cwes.items() if isinstance(cwes, Mapping) else ((c, c) for c in cwes)
            score, vector = _CVSS[severity]
            advisory = Advisory(
                ghsa_id=ghsa,
                cve_id=cve_id,
                summary=summary or f"{severity.capitalize()} severity vulnerability in {package}",
                description=description or f"{package} {vulnerable_version_range} is vulnerable.",
                severity=severity,
                cvss_score=score if cvss_score is None else cvss_score,
                cvss_vector=vector if cvss_score is None else cvss_vector,
                cwes=tuple(named),
                identifiers=tuple(identifiers),
                references=tuple(
                    [f"https://nvd.nist.gov/vuln/detail/{cve_id}"] * bool(cve_id)
                    + [f"https://github.com/advisories/{ghsa}"]
                ),
                published_at=now,
            )
            alert = DependabotAlert(
                number=max(self.dependabot_alerts, default=0) + 1,
                package=package,
                ecosystem=ecosystem,
                manifest_path=manifest_path or _MANIFESTS.get(ecosystem, "manifest"),
                scope=scope,
                relationship=relationship,
                advisory=advisory,
                vulnerable_version_range=vulnerable_version_range,
                first_patched_version=first_patched_version,
                created_at=now,
                updated_at=now,
            )
            self._seed_state(alert, state, dismissed_reason, dismissed_comment, dismissed_by)
            self.dependabot_alerts[alert.number] = alert
            return alert

    def add_deployment(
        self,
        sha: str,
        environment: str = "production",
        *,
        ref: str = "main",
        payload: dict[str, Any] | str | None = None,
        description: str | None = None,
        creator: str | None = None,
    ) -> Deployment:
        with self.lock:
            ident = self.next_id()
            deployment = Deployment(
                id=ident,
                node_id=node_id("DE", ident),
                sha=sha,
                ref=ref,
                environment=environment,
                payload=payload if payload is not None else {},
                description=description,
                creator=creator or self.bot.login,
                created_at=self.now(),
                production=environment == "production",
            )
            self.deployments[ident] = deployment
            return deployment

    def add_deployment_status(
        self, deployment_id: int, state: str, *, creator: str | None = None, description: str = ""
    ) -> DeploymentStatus:
        _one_of(state, DEPLOYMENT_STATES, "deployment state")
        with self.lock:
            deployment = self.deployments.get(deployment_id)
            if deployment is None:
                raise KeyError(f"no deployment {deployment_id}")
            ident = self.next_id()
            status = DeploymentStatus(
                id=ident,
                node_id=node_id("DES", ident),
                deployment_id=deployment_id,
                state=state,
                description=description,
                environment=deployment.environment,
                creator=creator or deployment.creator,
                created_at=self.now(),
            )
            deployment.statuses.append(status)
            return status

    def add_code_scanning_alert(
        self,
        rule_id: str,
        path: str,
        *,
        start_line: int = 1,
        end_line: int | None = None,
        start_column: int = 1,
        end_column: int | None = None,
        message: str | None = None,
        severity: str = "warning",
        security_severity_level: str | None = None,
        description: str | None = None,
        name: str | None = None,
        tags: Sequence[str] = ("security",),
        tool: str = "CodeQL",
        tool_version: str | None = "2.20.1",
        tool_guid: str | None = None,
        ref: str = DEFAULT_REF,
        commit_sha: str | None = None,
        state: str = "open",
        dismissed_reason: str | None = None,
        dismissed_comment: str | None = None,
        dismissed_by: str | None = None,
    ) -> CodeScanningAlert:
        """A new code scanning alert at `path`; everything else has a plausible default."""
        _one_of(severity, RULE_SEVERITIES, "a rule's severity")
        _one_of(security_severity_level, (*SEVERITIES, None), "security_severity_level")
        _one_of(state, CODE_SCANNING_STATES, "a code scanning alert's state")
        if start_line < 1 or start_column < 1:
            raise ValueError("lines and columns count from 1")
        with self.lock:
            now = self.now()
            ref = full_ref(ref)
            branch = ref.removeprefix("refs/heads/")
            language = _LANGUAGES.get(path[path.rfind(".") :].lower()) if "." in path else None
            key = ".github/workflows/codeql.yml:analyze"
            text = description or rule_id.rsplit("/", 1)[-1].replace("-", " ").capitalize()
            alert = CodeScanningAlert(
                number=max(self.code_scanning_alerts, default=0) + 1,
                rule=Rule(
                    id=rule_id,
                    name=name or rule_id,
                    severity=severity,
                    security_severity_level=security_severity_level,
                    description=text,
                    full_description=text,
                    tags=tuple(tags),
                ),
                tool=Tool(tool, tool_version, tool_guid),
                location=Location(
                    path,
                    start_line,
                    end_line if end_line is not None else start_line,
                    start_column,
                    end_column if end_column is not None else start_column + 1,
                ),
                message=message or text,
                ref=ref,
                commit_sha=commit_sha or self.branches.get(branch) or fake_sha("commit", ref),
                analysis_key=key,
                category=f"{key}/language:{language}" if language else key,
                environment=f'{{"language":"{language}"}}' if language else "{}",
                created_at=now,
                updated_at=now,
            )
            self._seed_state(alert, state, dismissed_reason, dismissed_comment, dismissed_by)
            self.code_scanning_alerts[alert.number] = alert
            return alert

    def _seed_state(
        self,
        alert: DependabotAlert | CodeScanningAlert,
        state: str,
        reason: str | None,
        comment: str | None,
        by: str | None,
    ) -> None:
        dependabot = isinstance(alert, DependabotAlert)
        if state == "dismissed":
            reasons = DEPENDABOT_REASONS if dependabot else CODE_SCANNING_REASONS
            reason = reason or ("tolerable_risk" if dependabot else "won't fix")
            _one_of(reason, reasons, "dismissed_reason")
            user = self.user(by or BOT_LOGIN)
            if user is None:
                raise ValueError(f"no user {by!r} to have dismissed the alert")
            if comment is not None and len(comment) > 280:
                raise ValueError("a dismissal comment is 280 characters at most")
            alert.state, alert.dismissed_at = state, alert.created_at
            alert.dismissed_by = alert.actor = user.login
            alert.dismissed_reason, alert.dismissed_comment = reason, comment
        elif state == "fixed":
            alert.state, alert.fixed_at = state, alert.created_at
        elif state == "auto_dismissed" and isinstance(alert, DependabotAlert):
            alert.state, alert.auto_dismissed_at = state, alert.created_at

    def alert(self, kind: str, number: int) -> DependabotAlert | CodeScanningAlert:
        """The alert of that kind (`dependabot` or `code_scanning`) and number (KeyError)."""
        _one_of(kind, ALERT_KINDS, "the kind of alert")
        alerts: Mapping[int, DependabotAlert | CodeScanningAlert] = (
            self.dependabot_alerts if kind == "dependabot" else self.code_scanning_alerts
        )
        if number not in alerts:
            raise KeyError(f"no {kind} alert #{number}")
        return alerts[number]

    def fix_alert(self, kind: str, number: int) -> DependabotAlert | CodeScanningAlert:
        """Mark an alert fixed, as a push that removes the vulnerability would."""
        with self.lock:
            alert = self.alert(kind, number)
            if alert.state == "fixed":
                raise ValueError(f"{kind} alert #{number} is fixed already")
            now = self.now()
            alert.state, alert.fixed_at, alert.updated_at, alert.actor = "fixed", now, now, None
            return alert


def _split_repo(repo: str) -> tuple[str, str]:
    owner, _, name = repo.partition("/")
    if not owner or not name or "/" in name:
        raise ValueError(f"a repository is OWNER/NAME, not {repo!r}")
    return owner, name
