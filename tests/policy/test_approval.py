"""The approval policy: policy-bot's semantics over literal pull request facts, the
problems `maintain policy validate` reports, the comment, and this repository's policy."""

from __future__ import annotations

import itertools
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from maintain_repo.cli import main
from maintain_repo.engine.load import load_policies, worktree_policies
from maintain_repo.model.approval import ApprovalPolicy
from maintain_repo.model.change import Change
from maintain_repo.model.findings import dotted
from maintain_repo.model.policies import FreezeWindow
from maintain_repo.model.pull_facts import PullRequestFacts, ReviewFact
from maintain_repo.policy.approval import (
    DESCRIPTION_LIMIT,
    NO_RULE_APPLIES,
    Verdict,
    evaluate,
)
from maintain_repo.policy.approval_problems import problems
from maintain_repo.policy.approval_votes import Candidate, latest_per_user
from maintain_repo.report.approval import render_comment, status_description

ROOT = Path(__file__).resolve().parents[2]
HEAD = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
OLD = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CHANGE_FILE = "records/changes/CHG-20261102-AB12.yaml"


_CLOCK = itertools.count(1)


def review(user: str, state: str = "APPROVED", commit: str = HEAD, body: str = "") -> ReviewFact:
    """A review a second after the one made before it (lists read in the order they
    happened)."""
    return ReviewFact(user, state, commit, T0 + timedelta(seconds=next(_CLOCK)), body)


def facts(**changed: Any) -> PullRequestFacts:
    """A pull request by carol to main; alice and bob are on the CAB, mira is SRE."""
    values: dict[str, Any] = {
        "number": 42,
        "author": "carol",
        "title": "Rotate the tracking-api TLS certificate",
        "base_ref": "main",
        "head_ref": "chg/rotate-tls",
        "head_sha": HEAD,
        "labels": ("change",),
        "changed_files": (CHANGE_FILE,),
        "reviews": (),
        "statuses": {"maintain check": "success"},
        "teams": {
            "parcelpoint/cab": frozenset({"alice", "bob"}),
            "parcelpoint/sre": frozenset({"mira"}),
        },
        "permissions": {
            "alice": "write",
            "bob": "write",
            "carol": "write",
            "dave": "write",
            "erin": "read",
            "mira": "admin",
        },
    }
    values.update(changed)
    return PullRequestFacts(**values)


def policy(
    rules: list[dict[str, Any]],
    approval: list[Any] | None = None,
    disapproval: dict[str, Any] | None = None,
) -> ApprovalPolicy:
    tree: dict[str, Any] = {"approval": approval if approval is not None else [rules[0]["name"]]}
    if disapproval is not None:
        tree["disapproval"] = disapproval
    document = {"kind": "ApprovalPolicy", "name": "change-approval", "policy": tree, "rules": rules}
    return ApprovalPolicy.model_validate(document)


def change(type_: str = "normal", risk: str | None = "low", **fields: Any) -> tuple[str, Change]:
    data: dict[str, Any] = {
        "id": "CHG-20261102-AB12",
        "kind": "change",
        "schema_version": 1,
        "title": "Rotate the tracking-api TLS certificate",
        "status": "submitted",
        "owner": "carol",
        "created_at": "2026-11-02T08:00:00Z",
        "type": type_,
        **({"risk": {"level": risk}} if risk else {}),
        **fields,
    }
    return CHANGE_FILE, Change.model_validate(data)


def judge(
    rules: list[dict[str, Any]],
    pull: PullRequestFacts | None = None,
    changes: list[tuple[str, Change]] | None = None,
    **tree: Any,
) -> Verdict:
    return evaluate(policy(rules, **tree), pull or facts(), changes or [], [])


def only(verdict: Verdict, name: str) -> Any:
    return next(r for r in verdict.rules if r.name == name)


# -- votes: one per user, the latest counts ------------------------------------------------

REVIEW = {"name": "review", "requires": {"count": 1}}


