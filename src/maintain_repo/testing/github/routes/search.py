"""`GET /search/issues`: GitHub's issue search syntax, for the qualifiers maintain uses.

repo:, is:issue / is:pr (type:), is:open / is:closed / state:, is:merged, label: (several:
all must match; `-label:` excludes; `no:label`), author:, assignee:, in:title / in:body,
and free text as bare words (each must occur) or "quoted phrases".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from maintain_repo.testing.github.protocol import ApiError, Context, Reply, invalid, paginate
from maintain_repo.testing.github.routes import route
from maintain_repo.testing.github.routes.common import choice
from maintain_repo.testing.github.state import Issue

_TOKEN = re.compile(r'(-?)([A-Za-z_]+):("[^"]*"|\S+)|"([^"]*)"|(\S+)')
_UNREADABLE = (
    "The listed users and repositories cannot be searched either because the resources do not"
    " exist or you do not have permission to view them."
)


@dataclass
class Query:
    repos: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)  # issue, pr
    states: set[str] = field(default_factory=set)
    labels: list[list[str]] = field(default_factory=list)  # all groups; any name of a group
    without: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    scopes: set[str] = field(default_factory=set)
    terms: list[str] = field(default_factory=list)
    merged: bool | None = None
    unlabelled: bool = False


def parse(q: str) -> Query:
    query = Query()
    for found in _TOKEN.finditer(q):
        negated, key, value, phrase, word = found.groups()
        if key is not None:
            _qualifier(query, negated == "-", key.lower(), value.strip('"'))
        else:
            query.terms.append((phrase if phrase is not None else word).lower())
    return query


def _qualifier(query: Query, negated: bool, key: str, value: str) -> None:
    lower = value.lower()
    if key == "repo":
        query.repos.append(lower)
    elif key in ("is", "type", "state"):
        _is(query, lower)
    elif key == "label" and negated:
        query.without.append(lower)
    elif key == "label":
        query.labels.append([v.strip() for v in lower.split(",") if v.strip()])
    elif key == "no" and lower == "label":
        query.unlabelled = True
    elif key == "author":
        query.authors.append(lower)
    elif key == "assignee":
        query.assignees.append(lower)
    elif key == "in":
        query.scopes.update(lower.split(","))
    else:  # an unknown qualifier is searched for as text, as GitHub does
        query.terms.append(f"{key}:{lower}")


def _is(query: Query, value: str) -> None:
    if value in ("issue", "pr"):
        query.kinds.add(value)
    elif value in ("open", "closed"):
        query.states.add(value)
    elif value in ("merged", "unmerged"):
        query.merged = value == "merged"
    elif value == "pull-request":
        query.kinds.add("pr")


def matches(query: Query, issue: Issue) -> bool:
    labels = {name.lower() for name in issue.labels}
    kind = "pr" if issue.pull is not None else "issue"
    merged = issue.pull is not None and issue.pull.merged_at is not None
    return (
        (not query.kinds or kind in query.kinds)
        and (not query.states or issue.state in query.states)
        and all(any(name in labels for name in group) for group in query.labels)
        and not any(name in labels for name in query.without)
        and (not query.unlabelled or not labels)
        and (not query.authors or issue.author.lower() in query.authors)
        and (not query.assignees or any(a.lower() in query.assignees for a in issue.assignees))
        and (query.merged is None or merged == query.merged)
        and _text(query, issue)
    )


def _text(query: Query, issue: Issue) -> bool:
    scopes = query.scopes or {"title", "body"}
    parts = [
        issue.title if "title" in scopes else "",
        (issue.body or "") if "body" in scopes else "",
    ]
    text = "\n".join(parts).lower()
    return all(term in text for term in query.terms)


def search_issues(ctx: Context) -> Reply:
    q = ctx.request.query.get("q", "")
    if not q.strip():
        raise ApiError(
            422,
            "Validation Failed",
            errors=[{"resource": "Search", "field": "q", "code": "missing"}],
        )
    query = parse(q)
    state = ctx.state
    if any(repo != state.full_name.lower() for repo in query.repos):
        raise invalid("Search", "q", "invalid", _UNREADABLE)
    sort = ctx.request.query.get("sort")
    order = choice(ctx, "order", ("asc", "desc"), "desc")
    found = [i for i in state.issues.values() if matches(query, i)]
    found.sort(key=lambda i: _key(ctx, i, sort), reverse=order == "desc")
    page, per_page = ctx.page()
    if (page - 1) * per_page >= 1000 and found:
        raise invalid("Search", "q", "invalid", "Only the first 1000 search results are available")
    return paginate(
        ctx,
        found,
        ctx.view.search_item,
        lambda items, total: {
            "total_count": total,
            "incomplete_results": False,
            "items": items,
            "search_type": "lexical",
        },
    )


def _key(ctx: Context, issue: Issue, sort: str | None) -> tuple[object, int]:
    if sort == "updated":
        return (issue.updated_at, issue.number)
    if sort == "comments":
        count = sum(1 for c in ctx.state.comments.values() if c.issue_number == issue.number)
        return (count, issue.number)
    return (issue.created_at, issue.number)


ROUTES = [route("GET", "/search/issues", search_issues, resource="search")]
