"""A recorded request/response pair, as tests and the OpenAPI check read them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str  # as sent (percent-encoded), without the query
    query: dict[str, str]
    request_body: Any  # parsed JSON, or None
    status: int
    headers: dict[str, str]  # response headers, lower-case names
    body: Any  # parsed JSON, or None
    faulted: bool = False  # the response is an injected fault's
    login: str | None = None  # who the token belonged to (None: no or a bad token)
    request_headers: dict[str, str] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