@pytest.mark.parametrize(
    ("reviews", "options", "status", "approvers", "dismissed"),
    [
        pytest.param([review("alice")], {}, "approved", ("alice",), (), id="an-approval"),
        pytest.param(
            [review("alice"), review("alice", "CHANGES_REQUESTED")],
            {},
            "approved",
            ("alice",),
            (),
            id="a-later-request-for-changes-keeps-the-approval",
        ),
        pytest.param(
            [review("alice", "CHANGES_REQUESTED"), review("alice")],
            {},
            "approved",
            ("alice",),
            (),
            id="latest-vote-wins-approved",
        ),
        pytest.param(
            [review("alice"), review("alice", "COMMENTED")],
            {},
            "approved",
            ("alice",),
            (),
            id="a-comment-changes-no-vote",
        ),
        pytest.param(
            [review("alice", "CHANGES_REQUESTED"), review("alice", "DISMISSED")],
            {},
            "pending",
            (),
            (),
            id="dismissed-approval-falls-back-to-changes-requested",
        ),
        pytest.param(
            [review("alice"), review("alice", "DISMISSED")],
            {},
            "approved",
            ("alice",),
            (),
            id="dismissed-request-falls-back-to-approval",
        ),
        pytest.param(
            [review("alice", "DISMISSED")], {}, "pending", (), (), id="dismissed-only-vote"
        ),
        pytest.param(
            [review("alice", commit=OLD)],
            {},
            "pending",
            (),
            (("alice", "approved an older commit 1a2b3c4"),),
            id="stale-approval-does-not-count",
        ),
        pytest.param(
            [review("alice", commit=OLD)],
            {"invalidate_on_push": False},
            "approved",
            ("alice",),
            (),
            id="stale-approval-counts-without-invalidate-on-push",
        ),
        pytest.param(
            [review("alice", commit=OLD), review("alice")],
            {},
            "approved",
            ("alice",),
            (),
            id="approval-again-on-the-head-counts",
        ),
        pytest.param(
            [review("alice"), review("alice", "COMMENTED", commit=OLD)],
            {},
            "approved",
            ("alice",),
            (),
            id="a-later-comment-keeps-the-head-approval",
        ),
        pytest.param(
            [review("carol")],
            {},
            "pending",
            (),
            (("carol", "is the author"),),
            id="the-author-does-not-count",
        ),
        pytest.param(
            [review("Carol")],
            {},
            "pending",
            (),
            (("Carol", "is the author"),),
            id="logins-ignore-case",
        ),
        pytest.param(
            [review("carol")],
            {"allow_author": True},
            "approved",
            ("carol",),
            (),
            id="allow-author",
        ),
    ],
)
def test_votes(reviews, options, status, approvers, dismissed):
    rule = {**REVIEW, "options": options}
    result = only(judge([rule], facts(reviews=tuple(reviews))), "review")
    assert (result.status, result.approvers, result.dismissed) == (status, approvers, dismissed)


def test_one_user_counts_once_however_often_they_approve():
    rule = {"name": "review", "requires": {"count": 2}}
    pull = facts(reviews=(review("alice", commit=OLD), review("alice"), review("alice")))
    result = only(judge([rule], pull), "review")
    assert result.status == "pending"
    assert (
        result.reason
        == "needs 1 more approval from anyone with write permission (has 1 of 2: alice)"
    )


def test_each_user_keeps_their_latest_candidate_oldest_first():
    at = [T0 + timedelta(minutes=m) for m in range(4)]
    found = latest_per_user(
        [
            Candidate("bob", at[0], "review"),
            Candidate("alice", at[1], "review"),
            Candidate("Bob", at[3], "comment"),
            Candidate("carol", at[2], "review"),
        ]
    )
    assert [(c.user, c.how) for c in found] == [
        ("alice", "review"),
        ("carol", "review"),
        ("Bob", "comment"),
    ]


# -- who counts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requires", "voter", "status", "dismissed"),
    [
        pytest.param({"teams": ["parcelpoint/cab"]}, "alice", "approved", (), id="team-member"),
        pytest.param(
            {"teams": ["@parcelpoint/CAB"]}, "Alice", "approved", (), id="team-names-ignore-case"
        ),
        pytest.param(
            {"teams": ["parcelpoint/cab"]},
            "dave",
            "pending",
            (("dave", "not in parcelpoint/cab"),),
            id="not-in-the-team",
        ),
        pytest.param({"users": ["dave"]}, "dave", "approved", (), id="listed-user"),
        pytest.param(
            {"users": ["alice", "bob"]},
            "dave",
            "pending",
            (("dave", "not alice or bob"),),
            id="not-a-listed-user",
        ),
        pytest.param({"permissions": ["admin"]}, "mira", "approved", (), id="admin"),
        pytest.param(
            {"permissions": ["admin"]},
            "alice",
            "pending",
            (("alice", "has write permission, needs admin"),),
            id="write-is-not-admin",
        ),
        pytest.param(
            {"permissions": ["maintain", "triage"]},
            "erin",
            "pending",
            (("erin", "has read permission, needs triage"),),
            id="the-lowest-listed-permission-is-enough",
        ),
        pytest.param({}, "dave", "approved", (), id="nobody-named-means-write"),
        pytest.param(
            {},
            "erin",
            "pending",
            (("erin", "has read permission, needs write"),),
            id="read-is-not-write",
        ),
        pytest.param(
            {},
            "zed",
            "pending",
            (("zed", "has no permission, needs write"),),
            id="unknown-permission-is-none",
        ),
        pytest.param(
            {"teams": ["parcelpoint/cab"], "users": ["erin"]}, "erin", "approved", (), id="union"
        ),
        pytest.param(
            {"teams": ["parcelpoint/cab"], "permissions": ["admin"]},
            "dave",
            "pending",
            (("dave", "not in parcelpoint/cab; has write permission, needs admin"),),
            id="every-reason",
        ),
    ],
)
def test_who_counts(requires, voter, status, dismissed):
    rule = {"name": "review", "requires": {"count": 1, **requires}}
    result = only(judge([rule], facts(reviews=(review(voter),))), "review")
    assert (result.status, result.dismissed) == (status, dismissed)


