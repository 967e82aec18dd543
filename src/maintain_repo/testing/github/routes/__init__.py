"""The emulated REST endpoints: a table of (method, path template, handler).

Each module of this package owns one area of the API and exports `ROUTES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from maintain_repo.testing.github.protocol import Context, Reply

Handler = Callable[[Context], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    resource: str = "core"

    @property
    def in_repo(self) -> bool:
        return self.template.startswith("/repos/{owner}/{repo}")


def route(method: str, template: str, handler: Handler, resource: str = "core") -> Route:
    """A route; `{name}` in the template matches one path segment, given to the handler."""
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return Route(method, template, re.compile(f"^{regex}$"), handler, resource)


def all_routes() -> list[Route]:
    from maintain_repo.testing.github.routes import (
        activity,
        alerts,
        comments,
        issues,
        labels,
        meta,
        pulls,
        search,
        statuses,
    )

    modules = (meta, issues, labels, comments, search, pulls, statuses, activity, alerts)
    routes = [r for module in modules for r in module.ROUTES]
    return sorted(routes, key=lambda r: -sum(1 for s in r.template.split("/") if "{" not in s))


def match(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request and its path parameters; literal segments win over parameters."""
    for candidate in routes:
        if candidate.method != method:
            continue
        found = candidate.pattern.match(path)
        if found is not None:
            return candidate, found.groupdict()
    return None
