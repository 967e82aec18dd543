"""How votes are counted (policy-bot's semantics): methods, contributors, pushes, vetoes,
and the predicates over titles, branches and contributors, on literal facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maintain_repo.model.approval import ApprovalPolicy
from maintain_repo.model.pull_facts import CommentFact, CommitFact, PullRequestFacts, ReviewFact
from maintain_repo.policy.approval import Verdict, evaluate
from maintain_repo.policy.approval_problems import problems

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BASE = "b" * 40
C1, C2, C3, MERGE = "1" * 40, "2" * 40, "3" * 40, "4" * 40


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def review(user: str, minute: int, state: str = "APPROVED", commit: str = C2, body: str = ""):
    return ReviewFact(user, state, commit, at(minute), body)


def comment(user: str, minute: int, body: str, edited: bool = False) -> CommentFact:
    return CommentFact(user, body, at(minute), edited)


def commit(sha: str, parent: str, author: str | None, committer: str | None = None, **kw: Any):
    return CommitFact(sha, (parent,), author, committer or author, **kw)


def facts(**changed: Any) -> PullRequestFacts:
    """carol's pull request of two commits (C1 then C2, both hers), pushed at 0 and 10."""
    values: dict[str, Any] = {
        "number": 7,
        "author": "carol",
        "title": "Rotate the TLS certificate",
        "base_ref": "main",
        "head_ref": "rotate-tls",
        "head_sha": C2,
        "labels": (),
        "changed_files": ("app/tls.py",),
        "reviews": (),
        "statuses": {},
        "teams": {"acme/sre": frozenset({"alice"})},
        "permissions": {"alice": "write", "bob": "write", "carol": "write", "dan": "read"},
        "organizations": {"acme": frozenset({"alice", "bob"}), "partner": frozenset()},
        "body": "Rotates the certificate.",
        "created_at": at(0),
        "commits": (commit(C1, BASE, "carol"), commit(C2, C1, "carol")),
        "pushed_at": {C1: at(0), C2: at(10)},
    }
    values.update(changed)
    return PullRequestFacts(**values)


def judge(rule: dict[str, Any], pull: PullRequestFacts, **tree: Any) -> Verdict:
    document = {
        "kind": "ApprovalPolicy",
        "name": "approval",
        "policy": {"approval": [rule["name"]], **tree},
        "rules": [rule],
    }
    policy = ApprovalPolicy.model_validate(document)
    assert problems("p.yaml", policy) == []
    return evaluate(policy, pull, [], [])


def rule(**options: Any) -> dict[str, Any]:
    requires = options.pop("requires", {"count": 1})
    return {"name": "review", "requires": requires, "options": options}


def outcome(verdict: Verdict) -> tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]:
    result = next(r for r in verdict.rules if r.name == "review")
    return result.status, result.approvers, result.dismissed


# -- contributors ---------------------------------------------------------------------------

BOB_PUSHED = (commit(C1, BASE, "carol"), commit(C2, C1, "bob"))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param({}, ("pending", (), (("bob", "contributed commit 2222222"),)), id="excluded"),
        pytest.param(
            {"allow_contributor": True}, ("approved", ("bob",), ()), id="allow-contributor"
        ),
        pytest.param(
            {"allow_non_author_contributor": True},
            ("approved", ("bob",), ()),
            id="allow-non-author-contributor",
        ),
        pytest.param(
            {"ignore_commits_by": {"users": ["bob"]}},
            ("approved", ("bob",), ()),
            id="ignore-commits-by",
        ),
    ],
)
def test_a_contributor_cannot_approve_what_they_pushed(options, expected):
    pull = facts(commits=BOB_PUSHED, reviews=(review("bob", 20),))
    assert outcome(judge(rule(**options), pull)) == expected


def test_a_committer_is_a_contributor_too():
    pushed = (commit(C1, BASE, "carol"), commit(C2, C1, "carol", committer="bob"))
    verdict = judge(rule(), facts(commits=pushed, reviews=(review("bob", 20),)))
    assert outcome(verdict)[2] == (("bob", "contributed commit 2222222"),)


