"""Pull requests: list, open (head and base resolved with git when there is a git_dir),
read, edit, files, commits, reviews (with GitHub's rule that authors cannot approve their
own), dismissals, merge.
"""

from __future__ import annotations

from typing import Any

from maintain_repo.testing.github.protocol import (
    ApiError,
    Context,
    Reply,
    invalid,
    paginate,
    unprocessable,
)
from maintain_repo.testing.github.routes import route
from maintain_repo.testing.github.routes.common import check_state, choice, find_pull
from maintain_repo.testing.github.routes.issues import set_state
from maintain_repo.testing.github.state import Issue, PullData, Review, fake_sha, node_id

EVENTS = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}


def list_pulls(ctx: Context) -> Reply:
    ctx.require("read")
    query = ctx.request.query
    wanted = choice(ctx, "state", ("open", "closed", "all"), "open")
    head = query.get("head") or ""
    head_owner, _, head_ref = head.rpartition(":")
    base = query.get("base") or ""
    sort = choice(ctx, "sort", ("created", "updated", "popularity", "long-running"), "created")
    direction = choice(ctx, "direction", ("asc", "desc"), "desc")

    def keep(issue: Issue) -> bool:
        pull = issue.pull
        assert pull is not None
        return (
            (wanted == "all" or issue.state == wanted)
            and (
                not head
                or (
                    pull.head_ref == head_ref
                    and head_owner.lower() in ("", ctx.state.owner.lower())
                )
            )
            and (not base or pull.base_ref == base)
        )

    found = [i for i in ctx.state.pulls() if keep(i)]
    key = (
        (lambda i: (i.updated_at, i.number))
        if sort == "updated"
        else (lambda i: (i.created_at, i.number))
    )
    found.sort(key=key, reverse=direction == "desc")
    return paginate(ctx, found, lambda i: ctx.view.pull(i, full=False))


def commit_pulls(ctx: Context) -> Reply:
    """Pull requests associated with a commit: those whose head is the commit, or that
    were merged as it."""
    ctx.require("read")
    sha = ctx.params["commit_sha"]
    found = [
        issue
        for issue in ctx.state.pulls()
        if issue.pull is not None and sha in (issue.pull.head_sha, issue.pull.merge_commit_sha)
    ]
    found.sort(key=lambda i: i.number, reverse=True)
    return paginate(ctx, found, lambda i: ctx.view.pull(i, full=False))


def create_pull(ctx: Context) -> Reply:
    ctx.require("write")
    body = ctx.body()
    title = ctx.string(body, "title", "PullRequest")
    head = ctx.string(body, "head", "PullRequest")
    base = ctx.string(body, "base", "PullRequest")
    for key, value in (("title", title), ("head", head), ("base", base)):
        if not value:
            raise invalid("PullRequest", key, "missing_field")
    assert title is not None
    assert head is not None
    assert base is not None
    head_ref = head.rpartition(":")[2]
    head_sha, base_sha = _tip(ctx, head_ref, "head"), _tip(ctx, base, "base")
    _check_new(ctx, head_ref, base, head_sha, base_sha)
    draft = body.get("draft", False)
    if not isinstance(draft, bool):
        raise invalid("PullRequest", "draft", "invalid")
    state, now = ctx.state, ctx.state.now()
    issue_id, pull_id = state.next_id(), state.next_id()
    pull = PullData(pull_id, node_id("PR", pull_id), head_ref, base, head_sha, base_sha, [], draft)
    issue = Issue(
        number=state.next_number(),
        id=issue_id,
        node_id=node_id("I", issue_id),
        title=title,
        body=ctx.string(body, "body", "PullRequest"),
        author=ctx.user.login,
        created_at=now,
        updated_at=now,
        pull=pull,
    )
    state.issues[issue.number] = issue
    pull.number = issue.number
    if ctx.git is not None:
        ctx.git.set_pull_head(issue.number, head_sha)
    rendered = ctx.view.pull(issue)
    return Reply(201, rendered, {"location": rendered["url"]})


