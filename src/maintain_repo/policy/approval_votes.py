"""Votes on a pull request, as policy-bot counts them.

- **Candidates.** Each method gives candidates: a comment containing one of
  `comments` or matching one of `comment_patterns` (the body of a review left as a
  comment counts as a comment); a review in the wanted state (APPROVED to approve,
  CHANGES_REQUESTED to disapprove), only those whose body matches
  `github_review_comment_patterns` when given; the pull request's body matching
  `body_patterns` (a candidate of the author, when the pull request was opened).
  Each user keeps their latest candidate: a later request for changes does not
  cancel an approval (it is no approval candidate), and a dismissed review is no
  candidate at all.
- **Contributors.** Unless `allow_contributor`, the author may not approve (except
  with `allow_author`), nor anyone else who authored or committed one of its commits
  (except with `allow_non_author_contributor`). Update merges made on GitHub
  (`ignore_update_merges`) and commits whose users are all in `ignore_commits_by`
  make nobody a contributor.
- **Pushes.** With `invalidate_on_push`, only candidates given after the latest push
  count. The latest push is that of the newest commit that counts (history from the
  head, first parents only, without ignored commits), at the time GitHub says it was
  pushed (the repository's activity; for a commit pushed with later ones, the push
  that brought them). GitHub's times are to the second: in a tie, a review given to
  that commit or a later one counts. When no time is known (a fork's branch, activity GitHub no
  longer keeps), a review counts if it was given to that commit or a later one, and
  a comment does not count: nothing places it after the push.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from maintain_repo.model.approval import (
    DEFAULT_APPROVE_COMMENTS,
    DEFAULT_DISAPPROVE_COMMENTS,
    ApprovalPolicy,
    Methods,
    RuleOptions,
)
from maintain_repo.model.pull_facts import CommitFact, PullRequestFacts
from maintain_repo.policy.approval_people import Context, named, not_among
from maintain_repo.policy.patterns import search


@dataclass(frozen=True, slots=True)
class Candidate:
    user: str
    at: datetime
    how: str  # "review" | "comment" | "body"
    commit_id: str | None = None  # the commit a review was given to
    edited: bool = False
    # Where it was listed ("reviews", "comments", "body") and at which index: GitHub's
    # times are to the second, and within one list the order tells which came first.
    seq: tuple[str, int] = ("", 0)

    def after(self, other: Candidate) -> bool:
        """Whether this came after `other`; a tie between different lists is unknown, and
        answered yes (the later of a veto and its lifting is taken to be the veto)."""
        if self.at != other.at:
            return self.at > other.at
        return self.seq[0] != other.seq[0] or self.seq[1] > other.seq[1]


def candidates(
    methods: Methods, state: str, default_comments: Sequence[str], facts: PullRequestFacts
) -> list[Candidate]:
    """Each user's latest candidate by `methods`, oldest first (`state`: the review state
    that says yes, APPROVED or CHANGES_REQUESTED)."""
    texts, patterns = _comment_methods(methods, default_comments)
    found: list[Candidate] = []
    if texts or patterns:
        found += [
            Candidate(c.user, c.created_at, "comment", None, c.edited, ("comments", i))
            for i, c in enumerate(facts.comments)
            if _says(c.body, texts, patterns)
        ]
        found += [
            Candidate(r.user, r.submitted_at, "comment", r.commit_id, seq=("reviews", i))
            for i, r in enumerate(facts.reviews)
            if r.state == "COMMENTED" and _says(r.body, texts, patterns)
        ]
    bodies = methods.github_review_comment_patterns
    if methods.github_review is not False or bodies:
        found += [
            Candidate(r.user, r.submitted_at, "review", r.commit_id, seq=("reviews", i))
            for i, r in enumerate(facts.reviews)
            if r.state == state and (not bodies or _says(r.body, (), bodies))
        ]
    if (
        methods.body_patterns
        and facts.created_at is not None
        and _says(facts.body, (), methods.body_patterns)
    ):
        found.append(Candidate(facts.author, facts.created_at, "body", seq=("body", 0)))
    return latest_per_user(found)


def _says(body: str, texts: Sequence[str], patterns: Sequence[str]) -> bool:
    return any(t in body for t in texts) or any(search(p, body) for p in patterns)


def latest_per_user(found: Iterable[Candidate]) -> list[Candidate]:
    """Each user's latest candidate (ties: the later one listed), oldest first."""
    latest: dict[str, Candidate] = {}
    for candidate in sorted(found, key=_when):
        latest[candidate.user.lower()] = candidate
    return sorted(latest.values(), key=_when)


def _when(candidate: Candidate) -> tuple[datetime, int]:
    return candidate.at, candidate.seq[1]