def test_allow_contributor_lets_the_author_approve_by_comment():
    pull = facts(comments=(comment("carol", 20, "LGTM :+1:"),))
    assert outcome(judge(rule(), pull))[2] == (("carol", "is the author"),)
    assert outcome(judge(rule(allow_contributor=True), pull))[:2] == ("approved", ("carol",))
    assert outcome(judge(rule(allow_author=True), pull))[:2] == ("approved", ("carol",))


def test_an_update_merge_made_on_github_is_neither_a_push_nor_a_contribution():
    merge = CommitFact(MERGE, (C2, BASE), "bob", "web-flow", via_web=True)
    pull = facts(
        head_sha=MERGE,
        commits=(*facts().commits, merge),
        pushed_at={C1: at(0), C2: at(10), MERGE: at(30)},
        reviews=(review("alice", 20),),
    )
    assert outcome(judge(rule(), pull))[2] == (("alice", "given before the push of 4444444"),)
    assert outcome(judge(rule(ignore_update_merges=True), pull))[:2] == ("approved", ("alice",))


# -- pushes ---------------------------------------------------------------------------------


def test_push_time_decides_not_the_sha_the_review_was_given_to():
    # Posted after the push of C2 but tied to C1 (the page was open before the push).
    late_on_old = review("alice", 15, commit=C1)
    early_on_head = review("bob", 5, commit=C2)  # before C2 was pushed: impossible on GitHub,
    verdict = judge(rule(), facts(reviews=(late_on_old, early_on_head)))  # but times decide
    assert outcome(verdict) == (
        "approved",
        ("alice",),
        (("bob", "given before the push of 2222222"),),
    )


def test_without_a_push_time_the_sha_decides_and_comments_do_not_count():
    pull = facts(
        pushed_at={},
        reviews=(review("alice", 15, commit=C1), review("bob", 16, commit=C2)),
        comments=(comment("dan", 17, ":+1:"),),
        permissions={"alice": "write", "bob": "write", "carol": "write", "dan": "write"},
    )
    status, approvers, dismissed = outcome(judge(rule(), pull))
    assert (status, approvers) == ("approved", ("bob",))
    assert dismissed[0] == ("alice", "approved an older commit 1111111")
    assert dismissed[1][0] == "dan"
    assert "cannot be placed after the push of 2222222" in dismissed[1][1]


def test_a_commit_pushed_with_later_ones_takes_their_push_time():
    # C1 and C2 were pushed together (the push's `after` is C2); C2's bob commit is ignored,
    # so the newest commit that counts is C1, pushed at 10.
    pull = facts(
        commits=BOB_PUSHED,
        pushed_at={C2: at(10)},
        reviews=(review("alice", 5), review("dan", 12)),
        permissions={"alice": "write", "dan": "write", "carol": "write", "bob": "write"},
    )
    verdict = judge(rule(ignore_commits_by={"users": ["bob"]}), pull)
    assert outcome(verdict) == (
        "approved",
        ("dan",),
        (("alice", "given before the push of 1111111"),),
    )


def test_a_bot_is_named_by_its_login_with_the_bot_suffix():
    """GitHub Apps commit as `name[bot]`: a policy names Dependabot so in ignore_commits_by,
    and its rebase no longer dismisses the approval given before it."""
    pushed = (commit(C1, BASE, "carol"), commit(C2, C1, "dependabot[bot]"))
    pull = facts(commits=pushed, reviews=(review("bob", 5, commit=C1),))
    assert outcome(judge(rule(), pull))[0] == "pending"  # bob approved before the bot's push
    verdict = judge(rule(ignore_commits_by={"users": ["dependabot[bot]"]}), pull)
    assert outcome(verdict)[:2] == ("approved", ("bob",))
    not_a_login = rule(ignore_commits_by={"users": ["dependabot[robot]"]})
    policy = ApprovalPolicy.model_validate(
        {
            "kind": "ApprovalPolicy",
            "name": "a",
            "policy": {"approval": ["review"]},
            "rules": [not_a_login],
        }
    )
    assert [f.message for f in problems("p.yaml", policy)] == [
        "'dependabot[robot]' is not a GitHub login"
    ]


def test_invalidate_on_push_off_keeps_older_approvals():
    pull = facts(reviews=(review("alice", 5, commit=C1),))
    assert outcome(judge(rule(invalidate_on_push=False), pull))[:2] == ("approved", ("alice",))