def test_a_team_whose_members_are_unknown_is_an_error_not_a_pass():
    rule = {"name": "cab", "requires": {"count": 1, "teams": ["parcelpoint/ghosts"]}}
    verdict = judge([rule], facts(reviews=(review("dave"),)))
    assert only(verdict, "cab").status == "error"
    assert verdict.status == "error"
    assert verdict.description == (
        "error: cab: cannot judge: the members of parcelpoint/ghosts are not known"
    )


def test_the_pending_reason_says_who_is_missing():
    rule = {"name": "cab", "requires": {"count": 2, "teams": ["parcelpoint/cab"]}}
    result = only(judge([rule], facts(reviews=(review("alice"), review("dave")))), "cab")
    assert result.reason == "needs 1 more approval from parcelpoint/cab (has 1 of 2: alice)"
    assert result.dismissed == (("dave", "not in parcelpoint/cab"),)


def test_count_zero_is_approved_without_reviews():
    verdict = judge([{"name": "catalogue", "requires": {"count": 0}}])
    assert only(verdict, "catalogue").reason == "no approval needed"
    assert (verdict.status, verdict.approvers) == ("approved", ())
    assert verdict.description == "approved: no approval needed (catalogue)"


# -- conditions hold a rule pending ----------------------------------------------------------

CI = {"name": "ci", "requires": {"conditions": {"has_status": {"statuses": ["maintain check"]}}}}


@pytest.mark.parametrize(
    ("statuses", "conclusions", "status", "reason"),
    [
        (
            {"maintain check": "success"},
            None,
            "approved",
            "no approval needed, and the conditions hold",
        ),
        (
            {"maintain check": "pending"},
            None,
            "pending",
            "waiting for status maintain check (is pending)",
        ),
        (
            {"maintain check": "failure"},
            None,
            "pending",
            "waiting for status maintain check (is failure)",
        ),
        ({}, None, "pending", "waiting for status maintain check (is missing)"),
        ({"maintain check": "neutral"}, ["success", "neutral"], "approved", None),
    ],
)
def test_conditions(statuses, conclusions, status, reason):
    rule: dict[str, Any] = {
        "name": "ci",
        "requires": {"conditions": {"has_status": {"statuses": ["maintain check"]}}},
    }
    if conclusions:
        rule["requires"]["conditions"]["has_status"]["conclusions"] = conclusions
    result = only(judge([rule], facts(statuses=statuses)), "ci")
    assert result.status == status
    if reason:
        assert result.reason == reason


def test_a_rule_waiting_for_approvals_and_a_status_says_both():
    rule = {
        "name": "review",
        "requires": {"count": 1, "conditions": {"has_status": {"statuses": ["maintain check"]}}},
    }
    result = only(judge([rule], facts(statuses={})), "review")
    assert result.reason == (
        "needs 1 more approval from anyone with write permission (has 0 of 1); "
        "waiting for status maintain check (is missing)"
    )


# -- predicates: the rule applies, or is skipped with why --------------------------------------


