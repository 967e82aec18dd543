"""What an approval policy needs to know about a pull request, read from GitHub.

The pull request (author, title, body, refs), its files, reviews (with their bodies),
commits (with the GitHub accounts of their authors and committers), the conversation's
comments that could be votes, when each commit was pushed (the repository's activity
on the head branch: pushes, force pushes, the branch's creation), and for everyone
involved their permission and membership of the teams and organizations the policy
names.

Push times come from `GET /repos/{owner}/{repo}/activity`, which GitHub keeps for the
repository's own branches: a pull request from a fork has none, and the approval
policy then falls back to the commit each review was given to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from maintain_repo.github.retry import MembersUnreadable, Refused, failure
from maintain_repo.model.pull_facts import CommentFact, CommitFact, PullRequestFacts, ReviewFact
from maintain_repo.model.timestamps import parse_timestamp

if TYPE_CHECKING:
    from github.PullRequest import PullRequest

    from maintain_repo.github.client import Client

WEB_FLOW = "web-flow"  # the committer of commits made on GitHub
PUSHES = ("push", "force_push", "branch_creation")
_MAX_PAGES = 10  # of 100 activities: pushes older than that are not looked for
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


@dataclass(frozen=True)
class Wanted:
    """What the policy asks about: the teams and organizations it names, and which
    comment bodies could be votes (None: no method reads comments)."""

    teams: Iterable[str] = ()
    organizations: Iterable[str] = ()
    comment: Callable[[str], bool] | None = None
    people: Iterable[str] = field(default=())  # more logins whose standing matters


def gather(client: Client, number: int, wanted: Wanted) -> PullRequestFacts:
    pr = client.call(f"read pull request #{number}", lambda: client.completed_pull(number))
    files = client.call(
        f"list files of #{number}", lambda: tuple(f.filename for f in pr.get_files())
    )
    reviews = tuple(
        ReviewFact(r.user, r.state, r.commit_id, r.submitted_at, r.body)
        for r in client.reviews(number)
        if r.submitted_at
    )
    commits = client.call(f"list commits of #{number}", lambda: tuple(_commits(pr)))
    comments = _comments(client, number, wanted.comment)
    unreadable: list[str] = []
    people = sorted(
        {
            pr.user.login,
            *(r.user for r in reviews),
            *(c.user for c in comments),
            *(u for c in commits for u in c.users()),
            *wanted.people,
        },
        key=str.lower,
    )
    return PullRequestFacts(
        number=number,
        author=pr.user.login,
        title=pr.title,
        base_ref=pr.base.ref,
        head_ref=pr.head.ref,
        head_sha=pr.head.sha,
        labels=tuple(label.name for label in pr.labels),
        changed_files=files,
        reviews=reviews,
        statuses=client.commit_statuses(pr.head.sha),
        teams=_groups(wanted.teams, people, client.team_member, unreadable),
        permissions={p: client.permission(p) for p in people},
        body=pr.body or "",
        created_at=pr.created_at,
        commits=commits,
        comments=comments,
        pushed_at=_pushes(client, pr) if _own_branch(client, pr) else {},
        organizations=_groups(
            wanted.organizations, people, lambda o, p: _org_member(client, o, p), unreadable
        ),
        unreadable=tuple(unreadable),
    )


def _groups(
    names: Iterable[str],
    people: Sequence[str],
    member: Callable[[str, str], bool],
    unreadable: list[str],
) -> dict[str, frozenset[str]]:
    """Group -> its members among `people`; a group the token may not read is left out (the
    policy then cannot judge what needs it) and named in `unreadable`."""
    groups = {}
    for name in _unique(names):
        try:
            groups[name] = frozenset(p for p in people if member(name, p))
        except MembersUnreadable:
            unreadable.append(name)
    return groups


def _unique(names: Iterable[str]) -> list[str]:
    return sorted({n.lstrip("@") for n in names})


def _commits(pr: PullRequest) -> Iterator[CommitFact]:
    for commit in pr.get_commits():
        data = commit.raw_data
        author, committer = _login(data.get("author")), _login(data.get("committer"))
        parents = tuple(p["sha"] for p in data.get("parents") or () if isinstance(p, dict))
        yield CommitFact(commit.sha, parents, author, committer, via_web=committer == WEB_FLOW)


def _login(account: Any) -> str | None:
    login = account.get("login") if isinstance(account, dict) else None
    return login if isinstance(login, str) and login else None


def _comments(
    client: Client, number: int, wanted: Callable[[str], bool] | None
) -> tuple[CommentFact, ...]:
    if wanted is None:
        return ()
    return tuple(
        CommentFact(
            c.user.login,
            c.body or "",
            c.created_at,
            c.updated_at is not None and c.updated_at != c.created_at,
        )
        for c in client.comments(number)
        if c.user is not None and wanted(c.body or "")
    )


def _own_branch(client: Client, pr: PullRequest) -> bool:
    repo: Any = pr.head.repo  # None when the fork it came from was deleted
    return repo is not None and str(repo.full_name).lower() == client.repository.lower()


def _pushes(client: Client, pr: PullRequest) -> dict[str, datetime]:
    """commit sha -> the latest time it was pushed to the head branch."""
    ref = f"refs/heads/{pr.head.ref}"
    path = f"/repos/{client.repository}/activity"
    params: dict[str, Any] | None = {"ref": ref, "per_page": 100, "direction": "desc"}
    found: dict[str, datetime] = {}
    requester = client.repo.requester
    for _ in range(_MAX_PAGES):

        def page(url: str = path, query: dict[str, Any] | None = params) -> tuple[Any, Any]:
            return requester.requestJsonAndCheck("GET", url, query)

        headers, data = client.call(f"read the pushes to {pr.head.ref}", page)
        for item in data if isinstance(data, list) else ():
            pushed = _push(item)
            if pushed is not None:
                sha, at = pushed
                found[sha] = max(at, found.get(sha, at))
        following = _NEXT.search(headers.get("link", ""))
        if following is None:
            break
        path, params = following.group(1), None
    return found


def _push(item: Any) -> tuple[str, datetime] | None:
    if not isinstance(item, dict) or item.get("activity_type") not in PUSHES:
        return None
    sha, stamp = item.get("after"), item.get("timestamp")
    if not isinstance(sha, str) or not isinstance(stamp, str):
        return None
    try:
        return sha, parse_timestamp(stamp)
    except ValueError:
        return None


def _org_member(client: Client, org: str, login: str) -> bool:
    """GitHub answers 204 for a member, 404 for anyone else."""
    import github

    path = f"/orgs/{quote(org, safe='')}/members/{quote(login, safe='')}"
    try:
        client.repo.requester.requestJsonAndCheck("GET", path)
    except github.UnknownObjectException:
        return False
    except github.GithubException as error:
        if error.status == 403:
            raise MembersUnreadable(org) from None
        raise failure(f"read whether {login} is a member of {org}", error) from None
    except Refused as error:
        if error.status == 302:  # GitHub's answer to a token that is not the organization's
            raise MembersUnreadable(org) from None
        raise failure(f"read whether {login} is a member of {org}", error) from None
    except Exception as error:
        raise failure(f"read whether {login} is a member of {org}", error) from None
    return True
