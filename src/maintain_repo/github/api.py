"""The small interface the rest of maintain sees of GitHub.

Plain values in, plain values out: the engine never touches a PyGithub
object, so commands are written (and read) in terms of issues, comments,
pull requests and statuses. `maintain_repo.github.client` implements it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from maintain_repo.github.events import Comment
    from maintain_repo.github.pull_facts import Wanted
    from maintain_repo.model.pull_facts import PullRequestFacts


@dataclass(frozen=True)
class IssueRef:
    number: int
    title: str
    body: str
    state: str  # open | closed
    labels: tuple[str, ...]
    author: str
    url: str
    assignees: tuple[str, ...] = ()


@dataclass(frozen=True)
class PullRef:
    number: int
    title: str
    state: str  # open | closed
    merged: bool
    head_ref: str
    head_sha: str
    base_ref: str
    url: str


@dataclass(frozen=True)
class ReviewRef:
    user: str
    state: str
    commit_id: str
    submitted_at: datetime | None  # None: a pending review, not submitted yet
    body: str = ""


class GitHubApi(Protocol):
    """What maintain asks of GitHub. Creating calls are idempotent by marker."""

    repository: str
    login: str  # our own identity: only objects it wrote are found by marker
    dry_run: bool

    def issue(self, number: int) -> IssueRef: ...

    def find_issue(self, mark: str, label: str) -> IssueRef | None:
        """Our issue (any state) carrying `mark`, among those with `label`."""
        ...

    def our_issues(self, label: str, state: str = "open") -> list[IssueRef]: ...

    def ensure_issue(
        self,
        mark: str,
        title: str,
        body: str,
        labels: Iterable[str],
        label: str,
        assignees: Iterable[str] = (),
    ) -> tuple[IssueRef, bool]:
        """The issue with `mark`, created (assigned to `assignees`) unless it exists;
        (issue, created)."""
        ...

    def edit_issue(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        state_reason: str | None = None,
    ) -> None: ...

    def ensure_labels(self, labels: Mapping[str, tuple[str, str]]) -> None:
        """Create the labels (name -> (color, description)) that do not exist yet."""
        ...

    def add_labels(self, number: int, names: Iterable[str]) -> None:
        """Add labels to an issue, keeping the ones it has (GitHub's add-labels)."""
        ...

    def add_assignees(self, number: int, logins: Iterable[str]) -> None:
        """Assign people to an issue, keeping those assigned (GitHub's add-assignees)."""
        ...

    def remove_label(self, number: int, name: str) -> None:
        """Remove one label from an issue; a label it does not have is no error."""
        ...

    def our_comments(self, number: int) -> list[str]:
        """The bodies of our own comments on an issue or PR, oldest first."""
        ...

    def comments(self, number: int) -> list[Comment]:
        """Every comment on an issue, oldest first (none in a dry run without a token)."""
        ...

    def upsert_comment(self, number: int, mark: str, body: str) -> int:
        """Our one comment with `mark` on the issue or PR: edited if it exists, else created."""
        ...

    def permission(self, login: str) -> str:
        """admin, maintain, write, triage, read or none."""
        ...

    def pull(self, number: int) -> PullRef: ...

    def reviews(self, number: int) -> list[ReviewRef]: ...

    def pulls_of_commit(self, sha: str) -> list[int]:
        """The numbers of the pull requests whose head is commit `sha` or that were
        merged as it."""
        ...

    def pull_files(self, number: int) -> list[str]:
        """The paths pull request `number` changes (for a rename: the new path)."""
        ...

    def probe(self, path: str) -> tuple[int, Any]:
        """GET an API path: (HTTP status, JSON body), a refusal (403, 404) included rather
        than raised, for commands that report what the token can see."""
        ...

    def label_names(self) -> list[str]:
        """The repository's labels."""
        ...

    def find_pull(self, head: str) -> PullRef | None:
        """The open pull request from branch `head` of this repository."""
        ...

    def ensure_pull(self, head: str, base: str, title: str, body: str) -> tuple[PullRef, bool]: ...

    def pull_facts(self, number: int, wanted: Wanted) -> PullRequestFacts:
        """What the approval policy needs to know (see `github.pull_facts`)."""
        ...

    def commit_statuses(self, sha: str) -> dict[str, str]:
        """Context (or check-run name) -> latest state or conclusion."""
        ...

    def set_status(
        self, sha: str, state: str, context: str, description: str, target_url: str | None = None
    ) -> None: ...

    def alerts(self, kind: str) -> list[dict[str, Any]] | None:
        """Every `dependabot` or `code-scanning` alert of the repository, in any state, as
        the REST API lists them; None when the repository has them turned off or the token
        may not read them."""
        ...

    def dismiss_alert(self, kind: str, number: int, reason: str, comment: str) -> None:
        """Dismiss an open alert with one of GitHub's reasons for its kind."""
        ...