@pytest.mark.parametrize(
    ("predicates", "pull", "changes", "skipped"),
    [
        ({"changed_files": {"paths": ["^records/changes/"]}}, {}, None, None),
        (
            {"changed_files": {"paths": ["^records/changes/"]}},
            {"changed_files": ("README.md",)},
            None,
            "no changed file matches ^records/changes/",
        ),
        (
            {"changed_files": {"paths": ["^records/"], "ignore": ["^records/incidents/"]}},
            {"changed_files": ("records/incidents/INC-20261102-AB12.yaml",)},
            None,
            "no changed file matches ^records/ (ignoring ^records/incidents/)",
        ),
        (
            {"changed_files": {"paths": ["\\.ya?ml$"]}},
            {"changed_files": ("docs/a.md", "policies/sla.yml")},
            None,
            None,
        ),
        ({"only_changed_files": {"paths": ["^records/"]}}, {}, None, None),
        (
            {"only_changed_files": {"paths": ["^records/"]}},
            {"changed_files": (CHANGE_FILE, "README.md", "scripts/x")},
            None,
            "README.md (and 1 more) does not match ^records/",
        ),
        (
            {"only_changed_files": {"paths": ["^records/"]}},
            {"changed_files": ()},
            None,
            "no files changed",
        ),
        ({"has_labels": ["change"]}, {"labels": ("Change", "prod")}, None, None),
        (
            {"has_labels": ["change", "cab"]},
            {"labels": ("change",)},
            None,
            "missing label cab",
        ),
        ({"targets_branch": {"pattern": "^main$"}}, {}, None, None),
        (
            {"targets_branch": {"pattern": "^main$"}},
            {"base_ref": "release/2026.11"},
            None,
            "targets release/2026.11, which does not match ^main$",
        ),
        ({"has_author_in": {"teams": ["parcelpoint/sre"]}}, {"author": "mira"}, None, None),
        (
            {"has_author_in": {"teams": ["parcelpoint/sre"], "users": ["dave"]}},
            {},
            None,
            "the author carol is not dave; not in parcelpoint/sre",
        ),
        ({"change": {"types": ["standard"]}}, {}, [change("standard")], None),
        (
            {"change": {"types": ["standard"]}},
            {},
            [change("normal")],
            "no change record it touches is of type standard",
        ),
        ({"change": {"risk": ["high", "critical"]}}, {}, [change("normal", "critical")], None),
        (
            {"change": {"risk": ["high", "critical"]}},
            {},
            [change("normal", "low"), change("normal", None)],
            "no change record it touches is of high or critical risk",
        ),
        (
            {"change": {"types": ["standard"], "risk": ["high"]}},
            {},
            [change("standard", "low"), change("normal", "high")],
            "no change record it touches is of type standard and of high risk",
        ),
        ({"change": {"types": ["standard"]}}, {}, [], "touches no change record"),
        (
            {"has_status": {"statuses": ["maintain check"]}},
            {"statuses": {"maintain check": "pending"}},
            None,
            "waiting for status maintain check (is pending)",
        ),
        (
            {"has_labels": ["cab"], "targets_branch": {"pattern": "^main$"}},
            {"labels": (), "base_ref": "hotfix"},
            None,
            "missing label cab; targets hotfix, which does not match ^main$",
        ),
    ],
)
def test_predicates(predicates, pull, changes, skipped):
    rules = [{"name": "gated", "if": predicates}, {"name": "fallback"}]
    verdict = judge(rules, facts(**pull), changes, approval=["gated", "fallback"])
    result = only(verdict, "gated")
    if skipped is None:
        assert result.status == "approved", result.reason
    else:
        assert (result.status, result.reason) == ("skipped", f"skipped: {skipped}")


# -- and / or and skips ---------------------------------------------------------------------

TREE_RULES = [
    {"name": "ok"},  # approved: count 0
    {"name": "waits", "requires": {"count": 2}},  # alice's approval: 1 of 2
    {"name": "off", "if": {"has_labels": ["never"]}},
    {"name": "off-too", "if": {"targets_branch": {"pattern": "^nowhere$"}}},
    {"name": "broken", "requires": {"count": 1, "teams": ["parcelpoint/ghosts"]}},
]


@pytest.mark.parametrize(
    ("approval", "status"),
    [
        (["ok"], "approved"),
        (["waits"], "pending"),
        (["ok", "waits"], "pending"),
        ([{"or": ["ok", "waits"]}], "approved"),
        ([{"or": ["waits", "off"]}], "pending"),
        ([{"and": ["ok", "off"]}], "approved"),
        ([{"and": ["ok", "waits"]}], "pending"),
        ([{"or": ["off", "off-too"]}, "ok"], "approved"),
        ([{"and": ["off", {"or": ["off-too"]}]}, "waits"], "pending"),
        (["off"], "error"),
        ([{"or": ["off", "off-too"]}], "error"),
        ([{"and": [{"or": ["off"]}, "off-too"]}], "error"),
        (["broken"], "error"),
        ([{"or": ["broken", "ok"]}], "approved"),
        ([{"or": ["broken", "waits"]}], "pending"),
        ([{"and": ["broken", "ok"]}], "error"),
        ([{"or": [{"and": ["ok", "waits"]}, {"and": ["ok", "off"]}]}], "approved"),
    ],
)
def test_and_or_and_skips(approval, status):
    verdict = judge(TREE_RULES, facts(reviews=(review("alice"),)), approval=approval)
    assert verdict.status == status
    if status == "error" and "broken" not in str(approval):
        assert verdict.description == f"error: {NO_RULE_APPLIES}"


