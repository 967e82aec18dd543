"""Rendering an approval verdict: one pull request comment, and a commit status line.

The comment explains every rule, skipped ones included, and every review that
did not count. Logins, titles, paths and reasons are echoed through
`safe.markdown`: a pull request title or a file name cannot mention a team,
inject HTML or break the table.
"""

from __future__ import annotations

from maintain_repo.model.pull_facts import PullRequestFacts
from maintain_repo.policy.approval import DESCRIPTION_LIMIT, RuleResult, Verdict
from maintain_repo.report.safe import markdown, printable

_MARK = {
    "approved": "✅",
    "pending": "⏳",
    "skipped": "⏭️",
    "error": "⚠️",
    "disapproved": "❌",
}
_TITLE_LIMIT = 120


def status_description(verdict: Verdict) -> str:
    """The verdict in at most 140 characters of plain text (a commit status)."""
    text = printable(verdict.description)
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


def render_comment(verdict: Verdict, facts: PullRequestFacts) -> str:
    """Markdown for the pull request's comment: the verdict, each rule, and the
    approvals that did not count."""
    lines = [
        f"## {_MARK[verdict.status]} Approval: {verdict.status}",
        "",
        _about(verdict, facts),
        "",
        f"> {markdown(verdict.description)}",
        "",
        *_table(verdict.rules),
    ]
    if verdict.approvers:
        lines += ["", f"Approved by: {', '.join(markdown(a) for a in verdict.approvers)}"]
    dismissed = list(_dismissed(verdict.rules))
    if dismissed:
        lines += ["", "**Approvals that did not count**", "", *dismissed]
    return "\n".join(lines) + "\n"


def _about(verdict: Verdict, facts: PullRequestFacts) -> str:
    title = facts.title if len(facts.title) <= _TITLE_LIMIT else facts.title[:_TITLE_LIMIT] + "…"
    return (
        f"Policy **{markdown(verdict.policy_name)}** on #{facts.number} "
        f"({markdown(title)}), head commit {markdown(facts.head_sha[:7])}, "
        f"into {markdown(facts.base_ref)}."
    )


def _table(rules: tuple[RuleResult, ...]) -> list[str]:
    rows = [
        f"| {markdown(r.name)} | {_MARK[r.status]} {r.status} | {markdown(r.reason)} |"
        for r in rules
    ]
    return ["| Rule | Status | Why |", "| --- | --- | --- |", *rows]


def _dismissed(rules: tuple[RuleResult, ...]) -> list[str]:
    """One line per approval that did not count and why, naming the rules it did not count for."""
    by_review: dict[tuple[str, str], list[str]] = {}
    for rule in rules:
        for login, why in rule.dismissed:
            by_review.setdefault((login, why), []).append(rule.name)
    return [
        f"- {markdown(login)}: {markdown(why)} ({', '.join(markdown(n) for n in names)})"
        for (login, why), names in by_review.items()
    ]
