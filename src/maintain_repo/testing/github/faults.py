"""Faults injected into the emulator: errors before or after the action, secondary rate
limits with `retry-after`, slow answers.

A fault matches a request by method and a regular expression on the path (without the
query); it applies `times` times (None: until removed), the oldest matching fault first.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit and have been temporarily blocked from content"
    " creation. Please retry your request again later. If you reach out to GitHub Support for"
    " help, please include the request ID {request_id}."
)
_MESSAGES = {
    400: "Bad Request",
    401: "Bad credentials",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Validation Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Server Error",
    503: "Service Unavailable",
    504: "We couldn't respond to your request in time. Sorry about that.",
}


@dataclass
class Fault:
    """What to do to the requests that match.

    status: the error to answer (None: answer normally, only after `delay`).
    when: "before" -- the request has no effect; "after" -- the action is performed and the
      error is sent instead of its response (a lost response).
    retry_after: with status 403 or 429, makes it a *secondary rate limit* with a
      `retry-after` header of that many seconds.
    delay: seconds to wait before answering.
    """

    method: str = "*"
    path: str = ".*"
    status: int | None = 502
    times: int | None = 1
    when: Literal["before", "after"] = "before"
    retry_after: int | None = None
    delay: float = 0.0
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.when not in ("before", "after"):
            raise ValueError(f"Fault.when is 'before' or 'after', not {self.when!r}")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError(f"Fault.status is an HTTP error status (4xx, 5xx), not {self.status}")
        if self.times is not None and self.times < 1:
            raise ValueError("Fault.times is at least 1 (or None: for ever)")
        if self.delay < 0:
            raise ValueError("Fault.delay is not negative")
        self._pattern = re.compile(self.path)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """A fault from its JSON form (the keys of the constructor)."""
        known = {"method", "path", "status", "times", "when", "retry_after", "delay"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown Fault fields: {', '.join(sorted(unknown))}")
        return cls(**dict(data))

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("_pattern", None)
        return out

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method.upper()) and self._pattern.search(path) is not None

    @property
    def rate_limited(self) -> bool:
        return self.status in (403, 429) and self.retry_after is not None

    def error(self, request_id: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The body and extra headers of the error this fault answers with."""
        assert self.status is not None
        if self.rate_limited:
            body = {
                "message": SECONDARY_RATE_LIMIT.format(request_id=request_id),
                "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                "status": str(self.status),
            }
            return body, {"retry-after": str(self.retry_after)}
        body = {
            "message": _MESSAGES.get(self.status, "Error"),
            "documentation_url": "https://docs.github.com/rest",
            "status": str(self.status),
        }
        headers = {"retry-after": str(self.retry_after)} if self.retry_after is not None else {}
        return body, headers


class FaultBook:
    """The faults in force, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._left: dict[int, int | None] = {}

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)
            self._left[id(fault)] = fault.times

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._left.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault that matches, counted as used once (and dropped when used up)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    left = self._left[id(fault)]
                    if left is not None:
                        left -= 1
                        self._left[id(fault)] = left
                        if left == 0:
                            self._faults.remove(fault)
                            del self._left[id(fault)]
                    return fault
        return None