def test_every_rule_the_policy_uses_is_explained_skipped_ones_too():
    verdict = judge(
        TREE_RULES, facts(reviews=(review("alice"),)), approval=[{"or": ["off", "ok"]}, "waits"]
    )
    assert [(r.name, r.status) for r in verdict.rules] == [
        ("ok", "approved"),
        ("waits", "pending"),
        ("off", "skipped"),
    ]
    assert only(verdict, "off").reason == "skipped: missing label never"
    assert verdict.description == (
        "pending: waits: needs 1 more approval from anyone with write permission "
        "(has 1 of 2: alice)"
    )


def test_the_pending_description_names_only_the_rules_that_block():
    approval = [{"or": ["ok", "off"]}, {"and": ["waits", "off"]}, {"or": ["waits", "off"]}]
    verdict = judge(TREE_RULES, facts(reviews=(review("alice"),)), approval=approval)
    assert verdict.description.startswith("pending: waits: needs 1 more approval")
    assert verdict.description.count("waits:") == 1


# -- disapproval ---------------------------------------------------------------------------

VETO = {"requires": {"teams": ["parcelpoint/sre"]}}


@pytest.mark.parametrize(
    ("reviews", "disapproval", "status"),
    [
        ([review("alice"), review("mira", "CHANGES_REQUESTED")], VETO, "disapproved"),
        ([review("alice"), review("mira", "CHANGES_REQUESTED", commit=OLD)], VETO, "disapproved"),
        ([review("mira", "CHANGES_REQUESTED"), review("mira")], VETO, "approved"),
        ([review("alice"), review("dave", "CHANGES_REQUESTED")], VETO, "approved"),
        ([review("alice"), review("mira", "CHANGES_REQUESTED")], None, "approved"),
        (
            [review("alice"), review("mira", "CHANGES_REQUESTED")],
            {"requires": {"users": ["mira"]}},
            "disapproved",
        ),
        (
            [review("alice"), review("dave", "CHANGES_REQUESTED")],
            {"requires": {"permissions": ["write"]}},
            "disapproved",
        ),
    ],
)
def test_disapproval_beats_approval(reviews, disapproval, status):
    verdict = judge([REVIEW], facts(reviews=tuple(reviews)), disapproval=disapproval)
    assert verdict.status == status
    assert only(verdict, "review").status == "approved"


def test_a_veto_names_who_vetoed_and_requests_that_are_no_veto():
    pull = facts(
        reviews=(
            review("alice"),
            review("dave", "CHANGES_REQUESTED"),
            review("mira", "CHANGES_REQUESTED"),
        )
    )
    verdict = judge([REVIEW], pull, disapproval=VETO)
    assert verdict.description == "disapproved: changes requested by mira"
    veto = only(verdict, "disapproval")
    assert veto.dismissed == (("dave", "requested changes but not in parcelpoint/sre"),)
    quiet = judge([REVIEW], facts(reviews=(review("alice"),)), disapproval=VETO)
    assert only(quiet, "disapproval").reason == "no veto from parcelpoint/sre"


# -- freeze windows ------------------------------------------------------------------------

FREEZE = FreezeWindow.model_validate(
    {
        "kind": "FreezeWindow",
        "name": "black-friday",
        "services": ["tracking-api"],
        "start": "2026-11-23T00:00:00Z",
        "end": "2026-12-01T00:00:00Z",
        "approvers": ["mira"],
    }
)
SCHEDULED = {
    "status": "scheduled",
    "services": ["tracking-api"],
    "schedule": {"planned_start": "2026-11-27T10:00:00Z", "planned_end": "2026-11-27T11:00:00Z"},
}


def test_a_change_scheduled_in_a_deny_window_is_disapproved_however_approved():
    changes = [change("normal", **SCHEDULED)]
    verdict = evaluate(
        policy([REVIEW]), facts(reviews=(review("alice"),)), changes, [("policies/bf.yaml", FREEZE)]
    )
    assert verdict.status == "disapproved"
    frozen = only(verdict, "freeze-windows")
    assert frozen.status == "disapproved"
    assert "CHG-20261102-AB12 is scheduled 2026-11-27T10:00Z to 2026-11-27T11:00Z" in frozen.reason
    assert "inside freeze window black-friday" in frozen.reason
    assert only(verdict, "review").status == "approved"  # still explained
    assert verdict.description.startswith("disapproved: CHG-20261102-AB12 is scheduled")


