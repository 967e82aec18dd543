"""The emulated repository's state: users, teams, labels, issues, pulls, comments, reviews,
statuses and check runs, as plain dataclasses guarded by one re-entrant lock.

Ids come from one sequence shared by every kind of object (so they are unique), and issue
and pull request numbers from another, shared by both, as on GitHub.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

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
class CheckRun:
    id: int
    node_id: str
    head_sha: str
    name: str
    status: str
    conclusion: str | None
    started_at: datetime
    completed_at: datetime | None


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


def _split_repo(repo: str) -> tuple[str, str]:
    owner, _, name = repo.partition("/")
    if not owner or not name or "/" in name:
        raise ValueError(f"a repository is OWNER/NAME, not {repo!r}")
    return owner, name
