"""When to try a GitHub request again, and how a failure is told to people.

Reads and idempotent writes (PATCH, PUT, DELETE) are retried inside
PyGithub by urllib3 (`request_retry`): exponential backoff on 5xx answers and
rate limits, honouring `Retry-After`. POST is left out there on purpose: the
client decides itself (`transient`), and looks for what it created first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from maintain_repo.errors import GitHubError, redact

if TYPE_CHECKING:
    from maintain_repo.github.config import GitHubConfig

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


def request_retry(config: GitHubConfig) -> Any:
    """PyGithub's `GithubRetry` for the idempotent methods only."""
    import github

    return github.GithubRetry(
        total=config.attempts - 1,
        backoff_factor=config.backoff,
        allowed_methods=IDEMPOTENT,
        secondary_rate_wait=60 * config.backoff,
        raise_on_status=False,
    )


def failure(what: str, error: Exception) -> GitHubError:
    """The error to show for a failed request: what, GitHub's answer, a hint; no secrets."""
    hint = ""
    status = getattr(error, "status", None)
    if status == 401:
        hint = "the token was refused: check GITHUB_TOKEN"
    elif status in (403, 404):
        hint = (
            "the token may lack a permission this command needs (see the README's GitHub "
            "setup for each workflow's permissions)"
        )
    return GitHubError(redact(f"GitHub: {what} failed: {describe(error)}"), hint=hint)


def transient(error: Exception) -> bool:
    """Worth another try: GitHub failed, throttled us, or the connection broke."""
    import requests

    if isinstance(error, requests.RequestException):
        return True
    status = getattr(error, "status", None)
    if not isinstance(status, int):
        return False
    if status >= 500:
        return True
    message = str(getattr(error, "data", "") or "").lower()
    return status in (403, 429) and (retry_after(error) is not None or "rate limit" in message)


def retry_after(error: Exception) -> float | None:
    headers = getattr(error, "headers", None) or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return min(float(value), 120.0) if value is not None else None
    except ValueError:
        return None


def describe(error: Exception) -> str:
    status = getattr(error, "status", None)
    data = getattr(error, "data", None)
    if isinstance(status, int):
        message = data.get("message") if isinstance(data, dict) else data
        return f"HTTP {status}" + (f" ({message})" if message else "")
    return f"{type(error).__name__}: {error}"
