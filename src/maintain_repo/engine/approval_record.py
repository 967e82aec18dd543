"""After a change's pull request merges, its change records get their `approval` block:
the verdict's policy, the approvers with when they approved, the head commit they
approved, and when it was judged; through each record's pull request, as every
machine-made edit.

It runs on the push that a merge makes to the default branch (`maintain github sync`
on a `push` event: the pull requests merged as the pushed commit), or on a
`pull_request` `closed` event of a merged pull request. The verdict is the
ApprovalPolicy's on the merged pull request, judged again (the base branch's policy,
GitHub's reviews and votes): a pull request merged without an approving verdict (an
administrator's bypass) gets no block, and its change records keep saying so (a
`normal` change needs one to be implemented). A submitted change moves to `approved`.
Record pull requests (maintain's own) approve nothing, a verdict that needed no
approver records nothing, and a change that is already being implemented keeps the
approval it went in with (one implemented before its approval was written gets it).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from maintain_repo.engine.incident_edits import handle_of
from maintain_repo.engine.incidents import Ops
from maintain_repo.engine.proposals import Refused, edit_record, record_path
from maintain_repo.git.branches import PREFIX
from maintain_repo.github.events import default_branch_of
from maintain_repo.github.markers import marker
from maintain_repo.model.change import LIFECYCLE
from maintain_repo.model.pull_facts import PullRequestFacts
from maintain_repo.model.timestamps import format_timestamp
from maintain_repo.store.repo import RECORDS
from maintain_repo.store.roundtrip import append, place, plain

# A change is approved for implementation: a pull request merged later (closing it, a
# review) does not replace the approval it was implemented with.
BEFORE_IMPLEMENTATION = ("draft", "submitted", "approved", "scheduled")


def approval_block(verdict: Any, facts: PullRequestFacts, now: datetime) -> dict[str, Any]:
    """The `approval` block of an approved verdict: each approver with the time of their
    latest approval of the head commit (a review, else a comment vote)."""
    approvers = []
    for login in verdict.approvers:
        times = [
            review.submitted_at
            for review in facts.reviews
            if review.user == login and review.state == "APPROVED"
        ] or [comment.created_at for comment in facts.comments if comment.user == login]
        approvers.append({"login": login, "at": format_timestamp(max(times) if times else now)})
    block: dict[str, Any] = {
        "pull_request": facts.number,
        "head_sha": facts.head_sha,
        "approvers": approvers,
    }
    if verdict.policy_name:
        block["policy"] = verdict.policy_name
    block["evaluated_at"] = format_timestamp(now)
    return block


def write_approval(block: dict[str, Any], by: str) -> Any:
    """A change (for `proposals.edit_record`) writing `block` into a change record."""

    def change(data: Any) -> str | None:
        current = data.get("approval")
        if current is not None and data.get("status") not in BEFORE_IMPLEMENTATION:
            return None  # edited after it was implemented: the approval it went in with stays
        same = (
            isinstance(current, dict)
            and current.get("pull_request") == block["pull_request"]
            and current.get("head_sha") == block["head_sha"]
        )
        if same:
            return None  # written before: the first judgement of that head stands
        place(data, "approval", block)
        moved = ""
        if data.get("status") == "submitted":
            record = plain(data)
            if LIFECYCLE.reaches("submitted", "approved", record) and not LIFECYCLE.missing(
                record, "approved"
            ):
                data["status"] = "approved"
                moved = "; submitted -> approved"
        names = ", ".join(a["login"] for a in block["approvers"])
        append(
            data,
            "timeline",
            {
                "at": block["evaluated_at"],
                "by": by,
                "event": "approved",
                "text": f"pull request #{block['pull_request']} approved by {names}{moved}",
                "source": f"github:pull_request:{block['pull_request']}",
            },
        )
        return f"{data.get('id')}: approval of #{block['pull_request']} by {names}{moved}"

    return change


def record_approvals(ops: Ops, number: int, now: datetime) -> tuple[list[str], bool]:
    """Write the approval block of merged pull request `number` into the change records
    it touched: (summary lines, failed)."""
    from maintain_repo.engine.approve import judge

    pull = ops.api.pull(number)
    if not pull.merged:
        return [f"#{number} is not merged; no approval is recorded"], False
    if pull.head_ref.startswith(PREFIX):
        return [f"#{number} is a record pull request of maintain; it approves no change"], False
    verdict, facts = judge(ops, number)
    changed = sorted(
        rel
        for rel in facts.changed_files
        if rel.startswith(f"{RECORDS}/changes/") and rel.endswith(".yaml")
    )
    if not changed:
        return [f"#{number} touches no change record"], False
    if verdict.status != "approved":
        return [
            f"#{number} was merged without an approving verdict ({verdict.status}: "
            f"{verdict.description}); no approval block is written"
        ], False
    if not verdict.approvers:
        # The policy asked nobody (a standard change's rule with count 0, say): there is
        # no approval to record, and a change needing one says so itself.
        return [f"#{number} needed no approver; no approval block is written"], False
    block = approval_block(verdict, facts, now)
    lines, failed = [], False
    for rel in changed:
        record_id = Path(rel).stem
        if not (ops.root / rel).is_file() or record_path(ops.root, record_id) != ops.root / rel:
            continue  # deleted since, or not named by its id: `maintain check` says so
        change = write_approval(block, handle_of(ops.api.login))

        def edit(checkout: Path, record_id: str = record_id, change: Any = change) -> str | None:
            return edit_record(checkout, record_id, change)

        try:
            proposal = ops.propose(
                record_id,
                edit,
                f"Change {record_id}: approved in #{number}",
                f"The approval of #{number} (head `{facts.head_sha[:12]}`), written by "
                "maintain.\n\n" + marker("pull", record_id),
            )
        except Refused as e:
            lines.append(f"{record_id}: not written: {e}")
            failed = True
            continue
        where = f" (pull request #{proposal.pull.number})" if proposal.pull else ""
        done = "approval written" if proposal.published.changed else "already says so"
        lines.append(f"{record_id}: {done}{where}")
    return lines, failed


def merged_pulls(ops: Ops, payload: dict[str, Any]) -> list[int]:
    """The pull requests a push event's head commit was merged as (a push to the default
    branch only)."""
    after = payload.get("after")
    ref = payload.get("ref")
    default = default_branch_of(payload)
    if not isinstance(after, str) or default is None or ref != f"refs/heads/{default}":
        return []
    if set(after) == {"0"}:
        return []  # a deleted branch
    return ops.api.pulls_of_commit(after)
