"""When to try a GitHub request again, how long to wait first, and how a failure is told.

`transport` asks `verdict` about every answer: rate limits (429, or 403 with
`retry-after`, `x-ratelimit-remaining: 0` or GitHub's rate-limit message) are
waited out -- as long as GitHub asks, up to `max_wait`; a longer wait ends the
run at once with `RateLimited` ("rate limited until ...") so a later run
retries; 5xx answers are tried again after an exponential backoff, but only
for idempotent methods. A POST is never tried again blindly: the client looks
for what it created first (`transient` says when that is worth it).
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from maintain_repo.errors import GitHubError, redact

if TYPE_CHECKING:
    from collections.abc import Mapping

    from maintain_repo.github.config import GitHubConfig

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
# GitHub: without retry-after or a reset time, wait at least a minute after a secondary limit.
SECONDARY_WAIT = 60.0
LATER = "run it again after that time (a scheduled workflow does so on its next run)"


class RateLimited(GitHubError):
    """GitHub asked us to wait longer than we may: the run ends, a later one retries."""

    hint = LATER

    def __init__(self, message: str, until: datetime, *, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.until = until


class NoAnswer(GitHubError):
    """The connection failed before a complete answer: GitHub may or may not have acted."""

    hint = "check the network and GITHUB_API_URL; running the command again is safe"


class TimedOut(GitHubError):
    """No complete answer within the deadline (MAINTAIN_GITHUB_TIMEOUT)."""

    hint = (
        "GitHub (or the network) is slow: run again later, or raise MAINTAIN_GITHUB_TIMEOUT "
        "(seconds per request)"
    )


class Refused(GitHubError):
    """An answer maintain will not use: a redirect, another host, an oversized body."""

    def __init__(self, message: str, *, hint: str = "", status: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status  # the HTTP status of a refused redirect


@dataclass(frozen=True)
class Verdict:
    """What to do with an answer: use it (`wait` None), or wait `wait` seconds and retry."""

    wait: float | None = None
    limited: bool = False  # a rate limit (any method may retry: GitHub did nothing)
    reason: str = ""


def verdict(
    method: str,
    status: int,
    headers: Mapping[str, str],
    message: str,
    attempt: int,
    config: GitHubConfig,
    now: float | None = None,
) -> Verdict:
    """How to treat one answer, the `attempt`-th try (from 1) of a request."""
    now = time.time() if now is None else now
    lower = {k.lower(): v for k, v in headers.items()}
    asked = _retry_after(lower.get("retry-after"), now)
    if rate_limited(status, lower, message):
        if asked is not None:
            wait = asked
        elif lower.get("x-ratelimit-remaining") == "0" and lower.get("x-ratelimit-reset"):
            wait = _until_reset(lower["x-ratelimit-reset"], now)
        else:
            wait = SECONDARY_WAIT * config.backoff * 2 ** (attempt - 1)
        return Verdict(wait, limited=True, reason="rate limited")
    if status >= 500 and method.upper() in IDEMPOTENT:
        backoff = config.backoff * 2 ** (attempt - 1)
        return Verdict(max(backoff, asked or 0.0), reason=f"HTTP {status}")
    return Verdict()


def rate_limited(status: int, headers: Mapping[str, str], message: str) -> bool:
    """A primary or secondary rate limit, as GitHub signals them (429, or 403 with a sign)."""
    if status == 429:
        return True
    if status != 403:
        return False
    lower = message.lower()
    return (
        "retry-after" in headers
        or headers.get("x-ratelimit-remaining") == "0"
        or "rate limit" in lower
        or lower.endswith(("please retry your request again later.", "before you try again."))
    )


def too_long(wait: float, config: GitHubConfig, reason: str = "rate limited") -> RateLimited | None:
    """The error that ends the run when `wait` exceeds what we may wait (else None)."""
    if wait <= config.max_wait:
        return None
    until = datetime.fromtimestamp(time.time() + wait, UTC)
    return RateLimited(
        f"{reason} until {stamp(until)} (in {span(wait)}), longer than maintain waits "
        f"(MAINTAIN_GITHUB_MAX_WAIT={config.max_wait:g} s)",
        until,
    )


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def span(seconds: float) -> str:
    """A wait in words: 40 s, 12 min, 5 h, 30 days."""
    if seconds < 120:
        return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.2f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def _retry_after(value: str | None, now: float) -> float | None:
    """`Retry-After`: seconds, or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - now)


def _until_reset(value: str, now: float) -> float:
    try:
        reset = float(value)
    except ValueError:
        return SECONDARY_WAIT
    # Plus a second: it is not said when in that second the window opens again.
    return max(0.0, reset - now) + 1.0


def pause(error: Exception, delay: float) -> float:
    """Seconds to wait before creating again after `error`: GitHub's `Retry-After` when it
    asks for longer, else `delay` (`too_long` says whether we may)."""
    headers = getattr(error, "headers", None) or {}
    asked = _retry_after(
        next((str(v) for k, v in headers.items() if k.lower() == "retry-after"), None),
        time.time(),
    )
    return max(delay, asked or 0.0)


class MembersUnreadable(Exception):
    """The token may not read a team's or an organization's members (403)."""

    def __init__(self, group: str) -> None:
        super().__init__(group)
        self.group = group


def failure(what: str, error: Exception) -> GitHubError:
    """The error to show for a failed request: what, GitHub's answer, a hint; no secrets."""
    if isinstance(error, GitHubError):  # the transport's own, already in words
        return GitHubError(redact(f"GitHub: {what} failed: {error.message}"), hint=error.hint)
    hint = ""
    status = getattr(error, "status", None)
    if status == 401:
        hint = "the token was refused: check GITHUB_TOKEN"
    elif status in (403, 404):
        hint = (
            "the token may lack a permission this command needs (see the docs' GitHub "
            "setup for each workflow's permissions)"
        )
    return GitHubError(redact(f"GitHub: {what} failed: {describe(error)}"), hint=hint)


def transient(error: Exception) -> bool:
    """Worth another try after looking: GitHub failed, or the connection broke."""
    if isinstance(error, NoAnswer):
        return True
    if isinstance(error, GitHubError):
        return False  # rate limited beyond our wait, timed out, refused: not now
    status = getattr(error, "status", None)
    return isinstance(status, int) and status >= 500


def describe(error: Exception) -> str:
    if isinstance(error, GitHubError):
        return error.message
    status = getattr(error, "status", None)
    data: Any = getattr(error, "data", None)
    if isinstance(status, int):
        message = data.get("message") if isinstance(data, dict) else data
        return f"HTTP {status}" + (f" ({message})" if message else "")
    return f"{type(error).__name__}: {error}"