# -- methods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("methods", "body", "counts"),
    [
        pytest.param({}, "looks good :+1:", True, id="default-thumbs-up-text"),
        pytest.param({}, "\U0001f44d", True, id="default-thumbs-up-emoji"),
        pytest.param({}, "looks good", False, id="no-approval-word"),
        pytest.param({"comments": []}, ":+1:", False, id="comments-off"),
        pytest.param({"comments": ["ship it"]}, "ok, ship it!", True, id="custom-text"),
        pytest.param({"comments": ["ship it"]}, ":+1:", False, id="custom-replaces-default"),
        pytest.param(
            {"comment_patterns": ["(?i)^approved?\\b"]}, "Approve", True, id="pattern-matches"
        ),
        pytest.param(
            {"comments": [], "comment_patterns": ["^approve$"]},
            "I approve",
            False,
            id="anchored-pattern",
        ),
    ],
)
def test_approval_by_comment(methods, body, counts):
    pull = facts(comments=(comment("alice", 20, body),))
    status, approvers, _ = outcome(judge(rule(methods=methods), pull))
    assert (status, approvers) == (("approved", ("alice",)) if counts else ("pending", ()))


def test_a_commented_review_body_counts_as_a_comment():
    pull = facts(reviews=(review("alice", 20, "COMMENTED", body=":+1: nice"),))
    assert outcome(judge(rule(), pull))[:2] == ("approved", ("alice",))


def test_review_comment_patterns_and_reviews_off():
    pull = facts(reviews=(review("alice", 20, body="fine"), review("bob", 21, body="LGTM")))
    only_lgtm = rule(methods={"github_review_comment_patterns": ["LGTM"]})
    assert outcome(judge(only_lgtm, pull))[:2] == ("approved", ("bob",))
    no_reviews = rule(methods={"github_review": False})
    assert outcome(judge(no_reviews, pull))[:2] == ("pending", ())


def test_the_body_is_the_authors_approval_when_opened():
    pull = facts(body="Trivial: approved-by-author")
    method = {"body_patterns": ["approved-by-author"]}
    kept = rule(methods=method, invalidate_on_push=False)
    assert outcome(judge(kept, pull))[2] == (("carol", "is the author"),)
    verdict = judge(rule(methods=method, allow_author=True, invalidate_on_push=False), pull)
    assert outcome(verdict)[:2] == ("approved", ("carol",))
    # Opened before the latest push: the body no longer approves what came after.
    stale = outcome(judge(rule(methods=method, allow_author=True), pull))
    assert stale[2] == (("carol", "given before the push of 2222222"),)


def test_ignore_edited_comments():
    pull = facts(comments=(comment("alice", 20, ":+1:", edited=True),))
    assert outcome(judge(rule(), pull))[:2] == ("approved", ("alice",))
    edited = outcome(judge(rule(ignore_edited_comments=True), pull))
    assert edited == ("pending", (), (("alice", "edited the comment"),))


def test_a_later_request_for_changes_does_not_cancel_an_approval():
    pull = facts(reviews=(review("alice", 20), review("alice", 21, "CHANGES_REQUESTED")))
    assert outcome(judge(rule(), pull))[:2] == ("approved", ("alice",))


# -- who: organizations -----------------------------------------------------------------------


def test_organizations_in_requires():
    pull = facts(reviews=(review("bob", 20), review("dan", 21)))
    verdict = judge(rule(requires={"count": 1, "organizations": ["acme"]}), pull)
    assert outcome(verdict)[:2] == ("approved", ("bob",))
    assert ("dan", "not a member of acme") in outcome(verdict)[2]
    unknown = judge(rule(requires={"count": 1, "organizations": ["elsewhere"]}), pull)
    assert outcome(unknown)[0] == "error"


# -- disapproval ----------------------------------------------------------------------------

VETO = {"requires": {"organizations": ["acme"]}}


def veto(pull: PullRequestFacts, **disapproval: Any) -> tuple[str, str]:
    verdict = judge(rule(invalidate_on_push=False), pull, disapproval={**VETO, **disapproval})
    result = next(r for r in verdict.rules if r.name == "disapproval")
    return verdict.status, result.reason