def test_an_approved_emergency_override_is_not_a_freeze_violation():
    override = {"freeze_override": {"justification": "Carrier outage fix", "approver": "mira"}}
    changes = [change("emergency", **SCHEDULED, **override)]
    verdict = evaluate(
        policy([REVIEW]), facts(reviews=(review("alice"),)), changes, [("policies/bf.yaml", FREEZE)]
    )
    assert verdict.status == "approved"
    assert [r.name for r in verdict.rules] == ["review"]


def test_a_change_outside_the_window_is_not_disapproved():
    later = {
        **SCHEDULED,
        "schedule": {
            "planned_start": "2026-12-02T10:00:00Z",
            "planned_end": "2026-12-02T11:00:00Z",
        },
    }
    verdict = evaluate(
        policy([REVIEW]),
        facts(reviews=(review("alice"),)),
        [change("normal", **later)],
        [("p", FREEZE)],
    )
    assert verdict.status == "approved"


# -- policies that cannot judge ----------------------------------------------------------------


def test_an_empty_policy_is_an_error():
    verdict = evaluate(policy([], approval=[]), facts(), [], [])
    assert verdict.status == "error"
    assert (
        verdict.description
        == "error: approval policy is invalid: rules: the policy has no rules (and 1 more problems)"
    )
    assert [r.name for r in verdict.rules] == ["approval-policy"]


def test_a_policy_with_problems_judges_nothing():
    verdict = evaluate(
        policy([REVIEW], approval=["reveiw"]), facts(reviews=(review("alice"),)), [], []
    )
    assert verdict.status == "error"
    assert verdict.description == (
        "error: approval policy is invalid: policy.approval[0]: no rule is called 'reveiw'; "
        "did you mean 'review'?"
    )


def nested(depth: int) -> list[Any]:
    item: Any = "review"
    for level in range(depth):
        item = {("or" if level % 2 else "and"): [item]}
    return [item]


@pytest.mark.parametrize(
    ("rules", "approval", "disapproval", "expected"),
    [
        ([REVIEW], ["review"], None, []),
        ([REVIEW], nested(5), None, []),
        (
            [REVIEW],
            nested(6),
            None,
            [
                (
                    "policy.approval[0].or[0].and[0].or[0].and[0].or[0].and",
                    "and/or blocks nest at most 5 deep",
                )
            ],
        ),
        (
            [REVIEW],
            ["review", {"or": ["review", "peer"]}],
            None,
            [("policy.approval[1].or[1]", "no rule is called 'peer'")],
        ),
        ([REVIEW], [{"and": []}], None, [("policy.approval[0].and", "an empty and block")]),
        ([REVIEW], ["review", {"or": []}], None, [("policy.approval[1].or", "an empty or block")]),
        (
            [REVIEW],
            [],
            None,
            [("policy.approval", "approval lists nothing, so nothing can approve")],
        ),
        (
            [REVIEW, {"name": "review"}],
            ["review"],
            None,
            [("rules[1].name", "rules[0] is also named 'review'; names are unique")],
        ),
        (
            [{"name": "disapproval"}],
            ["disapproval"],
            None,
            [("rules[0].name", "'disapproval' is reserved for the verdict's own results")],
        ),
        (
            [{"name": "files", "if": {"changed_files": {"paths": ["^ok/", "(unclosed"]}}}],
            ["files"],
            None,
            [
                (
                    "rules[0].if.changed_files.paths[1]",
                    "not a valid regular expression: missing ), unterminated subpattern at "
                    "position 0",
                )
            ],
        ),
        (
            [
                {
                    "name": "files",
                    "if": {"targets_branch": {"pattern": "*main"}},
                    "requires": {"conditions": {"only_changed_files": {"paths": ["[z-a]"]}}},
                }
            ],
            ["files"],
            None,
            [
                (
                    "rules[0].if.targets_branch.pattern",
                    "not a valid regular expression: nothing to repeat at position 0",
                ),
                (
                    "rules[0].requires.conditions.only_changed_files.paths[0]",
                    "not a valid regular expression: bad character range z-a at position 1",
                ),
            ],
        ),
        (
            [{"name": "cab", "requires": {"count": 1, "teams": ["cab"], "users": ["acme/sre"]}}],
            ["cab"],
            {"requires": {"teams": ["parcelpoint/sre/x"], "users": ["bad login"]}},
            [
                ("rules[0].requires.teams[0]", "'cab' is not a team: write org/team-slug"),
                ("rules[0].requires.users[0]", "'acme/sre' is a team: list it under teams"),
                (
                    "policy.disapproval.requires.teams[0]",
                    "'parcelpoint/sre/x' is not a team: write org/team-slug",
                ),
                ("policy.disapproval.requires.users[0]", "'bad login' is not a GitHub login"),
            ],
        ),
        (
            [{"name": "mine", "if": {"has_author_in": {"teams": ["sre"]}}}],
            ["mine"],
            None,
            [("rules[0].if.has_author_in.teams[0]", "'sre' is not a team: write org/team-slug")],
        ),
        (
            [
                {
                    "name": "lgtm-reviews",
                    "options": {
                        "methods": {
                            "github_review": False,
                            "github_review_comment_patterns": ["(?i)lgtm"],
                        }
                    },
                }
            ],
            ["lgtm-reviews"],
            None,
            [
                (
                    "rules[0].options.methods.github_review",
                    "github_review is false, yet github_review_comment_patterns count reviews: "
                    "remove one of them",
                )
            ],
        ),
    ],
)
def test_problems(rules, approval, disapproval, expected):
    found = problems("policies/approval.yaml", policy(rules, approval, disapproval))
    assert [(dotted(f.pointer or ()), f.message) for f in found] == expected
    assert all(f.rule == "policy-error" and f.path == "policies/approval.yaml" for f in found)


