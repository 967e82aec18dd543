"""Faults injected into the emulator: errors before or after the action, primary and
secondary rate limits, redirects, slow answers, bodies that trickle or never end.

A fault matches a request by method and a regular expression on the path (without the
query); it applies `times` times (None: until removed), the oldest matching fault first.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit and have been temporarily blocked from content"
    " creation. Please retry your request again later. If you reach out to GitHub Support for"
    " help, please include the request ID {request_id}."
)
PRIMARY_RATE_LIMIT = (
    "API rate limit exceeded for installation ID 1. If you reach out to GitHub Support for"
    " help, please include the request ID {request_id} and timestamp {stamp}."
)
RATE_LIMIT_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
_REDIRECTS = {
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
}
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

    status: the error to answer (None: answer normally, only after `delay`); a redirect
      (301, 302, 303, 307, 308) to `location`.
    when: "before" -- the request has no effect; "after" -- the action is performed and the
      error is sent instead of its response (a lost response).
    retry_after: with status 403 or 429, makes it a *secondary rate limit* with a
      `retry-after` header of that many seconds.
    limit: with status 403 or 429, "primary" (`x-ratelimit-remaining: 0`, the window
      resets in `reset_in` seconds) or "secondary" (GitHub's message; `retry-after` only
      when given).
    delay: seconds to wait before answering.
    rate: send the body at this many bytes a second (a trickle).
    pad: that many bytes of JSON whitespace after the body, streamed (a huge answer that
      parses to the same value).
    unsized: send no Content-Length; the body ends when the connection closes.
    """

    method: str = "*"
    path: str = ".*"
    status: int | None = 502
    times: int | None = 1
    when: Literal["before", "after"] = "before"
    retry_after: int | None = None
    delay: float = 0.0
    location: str | None = None
    limit: Literal["primary", "secondary"] | None = None
    reset_in: int = 60
    rate: float | None = None
    pad: int = 0
    unsized: bool = False
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.when not in ("before", "after"):
            raise ValueError(f"Fault.when is 'before' or 'after', not {self.when!r}")
        redirect = self.status in _REDIRECTS
        if self.status is not None and not redirect and not 400 <= self.status <= 599:
            raise ValueError(
                f"Fault.status is an HTTP error (4xx, 5xx) or redirect status, not {self.status}"
            )
        if redirect != (self.location is not None):
            raise ValueError("Fault.location goes with a redirect status, and only with one")
        if self.limit not in (None, "primary", "secondary"):
            raise ValueError(f"Fault.limit is 'primary' or 'secondary', not {self.limit!r}")
        if self.limit is not None and self.status not in (403, 429):
            raise ValueError("Fault.limit goes with status 403 or 429")
        if self.times is not None and self.times < 1:
            raise ValueError("Fault.times is at least 1 (or None: for ever)")
        if self.delay < 0 or self.pad < 0:
            raise ValueError("Fault.delay and Fault.pad are not negative")
        if self.rate is not None and not self.rate > 0:
            raise ValueError("Fault.rate is a positive number of bytes a second")
        self._pattern = re.compile(self.path)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """A fault from its JSON form (the keys of the constructor)."""
        known = {f.name for f in fields(cls) if f.init}
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
        return self.status in (403, 429) and (self.retry_after is not None or bool(self.limit))

    def error(self, request_id: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """The body and extra headers of the error (or redirect) this fault answers with."""
        assert self.status is not None
        headers = {"retry-after": str(self.retry_after)} if self.retry_after is not None else {}
        if self.location is not None:
            body = None
            if self.status != 302:  # GitHub's 301 and 307 carry a basic-error body, 302 none
                body = {
                    "message": _REDIRECTS[self.status],
                    "url": self.location,
                    "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects",
                }
            return body, {"location": self.location}
        if self.limit == "primary":
            stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
            body = {
                "message": PRIMARY_RATE_LIMIT.format(request_id=request_id, stamp=stamp),
                "documentation_url": RATE_LIMIT_DOCS,
                "status": str(self.status),
            }
            reset = int(time.time()) + self.reset_in
            return body, {**headers, "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
        if self.rate_limited:
            body = {
                "message": SECONDARY_RATE_LIMIT.format(request_id=request_id),
                "documentation_url": f"{RATE_LIMIT_DOCS}#about-secondary-rate-limits",
                "status": str(self.status),
            }
            return body, headers
        body = {
            "message": _MESSAGES.get(self.status, "Error"),
            "documentation_url": "https://docs.github.com/rest",
            "status": str(self.status),
        }
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
