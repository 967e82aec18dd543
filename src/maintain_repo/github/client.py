"""The GitHub adapter: `GitHubApi` over PyGithub, with retries and idempotent creates.

Every request goes through `transport` (deadline, size bound, no redirects,
bounded waits): it retries reads and idempotent writes (PATCH, PUT, DELETE)
with exponential backoff on 5xx answers, and any request that hit a rate
limit. Creating (POST) is never retried blindly: a 502 may come back after GitHub
*did* create the issue. Instead we look for the object's marker first and
create again only when it is not there, so a flaky run still ends with one
issue, one pull request, one comment.

With `dry_run`, nothing is written: each write is described through
`config.say` ("would create issue ...") and reads still go to GitHub when a
token is available. PyGithub is imported here only, on first use.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from maintain_repo.errors import UsageError
from maintain_repo.github.api import IssueRef, PullRef, ReviewRef
from maintain_repo.github.config import GitHubConfig
from maintain_repo.github.events import Comment
from maintain_repo.github.markers import has_marker
from maintain_repo.github.retry import (
    MembersUnreadable,
    describe,
    failure,
    pause,
    span,
    too_long,
    transient,
)
from maintain_repo.model.pull_facts import PERMISSION_RANK, PullRequestFacts

if TYPE_CHECKING:
    from github.Issue import Issue
    from github.PullRequest import PullRequest
    from github.Repository import Repository

    from maintain_repo.github.pull_facts import Wanted
    from maintain_repo.github.transport import Transport

T = TypeVar("T")


class Client:
    """One repository on GitHub (or the emulator), through PyGithub."""

    def __init__(self, config: GitHubConfig) -> None:
        self.config = config
        self.repository = config.repository
        self.login = config.bot_login
        self.dry_run = config.dry_run
        self._repo: Repository | None = None
        self.transport: Transport | None = None  # made on first use
        self._teams_seen: dict[str, bool] = {}  # "org/slug" -> whether the token can read it
        # A dry run without a token reads nothing: it plans as if the repository were empty.
        self.offline = config.dry_run and not config.token

    # -- connection ------------------------------------------------------------

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            self._repo = self._connect()
        return self._repo

    def _connect(self) -> Repository:
        import github
        from github import Auth
        from maintain_repo.github.transport import install

        # Retries, pacing, deadlines and size bounds are the transport's, not PyGithub's.
        client = github.Github(
            auth=Auth.Token(self.config.token) if self.config.token else None,
            base_url=self.config.api_url,
            retry=None,
            per_page=100,
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
            user_agent="maintain",
        )
        self.transport = install(client.requester, self.config)
        return client.get_repo(self.repository)

    def call(self, what: str, action: Callable[[], T]) -> T:
        """Run one request (the transport retries what is safe); errors become GitHubError."""
        try:
            return action()
        except Exception as error:
            raise failure(what, error) from None

    def _create(self, what: str, make: Callable[[], T], find: Callable[[], T | None]) -> T:
        """Create once: after an unclear failure, look for the object before trying again."""
        delay = self.config.backoff
        for attempt in range(1, self.config.attempts + 1):
            try:
                return make()
            except Exception as error:
                if attempt == self.config.attempts or not transient(error):
                    raise failure(what, error) from None
                wait = pause(error, delay)
                limit = too_long(wait, self.config, f"{describe(error)}: GitHub asks to wait")
                if limit is not None:
                    raise failure(what, limit) from None
                reason = f"{what}: {describe(error)} (looked for before it is made again)"
                if self.transport is not None:  # within the run's budget of waiting
                    self.transport.wait(wait, reason, what)
                else:
                    self.config.say(f"GitHub: {reason} in {span(wait)}")
                    time.sleep(wait)
                delay *= 2
            found = self.call(f"look up after {what}", find)
            if found is not None:
                return found
        raise AssertionError("unreachable")  # pragma: no cover

    def _plan(self, text: str) -> int:
        self.config.say(f"dry run: would {text}")
        return 0  # the number of an object a dry run did not make

    def _planned(self, number: int) -> bool:
        """An issue a dry run only planned (number 0): there is nothing to read on GitHub."""
        return self.dry_run and number == 0

    # -- issues ----------------------------------------------------------------

    def issue(self, number: int) -> IssueRef:
        if self._planned(number):
            return IssueRef(0, "", "", "open", (), self.login, "")
        if self.offline:  # a dry run without a token: the issue as if it had nothing yet
            return IssueRef(number, "", "", "open", (), "", "")
        return self.call(f"read issue #{number}", lambda: _issue(self.repo.get_issue(number)))

    def _readable(self, what: str) -> None:
        """A dry run without a token reads nothing: what cannot be planned without reading
        is a usage error that says how to see it."""
        if self.offline:
            raise UsageError(
                f"a dry run without a token cannot {what}",
                hint="set GITHUB_TOKEN (a dry run only reads with it) to see what would be done",
            )

    def our_issues(self, label: str, state: str = "open") -> list[IssueRef]:
        if self.offline:
            return []

        def listed() -> list[IssueRef]:
            found = self.repo.get_issues(state=state, labels=[label])
            return [
                _issue(i) for i in found if i.pull_request is None and i.user.login == self.login
            ]

        return self.call(f"list issues labelled {label}", listed)

    def find_issue(self, mark: str, label: str) -> IssueRef | None:
        if self.offline:
            return None
        for issue in self.our_issues(label, state="all"):
            if has_marker(issue.body, mark):
                return issue
        return None

    def ensure_issue(
        self,
        mark: str,
        title: str,
        body: str,
        labels: Iterable[str],
        label: str,
        assignees: Iterable[str] = (),
    ) -> tuple[IssueRef, bool]:
        existing = self.find_issue(mark, label)
        if existing is not None:
            return existing, False
        names, people = sorted({*labels, label}), sorted(set(assignees))
        if self.dry_run:
            to = f", assigned to {', '.join(people)}" if people else ""
            self._plan(f"open issue {title!r} with labels {', '.join(names)}{to}")
            return IssueRef(
                0, title, body, "open", tuple(names), self.login, "", tuple(people)
            ), True
        made = self._create(
            f"open issue {title!r}",
            lambda: _issue(
                self.repo.create_issue(title=title, body=body, labels=names, assignees=people)
            ),
            lambda: self.find_issue(mark, label),
        )
        return made, True

    def edit_issue(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        state_reason: str | None = None,
    ) -> None:
        changes: dict[str, Any] = {
            key: value
            for key, value in (
                ("title", title),
                ("body", body),
                ("state", state),
                ("state_reason", state_reason),
            )
            if value is not None
        }
        # Never labels or assignees as a whole: people's additions would be lost (labels
        # go through add_labels and remove_label; assignees are set when an issue opens).
        if not changes:
            return
        if self.dry_run:
            self._plan(f"edit issue #{number}: {', '.join(sorted(changes))}")
            return
        self.call(f"edit issue #{number}", lambda: self.repo.get_issue(number).edit(**changes))

    def ensure_labels(self, labels: Mapping[str, tuple[str, str]]) -> None:
        if self.offline:
            return
        have = self.call("list labels", lambda: {lab.name for lab in self.repo.get_labels()})
        for name, (color, description) in labels.items():
            if name in have:
                continue
            if self.dry_run:
                self._plan(f"create label {name!r}")
                continue
            self._create(
                f"create label {name!r}",
                functools.partial(self.repo.create_label, name, color, description),
                functools.partial(self._label, name),
            )

    def _label(self, name: str) -> Any:
        return next((x for x in self.repo.get_labels() if x.name == name), None)

    def add_labels(self, number: int, names: Iterable[str]) -> None:
        wanted = sorted(set(names))
        if not wanted:
            return
        if self.dry_run:
            self._plan(f"add label(s) {', '.join(wanted)} to #{number}")
            return
        # Adding a label an issue has changes nothing: safe to send again after a failure.
        self._create(
            f"add label(s) {', '.join(wanted)} to #{number}",
            lambda: self.repo.get_issue(number).add_to_labels(*wanted),
            lambda: None,
        )

    def remove_label(self, number: int, name: str) -> None:
        import github

        if self.dry_run:
            self._plan(f"remove label {name!r} from #{number}")
            return

        def remove() -> None:
            try:
                self.repo.get_issue(number).remove_from_labels(name)
            except github.GithubException as error:
                # 404 "Label does not exist": the issue no longer has it, the wanted end.
                # Any other 404 (no such issue, a repository the token cannot see) is one.
                message = error.data.get("message") if isinstance(error.data, dict) else ""
                if error.status != 404 or message != "Label does not exist":
                    raise

        self.call(f"remove label {name!r} from #{number}", remove)

    # -- comments --------------------------------------------------------------

    def our_comments(self, number: int) -> list[str]:
        if self.offline or self._planned(number):
            return []

        def listed() -> list[str]:
            comments = self.repo.get_issue(number).get_comments()
            return [c.body or "" for c in comments if c.user.login == self.login]

        return self.call(f"read the comments of #{number}", listed)

    def comments(self, number: int) -> list[Comment]:
        if self.offline or self._planned(number):
            return []

        def listed() -> list[Comment]:
            found = []
            for comment in self.repo.get_issue(number).get_comments():
                try:  # GitHub's own JSON, read as the webhook's comments are
                    found.append(Comment.model_validate(comment.raw_data))
                except ValueError:
                    continue  # a shape we do not know: not a command we could act on
            return found

        return self.call(f"read the comments of #{number}", listed)

    def upsert_comment(self, number: int, mark: str, body: str) -> int:
        def find() -> Any:
            comments = self.repo.get_issue(number).get_comments()
            return next(
                (c for c in comments if c.user.login == self.login and has_marker(c.body, mark)),
                None,
            )

        existing = None if self.offline or self._planned(number) else self.call("read", find)
        if existing is not None:
            if existing.body != body:
                if self.dry_run:
                    self._plan(f"update comment {existing.id} on #{number}")
                else:
                    self.call(f"update comment on #{number}", lambda: existing.edit(body))
            return int(existing.id)
        if self.dry_run:
            return self._plan(f"comment on #{number}")
        made = self._create(
            f"comment on #{number}",
            lambda: self.repo.get_issue(number).create_comment(body),
            find,
        )
        return int(made.id)

    # -- people ----------------------------------------------------------------

    def permission(self, login: str) -> str:
        """The user's role: `role_name` (GitHub's `permission` says read for triage and
        write for maintain, for compatibility)."""
        import github

        if self.offline:
            return "none"
        path = f"/repos/{self.repository}/collaborators/{quote(login, safe='')}/permission"
        try:
            _, data = self.repo.requester.requestJsonAndCheck("GET", path)
        except github.UnknownObjectException:
            return "none"  # not a collaborator (GitHub answers 404)
        except Exception as error:
            raise failure(f"read the permission of {login}", error) from None
        role = data.get("role_name") or data.get("permission") if isinstance(data, dict) else None
        return str(role) if role in PERMISSION_RANK else "none"

    def team_member(self, team: str, login: str) -> bool:
        import github

        org, _, slug = team.partition("/")
        path = f"/orgs/{quote(org, safe='')}/teams/{quote(slug, safe='')}/memberships/"
        path += quote(login, safe="")
        try:
            _, data = self.repo.requester.requestJsonAndCheck("GET", path)
        except github.UnknownObjectException:
            # GitHub answers 404 both for "not a member" and for a token that may not see the
            # team (Actions' GITHUB_TOKEN): only a team the token can read makes it "not".
            if not self._team_visible(org, slug):
                raise MembersUnreadable(team) from None
            return False
        except github.GithubException as error:
            if error.status == 403:  # Actions' GITHUB_TOKEN never may (members: read)
                raise MembersUnreadable(team) from None
            raise failure(f"read membership of {login} in {team}", error) from None
        except Exception as error:
            raise failure(f"read membership of {login} in {team}", error) from None
        return isinstance(data, dict) and data.get("state") == "active"

    def _team_visible(self, org: str, slug: str) -> bool:
        import github

        key = f"{org}/{slug}".lower()
        if key not in self._teams_seen:
            path = f"/orgs/{quote(org, safe='')}/teams/{quote(slug, safe='')}"
            try:
                self.repo.requester.requestJsonAndCheck("GET", path)
                self._teams_seen[key] = True
            except github.GithubException as error:
                if error.status not in (403, 404):
                    raise failure(f"read the team {org}/{slug}", error) from None
                self._teams_seen[key] = False
            except Exception as error:
                raise failure(f"read the team {org}/{slug}", error) from None
        return self._teams_seen[key]

    # -- pull requests ---------------------------------------------------------

    def pull(self, number: int) -> PullRef:
        self._readable(f"read pull request #{number}")
        return self.call(f"read pull request #{number}", lambda: _pull(self.repo.get_pull(number)))

    def reviews(self, number: int) -> list[ReviewRef]:
        self._readable(f"list the reviews of #{number}")

        def listed() -> list[ReviewRef]:
            return [
                ReviewRef(r.user.login, r.state, r.commit_id, r.submitted_at, r.body or "")
                for r in self.repo.get_pull(number).get_reviews()
                if r.raw_data.get("user")  # a deleted account's reviews have no user
            ]

        return self.call(f"list reviews of #{number}", listed)

    def pulls_of_commit(self, sha: str) -> list[int]:
        if self.offline:
            return []
        return self.call(
            f"list the pull requests of commit {sha[:12]}",
            lambda: [pull.number for pull in self.repo.get_commit(sha).get_pulls()],
        )

    def pull_files(self, number: int) -> list[str]:
        if self.offline:
            return []
        return self.call(
            f"list the files of pull request #{number}",
            lambda: [f.filename for f in self.repo.get_pull(number).get_files()],
        )

    def probe(self, path: str) -> tuple[int, Any]:
        if self.offline:
            return 0, None
        try:
            # requestJson answers every status (requestJsonAndCheck raises on 4xx).
            status, _, data = self.repo.requester.requestJson("GET", path)
        except Exception as error:
            raise failure(f"read {path}", error) from None
        try:
            body = json.loads(data) if data else None
        except ValueError:
            body = None
        return status, body

    def add_assignees(self, number: int, logins: Iterable[str]) -> None:
        people = sorted(set(logins))
        if not people:
            return
        if self.dry_run:
            self._plan(f"assign {', '.join(people)} to #{number}")
            return
        path = f"/repos/{self.repository}/issues/{number}/assignees"
        self.call(
            f"assign {', '.join(people)} to #{number}",
            lambda: self.repo.requester.requestJsonAndCheck(
                "POST", path, input={"assignees": people}
            ),
        )

    def label_names(self) -> list[str]:
        if self.offline:
            return []
        return self.call("list labels", lambda: [label.name for label in self.repo.get_labels()])

    def find_pull(self, head: str) -> PullRef | None:
        def find() -> PullRef | None:
            pulls = self.repo.get_pulls(state="open", head=f"{self.config.owner}:{head}")
            return next((_pull(p) for p in pulls if p.head.ref == head), None)

        if self.offline:
            return None
        return self.call(f"look for a pull request from {head}", find)

    def ensure_pull(self, head: str, base: str, title: str, body: str) -> tuple[PullRef, bool]:
        existing = self.find_pull(head)
        if existing is not None:
            return existing, False
        if self.dry_run:
            self._plan(f"open pull request {title!r} from {head} into {base}")
            return PullRef(0, title, "open", False, head, "", base, ""), True
        made = self._create(
            f"open pull request from {head}",
            lambda: _pull(self.repo.create_pull(base=base, head=head, title=title, body=body)),
            lambda: self.find_pull(head),
        )
        return made, True

    def pull_facts(self, number: int, wanted: Wanted) -> PullRequestFacts:
        from maintain_repo.github.pull_facts import gather

        self._readable(f"read pull request #{number}")
        return gather(self, number, wanted)

    def completed_pull(self, number: int) -> PullRequest:
        pr = self.repo.get_pull(number)
        _ = pr.head.sha  # load it now, inside the error handling
        return pr

    def commit_statuses(self, sha: str) -> dict[str, str]:
        def read() -> dict[str, str]:
            commit = self.repo.get_commit(sha)
            states = {s.context: s.state for s in commit.get_combined_status().statuses}
            for run in commit.get_check_runs():
                states[run.name] = run.conclusion or run.status
            return states

        return self.call(f"read the statuses of {sha[:12]}", read)

    def set_status(
        self, sha: str, state: str, context: str, description: str, target_url: str | None = None
    ) -> None:
        if self.dry_run:
            self._plan(f"set status {context}={state} on {sha[:12]}: {description}")
            return
        from github.GithubObject import NotSet

        def post() -> None:
            self.repo.get_commit(sha).create_status(
                state, target_url or NotSet, description[:140], context
            )

        # Posting the same status twice is harmless: the latest one counts.
        self._create(f"set status {context} on {sha[:12]}", post, lambda: None)

    # -- security alerts -------------------------------------------------------

    def alerts(self, kind: str) -> list[dict[str, Any]] | None:
        import github

        self._readable(f"list the {kind} alerts")

        def listed() -> list[dict[str, Any]]:
            if kind == "dependabot":
                return [alert.raw_data for alert in self.repo.get_dependabot_alerts()]
            return [alert.raw_data for alert in self.repo.get_codescan_alerts()]

        try:
            return listed()
        except github.GithubException as error:
            if error.status in (403, 404):  # turned off, no analysis yet, or not readable
                return None
            raise failure(f"list the {kind} alerts", error) from None
        except Exception as error:
            raise failure(f"list the {kind} alerts", error) from None

    def dismiss_alert(self, kind: str, number: int, reason: str, comment: str) -> None:
        if self.dry_run:
            self._plan(f"dismiss {kind} alert #{number} ({reason}): {comment}")
            return
        path = f"/repos/{self.repository}/{kind}/alerts/{number}"
        body = {"state": "dismissed", "dismissed_reason": reason, "dismissed_comment": comment}

        def patch() -> None:
            self.repo.requester.requestJsonAndCheck("PATCH", path, input=body)

        # Dismissing twice leaves it dismissed: PATCH is retried by the transport.
        self.call(f"dismiss {kind} alert #{number}", patch)


def _issue(issue: Issue) -> IssueRef:
    return IssueRef(
        number=issue.number,
        title=issue.title,
        body=issue.body or "",
        state=issue.state,
        labels=tuple(label.name for label in issue.labels),
        author=issue.user.login,
        url=issue.html_url,
        assignees=tuple(user.login for user in issue.assignees),
    )


def _pull(pr: PullRequest) -> PullRef:
    return PullRef(
        number=pr.number,
        title=pr.title,
        state=pr.state,
        merged=bool(pr.merged),
        head_ref=pr.head.ref,
        head_sha=pr.head.sha,
        base_ref=pr.base.ref,
        url=pr.html_url,
    )
