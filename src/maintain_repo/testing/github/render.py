"""The emulator's objects in the shapes GitHub's REST API gives them (its OpenAPI
description's `simple-user`, `issue`, `pull-request`, `label`, `status`, `dependabot-alert`,
`code-scanning-alert`, ...).

A `View` renders for one base URL: the request's own, so every `url` in a body can be
followed by the client that asked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from maintain_repo.testing.github.gitrepo import GitRepo
from maintain_repo.testing.github.heads import Heads
from maintain_repo.testing.github.state import (
    BOT_LOGIN,
    WEB_FLOW,
    WEB_FLOW_EMAIL,
    Activity,
    CheckRun,
    CodeScanningAlert,
    Comment,
    CommitInfo,
    DependabotAlert,
    FileChange,
    Issue,
    Label,
    PullData,
    Review,
    State,
    Status,
    Team,
    User,
    fake_sha,
    node_id,
    rank,
)

JSON = dict[str, Any]
_ACTIONS_APP_ID = 15368


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, as GitHub writes timestamps."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class View:
    """Renders state for clients that reach the emulator at `base` (no trailing slash)."""

    def __init__(self, state: State, base: str, git: GitRepo | None, page_size: int) -> None:
        self.state = state
        self.base = base.rstrip("/")
        self.heads = Heads(state, git)
        self.page_size = page_size
        self.repo_api = f"{self.base}/repos/{state.owner}/{state.name}"
        self.repo_html = f"{self.base}/{state.owner}/{state.name}"

    # -- users, organisations, teams ------------------------------------------------------

    def user(self, login: str) -> JSON:
        """A `simple-user` (the repository's owner is an Organization, the bot a Bot)."""
        state = self.state
        found = state.user(login)
        if found is not None:
            ident, nid, kind, login = found.id, found.node_id, found.type, found.login
        elif login.lower() == state.owner.lower():
            ident, nid, kind, login = (
                state.owner_id,
                node_id("O", state.owner_id),
                "Organization",
                state.owner,
            )
        else:
            ident = int(fake_sha("user", login.lower())[:7], 16)
            nid, kind = node_id("U", ident), "User"
        url = f"{self.base}/users/{quote(login)}"
        html = (
            f"{self.base}/apps/github-actions"
            if login == BOT_LOGIN
            else f"{self.base}/{quote(login)}"
        )
        return {
            "login": login,
            "id": ident,
            "node_id": nid,
            "avatar_url": f"{self.base}/avatars/u/{ident}?v=4",
            "gravatar_id": "",
            "url": url,
            "html_url": html,
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": kind,
            "user_view_type": "public",
            "site_admin": False,
        }

    def maybe_user(self, login: str | None) -> JSON | None:
        return None if login is None else self.user(login)

    def public_user(self, user: User) -> JSON:
        """`public-user`, as `GET /users/{login}` gives it (no other keys are allowed)."""
        out = self.user(user.login)
        out.update(
            {
                "name": None,
                "company": None,
                "blog": "",
                "location": None,
                "email": None,
                "hireable": None,
                "bio": None,
                "twitter_username": None,
                "public_repos": 0,
                "public_gists": 0,
                "followers": 0,
                "following": 0,
                "created_at": iso(self.state.created_at),
                "updated_at": iso(self.state.created_at),
            }
        )
        return out

    def private_user(self, user: User) -> JSON:
        """`private-user`, as `GET /user` gives the authenticated user."""
        out = self.public_user(user)
        out.update(
            {
                "user_view_type": "private",
                "notification_email": None,
                "private_gists": 0,
                "total_private_repos": 0,
                "owned_private_repos": 0,
                "disk_usage": 0,
                "collaborators": 0,
                "two_factor_authentication": True,
            }
        )
        return out

    def organization(self, login: str) -> JSON:
        """`organization-full` for the repository's owner or a team's organisation."""
        ident = (
            self.state.owner_id
            if login.lower() == self.state.owner.lower()
            else self.user(login)["id"]
        )
        url = f"{self.base}/orgs/{quote(login)}"
        return {
            "login": login,
            "id": ident,
            "node_id": node_id("O", ident),
            "url": url,
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events",
            "hooks_url": f"{url}/hooks",
            "issues_url": f"{url}/issues",
            "members_url": f"{url}/members{{/member}}",
            "public_members_url": f"{url}/public_members{{/member}}",
            "avatar_url": f"{self.base}/avatars/u/{ident}?v=4",
            "description": None,
            "html_url": f"{self.base}/{quote(login)}",
            "has_organization_projects": True,
            "has_repository_projects": True,
            "public_repos": 1,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "type": "Organization",
            "created_at": iso(self.state.created_at),
            "updated_at": iso(self.state.created_at),
            "archived_at": None,
        }

    def team(self, team: Team) -> JSON:
        """`team-full`; its `url` is `/orgs/{org}/teams/{slug}` so its members can be followed."""
        url = f"{self.base}/orgs/{quote(team.org)}/teams/{quote(team.slug)}"
        return {
            "id": team.id,
            "node_id": team.node_id,
            "url": url,
            "html_url": f"{self.base}/orgs/{quote(team.org)}/teams/{quote(team.slug)}",
            "name": team.slug,
            "slug": team.slug,
            "description": None,
            "privacy": "closed",
            "notification_setting": "notifications_enabled",
            "permission": "pull",
            "members_url": f"{url}/members{{/member}}",
            "repositories_url": f"{url}/repos",
            "type": "organization",
            "parent": None,
            "members_count": len(team.members),
            "repos_count": 0,
            "created_at": iso(self.state.created_at),
            "updated_at": iso(self.state.created_at),
            "organization": self.organization(team.org),
        }

    def membership(self, team: Team, login: str) -> JSON:
        team_url = f"{self.base}/orgs/{quote(team.org)}/teams/{quote(team.slug)}"
        return {
            "url": f"{team_url}/memberships/{quote(login)}",
            "role": "member",
            "state": "active",
        }

    def collaborator(self, user: User) -> JSON:
        """`collaborator`: a simple user with its permissions and role on the repository."""
        out = self.user(user.login)
        out["permissions"] = _permission_flags(user.permission)
        out["role_name"] = user.permission
        return out

    def permission(self, user: User) -> JSON:
        """`repository-collaborator-permission`: maintain reads as write, triage as read."""
        legacy = {"maintain": "write", "triage": "read"}.get(user.permission, user.permission)
        return {"permission": legacy, "role_name": user.permission, "user": self.collaborator(user)}

    # -- the repository --------------------------------------------------------------------

    def repository(self, viewer: User | None = None) -> JSON:
        """`full-repository` (a superset of `repository` and `minimal-repository`)."""
        s = self.state
        api, html = self.repo_api, self.repo_html
        open_count = sum(1 for i in s.issues.values() if i.state == "open")
        created = iso(s.created_at)
        out: JSON = {
            "id": s.repo_id,
            "node_id": node_id("R", s.repo_id),
            "name": s.name,
            "full_name": s.full_name,
            "private": False,
            "owner": self.user(s.owner),
            "html_url": html,
            "description": None,
            "fork": False,
            "url": api,
            "archive_url": f"{api}/{{archive_format}}{{/ref}}",
            "assignees_url": f"{api}/assignees{{/user}}",
            "blobs_url": f"{api}/git/blobs{{/sha}}",
            "branches_url": f"{api}/branches{{/branch}}",
            "collaborators_url": f"{api}/collaborators{{/collaborator}}",
            "comments_url": f"{api}/comments{{/number}}",
            "commits_url": f"{api}/commits{{/sha}}",
            "compare_url": f"{api}/compare/{{base}}...{{head}}",
            "contents_url": f"{api}/contents/{{+path}}",
            "contributors_url": f"{api}/contributors",
            "deployments_url": f"{api}/deployments",
            "downloads_url": f"{api}/downloads",
            "events_url": f"{api}/events",
            "forks_url": f"{api}/forks",
            "git_commits_url": f"{api}/git/commits{{/sha}}",
            "git_refs_url": f"{api}/git/refs{{/sha}}",
            "git_tags_url": f"{api}/git/tags{{/sha}}",
            "git_url": f"git://{self.base.split('://', 1)[-1]}/{s.full_name}.git",
            "issue_comment_url": f"{api}/issues/comments{{/number}}",
            "issue_events_url": f"{api}/issues/events{{/number}}",
            "issues_url": f"{api}/issues{{/number}}",
            "keys_url": f"{api}/keys{{/key_id}}",
            "labels_url": f"{api}/labels{{/name}}",
            "languages_url": f"{api}/languages",
            "merges_url": f"{api}/merges",
            "milestones_url": f"{api}/milestones{{/number}}",
            "notifications_url": f"{api}/notifications{{?since,all,participating}}",
            "pulls_url": f"{api}/pulls{{/number}}",
            "releases_url": f"{api}/releases{{/id}}",
            "ssh_url": f"git@{self.base.split('://', 1)[-1].split(':')[0]}:{s.full_name}.git",
            "stargazers_url": f"{api}/stargazers",
            "statuses_url": f"{api}/statuses/{{sha}}",
            "subscribers_url": f"{api}/subscribers",
            "subscription_url": f"{api}/subscription",
            "tags_url": f"{api}/tags",
            "teams_url": f"{api}/teams",
            "trees_url": f"{api}/git/trees{{/sha}}",
            "clone_url": f"{html}.git",
            "mirror_url": None,
            "hooks_url": f"{api}/hooks",
            "svn_url": html,
            "homepage": None,
            "language": "Python",
            "forks": 0,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": 0,
            "default_branch": "main",
            "open_issues": open_count,
            "open_issues_count": open_count,
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": True,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "public",
            "pushed_at": created,
            "created_at": created,
            "updated_at": created,
            "allow_rebase_merge": True,
            "allow_squash_merge": True,
            "allow_merge_commit": True,
            "allow_auto_merge": False,
            "delete_branch_on_merge": False,
            "allow_update_branch": False,
            "allow_forking": True,
            "web_commit_signoff_required": False,
            "license": None,
            "network_count": 0,
            "subscribers_count": 0,
        }
        if viewer is not None:
            out["permissions"] = _permission_flags(viewer.permission)
            out["organization"] = self.user(s.owner)
        return out

    # -- labels, issues, comments ----------------------------------------------------------

    def label(self, label: Label) -> JSON:
        return {
            "id": label.id,
            "node_id": label.node_id,
            "url": f"{self.repo_api}/labels/{quote(label.name, safe='')}",
            "name": label.name,
            "color": label.color,
            "default": label.default,
            "description": label.description,
        }

    def labels_of(self, issue: Issue) -> list[JSON]:
        return [self.label(self.state.ensure_label(name)) for name in issue.labels]

    def issue(self, issue: Issue) -> JSON:
        """`issue`; a pull request's issue has `pull_request` (and `draft`)."""
        n, api = issue.number, f"{self.repo_api}/issues/{issue.number}"
        comments = sum(1 for c in self.state.comments.values() if c.issue_number == n)
        kind = "pull" if issue.pull is not None else "issues"
        out: JSON = {
            "url": api,
            "repository_url": self.repo_api,
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "html_url": f"{self.repo_html}/{kind}/{n}",
            "id": issue.id,
            "node_id": issue.node_id,
            "number": n,
            "title": issue.title,
            "user": self.user(issue.author),
            "labels": self.labels_of(issue),
            "state": issue.state,
            "locked": issue.locked,
            "assignee": self.maybe_user(issue.assignees[0] if issue.assignees else None),
            "assignees": [self.user(a) for a in issue.assignees],
            "milestone": None,
            "comments": comments,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "author_association": self.state.association(issue.author),
            "active_lock_reason": None,
            "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
            "body": issue.body,
            "closed_by": self.maybe_user(issue.closed_by),
            "reactions": self.reactions(api),
            "timeline_url": f"{api}/timeline",
            "performed_via_github_app": None,
            "state_reason": issue.state_reason,
        }
        if issue.pull is not None:
            pull_api = f"{self.repo_api}/pulls/{n}"
            html = f"{self.repo_html}/pull/{n}"
            out["draft"] = issue.pull.draft
            out["pull_request"] = {
                "url": pull_api,
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": iso(issue.pull.merged_at),
            }
        return out

    def search_item(self, issue: Issue) -> JSON:
        out = self.issue(issue)
        out["score"] = 1.0
        return out

    def reactions(self, url: str) -> JSON:
        counts = dict.fromkeys(
            ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"), 0
        )
        return {"url": f"{url}/reactions", "total_count": 0, **counts}

    def comment(self, comment: Comment) -> JSON:
        api = f"{self.repo_api}/issues/comments/{comment.id}"
        return {
            "url": api,
            "html_url": f"{self.repo_html}/issues/{comment.issue_number}#issuecomment-{comment.id}",
            "issue_url": f"{self.repo_api}/issues/{comment.issue_number}",
            "id": comment.id,
            "node_id": comment.node_id,
            "user": self.user(comment.author),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.updated_at),
            "author_association": self.state.association(comment.author),
            "body": comment.body,
            "reactions": self.reactions(api),
            "performed_via_github_app": None,
        }

    # -- pull requests ---------------------------------------------------------------------

    def pull(self, issue: Issue, *, full: bool = True) -> JSON:
        """`pull-request` (full) or `pull-request-simple` (lists)."""
        pull = issue.pull
        assert pull is not None
        self.heads.refresh(pull)
        n = issue.number
        api, html = f"{self.repo_api}/pulls/{n}", f"{self.repo_html}/pull/{n}"
        issue_api = f"{self.repo_api}/issues/{n}"
        out: JSON = {
            "url": api,
            "id": pull.id,
            "node_id": pull.node_id,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue_api,
            "commits_url": f"{api}/commits",
            "review_comments_url": f"{api}/comments",
            "review_comment_url": f"{self.repo_api}/pulls/comments{{/number}}",
            "comments_url": f"{issue_api}/comments",
            "statuses_url": f"{self.repo_api}/statuses/{pull.head_sha}",
            "number": n,
            "state": issue.state,
            "locked": issue.locked,
            "title": issue.title,
            "user": self.user(issue.author),
            "body": issue.body,
            "labels": self.labels_of(issue),
            "milestone": None,
            "active_lock_reason": None,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "merged_at": iso(pull.merged_at),
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": self.maybe_user(issue.assignees[0] if issue.assignees else None),
            "assignees": [self.user(a) for a in issue.assignees],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self.branch_end(pull.head_ref, pull.head_sha),
            "base": self.branch_end(pull.base_ref, pull.base_sha),
            "_links": self.pull_links(n, pull.head_sha),
            "author_association": self.state.association(issue.author),
            "auto_merge": None,
            "draft": pull.draft,
        }
        if full:
            out.update(self.pull_counts(issue, pull))
        return out

    def pull_counts(self, issue: Issue, pull: PullData) -> JSON:
        files = self.heads.files(pull)
        merged = pull.merged_at is not None
        return {
            "merged": merged,
            "mergeable": None if merged else True,
            "rebaseable": None if merged else True,
            "mergeable_state": "unknown" if merged else "clean",
            "merged_by": self.maybe_user(pull.merged_by),
            "comments": sum(
                1 for c in self.state.comments.values() if c.issue_number == issue.number
            ),
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": len(self.heads.commits(pull)),
            "additions": sum(f.additions for f in files),
            "deletions": sum(f.deletions for f in files),
            "changed_files": len(files),
        }

    def branch_end(self, ref: str, sha: str) -> JSON:
        return {
            "label": f"{self.state.owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self.user(self.state.owner),
            "repo": self.repository(),
        }

    def pull_links(self, n: int, head_sha: str) -> JSON:
        api = f"{self.repo_api}/pulls/{n}"

        def href(url: str) -> JSON:
            return {"href": url}

        return {
            "self": href(api),
            "html": href(f"{self.repo_html}/pull/{n}"),
            "issue": href(f"{self.repo_api}/issues/{n}"),
            "comments": href(f"{self.repo_api}/issues/{n}/comments"),
            "review_comments": href(f"{api}/comments"),
            "review_comment": href(f"{self.repo_api}/pulls/comments{{/number}}"),
            "commits": href(f"{api}/commits"),
            "statuses": href(f"{self.repo_api}/statuses/{head_sha}"),
        }

    def diff_entry(self, change: FileChange, head_sha: str) -> JSON:
        path = quote(change.filename)
        out: JSON = {
            "sha": change.sha or fake_sha("blob", head_sha, change.filename),
            "filename": change.filename,
            "status": change.status,
            "additions": change.additions,
            "deletions": change.deletions,
            "changes": change.additions + change.deletions,
            "blob_url": f"{self.repo_html}/blob/{head_sha}/{path}",
            "raw_url": f"{self.repo_html}/raw/{head_sha}/{path}",
            "contents_url": f"{self.repo_api}/contents/{path}?ref={head_sha}",
        }
        if change.previous_filename is not None:
            out["previous_filename"] = change.previous_filename
        return out

    def commit(self, info: CommitInfo) -> JSON:
        """`commit` (as listed for a pull request, or got by ref)."""
        api = f"{self.repo_api}/commits/{info.sha}"
        return {
            "url": api,
            "sha": info.sha,
            "node_id": node_id("C", int(info.sha[:12], 16)),
            "html_url": f"{self.repo_html}/commit/{info.sha}",
            "comments_url": f"{api}/comments",
            "commit": {
                "url": f"{self.repo_api}/git/commits/{info.sha}",
                "author": {
                    "name": info.author_name,
                    "email": info.author_email,
                    "date": _z(info.author_date),
                },
                "committer": {
                    "name": info.committer_name,
                    "email": info.committer_email,
                    "date": _z(info.committer_date),
                },
                "message": info.message,
                "tree": {"sha": info.tree, "url": f"{self.repo_api}/git/trees/{info.tree}"},
                "comment_count": 0,
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
            "author": self._account(info.author_email),
            "committer": self._account(info.committer_email),
            "parents": [
                {
                    "sha": p,
                    "url": f"{self.repo_api}/commits/{p}",
                    "html_url": f"{self.repo_html}/commit/{p}",
                }
                for p in info.parents
            ],
        }

    def _account(self, email: str) -> JSON | None:
        """The GitHub account behind a commit's e-mail address (None: no account has it);
        commits made on GitHub are committed by `web-flow`."""
        if email.lower() == WEB_FLOW_EMAIL:
            return self.user(WEB_FLOW)
        found = self.state.user_by_email(email)
        return self.user(found.login) if found is not None else None

    def activity(self, item: Activity) -> JSON:
        """`activity`: one change to a branch."""
        return {
            "id": item.id,
            "node_id": item.node_id,
            "before": item.before,
            "after": item.after,
            "ref": item.ref,
            "timestamp": iso(item.timestamp),
            "activity_type": item.activity_type,
            "actor": self.user(item.actor) if item.actor is not None else None,
        }

    def review(self, review: Review) -> JSON:
        """`pull-request-review`; a pending (unsubmitted) review has no `submitted_at`."""
        pull_api = f"{self.repo_api}/pulls/{review.number}"
        html = f"{self.repo_html}/pull/{review.number}#pullrequestreview-{review.id}"
        out: JSON = {
            "id": review.id,
            "node_id": review.node_id,
            "user": self.user(review.author),
            "body": review.body,
            "state": review.state,
            "html_url": html,
            "pull_request_url": pull_api,
            "author_association": self.state.association(review.author),
            "_links": {"html": {"href": html}, "pull_request": {"href": pull_api}},
            "submitted_at": iso(review.submitted_at),
            "commit_id": review.commit_id,
        }
        if review.state == "PENDING":
            del out["submitted_at"]
        return out

    # -- statuses and checks ---------------------------------------------------------------

    def status(self, status: Status) -> JSON:
        creator = self.user(status.creator)
        return {
            "url": f"{self.repo_api}/statuses/{status.sha}",
            "avatar_url": creator["avatar_url"],
            "id": status.id,
            "node_id": status.node_id,
            "state": status.state,
            "description": status.description,
            "target_url": status.target_url,
            "context": status.context,
            "created_at": iso(status.created_at),
            "updated_at": iso(status.updated_at),
            "creator": creator,
        }

    def simple_status(self, status: Status) -> JSON:
        out = self.status(status)
        del out["creator"]
        out["required"] = False
        return out

    def combined(self, sha: str, latest: list[Status]) -> JSON:
        states = {s.state for s in latest}
        if states & {"error", "failure"}:
            overall = "failure"
        elif not latest or "pending" in states:
            overall = "pending"
        else:
            overall = "success"
        return {
            "state": overall,
            "statuses": [self.simple_status(s) for s in latest],
            "sha": sha,
            "total_count": len(latest),
            "repository": self.repository(),
            "commit_url": f"{self.repo_api}/commits/{sha}",
            "url": f"{self.repo_api}/commits/{sha}/status",
        }

    def check_run(self, run: CheckRun) -> JSON:
        api = f"{self.repo_api}/check-runs/{run.id}"
        html = f"{self.repo_html}/runs/{run.id}"
        pulls = [
            i for i in self.state.pulls() if i.pull is not None and i.pull.head_sha == run.head_sha
        ]
        return {
            "id": run.id,
            "head_sha": run.head_sha,
            "node_id": run.node_id,
            "external_id": "",
            "url": api,
            "html_url": html,
            "details_url": html,
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": iso(run.started_at),
            "completed_at": iso(run.completed_at),
            "output": {
                "title": None,
                "summary": None,
                "text": None,
                "annotations_count": 0,
                "annotations_url": f"{api}/annotations",
            },
            "name": run.name,
            "check_suite": {"id": int(fake_sha("suite", run.head_sha)[:8], 16)},
            "app": self.actions_app(),
            "pull_requests": [self.pull_minimal(i) for i in pulls],
        }

    def pull_minimal(self, issue: Issue) -> JSON:
        pull = issue.pull
        assert pull is not None
        repo = {"id": self.state.repo_id, "url": self.repo_api, "name": self.state.name}
        return {
            "id": pull.id,
            "number": issue.number,
            "url": f"{self.repo_api}/pulls/{issue.number}",
            "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": repo},
            "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": repo},
        }

    def actions_app(self) -> JSON:
        """The GitHub Actions app (`integration`), which owns Actions' check runs."""
        return {
            "id": _ACTIONS_APP_ID,
            "slug": "github-actions",
            "node_id": node_id("A", _ACTIONS_APP_ID),
            "owner": self.user("github"),
            "name": "GitHub Actions",
            "description": "Automate your workflow from idea to production",
            "external_url": "https://help.github.com/en/actions",
            "html_url": f"{self.base}/apps/github-actions",
            "created_at": "2018-07-30T09:30:17Z",
            "updated_at": "2024-04-10T20:33:16Z",
            "permissions": {
                "checks": "write",
                "contents": "write",
                "issues": "write",
                "pull_requests": "write",
                "statuses": "write",
            },
            "events": ["check_run", "check_suite", "pull_request", "push", "status"],
        }

    # -- security alerts -------------------------------------------------------------------

    def dependabot_alert(self, alert: DependabotAlert) -> JSON:
        """`dependabot-alert`."""
        advisory = alert.advisory
        package = {"ecosystem": alert.ecosystem, "name": alert.package}
        patched = alert.first_patched_version
        vulnerability = {
            "package": package,
            "severity": advisory.severity,
            "vulnerable_version_range": alert.vulnerable_version_range,
            "first_patched_version": {"identifier": patched} if patched is not None else None,
        }
        cvss = {"vector_string": advisory.cvss_vector, "score": advisory.cvss_score}
        return {
            "number": alert.number,
            "state": alert.state,
            "dependency": {
                "package": package,
                "manifest_path": alert.manifest_path,
                "scope": alert.scope,
                "relationship": alert.relationship,
            },
            "security_advisory": {
                "ghsa_id": advisory.ghsa_id,
                "cve_id": advisory.cve_id,
                "summary": advisory.summary,
                "description": advisory.description,
                "vulnerabilities": [vulnerability],
                "severity": advisory.severity,
                "classification": advisory.classification,
                "cvss": {"score": advisory.cvss_score, "vector_string": advisory.cvss_vector},
                "cvss_severities": {"cvss_v3": cvss, "cvss_v4": None},
                "epss": None,
                "cwes": [{"cwe_id": c, "name": name} for c, name in advisory.cwes],
                "identifiers": [{"type": t, "value": v} for t, v in advisory.identifiers],
                "references": [{"url": url} for url in advisory.references],
                "published_at": iso(advisory.published_at),
                "updated_at": iso(advisory.published_at),
                "withdrawn_at": None,
            },
            "security_vulnerability": vulnerability,
            "url": f"{self.repo_api}/dependabot/alerts/{alert.number}",
            "html_url": f"{self.repo_html}/security/dependabot/{alert.number}",
            "created_at": iso(alert.created_at),
            "updated_at": iso(alert.updated_at),
            "dismissed_at": iso(alert.dismissed_at),
            "dismissed_by": self.maybe_user(alert.dismissed_by),
            "dismissed_reason": alert.dismissed_reason,
            "dismissed_comment": alert.dismissed_comment,
            "fixed_at": iso(alert.fixed_at),
            "auto_dismissed_at": iso(alert.auto_dismissed_at),
            "assignees": [self.user(a) for a in alert.assignees],
        }

    def code_scanning_alert(self, alert: CodeScanningAlert, *, full: bool = True) -> JSON:
        """`code-scanning-alert` (full: `GET .../alerts/{n}`) or `code-scanning-alert-items`
        (lists, whose rule leaves out the long texts)."""
        api = f"{self.repo_api}/code-scanning/alerts/{alert.number}"
        rule = alert.rule
        rendered_rule: JSON = {
            "id": rule.id,
            "severity": rule.severity,
            "description": rule.description,
            "name": rule.name,
            "tags": list(rule.tags),
            "security_severity_level": rule.security_severity_level,
        }
        if full:
            rendered_rule.update(
                full_description=rule.full_description, help=rule.help, help_uri=rule.help_uri
            )
        return {
            "number": alert.number,
            "created_at": iso(alert.created_at),
            "updated_at": iso(alert.updated_at),
            "url": api,
            "html_url": f"{self.repo_html}/security/code-scanning/{alert.number}",
            "state": alert.state,
            "fixed_at": iso(alert.fixed_at),
            "dismissed_by": self.maybe_user(alert.dismissed_by),
            "dismissed_at": iso(alert.dismissed_at),
            "dismissed_reason": alert.dismissed_reason,
            "dismissed_comment": alert.dismissed_comment,
            "rule": rendered_rule,
            "tool": {
                "name": alert.tool.name,
                "guid": alert.tool.guid,
                "version": alert.tool.version,
            },
            "most_recent_instance": self.code_scanning_instance(alert),
            "instances_url": f"{api}/instances",
            "dismissal_approved_by": None,
            "assignees": [self.user(a) for a in alert.assignees],
        }

    def code_scanning_instance(self, alert: CodeScanningAlert) -> JSON:
        """`code-scanning-alert-instance`: where the alert is, on its ref."""
        where = alert.location
        return {
            "ref": alert.ref,
            "analysis_key": alert.analysis_key,
            "environment": alert.environment,
            "category": alert.category,
            "state": alert.state,
            "commit_sha": alert.commit_sha,
            "message": {"text": alert.message},
            "location": {
                "path": where.path,
                "start_line": where.start_line,
                "end_line": where.end_line,
                "start_column": where.start_column,
                "end_column": where.end_column,
            },
            "classifications": [],
        }


def _permission_flags(permission: str) -> dict[str, bool]:
    level = rank(permission)
    return {
        "admin": level >= rank("admin"),
        "maintain": level >= rank("maintain"),
        "push": level >= rank("write"),
        "triage": level >= rank("triage"),
        "pull": level >= rank("read"),
    }


def _z(stamp: str) -> str:
    """git's strict ISO 8601 (`2026-04-01T00:00:00+02:00`) in UTC with a `Z`."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
