"""The predicates of an approval policy (`if`, `requires.conditions`, `disapproval.if`):
facts about a pull request, each judged with a sentence saying why it does or does not
hold. Regular expressions are searched anywhere in the text (as policy-bot's are).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from maintain_repo.model.approval import Predicates, TextPatterns
from maintain_repo.model.change import Change
from maintain_repo.model.pull_facts import PullRequestFacts
from maintain_repo.policy.approval_people import Context, either, not_among
from maintain_repo.policy.patterns import search


class Judged(NamedTuple):
    """One predicate: its name, whether it holds, and why (for people)."""

    name: str
    holds: bool
    why: str


def given(predicates: Predicates) -> bool:
    return any(getattr(predicates, name) not in (None, []) for name in Predicates.model_fields)


def unmet(predicates: Predicates, context: Context) -> Iterator[str]:
    """Why each predicate that does not hold does not (nothing: they all hold)."""
    return (j.why for j in judge(predicates, context) if not j.holds)


def judge(predicates: Predicates, context: Context) -> Iterator[Judged]:
    """Every predicate given, judged (may raise `Unknown`)."""
    facts = context.facts
    if predicates.changed_files is not None:
        yield _changed(predicates.changed_files.paths, predicates.changed_files.ignore, facts)
    if predicates.only_changed_files is not None:
        yield _only(predicates.only_changed_files.paths, facts)
    if predicates.has_labels:
        yield _labels(predicates.has_labels, facts)
    if predicates.targets_branch is not None:
        pattern = predicates.targets_branch.pattern
        yield _branch("targets_branch", "targets", pattern, facts.base_ref)
    if predicates.from_branch is not None:
        pattern = predicates.from_branch.pattern
        yield _branch("from_branch", "comes from", pattern, facts.head_ref)
    if predicates.title is not None:
        yield _title(predicates.title, facts.title)
    if predicates.has_author_in is not None:
        why = not_among(predicates.has_author_in, facts.author, context, default_write=False)
        yield Judged(
            "has_author_in",
            why is None,
            f"the author {facts.author} is {why}" if why else f"the author is {facts.author}",
        )
    yield from _contributors(predicates, context)
    if predicates.change is not None:
        yield _change(predicates.change.types, predicates.change.risk, context.changes)
    if predicates.has_status is not None:
        status = predicates.has_status
        yield _statuses(status.statuses, status.conclusions, facts)


def _changed(paths: list[str], ignore: list[str], facts: PullRequestFacts) -> Judged:
    considered = [f for f in facts.changed_files if not any(search(i, f) for i in ignore)]
    hit = next((f for f in considered for p in paths if search(p, f)), None)
    if hit is not None:
        return Judged("changed_files", True, f"{hit} changed")
    ignoring = f" (ignoring {either(ignore)})" if ignore else ""
    return Judged("changed_files", False, f"no changed file matches {either(paths)}{ignoring}")


def _only(paths: list[str], facts: PullRequestFacts) -> Judged:
    if not facts.changed_files:
        return Judged("only_changed_files", False, "no files changed")
    outside = [f for f in facts.changed_files if not any(search(p, f) for p in paths)]
    if outside:
        more = f" (and {len(outside) - 1} more)" if len(outside) > 1 else ""
        why = f"{outside[0]}{more} does not match {either(paths)}"
        return Judged("only_changed_files", False, why)
    return Judged("only_changed_files", True, f"every changed file matches {either(paths)}")


def _labels(wanted: Sequence[str], facts: PullRequestFacts) -> Judged:
    had = {label.lower() for label in facts.labels}
    missing = [label for label in wanted if label.lower() not in had]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        return Judged("has_labels", False, f"missing label{plural} {', '.join(missing)}")
    return Judged("has_labels", True, f"labelled {', '.join(wanted)}")


def _branch(name: str, verb: str, pattern: str, branch: str) -> Judged:
    if search(pattern, branch):
        return Judged(name, True, f"{verb} {branch}, which matches {pattern}")
    return Judged(name, False, f"{verb} {branch}, which does not match {pattern}")


def _title(patterns: TextPatterns, title: str) -> Judged:
    hit = next((p for p in patterns.matches if search(p, title)), None)
    if hit is not None:
        return Judged("title", True, f"the title matches {hit}")
    if patterns.not_matches:
        found = next((p for p in patterns.not_matches if search(p, title)), None)
        if found is None:
            unlike = either(patterns.not_matches)
            return Judged("title", True, f"the title matches none of {unlike}")
        return Judged("title", False, f"the title matches {found}")
    return Judged("title", False, f"the title does not match {either(patterns.matches)}")


def _contributors(predicates: Predicates, context: Context) -> Iterator[Judged]:
    people = context.contributors()
    if predicates.has_contributor_in is not None:
        actors = predicates.has_contributor_in
        inside = [p for p in people if not_among(actors, p, context, default_write=False) is None]
        found = f"{inside[0]} contributed" if inside else f"no contributor is ({either(people)})"
        yield Judged("has_contributor_in", bool(inside), found)
    if predicates.only_has_contributors_in is not None:
        actors = predicates.only_has_contributors_in
        outside = [
            (person, reason)
            for person in people
            if (reason := not_among(actors, person, context, default_write=False))
        ]
        said = f"{outside[0][0]} contributed and is {outside[0][1]}" if outside else ""
        yield Judged("only_has_contributors_in", not outside, said or "every contributor is")
    if predicates.author_is_only_contributor is not None:
        author = context.facts.author.lower()
        other = next(
            (
                c
                for c in context.facts.commits
                if (c.author or "").lower() != author
                or (not c.via_web and (c.committer or "").lower() != author)
            ),
            None,
        )
        why = (
            "the author made every commit"
            if other is None
            else f"commit {other.sha[:7]} is not the author's alone"
        )
        wanted = predicates.author_is_only_contributor
        yield Judged("author_is_only_contributor", (other is None) == wanted, why)


def _change(types: Sequence[str], risks: Sequence[str], changes: Sequence[Change]) -> Judged:
    if not changes:
        return Judged("change", False, "touches no change record")
    hit = next((c for c in changes if _change_matches(c, types, risks)), None)
    if hit is not None:
        return Judged("change", True, f"touches {hit.id}")
    wanted = ([f"of type {either(types)}"] if types else []) + (
        [f"of {either(risks)} risk"] if risks else []
    )
    what = " and ".join(wanted) or "known"
    return Judged("change", False, f"no change record it touches is {what}")


def _change_matches(change: Change, types: Sequence[str], risks: Sequence[str]) -> bool:
    level = change.risk.level if change.risk is not None else None
    return (not types or change.type in types) and (not risks or level in risks)


def _statuses(names: list[str], conclusions: list[str], facts: PullRequestFacts) -> Judged:
    waiting = [
        f"waiting for status {name} (is {facts.statuses.get(name) or 'missing'})"
        for name in names
        if facts.statuses.get(name) not in conclusions
    ]
    if waiting:
        return Judged("has_status", False, "; ".join(waiting))
    return Judged("has_status", True, f"{either(names)} {'is' if len(names) == 1 else 'are'} done")
