"""`Emulator`: the GitHub REST API emulator's public face -- configure, start on the loopback
interface, inject faults, seed state in-process, read state and the recorded exchanges.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from maintain_repo.testing.github import control
from maintain_repo.testing.github.exchange import Exchange
from maintain_repo.testing.github.faults import Fault
from maintain_repo.testing.github.gitrepo import GitError, GitRepo
from maintain_repo.testing.github.render import View
from maintain_repo.testing.github.server import Core, HTTPServer
from maintain_repo.testing.github.state import (
    BOT_LOGIN,
    CheckRun,
    FileChange,
    Issue,
    PullData,
    State,
    fake_sha,
    node_id,
)
from maintain_repo.testing.github.webhooks import build

FileSpec = str | FileChange | Mapping[str, Any]
CHECK_STATUSES = ("queued", "in_progress", "completed", "waiting", "requested", "pending")
CONCLUSIONS = (
    "success",
    "failure",
    "neutral",
    "cancelled",
    "skipped",
    "timed_out",
    "action_required",
)


class Emulator:
    """GitHub's REST API for one repository, served on 127.0.0.1.

    users: login -> repository role (read, triage, write, maintain, admin); each gets a token.
    teams: "org/slug" -> member logins.  orgs: organization -> members (besides its teams').
    git_dir: a bare repository holding the contents (a post-receive hook is added to it, so
    that pushes show in the repository's activity, stamped with the emulator's clock).
    page_size: the default `per_page`.  clock: what "now" is (default: the real time).
    """

    def __init__(
        self,
        repo: str = "acme/shop",
        users: Mapping[str, str] | None = None,
        teams: Mapping[str, Sequence[str]] | None = None,
        git_dir: Path | str | None = None,
        page_size: int = 30,
        clock: Callable[[], datetime] | None = None,
        orgs: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        if not 1 <= page_size <= 100:
            raise ValueError("page_size is between 1 and 100, as GitHub's per_page")
        self._state = State(repo, users or {}, teams or {}, clock, orgs)
        git = GitRepo(Path(git_dir)) if git_dir is not None else None
        if git is not None:
            try:
                git.check()
            except GitError as error:
                raise ValueError(f"{git_dir} is not a git repository: {error}") from None
        self._core = Core(self._state, git, page_size)
        self._core.watching = git is not None and git.watch_pushes()
        self._core.control = control.handle
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- running ---------------------------------------------------------------------------

    def start(self, port: int = 0) -> Self:
        """Serve on 127.0.0.1:port (0: any free port) in a background thread."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._core.stopping.clear()
        self._server = HTTPServer(("127.0.0.1", port), self._core)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="github-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection (idempotent)."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._core.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self if self._server is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running: call start()")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`, for `github.Github(base_url=...)`."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def repo(self) -> str:
        return self._state.full_name

    # -- identities and faults ---------------------------------------------------------------

    def token(self, login: str) -> str:
        user = self._state.user(login)
        if user is None:
            raise KeyError(f"no user {login!r}")
        return user.token

    @property
    def bot_token(self) -> str:
        """The token of github-actions[bot] (a Bot with write access: Actions' GITHUB_TOKEN)."""
        return self._state.bot.token

    def job_token(self, permissions: dict[str, str] | None) -> str:
        """The GITHUB_TOKEN of a workflow job with these permissions (`scopes.job_permissions`
        of its `permissions:` block); None: the repository's default token, unscoped."""
        if permissions is None:
            return self._state.bot.token
        return self._state.add_job_token(permissions)

    @property
    def users(self) -> dict[str, str]:
        """login -> role, the bot included."""
        return {u.login: u.permission for u in self._state.users.values()}

    def inject(self, fault: Fault) -> None:
        self._core.faults.add(fault)

    def clear_faults(self) -> None:
        self._core.faults.clear()

    @property
    def faults(self) -> list[Fault]:
        """The faults not used up yet."""
        return self._core.faults.pending()

    @property
    def errors(self) -> list[str]:
        """Tracebacks of requests the emulator itself failed on (answered 500): its bugs."""
        return self._core.failures()

    @property
    def exchanges(self) -> list[Exchange]:
        """Every GitHub request answered so far, oldest first (a copy)."""
        return self._core.exchanges()

    # -- state, as the API shows it ----------------------------------------------------------

    def _view(self) -> View:
        base = self.base_url if self._server is not None else "http://127.0.0.1"
        return self._core.view(base)

    @property
    def issues(self) -> list[dict[str, Any]]:
        """Every issue and pull request as `GET /issues/{n}` gives it, by number."""
        view = self._view()
        with self._state.lock:
            return [
                view.issue(i) for i in sorted(self._state.issues.values(), key=lambda i: i.number)
            ]

    def issue(self, number: int) -> dict[str, Any]:
        with self._state.lock:
            return self._view().issue(self._state.issues[number])

    @property
    def pulls(self) -> list[dict[str, Any]]:
        view = self._view()
        with self._state.lock:
            return [view.pull(i) for i in sorted(self._state.pulls(), key=lambda i: i.number)]

    def pull(self, number: int) -> dict[str, Any]:
        with self._state.lock:
            return self._view().pull(self._pull_issue(number))

    @property
    def labels(self) -> list[dict[str, Any]]:
        view = self._view()
        with self._state.lock:
            return [
                view.label(x)
                for x in sorted(self._state.labels.values(), key=lambda x: x.name.lower())
            ]

    def comments(self, issue_number: int) -> list[dict[str, Any]]:
        view = self._view()
        with self._state.lock:
            found = [c for c in self._state.comments.values() if c.issue_number == issue_number]
            return [view.comment(c) for c in sorted(found, key=lambda c: c.id)]

    def reviews(self, number: int) -> list[dict[str, Any]]:
        view = self._view()
        with self._state.lock:
            found = [r for r in self._state.reviews.values() if r.number == number]
            return [view.review(r) for r in sorted(found, key=lambda r: r.id)]

    def statuses(self, sha: str) -> list[dict[str, Any]]:
        """The statuses of a commit, newest first (as `GET /commits/{ref}/statuses`)."""
        view = self._view()
        with self._state.lock:
            return [view.status(s) for s in reversed(self._state.statuses) if s.sha == sha]

    def check_runs(self, sha: str) -> list[dict[str, Any]]:
        view = self._view()
        with self._state.lock:
            return [
                view.check_run(r) for r in reversed(self._state.check_runs) if r.head_sha == sha
            ]

    @property
    def dependabot_alerts(self) -> list[dict[str, Any]]:
        """Every Dependabot alert as `GET /dependabot/alerts/{n}` gives it, by number."""
        view = self._view()
        with self._state.lock:
            alerts = self._state.dependabot_alerts
            return [view.dependabot_alert(alerts[n]) for n in sorted(alerts)]

    def dependabot_alert(self, number: int) -> dict[str, Any]:
        with self._state.lock:
            return self._view().dependabot_alert(self._state.dependabot_alerts[number])

    @property
    def code_scanning_alerts(self) -> list[dict[str, Any]]:
        """Every code scanning alert as `GET /code-scanning/alerts/{n}` gives it, by number."""
        view = self._view()
        with self._state.lock:
            alerts = self._state.code_scanning_alerts
            return [view.code_scanning_alert(alerts[n]) for n in sorted(alerts)]

    def code_scanning_alert(self, number: int) -> dict[str, Any]:
        with self._state.lock:
            return self._view().code_scanning_alert(self._state.code_scanning_alerts[number])

    def state(self) -> dict[str, Any]:
        """Everything at once (what `GET /_emulator/state` answers)."""
        return control.snapshot(self._core, self._view().base)

    # -- seeding, in-process -----------------------------------------------------------------

    def seed_issue(
        self,
        author: str,
        title: str,
        body: str | None = None,
        *,
        labels: Sequence[str] = (),
        assignees: Sequence[str] = (),
        state: str = "open",
    ) -> int:
        """An issue, as if `author` had opened it (and someone closed it, with state="closed")."""
        with self._state.lock:
            issue = self._new_issue(author, title, body, labels)
            issue.assignees = [self._login(a) for a in assignees]
            if state == "closed":
                issue.state, issue.closed_at, issue.closed_by = (
                    "closed",
                    issue.created_at,
                    issue.author,
                )
                issue.state_reason = "completed"
            return issue.number

    def seed_pull(
        self,
        author: str,
        head_ref: str,
        base_ref: str = "main",
        *,
        head_sha: str | None = None,
        base_sha: str | None = None,
        files: Sequence[FileSpec] = (),
        title: str | None = None,
        body: str | None = None,
        labels: Sequence[str] = (),
        draft: bool = False,
    ) -> int:
        """A pull request with the given head and files (no git needed); its number.

        files: names (modified), `FileChange`s, or dicts with filename, status, additions,
        deletions (and previous_filename).
        """
        with self._state.lock:
            state = self._state
            head_sha = head_sha or fake_sha("head", head_ref, state.next_id())
            base_sha = base_sha or state.branches.get(base_ref) or fake_sha("base", base_ref)
            state.branches[head_ref] = head_sha
            state.branches.setdefault(base_ref, base_sha)
            state.record_activity("0" * 40, head_sha, f"refs/heads/{head_ref}", "branch_creation")
            issue = self._new_issue(author, title or f"Change {head_ref}", body, labels)
            ident = state.next_id()
            changes = [_file(f) for f in files]
            issue.pull = PullData(
                ident, node_id("PR", ident), head_ref, base_ref, head_sha, base_sha, changes, draft
            )
            return issue.number

    def seed_push(
        self, number: int, head_sha: str | None = None, files: Sequence[FileSpec] | None = None
    ) -> str:
        """A push to a seeded pull request's head branch; returns the previous head sha."""
        with self._state.lock:
            issue = self._pull_issue(number)
            pull = issue.pull
            assert pull is not None
            before = pull.head_sha
            pull.head_sha = head_sha or fake_sha("push", before, self._state.next_id())
            self._state.branches[pull.head_ref] = pull.head_sha
            ref = f"refs/heads/{pull.head_ref}"
            self._state.record_activity(before, pull.head_sha, ref, "push")
            if files is not None:
                pull.files = [_file(f) for f in files]
            issue.updated_at = self._state.now()
            return before

    def set_draft(self, number: int, draft: bool = False) -> None:
        """Mark a pull request ready for review (or back to draft), as the web UI does."""
        with self._state.lock:
            pull = self._pull_issue(number).pull
            assert pull is not None
            pull.draft = draft

    def seed_check_run(
        self, sha: str, name: str, status: str = "completed", conclusion: str | None = "success"
    ) -> int:
        """A check run on a commit (as GitHub Actions would create); its id."""
        if status not in CHECK_STATUSES:
            raise ValueError(f"check run status is one of {CHECK_STATUSES}")
        if status == "completed" and conclusion not in CONCLUSIONS:
            raise ValueError(f"a completed check run's conclusion is one of {CONCLUSIONS}")
        with self._state.lock:
            state, now = self._state, self._state.now()
            ident = state.next_id()
            run = CheckRun(
                ident, node_id("CR", ident), sha, name, status,
                conclusion if status == "completed" else None, now,
                now if status == "completed" else None,
            )  # fmt: skip
            state.check_runs.append(run)
            return ident

    # -- security alerts, as Dependabot and code scanning raise them --------------------------

    def seed_dependabot_alert(self, package: str, ghsa: str | None = None, **fields: Any) -> int:
        """A Dependabot alert for a vulnerable `package`; its number (1, 2, ... per repository).
        The other fields and their defaults are `State.add_dependabot_alert`'s (ghsa: the
        advisory's GHSA id, default one made up from the package; state: open, dismissed,
        fixed or auto_dismissed)."""
        with self._state.lock:
            return self._state.add_dependabot_alert(package, ghsa, **fields).number

    def seed_code_scanning_alert(self, rule_id: str, path: str, **fields: Any) -> int:
        """A code scanning alert of rule `rule_id` (e.g. `py/sql-injection`) at `path`; its
        number (1, 2, ... per repository). The other fields and their defaults are
        `State.add_code_scanning_alert`'s (ref: the default branch unless a pull request's
        `refs/pull/N/merge`; state: open, dismissed or fixed)."""
        with self._state.lock:
            return self._state.add_code_scanning_alert(rule_id, path, **fields).number

    def seed_deployment(
        self, sha: str, environment: str = "production", *, state: str | None = None, **fields: Any
    ) -> int:
        """A deployment of commit `sha` to `environment` (fields: ref, payload, description,
        creator); with `state`, its first status. Its id, for `deployment_status` and
        `webhook("deployment_status", "created", deployment=ID)`."""
        deployment = self._state.add_deployment(sha, environment, **fields)
        if state is not None:
            self._state.add_deployment_status(deployment.id, state)
        return deployment.id

    def deployment_status(self, deployment: int, state: str, **fields: Any) -> int:
        """A new status (queued, pending, in_progress, success, failure, error, inactive) of
        a deployment; its id (KeyError: no such deployment)."""
        return self._state.add_deployment_status(deployment, state, **fields).id

    def configure(
        self,
        *,
        actions_create_pulls: bool | None = None,
        workflow_permissions: str | None = None,
        pages: str | None = None,
        protect: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Repository settings: whether Actions may create pull requests, the token's
        default permissions (read, write), the Pages site's build type (workflow, legacy;
        "" removes the site), required status checks by branch."""
        state = self._state
        with state.lock:
            if actions_create_pulls is not None:
                state.actions_create_pulls = actions_create_pulls
            if workflow_permissions is not None:
                if workflow_permissions not in ("read", "write"):
                    raise ValueError("workflow_permissions is read or write")
                state.workflow_permissions = workflow_permissions
            if pages is not None:
                if pages not in ("", "workflow", "legacy"):
                    raise ValueError('pages is workflow, legacy, or "" for none')
                state.pages = pages or None
            for branch, checks in (protect or {}).items():
                state.protections[branch] = list(checks)

    def fix_alert(self, kind: str, number: int) -> None:
        """Mark alert `number` of `kind` (`dependabot` or `code_scanning`) fixed, as a push
        that removes the vulnerability would (KeyError: no such alert; ValueError: fixed)."""
        self._state.fix_alert(kind, number)

    # -- webhooks ----------------------------------------------------------------------------

    def webhook(self, event: str, action: str, **ids: object) -> dict[str, Any]:
        """The payload GitHub would send for `event`/`action` now (see `webhooks` for keys)."""
        return build(self._state, self._view(), event, action, ids)

    # -- helpers -----------------------------------------------------------------------------

    def _login(self, login: str) -> str:
        user = self._state.user(login)
        if user is None:
            raise KeyError(f"no user {login!r}")
        return user.login

    def _new_issue(self, author: str, title: str, body: str | None, labels: Sequence[str]) -> Issue:
        state, now = self._state, self._state.now()
        ident = state.next_id()
        issue = Issue(
            number=state.next_number(),
            id=ident,
            node_id=node_id("I", ident),
            title=title,
            body=body,
            author=self._login(author),
            created_at=now,
            updated_at=now,
            labels=[state.ensure_label(name).name for name in labels],
        )
        state.issues[issue.number] = issue
        return issue

    def _pull_issue(self, number: int) -> Issue:
        issue = self._state.issues.get(number)
        if issue is None or issue.pull is None:
            raise KeyError(f"no pull request #{number}")
        return issue


def _file(spec: FileSpec) -> FileChange:
    if isinstance(spec, FileChange):
        return spec
    if isinstance(spec, str):
        return FileChange(spec)
    return FileChange(**dict(spec))


__all__ = ["BOT_LOGIN", "Emulator"]
