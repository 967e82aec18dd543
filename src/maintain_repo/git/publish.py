"""Machine-made record changes, committed to a branch and pushed to `origin`.

A change is made in a temporary `git worktree`, never in the user's
checkout: the edit runs on the branch's tip (or the base branch's, for a new
branch), is committed with the bot identity and pushed with GitPython. When
somebody else pushed to the branch meanwhile, the push is refused; we fetch
the new tip and make the edit again on top of it, so parallel jobs never lose
each other's changes.

Credentials: with a token and an https remote, the token goes to git as an
`http.extraheader` through the environment (`GIT_CONFIG_*`), never on a
command line and never into `.git/config`, so no error message can show it.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maintain_repo.errors import ConfigError, GitError, redact
from maintain_repo.git.remote import remote_environment

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
ATTEMPTS = 4
# How long one fetch, ls-remote or push may take, whatever origin does.
NETWORK_SECONDS = 300
_NETWORK = frozenset({"fetch", "ls-remote", "push"})
# What git says when another process in the same clone (a second shard run locally) holds
# a lock it needs, or is half-way through adding a worktree.
_BUSY = (
    "shallow file has changed",
    ".lock': File exists",
    "cannot lock ref",
    "failed to read .git/worktrees/",
)

# Makes the change in a checkout (its ops-repository root); returns a commit
# message, or None when there is nothing to change.
Edit = Callable[[Path], str | None]


@dataclass(frozen=True)
class Published:
    branch: str
    sha: str  # the branch tip after the push ("" in a dry run)
    changed: bool  # False: the edit found nothing to change


@dataclass(frozen=True)
class Identity:
    name: str = BOT_NAME
    email: str = BOT_EMAIL

    def environment(self) -> dict[str, str]:
        """Author and committer for a git command, whatever its config says."""
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }


def publish(
    root: Path,
    branch: str,
    base: str | None,
    edit: Edit,
    *,
    continue_branch: bool,
    token: str | None = None,
    identity: Identity = Identity(),
    dry_run: bool = False,
    say: Callable[[str], None] = lambda _: None,
) -> Published:
    """Make `edit` on `branch` (its tip if `continue_branch`, else fresh from `base`); push.

    `base` None: a branch of its own history (like the state branch), started
    from an empty root commit when it does not exist yet.
    """
    repo, prefix = _open(root)
    stale: str | None = None  # a leftover branch (its pull request is gone): replaced
    with _credentials(repo, token):
        for attempt in range(ATTEMPTS):
            tip = _fetch(repo, branch, base)
            if attempt == 0 and not continue_branch:
                stale = tip
            on_tip = tip is not None and tip != stale
            start = tip if on_tip and tip else _start_of(repo, branch, base, identity)
            with _worktree(repo, start) as tree:
                message = edit(tree / prefix if prefix else tree)
                if message is None or not _dirty(tree):
                    return Published(branch, tip or "", False)
                if dry_run:
                    say(f"dry run: would push to {branch}: {message.splitlines()[0]}")
                    say(_diff_summary(tree))
                    return Published(branch, "", True)
                sha = _commit(tree, message, identity)
                if _push(repo, tree, branch, None if on_tip else (tip or "")):
                    return Published(branch, sha, True)
                say(f"{branch} moved while we worked; making the change again on its new tip")
    raise GitError(
        f"could not push to {branch}: it kept moving ({ATTEMPTS} attempts)",
        hint="another job is writing the same branch; run again",
    )


@contextmanager
def read_branch(root: Path, branch: str, token: str | None = None) -> Iterator[Path | None]:
    """A temporary checkout of `origin/<branch>` as it is now (None: no such branch)."""
    try:
        repo, _ = _open(root)
    except ConfigError as e:
        raise ConfigError(
            f"{e.message.split(';')[0]}; the state branch {branch} lives on origin",
            hint="run inside a clone of the ops repository, or keep probe state in a "
            "directory with --state-dir DIR",
        ) from None
    with _credentials(repo, token):
        tip = _fetch(repo, branch, None)
    if tip is None:
        yield None
        return
    with _worktree(repo, tip) as tree:
        yield tree


def _open(root: Path) -> tuple[Any, str]:
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ConfigError(
            f"{root} is not inside a git clone; record changes go through pull requests",
            hint="run inside a clone of the ops repository with an `origin` remote",
        ) from None
    if "origin" not in [remote.name for remote in repo.remotes]:
        raise ConfigError("the git clone has no `origin` remote to push to")
    top = Path(repo.working_tree_dir or root).resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    return repo, "" if prefix == "." else prefix


@contextmanager
def _credentials(repo: Any, token: str | None) -> Iterator[None]:
    """Talk to origin with the token and a bounded wait (`git.remote`); see also `_git`'s
    time limit."""
    with repo.git.custom_environment(**remote_environment(repo.remote("origin").url, token)):
        yield


def _start_of(repo: Any, branch: str, base: str | None, identity: Identity) -> str:
    """Where a new branch starts: `base`, or an empty root commit of its own."""
    if base is not None:
        return f"refs/remotes/origin/{base}"
    empty = _git(repo, "hash-object", "-w", "-t", "tree", "/dev/null").strip()
    with repo.git.custom_environment(**identity.environment()):
        root = _git(repo, "commit-tree", empty, "-m", f"Start {branch} (written by maintain)")
    return root.strip()


def _fetch(repo: Any, branch: str, base: str | None) -> str | None:
    """Fetch `base` and `branch` from origin; the branch's tip, or None if it does not exist."""
    heads = _git(repo, "ls-remote", "--heads", "origin", f"refs/heads/{branch}")
    if base is not None:
        _fetch_branch(repo, base)
    if not heads.strip():
        return None
    # A branch of its own history (the state branch) gains a commit every few
    # minutes: only its tip is needed to read it and to commit on top of it.
    _fetch_branch(repo, branch, shallow=base is None)
    return str(_git(repo, "rev-parse", f"refs/remotes/origin/{branch}").strip())


