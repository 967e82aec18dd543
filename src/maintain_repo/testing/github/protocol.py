"""The emulator's request/response vocabulary: a parsed request, a reply, GitHub-shaped
errors, the per-request context handlers get, and RFC 8288 pagination.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from maintain_repo.testing.github.state import PERMISSIONS, State, User, rank

if TYPE_CHECKING:
    from maintain_repo.testing.github.gitrepo import GitRepo
    from maintain_repo.testing.github.render import View

DOCS = "https://docs.github.com/rest"
MAX_PER_PAGE = 100
T = TypeVar("T")


class ApiError(Exception):
    """An error answer, with GitHub's body: message, documentation_url, status (and errors)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: Sequence[Any] | None = None,
        documentation_url: str = DOCS,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = list(errors) if errors is not None else None
        self.documentation_url = documentation_url
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            out["errors"] = self.errors
        out["documentation_url"] = self.documentation_url
        out["status"] = str(self.status)
        return out


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def invalid(resource: str, field_name: str, code: str, message: str | None = None) -> ApiError:
    """422 Validation Failed with one entry in GitHub's `errors` array."""
    error: dict[str, Any] = {"resource": resource, "field": field_name, "code": code}
    if message is not None:
        error["message"] = message
    return ApiError(422, "Validation Failed", errors=[error])


def unprocessable(message: str) -> ApiError:
    """422 whose `errors` are plain strings (GitHub's `validation-error-simple`)."""
    return ApiError(422, "Unprocessable Entity", errors=[message])


@dataclass
class Request:
    method: str
    path: str  # as sent (percent-encoded), without the query
    query: dict[str, str]
    body: Any
    headers: dict[str, str]  # lower-case names
    base_url: str  # scheme://host:port the client used


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    rate: float | None = None  # bytes a second to send the body at (None: at once)
    pad: int = 0  # bytes of JSON whitespace sent after the body
    unsized: bool = False  # no Content-Length: the body ends with the connection


@dataclass
class Context:
    """What a route handler gets: the request, its path parameters, who asks, the state."""

    request: Request
    params: dict[str, str]
    user: User
    state: State
    view: View
    git: GitRepo | None

    def can(self, permission: str) -> bool:
        return rank(self.user.permission) >= rank(permission)

    def require(self, permission: str) -> None:
        """403 unless the user's role on the repository is at least `permission`."""
        if permission not in PERMISSIONS:
            raise ValueError(permission)
        if not self.can(permission):
            raise ApiError(403, f"Must have {permission} access to this repository.")

    def number(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise not_found() from None

    def body(self) -> dict[str, Any]:
        """The JSON object sent, or 400/422 as GitHub answers other bodies."""
        body = self.request.body
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise ApiError(400, "Problems parsing JSON")
        return body

    def string(self, body: dict[str, Any], key: str, resource: str) -> str | None:
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise invalid(resource, key, "invalid", f"{key} is not a string")
        return value

    def names(self, body: Any, key: str, resource: str) -> list[str] | None:
        """A list of names (labels, assignees); label objects `{"name": ...}` are accepted too."""
        value = body.get(key) if isinstance(body, dict) else body
        if value is None:
            return None
        if not isinstance(value, list):
            raise invalid(resource, key, "invalid", f"{key} is not an array")
        names: list[str] = []
        for item in value:
            name = item.get("name") if isinstance(item, dict) else item
            if not isinstance(name, str) or not name:
                raise invalid(resource, key, "invalid", f"{key} holds a non-name")
            names.append(name)
        return names

    def page(self) -> tuple[int, int]:
        """(page, per_page) from the query, GitHub's way: bad values fall back, per_page <= 100."""
        per_page = _positive(self.request.query.get("per_page"), self.view.page_size)
        return _positive(self.request.query.get("page"), 1), min(per_page, MAX_PER_PAGE)


def _positive(text: str | None, default: int) -> int:
    if text is None or not text.isdigit() or int(text) < 1:
        return default
    return int(text)


def paginate(
    ctx: Context,
    items: Sequence[T],
    render: Callable[[T], Any],
    wrap: Callable[[list[Any], int], Any] | None = None,
) -> Reply:
    """One page of `items` with the RFC 8288 `link` header GitHub sends (absent on one page)."""
    page, per_page = ctx.page()
    start = (page - 1) * per_page
    rendered = [render(item) for item in items[start : start + per_page]]
    body = wrap(rendered, len(items)) if wrap is not None else rendered
    last = max(1, -(-len(items) // per_page))
    links = _links(ctx.request, page, last)
    return Reply(200, body, {"link": links} if links else {})


def _links(request: Request, page: int, last: int) -> str:
    def url(n: int) -> str:
        query = dict(request.query)
        query["page"] = str(n)
        return f"<{request.base_url}{request.path}?{urlencode(query)}>"

    rels: list[str] = []
    if page > 1:
        rels.append(f'{url(min(page - 1, last))}; rel="prev"')
    if page < last:
        rels.append(f'{url(page + 1)}; rel="next"')
        rels.append(f'{url(last)}; rel="last"')
    if page > 1:
        rels.append(f'{url(1)}; rel="first"')
    return ", ".join(rels)
