"""Facts as plain values: about records, for the cross-record rules, and about a
pull request, for the approval policy.

The per-file stage reads a record once and keeps what the repository-wide
rules need (id, kind, status, references); those rules, and a warm cached
run, never need the record itself again. Pull request facts are gathered
from GitHub by `maintain_repo.github` and judged by the pure
`maintain_repo.policy.approval`, which never talks to GitHub itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from maintain_repo.model.findings import Pointer

_ATOMS = frozenset((str, int))


class Reference(NamedTuple):
    """A field of one record that names another record.

    `relation` names a two-way link (see `maintain_repo.rules.references`):
    the target must name this record back through the same relation.
    (A named tuple: a warm check builds tens of thousands of these.)
    """

    pointer: Pointer
    target: str
    kinds: tuple[str, ...]
    relation: str | None = None

    def to_json(self) -> list[Any]:
        return [list(self.pointer), self.target, list(self.kinds), self.relation]

    @classmethod
    def from_json(cls, data: Any) -> Reference:
        pointer, target, kinds, relation = data
        pointer, kinds = tuple(pointer), tuple(kinds)
        if not (
            type(target) is str
            and (relation is None or type(relation) is str)
            and _ATOMS.issuperset(map(type, pointer))
            and all(type(k) is str for k in kinds)
        ):
            raise ValueError("malformed reference")
        return cls(pointer, target, kinds, relation)


class RecordFacts(NamedTuple):
    """What the repository-wide rules know about one record file."""

    path: str
    kind: str | None  # from the folder the file is in
    id: str | None  # from the file's `id`, when it is text
    status: str | None
    valid: bool  # the record passed its schema
    references: tuple[Reference, ...] = ()
    # A few kind-specific values the repository-wide stage needs (waivers:
    # status, dates and covers; findings: severity and waiver), as JSON.
    extra: dict[str, Any] | None = None

    def to_json(self) -> list[Any]:
        """Compact form (the path is the key it is stored under)."""
        refs = [r.to_json() for r in self.references]
        return [self.kind, self.id, self.status, self.valid, refs, self.extra]

    @classmethod
    def from_json(cls, path: str, data: Any) -> RecordFacts:
        kind, id_, status, valid, refs, extra = data
        if not (
            all(v is None or isinstance(v, str) for v in (kind, id_, status))
            and isinstance(valid, bool)
            and isinstance(refs, list)
            and (extra is None or isinstance(extra, dict))
        ):
            raise ValueError("malformed record facts")
        references = tuple(Reference.from_json(r) for r in refs)
        return cls(path, kind, id_, status, valid, references, extra)


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
