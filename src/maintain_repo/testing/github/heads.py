"""What a pull request holds: its head and base tips, files and commits.

With a bare git repository they are read from git every time the pull request
is read, so a push to the branch shows up as it does on GitHub; without one,
they are what the test seeded.
"""

from __future__ import annotations

from maintain_repo.testing.github.gitrepo import GitError, GitRepo
from maintain_repo.testing.github.state import CommitInfo, FileChange, PullData, State, fake_sha


class Heads:
    """The contents side of pull requests, from git or from seeding."""

    def __init__(self, state: State, git: GitRepo | None) -> None:
        self.state = state
        self.git = git

    def refresh(self, pull: PullData) -> None:
        """Re-read the head and base tips from git (a push shows up, as on GitHub)."""
        if self.git is None:
            return
        head = self.git.branch(pull.head_ref)
        base = self.git.branch(pull.base_ref)
        if head is not None:
            if pull.number and head != pull.head_sha:
                self.git.set_pull_head(pull.number, head)
            pull.head_sha = head
        if base is not None and pull.merged_at is None:
            pull.base_sha = base

    def files(self, pull: PullData) -> list[FileChange]:
        if self.git is None:
            return list(pull.files)
        try:
            return self.git.diff(pull.base_sha, pull.head_sha)
        except GitError:
            return []

    def commits(self, pull: PullData) -> list[CommitInfo]:
        if self.git is not None:
            try:
                return self.git.commits(pull.base_sha, pull.head_sha)
            except GitError:
                return []
        return [self.seeded_commit(pull.head_sha, pull.base_sha)]

    def seeded_commit(self, sha: str, parent: str | None) -> CommitInfo:
        when = self.state.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return CommitInfo(
            sha, fake_sha("tree", sha), (parent,) if parent else (), "Test Author",
            "test-author@users.noreply.github.com", when, "Test Author",
            "test-author@users.noreply.github.com", when, "Seeded commit",
        )  # fmt: skip