def _fetch_branch(repo: Any, branch: str, *, shallow: bool = False) -> None:
    depth = ["--depth=1"] if shallow else []
    refspec = f"+refs/heads/{branch}:refs/remotes/origin/{branch}"
    _git_patiently(repo, "fetch", "--quiet", "--no-tags", *depth, "origin", refspec)


@contextmanager
def _worktree(repo: Any, start: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="maintain-worktree-"))
    # A name of its own: git names the worktree's admin folder after it, and two
    # processes adding "tree" at once would race for .git/worktrees/tree1.
    tree = folder / f"tree-{folder.name.rsplit('-', 1)[-1]}"
    _git_patiently(repo, "worktree", "add", "--quiet", "--detach", str(tree), start)
    try:
        yield tree
    finally:
        try:
            _git_patiently(repo, "worktree", "remove", "--force", str(tree))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _dirty(tree: Path) -> bool:
    import git

    return bool(git.Repo(tree).git.status("--porcelain", "--untracked-files=all").strip())


def _commit(tree: Path, message: str, identity: Identity) -> str:
    import git

    wt = git.Repo(tree)
    wt.git.add("--all")
    # `git commit` itself, not GitPython's index.commit: that writes COMMIT_EDITMSG in
    # the clone's shared git directory, where parallel worktrees trip over it. No hooks,
    # no signing: the bot's commit is made here, not on a person's machine.
    with wt.git.custom_environment(**identity.environment()):
        wt.git.execute(
            ["git", "-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify",
             f"--message={message}"]
        )  # fmt: skip
    return str(wt.git.rev_parse("HEAD")).strip()


def _push(repo: Any, tree: Path, branch: str, lease: str | None) -> bool:
    """Push HEAD to `branch`; False when the branch moved meanwhile.

    `lease` None: a plain push, refused unless it fast-forwards. Otherwise the
    branch must still be at `lease` ("": must not exist yet) to be replaced.
    """
    import git

    args = [] if lease is None else [f"--force-with-lease=refs/heads/{branch}:{lease}"]
    try:
        # Through `repo.git`: it carries the credentials of this run.
        repo.git.execute(
            [
                "git",
                "-C",
                str(tree),
                "push",
                "--quiet",
                *args,
                "origin",
                f"HEAD:refs/heads/{branch}",
            ],
            kill_after_timeout=NETWORK_SECONDS,
        )
    except git.GitCommandError as error:
        text = str(error.stderr or "")
        if any(s in text for s in ("rejected", "stale info", "fetch first", "non-fast-forward")):
            return False
        raise GitError(redact(f"git push to {branch} failed: {text.strip()}")) from None
    return True


def _diff_summary(tree: Path) -> str:
    import git

    wt = git.Repo(tree)
    wt.git.add("--all")
    return str(wt.git.diff("--cached", "--stat"))


def _git_patiently(repo: Any, *args: str) -> str:
    """`_git`, tried again a few times while another process in this clone is busy."""
    for attempt in range(1, ATTEMPTS):
        try:
            return _git(repo, *args)
        except GitError as e:
            if not any(s in e.message for s in _BUSY):
                raise
            time.sleep(0.1 * attempt)
    return _git(repo, *args)  # the last try: its error is the answer


def _git(repo: Any, *args: str) -> str:
    import git

    # Commands that talk to origin end after NETWORK_SECONDS whatever the remote does
    # (an ssh remote that stops answering included).
    limit = NETWORK_SECONDS if args[0] in _NETWORK else None
    try:
        return str(repo.git.execute(["git", *args], kill_after_timeout=limit))
    except git.GitCommandError as error:
        text = str(error.stderr or error).strip()
        if limit is not None and "Timeout:" in text:
            text = f"no answer from origin within {limit} s"
        raise GitError(redact(f"git {args[0]} failed: {text}")) from None