def _tip(ctx: Context, ref: str, field_name: str) -> str:
    """The commit a branch points at: from git, or from the branches seeded in-process."""
    sha = ctx.git.branch(ref) if ctx.git is not None else ctx.state.branches.get(ref)
    if sha is None:
        raise invalid("PullRequest", field_name, "invalid")
    return sha


def _check_new(ctx: Context, head: str, base: str, head_sha: str, base_sha: str) -> None:
    for other in ctx.state.pulls():
        pull = other.pull
        assert pull is not None
        if other.state == "open" and pull.head_ref == head and pull.base_ref == base:
            message = f"A pull request already exists for {ctx.state.owner}:{head}."
            raise invalid("PullRequest", "head", "custom", message)
    no_commits = head_sha == base_sha or (
        ctx.git is not None and not ctx.git.commits(base_sha, head_sha)
    )
    if no_commits:
        raise invalid("PullRequest", "head", "custom", f"No commits between {base} and {head}")


def get_pull(ctx: Context) -> Reply:
    ctx.require("read")
    return Reply(200, ctx.view.pull(find_pull(ctx)))


def update_pull(ctx: Context) -> Reply:
    ctx.require("read")
    issue = find_pull(ctx)
    if issue.author.lower() != ctx.user.login.lower() and not ctx.can("write"):
        raise ApiError(403, "Must have write access to edit another user's pull request.")
    body = ctx.body()
    if "title" in body:
        title = ctx.string(body, "title", "PullRequest")
        if not title:
            raise invalid("PullRequest", "title", "missing_field")
        issue.title = title
    if "body" in body:
        issue.body = ctx.string(body, "body", "PullRequest")
    if "base" in body:
        base = ctx.string(body, "base", "PullRequest") or ""
        assert issue.pull is not None
        issue.pull.base_sha = _tip(ctx, base, "base")
        issue.pull.base_ref = base
    if "state" in body:
        set_state(ctx, issue, check_state(body["state"], "PullRequest"), None)
    issue.updated_at = ctx.state.now()
    return Reply(200, ctx.view.pull(issue))


def pull_files(ctx: Context) -> Reply:
    ctx.require("read")
    pull = find_pull(ctx).pull
    assert pull is not None
    ctx.view.heads.refresh(pull)
    return paginate(
        ctx, ctx.view.heads.files(pull), lambda f: ctx.view.diff_entry(f, pull.head_sha)
    )


def pull_commits(ctx: Context) -> Reply:
    ctx.require("read")
    pull = find_pull(ctx).pull
    assert pull is not None
    ctx.view.heads.refresh(pull)
    return paginate(ctx, ctx.view.heads.commits(pull), ctx.view.commit)


def review_comments(ctx: Context) -> Reply:
    """Comments on lines of the diff: the emulator keeps none (conversation comments are the
    issue's)."""
    ctx.require("read")
    find_pull(ctx)
    return paginate(ctx, [], lambda item: item)


def is_merged(ctx: Context) -> Reply:
    ctx.require("read")
    pull = find_pull(ctx).pull
    assert pull is not None
    if pull.merged_at is None:
        raise ApiError(404, "Not Found")
    return Reply(204)


def merge_pull(ctx: Context) -> Reply:
    ctx.require("write")
    issue = find_pull(ctx)
    pull = issue.pull
    assert pull is not None
    ctx.view.heads.refresh(pull)
    body = ctx.body()
    if issue.state != "open" or pull.merged_at is not None:
        raise ApiError(405, "Pull Request is not mergeable")
    if pull.draft:
        raise ApiError(405, "Pull Request is still a draft")
    expected = body.get("sha")
    if expected is not None and expected != pull.head_sha:
        raise ApiError(409, "Head branch was modified. Review and try the merge again.")
    method = body.get("merge_method", "merge")
    if method not in ("merge", "squash", "rebase"):
        raise invalid("PullRequest", "merge_method", "invalid")
    now = ctx.state.now()
    pull.merged_at, pull.merged_by = now, ctx.user.login
    pull.merge_commit_sha = fake_sha("merge", pull.base_sha, pull.head_sha, issue.number)
    issue.state, issue.closed_at, issue.closed_by, issue.updated_at = (
        "closed",
        now,
        ctx.user.login,
        now,
    )
    issue.state_reason = None
    result = {
        "sha": pull.merge_commit_sha,
        "merged": True,
        "message": "Pull Request successfully merged",
    }
    return Reply(200, result)


