"""Who is who for an approval policy: the pull request's facts indexed for lookups that
ignore case (as GitHub does), and whether a login is one of a set of actors.

An actor set names users, teams (`org/slug`), organizations and permissions. In a
rule's `requires`, naming none of them means anyone with write permission (the
documented safer default); everywhere else (disapproval, author and contributor
predicates, `ignore_commits_by`) it means nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from maintain_repo.model.approval import Actors
from maintain_repo.model.change import Change
from maintain_repo.model.pull_facts import PERMISSION_RANK, PullRequestFacts


class Unknown(Exception):
    """A fact the policy needs is missing (a team's or an organization's members)."""


@dataclass(frozen=True, slots=True)
class Context:
    """The facts, indexed."""

    facts: PullRequestFacts
    changes: tuple[Change, ...]
    permissions: Mapping[str, str]
    teams: Mapping[str, frozenset[str]]
    organizations: Mapping[str, frozenset[str]]
    unreadable: frozenset[str]  # lower-case names of the groups the token may not read

    @classmethod
    def of(cls, facts: PullRequestFacts, changes: Iterable[Change]) -> Context:
        return cls(
            facts,
            tuple(changes),
            {login.lower(): level for login, level in facts.permissions.items()},
            _members(facts.teams),
            _members(facts.organizations),
            frozenset(group.lower() for group in facts.unreadable),
        )

    def permission(self, login: str) -> str:
        return self.permissions.get(login.lower(), "none")

    def members(self, team: str) -> frozenset[str]:
        found = self.teams.get(bare(team).lower())
        if found is None:
            raise Unknown(self._unknown(team, f"the members of {bare(team)}"))
        return found

    def org_members(self, org: str) -> frozenset[str]:
        found = self.organizations.get(bare(org).lower())
        if found is None:
            raise Unknown(self._unknown(org, f"the members of the organization {bare(org)}"))
        return found

    def _unknown(self, group: str, members: str) -> str:
        if bare(group).lower() not in self.unreadable:
            return f"{members} are not known"
        # The fix first: a commit status keeps 140 characters.
        return (
            f"the token may not read {members}: give the approval workflow a token with "
            "the organization permission members: read (a GitHub App's)"
        )

    def is_author(self, login: str) -> bool:
        return login.lower() == self.facts.author.lower()

    def contributors(self) -> tuple[str, ...]:
        """The author and every author and committer of the pull request's commits."""
        seen: dict[str, str] = {}
        for user in (self.facts.author, *(u for c in self.facts.commits for u in c.users())):
            seen.setdefault(user.lower(), user)
        return tuple(seen.values())


def _members(groups: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    return {name.lower(): frozenset(m.lower() for m in people) for name, people in groups.items()}


def not_among(actors: Actors, login: str, context: Context, *, default_write: bool) -> str | None:
    """None when `login` is one of `actors`, else why not. With `default_write`, naming
    nobody means anyone with write permission (an approval rule); without, no one."""
    permissions = _permissions(actors, default_write)
    needed = min((PERMISSION_RANK[p] for p in permissions), default=None)
    has = context.permission(login)
    if login.lower() in {bare(u).lower() for u in actors.users}:
        return None
    if needed is not None and PERMISSION_RANK.get(has, 0) >= needed:
        return None
    if any(login.lower() in context.members(team) for team in actors.teams):
        return None
    if any(login.lower() in context.org_members(org) for org in actors.organizations):
        return None
    reasons = []
    if actors.users:
        reasons.append(f"not {either([bare(u) for u in actors.users])}")
    if actors.teams:
        reasons.append(f"not in {either([bare(t) for t in actors.teams])}")
    if actors.organizations:
        reasons.append(f"not a member of {either([bare(o) for o in actors.organizations])}")
    if needed is not None:
        level = "no" if has == "none" else has
        reasons.append(f"has {level} permission, needs {level_name(needed)}")
    return "; ".join(reasons) or "not listed (none are)"


def named(actors: Actors) -> bool:
    """Whether the set names anyone at all."""
    return bool(actors.users or actors.teams or actors.organizations or _permissions(actors))


def who(actors: Actors, *, default_write: bool = True) -> str:
    """Who `actors` are, in words."""
    permissions = _permissions(actors, default_write)
    people = (
        [bare(t) for t in actors.teams]
        + [f"members of {bare(o)}" for o in actors.organizations]
        + [bare(u) for u in actors.users]
    )
    if permissions:
        rank = min(PERMISSION_RANK[p] for p in permissions)
        people.append(f"anyone with {level_name(rank)} permission")
    return either(people) if people else "nobody"


def _permissions(actors: Actors, default_write: bool = False) -> list[str]:
    permissions = list(getattr(actors, "permissions", ()))
    if default_write and not (actors.users or actors.teams or actors.organizations or permissions):
        return ["write"]
    return permissions


def level_name(rank: int) -> str:
    return next(name for name, value in PERMISSION_RANK.items() if value == rank)


def bare(handle: str) -> str:
    return handle.removeprefix("@")


def either(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