def test_a_block_that_is_neither_and_nor_or_is_a_schema_error():
    with pytest.raises(ValueError, match="expected a rule name, or a block"):
        policy([REVIEW], approval=[{"xor": ["review"]}])
    with pytest.raises(ValueError, match="if_"):
        policy([{"name": "x", "if_": {}}])  # the YAML key is `if`


# -- the comment and the commit status -----------------------------------------------------------


def test_descriptions_fit_a_commit_status():
    rules = [
        {
            "name": f"needs-the-{name}-team-review",
            "requires": {"count": 3, "teams": [f"parcelpoint/{name}"]},
        }
        for name in ("payments", "tracking", "carriers", "merchants", "notifications")
    ]
    teams = {
        f"parcelpoint/{n}": frozenset()
        for n in ("payments", "tracking", "carriers", "merchants", "notifications")
    }
    verdict = judge(rules, facts(teams=teams), approval=[r["name"] for r in rules])
    assert verdict.status == "pending"
    assert len(verdict.description) == DESCRIPTION_LIMIT
    assert verdict.description.endswith("…")
    noisy = Verdict("error", "error: \x1b[31m" * 20, (), (), "p")
    assert len(status_description(noisy)) <= DESCRIPTION_LIMIT
    assert "\x1b" not in status_description(noisy)


def test_the_comment_explains_every_rule_and_neutralises_github_text():
    pull = facts(
        title="<script>alert(1)</script> ping @parcelpoint/sre",
        reviews=(review("alice", commit=OLD), review("<img src=x>"), review("carol")),
        permissions={"alice": "write", "<img src=x>": "write"},
        changed_files=("records/a|b.yaml",),
    )
    rules = [
        {"name": "review", "requires": {"count": 1, "teams": ["parcelpoint/cab"]}},
        {"name": "records-only", "if": {"changed_files": {"paths": ["^policies/"]}}},
    ]
    verdict = judge(rules, pull, approval=["review", "records-only"])
    comment = render_comment(verdict, pull)
    assert comment.startswith("## ⏳ Approval: pending\n")
    assert "<script>" not in comment
    assert "<img" not in comment
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in comment
    assert "@parcelpoint/sre" not in comment
    assert "@\u200dparcelpoint/sre" in comment
    rows = [line for line in comment.splitlines() if line.startswith("| ")]
    assert rows[2:] == [
        "| review | ⏳ pending | needs 1 more approval from parcelpoint/cab (has 0 of 1) |",
        "| records-only | ⏭️ skipped | skipped: no changed file matches ^policies/ |",
    ]
    assert "- alice: approved an older commit 1a2b3c4 (review)" in comment
    assert "- &lt;img src=x&gt;: not in parcelpoint/cab (review)" in comment
    assert "- carol: is the author (review)" in comment


def test_a_file_name_cannot_break_the_table():
    pull = facts(changed_files=("records/a|b.yaml",))
    rule = {"name": "only", "if": {"only_changed_files": {"paths": ["^policies/"]}}}
    comment = render_comment(judge([rule, {"name": "any"}], pull, approval=["only", "any"]), pull)
    row = next(line for line in comment.splitlines() if line.startswith("| only "))
    assert "records/a\\|b.yaml" in row
    assert row.replace("\\|", "").count("|") == 4


# -- maintain policy validate, and this repository's own policy -----------------------------------