def comment_test(policy: ApprovalPolicy) -> Callable[[str], bool] | None:
    """Whether a comment's body could be a vote under the policy (None: no method of the
    policy reads comments, so they need not be read)."""
    said = [
        _comment_methods(rule.options.methods, DEFAULT_APPROVE_COMMENTS)
        for rule in policy.rules
        if rule.requires.count > 0
    ]
    veto = policy.policy.disapproval
    if veto is not None:
        ways = veto.options.methods
        said.append(_comment_methods(ways.disapprove or Methods(), DEFAULT_DISAPPROVE_COMMENTS))
        said.append(_comment_methods(ways.revoke or Methods(), DEFAULT_APPROVE_COMMENTS))
    said = [(texts, patterns) for texts, patterns in said if texts or patterns]
    if not said:
        return None
    return lambda body: any(_says(body, texts, patterns) for texts, patterns in said)


def _comment_methods(
    methods: Methods, default: Sequence[str]
) -> tuple[Sequence[str], Sequence[str]]:
    texts = default if methods.comments is None else methods.comments
    return texts, methods.comment_patterns


def approval_candidates(options: RuleOptions, facts: PullRequestFacts) -> list[Candidate]:
    return candidates(options.methods, "APPROVED", DEFAULT_APPROVE_COMMENTS, facts)


# -- commits ------------------------------------------------------------------------------


def history(facts: PullRequestFacts) -> list[CommitFact]:
    """The pull request's commits from the head back along first parents."""
    by_sha = {c.sha: c for c in facts.commits}
    ordered: list[CommitFact] = []
    sha: str | None = facts.head_sha
    while sha is not None and sha in by_sha and len(ordered) < len(by_sha):
        commit = by_sha[sha]
        ordered.append(commit)
        sha = commit.parents[0] if commit.parents else None
    return ordered


def counted_commits(options: RuleOptions, context: Context) -> list[CommitFact]:
    """The history without update merges (when ignored) and commits by ignored users."""
    ordered = history(context.facts)
    shas = {c.sha for c in ordered}
    ignored = options.ignore_commits_by
    kept = []
    for commit in ordered:
        if options.ignore_update_merges and _update_merge(commit, shas):
            continue
        users = commit.users()
        if (
            named(ignored)
            and users
            and all(not_among(ignored, u, context, default_write=False) is None for u in users)
        ):
            continue
        kept.append(commit)
    return kept


def _update_merge(commit: CommitFact, shas: set[str]) -> bool:
    """A merge of the base into the branch, made on GitHub ("Update branch")."""
    return (
        len(commit.parents) == 2
        and commit.via_web
        and commit.parents[0] in shas
        and commit.parents[1] not in shas
    )


def banned(options: RuleOptions, context: Context, commits: Sequence[CommitFact]) -> dict[str, str]:
    """login (lower case) -> why their approval does not count, by the rule's options."""
    found: dict[str, str] = {}
    if not options.allow_author and not options.allow_contributor:
        found[context.facts.author.lower()] = "is the author"
    if not options.allow_contributor and not options.allow_non_author_contributor:
        for commit in reversed(commits):  # oldest first: name the first commit they made
            for user in commit.users():
                if not context.is_author(user):
                    found.setdefault(user.lower(), f"contributed commit {commit.sha[:7]}")
    return found


# -- pushes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LastPush:
    """The newest commit that counts, when it was pushed (None: unknown), and the commits
    from it to the head (the ones a review may have been given to)."""

    sha: str
    at: datetime | None
    since: frozenset[str]


def last_push(facts: PullRequestFacts, commits: Sequence[CommitFact]) -> LastPush | None:
    """None when there is no commit that counts (nothing to invalidate)."""
    head = facts.head_sha
    if not facts.commits:  # GitHub told us nothing of them: the head is all we know
        return LastPush(head, facts.pushed_at.get(head), frozenset({head}))
    if not commits:
        return None
    newest = commits[0]
    ordered = [c.sha for c in history(facts)]
    upto = ordered.index(newest.sha) if newest.sha in ordered else 0
    since = ordered[: upto + 1]
    # Pushed with later commits: the earliest push of it or of a descendant.
    at = next((facts.pushed_at[s] for s in reversed(since) if s in facts.pushed_at), None)
    return LastPush(newest.sha, at, frozenset(since))


def stale(candidate: Candidate, push: LastPush) -> str | None:
    """Why a candidate was given before the latest push (None: after it)."""
    if push.at is not None:
        # A review given to the pushed commit (or a later one) cannot be older than the
        # push: that settles a tie within GitHub's one-second resolution.
        if candidate.at > push.at or (
            candidate.at == push.at and candidate.commit_id in push.since
        ):
            return None
        return f"given before the push of {push.sha[:7]}"
    if candidate.commit_id is not None:
        if candidate.commit_id in push.since:
            return None
        return f"approved an older commit {candidate.commit_id[:7]}"
    return (
        f"a {candidate.how} cannot be placed after the push of {push.sha[:7]} "
        "(GitHub gave no push time); approve with a review"
    )
