"""Facts about a pull request, as plain values, for the approval policy.

They are gathered from GitHub by `maintain_repo.github` and judged by the pure
`maintain_repo.policy.approval`, which never talks to GitHub itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

# A person's role on a repository, weakest first (GitHub's `role_name`).
PERMISSION_RANK = {"none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}


def permission_rank(permission: str) -> int:
    """How much `permission` allows (0 for none or an unknown name)."""
    return PERMISSION_RANK.get(permission, 0)


@dataclass(frozen=True)
class ReviewFact:
    """One submitted review of a pull request."""

    user: str
    state: str  # "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED"
    commit_id: str  # the head commit the review was submitted against
    submitted_at: datetime
    body: str = ""


@dataclass(frozen=True)
class CommentFact:
    """One comment on the pull request's conversation."""

    user: str
    body: str
    created_at: datetime
    edited: bool = False


@dataclass(frozen=True)
class CommitFact:
    """One commit of the pull request, with the GitHub accounts behind it (None: GitHub
    could not link the e-mail address to an account)."""

    sha: str
    parents: tuple[str, ...]
    author: str | None
    committer: str | None
    via_web: bool = False  # made on GitHub (the web editor, an update-branch merge)

    def users(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(u for u in (self.author, self.committer) if u))


@dataclass(frozen=True)
class PullRequestFacts:
    """What the approval policy needs to know about one pull request."""

    number: int
    author: str
    title: str
    base_ref: str
    head_ref: str
    head_sha: str
    labels: tuple[str, ...]
    changed_files: tuple[str, ...]  # paths (for renames: the new path)
    reviews: tuple[ReviewFact, ...]  # all reviews, oldest first
    # Commit status context or check-run name -> "success" | "failure" | "pending" |
    # "error" | another check-run conclusion.
    statuses: Mapping[str, str]
    teams: Mapping[str, frozenset[str]]  # "org/slug" -> members, for the teams the policy names
    # login -> "admin" | "maintain" | "write" | "triage" | "read" | "none", for the
    # author, the reviewers, the commenters and the commits' users.
    permissions: Mapping[str, str]
    body: str = ""
    created_at: datetime | None = None
    commits: tuple[CommitFact, ...] = ()  # as GitHub lists them (oldest first)
    comments: tuple[CommentFact, ...] = ()  # oldest first
    # commit sha -> when it was pushed to the head branch (GitHub's repository activity)
    pushed_at: Mapping[str, datetime] = field(default_factory=dict)
    organizations: Mapping[str, frozenset[str]] = field(default_factory=dict)  # org -> members
    # Teams and organizations whose members the token may not read (left out of the above).
    unreadable: tuple[str, ...] = ()