def list_reviews(ctx: Context) -> Reply:
    ctx.require("read")
    issue = find_pull(ctx)
    login = ctx.user.login.lower()
    reviews = sorted(
        (
            r
            for r in ctx.state.reviews.values()
            if r.number == issue.number and (r.state != "PENDING" or r.author.lower() == login)
        ),
        key=lambda r: r.id,
    )  # a pending review is its author's alone
    return paginate(ctx, reviews, ctx.view.review)


def create_review(ctx: Context) -> Reply:
    ctx.require("read")
    issue = find_pull(ctx)
    pull = issue.pull
    assert pull is not None
    ctx.view.heads.refresh(pull)
    body = ctx.body()
    event = body.get("event")
    text = ctx.string(body, "body", "PullRequestReview") or ""
    state = _review_state(ctx, issue, event, text)
    commit_id = ctx.string(body, "commit_id", "PullRequestReview") or pull.head_sha
    now, ident = ctx.state.now(), ctx.state.next_id()
    review = Review(
        ident, node_id("PRR", ident), issue.number, ctx.user.login, text, state, commit_id, now
    )
    ctx.state.reviews[ident] = review
    issue.updated_at = now
    return Reply(200, ctx.view.review(review))


def _review_state(ctx: Context, issue: Issue, event: Any, text: str) -> str:
    if event is None:
        return "PENDING"
    if event not in EVENTS:  # this endpoint's 422s are GitHub's simple kind: plain strings
        raise unprocessable(f"Event must be one of {', '.join(EVENTS)}")
    own = issue.author.lower() == ctx.user.login.lower()
    if own and event == "APPROVE":
        raise unprocessable("Review Can not approve your own pull request")
    if own and event == "REQUEST_CHANGES":
        raise unprocessable("Review Can not request changes on your own pull request")
    if event in ("REQUEST_CHANGES", "COMMENT") and not text:
        raise unprocessable(f"Review body is required for {event} reviews")
    return EVENTS[event]


def get_review(ctx: Context) -> Reply:
    ctx.require("read")
    return Reply(200, ctx.view.review(_review(ctx)))


def _review(ctx: Context) -> Review:
    issue = find_pull(ctx)
    review = ctx.state.reviews.get(ctx.number("review_id"))
    if review is None or review.number != issue.number:
        raise ApiError(404, "Not Found")
    return review


def dismiss_review(ctx: Context) -> Reply:
    ctx.require("write")
    review = _review(ctx)
    message = ctx.string(ctx.body(), "message", "PullRequestReview")
    if not message:
        raise invalid("PullRequestReview", "message", "missing_field")
    if review.state not in ("APPROVED", "CHANGES_REQUESTED"):
        raise unprocessable(f"Can not dismiss a {review.state.lower()} pull request review")
    review.state = "DISMISSED"
    return Reply(200, ctx.view.review(review))


ROUTES = [
    route("GET", "/repos/{owner}/{repo}/pulls", list_pulls),
    route("POST", "/repos/{owner}/{repo}/pulls", create_pull),
    route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", get_pull),
    route("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", update_pull),
    route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", pull_files),
    route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", pull_commits),
    route("GET", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls", commit_pulls),
    route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", review_comments),
    route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", is_merged),
    route("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", merge_pull),
    route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", list_reviews),
    route("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", create_review),
    route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}", get_review),
    route(
        "PUT",
        "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/dismissals",
        dismiss_review,
    ),
]