@pytest.fixture
def ops(tmp_path):
    root = tmp_path / "ops"
    for folder in ("records", "policies", "schemas"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def test_validate_reports_a_broken_approval_policy_at_its_lines(ops, capsys):
    path = ops / "policies/approval.yaml"
    text = path.read_text()
    text = text.replace("    - high-risk-needs-cab\n", "    - high-risk-needs-cabb\n")
    text = text.replace("teams: [parcelpoint/cab]", "teams: [cab]")
    text = text.replace("{pattern: '^main$'}", "{pattern: '(main'}")
    path.write_text(text)
    assert main(["--root", str(ops), "policy", "validate"]) == 1
    out = capsys.readouterr().out
    assert (
        "policies/approval.yaml:18:7: error policy-error no rule is called "
        "'high-risk-needs-cabb'; did you mean 'high-risk-needs-cab'?"
    ) in out
    assert (
        "policies/approval.yaml:31:24: error policy-error not a valid regular expression: "
        "missing ), unterminated subpattern at position 0"
    ) in out
    assert "policies/approval.yaml:61:15: error policy-error 'cab' is not a team" in out


def test_validate_reports_a_second_approval_policy(ops, capsys):
    (ops / "policies/approval-laxer.yaml").write_text(
        "kind: ApprovalPolicy\nname: laxer\npolicy:\n  approval: [anything]\n"
        "rules:\n  - name: anything\n"
    )
    assert main(["--root", str(ops), "policy", "validate"]) == 1
    out = capsys.readouterr().out
    assert (
        "policies/approval.yaml:6:1: error policy-conflict a second approval policy "
        "(policies/approval-laxer.yaml is the first); a repository has one, so merge them"
    ) in out
    policies = load_policies(
        (p.relative_to(ops).as_posix(), p.read_bytes()) for p in (ops / "policies").glob("*.yaml")
    )
    assert policies.approval is not None
    assert policies.approval[0] == "policies/approval-laxer.yaml"


def test_this_repositorys_policy_is_valid_and_checks_clean(capsys):
    assert main(["--root", str(ROOT), "policy", "validate"]) == 0
    assert capsys.readouterr().out == "policies are valid\n"
    # (The whole repository's check depends on the day: ./scripts/maintain check runs it.)
    assert main(["--root", str(ROOT), "check", "--no-cache", "policies/approval.yaml"]) == 0
    assert capsys.readouterr().out.endswith("1 passed, 0 failed, 0 waived\n")
    loaded = worktree_policies(ROOT).approval
    assert loaded is not None
    assert loaded[0] == "policies/approval.yaml"
    assert problems(*loaded) == []


REPOSITORY = worktree_policies(ROOT)


@pytest.mark.parametrize(
    ("change_fields", "files", "reviews", "status", "blocking"),
    [
        pytest.param(
            ("standard", "low"),
            (CHANGE_FILE,),
            (),
            "approved",
            "",
            id="standard-change-on-green-ci",
        ),
        pytest.param(
            ("standard", "high"),
            (CHANGE_FILE,),
            (review("alice"),),
            "pending",
            "high-risk-needs-cab",
            id="a-high-risk-standard-change-still-needs-the-cab",
        ),
        pytest.param(
            ("normal", "low"),
            (CHANGE_FILE,),
            (),
            "pending",
            "peer-review",
            id="a-normal-change-needs-a-review",
        ),
        pytest.param(
            ("normal", "high"),
            (CHANGE_FILE,),
            (review("alice"), review("bob")),
            "approved",
            "",
            id="two-cab-members-approve-a-high-risk-change",
        ),
        pytest.param(
            ("normal", "low"),
            (CHANGE_FILE, "policies/sla.yaml"),
            (review("alice"),),
            "pending",
            "policies-need-sre",
            id="a-policy-change-needs-sre",
        ),
    ],
)
def test_this_repositorys_policy_on_typical_pull_requests(
    change_fields, files, reviews, status, blocking
):
    assert REPOSITORY.approval is not None
    pull = facts(changed_files=files, reviews=reviews)
    verdict = evaluate(REPOSITORY.approval[1], pull, [change(*change_fields)], REPOSITORY.freezes)
    assert verdict.status == status, verdict.description
    assert blocking in verdict.description
    assert len(verdict.description) <= DESCRIPTION_LIMIT


def test_reviews_are_judged_by_sha_not_by_time():
    # An approval submitted after the last push but against the old head does not count;
    # one submitted earlier against the current head does.
    late_on_old = ReviewFact("alice", "APPROVED", OLD, T0 + timedelta(hours=5))
    early_on_head = ReviewFact("bob", "APPROVED", HEAD, T0 - timedelta(hours=5))
    result = only(judge([REVIEW], facts(reviews=(early_on_head, late_on_old))), "review")
    assert result.approvers == ("bob",)
    assert result.dismissed == (("alice", "approved an older commit 1a2b3c4"),)