def test_another_member_lifts_a_veto_by_approving_after_it():
    pull = facts(reviews=(review("alice", 20, "CHANGES_REQUESTED"), review("bob", 21)))
    assert veto(pull) == ("approved", "changes requested by alice, lifted by bob's approval")


def test_a_veto_after_the_latest_approval_stands():
    pull = facts(reviews=(review("bob", 20), review("alice", 21, "CHANGES_REQUESTED")))
    assert veto(pull) == ("disapproved", "changes requested by alice")


def test_someone_outside_requires_cannot_lift_a_veto():
    pull = facts(reviews=(review("alice", 20, "CHANGES_REQUESTED"), review("dan", 21)))
    assert veto(pull)[0] == "disapproved"


def test_disapproval_and_revocation_by_comment():
    pull = facts(comments=(comment("alice", 20, ":-1: not yet"),), reviews=(review("bob", 19),))
    assert veto(pull) == ("disapproved", "disapproved by alice")
    custom = {"options": {"methods": {"disapprove": {"comments": ["BLOCK"]}}}}
    assert veto(pull, **custom)[0] == "approved"
    blocked = facts(comments=(comment("alice", 20, "BLOCK"), comment("alice", 21, ":+1:")))
    assert veto(blocked, **custom)[0] != "disapproved"  # revoked by the default :+1:


def test_disapproval_if_predicates_disapprove_by_themselves():
    pull = facts(title="WIP: rotate", reviews=(review("alice", 20),))
    status, reason = veto(pull, **{"if": {"title": {"matches": ["^WIP"]}}})
    assert (status, reason) == ("disapproved", "title: the title matches ^WIP")


# -- predicates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "patterns", "holds"),
    [
        ("feat: add", {"matches": ["^feat"]}, True),
        ("fix: x", {"matches": ["^feat"]}, False),
        ("fix: x", {"not_matches": ["^WIP"]}, True),
        ("WIP fix", {"not_matches": ["^WIP"]}, False),
        ("WIP feat", {"matches": ["feat"], "not_matches": ["^WIP"]}, True),  # either side
    ],
)
def test_title(title, patterns, holds):
    gated = {"name": "review", "if": {"title": patterns}, "requires": {"count": 0}}
    verdict = judge(gated, facts(title=title))
    assert verdict.status == ("approved" if holds else "error")


@pytest.mark.parametrize(
    ("predicate", "commits", "holds"),
    [
        ({"has_contributor_in": {"users": ["bob"]}}, BOB_PUSHED, True),
        ({"has_contributor_in": {"users": ["bob"]}}, facts().commits, False),
        ({"only_has_contributors_in": {"organizations": ["acme"]}}, BOB_PUSHED, False),
        ({"only_has_contributors_in": {"users": ["carol", "bob"]}}, BOB_PUSHED, True),
        ({"author_is_only_contributor": True}, facts().commits, True),
        ({"author_is_only_contributor": True}, BOB_PUSHED, False),
        ({"author_is_only_contributor": False}, BOB_PUSHED, True),
        ({"from_branch": {"pattern": "^rotate-"}}, facts().commits, True),
    ],
)
def test_contributor_and_branch_predicates(predicate, commits, holds):
    gated = {"name": "review", "if": predicate, "requires": {"count": 0}}
    verdict = judge(gated, facts(commits=commits))
    assert verdict.status == ("approved" if holds else "error")


def test_new_patterns_are_checked_by_validate():
    document = {
        "kind": "ApprovalPolicy",
        "name": "approval",
        "policy": {
            "approval": ["review"],
            "disapproval": {
                "if": {"title": {"matches": ["("]}},
                "requires": {"organizations": ["acme/sre"]},
            },
        },
        "rules": [
            {
                "name": "review",
                "requires": {"count": 1},
                "options": {"methods": {"comment_patterns": ["[a-"]}},
            }
        ],
    }
    found = {
        ".".join(map(str, f.pointer)): f.message
        for f in problems("p.yaml", ApprovalPolicy.model_validate(document))
    }
    assert set(found) == {
        "rules.0.options.methods.comment_patterns.0",
        "policy.disapproval.requires.organizations.0",
        "policy.disapproval.if.title.matches.0",
    }
    assert found["policy.disapproval.requires.organizations.0"].endswith("list it under teams")
