"""Where GitHub is and who we are there: flags first, then what Actions provides.

Actions sets `GITHUB_API_URL`, `GITHUB_REPOSITORY` and (when a workflow passes
it) `GITHUB_TOKEN`. The token is registered with `errors.conceal` the moment
it is read, so no message, log or crash report of maintain can show it, and
its shape is checked once here: one trailing line break (a token read from a
file) is dropped, anything else unusual is refused without showing the value.
The limits of every request (deadline, size, waits) come from
`MAINTAIN_GITHUB_*` variables; `transport` enforces them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from maintain_repo.errors import UsageError, conceal

DEFAULT_API = "https://api.github.com"
# The identity of the GITHUB_TOKEN of Actions; its token cannot read GET /user.
DEFAULT_BOT = "github-actions[bot]"
_REPOSITORY = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
# GitHub's tokens (ghp_, ghs_, github_pat_, the older 40 hex digits, v1.) are made of these.
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{20,255}")
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class GitHubConfig:
    """Everything needed to reach one repository's API."""

    api_url: str
    repository: str
    token: str | None = field(repr=False)
    bot_login: str = DEFAULT_BOT
    dry_run: bool = False
    timeout: float = 30.0  # seconds for one request, from connecting to the last byte
    attempts: int = 5  # tries per request before giving up
    backoff: float = 1.0  # seconds before the second try; doubles each time
    pace: bool = True  # space out writes as GitHub asks, to stay clear of secondary limits
    max_bytes: int = 32 * MEGABYTE  # the largest answer read; a larger one is refused
    max_wait: float = 300.0  # the longest wait for a rate limit; longer ones end the run
    say: Callable[[str], None] = field(default=lambda _: None, repr=False, compare=False)

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]


def from_environment(
    *,
    api_url: str | None = None,
    repository: str | None = None,
    token: str | None = None,
    dry_run: bool = False,
    without_token: str = "",
    say: Callable[[str], None] = lambda _: None,
    environ: Mapping[str, str] | None = None,
) -> GitHubConfig:
    """The configuration from flags, then the environment; a usage error when incomplete.

    without_token: how this command can run without a token, for the hint when there is
    none (e.g. "use --dry-run to only print what would be done"); "" when it cannot.
    """
    env = os.environ if environ is None else environ
    url = _api_url(api_url or env.get("GITHUB_API_URL") or DEFAULT_API)
    repo = repository or env.get("GITHUB_REPOSITORY")
    if not repo:
        raise UsageError(
            "which GitHub repository? none given",
            hint="pass --repository OWNER/NAME, set GITHUB_REPOSITORY, or set github.repository "
            "in policies/settings.yaml",
        )
    if not _REPOSITORY.match(repo):
        raise UsageError(f"repository {repo!r} is not OWNER/NAME")
    secret = checked_token(token, "the token given") if token else token_from_environment(env)
    if secret is None and not dry_run:
        locally = "locally, export GITHUB_TOKEN" + (f" ({without_token})" if without_token else "")
        raise UsageError(
            "no GitHub token: GITHUB_TOKEN is not set",
            hint="in a workflow, pass `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` to the "
            f"step; {locally}",
        )
    return GitHubConfig(
        api_url=url,
        repository=repo,
        token=secret,
        bot_login=env.get("MAINTAIN_BOT_LOGIN") or DEFAULT_BOT,
        dry_run=dry_run,
        timeout=_number(env, "MAINTAIN_GITHUB_TIMEOUT", 30.0, low=0.1, high=600),
        backoff=_number(env, "MAINTAIN_GITHUB_BACKOFF", 1.0, low=0, high=600),
        pace=env.get("MAINTAIN_GITHUB_PACE", "1") != "0",
        max_bytes=int(
            _number(env, "MAINTAIN_GITHUB_MAX_BYTES", 32 * MEGABYTE, low=1024, high=2**31, unit="")
        ),
        max_wait=_number(env, "MAINTAIN_GITHUB_MAX_WAIT", 300.0, low=0, high=6 * 3600),
        say=say,
    )


def token_from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """GITHUB_TOKEN, checked and concealed (None when unset or empty); every command that
    reads the token reads it here."""
    env = os.environ if environ is None else environ
    raw = env.get("GITHUB_TOKEN")
    return checked_token(raw, "GITHUB_TOKEN") if raw else None


def checked_token(raw: str, source: str) -> str:
    """The token without one trailing line break (as `$(cat file)` forgets to strip, or a
    secret pasted with its newline); a usage error, never showing the value, otherwise."""
    conceal(raw)  # first of all: whatever happens next, no message shows it
    token = raw.removesuffix("\n").removesuffix("\r") if raw.endswith("\n") else raw
    conceal(token)
    problem = _token_problem(token)
    if problem:
        raise UsageError(
            f"{source} is not a usable GitHub token: {problem} (its value is not shown)",
            hint="set it to the token alone: no quotes, spaces or `token `/`Bearer ` prefix; "
            "in a workflow, `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`",
        )
    return token


def _token_problem(token: str) -> str:
    if _TOKEN.fullmatch(token):
        return ""
    if not token:
        return "it is empty"
    if any(c in " \t\n\r\v\f" for c in token):
        return "it contains whitespace (a space, tab or line break)"
    if any(ord(c) < 32 or ord(c) == 127 for c in token):
        return "it contains a control character"
    if not token.isascii():
        return "it contains a non-ASCII character"
    if not re.fullmatch(r"[A-Za-z0-9_.-]*", token):
        return "it contains a character GitHub tokens never have (they are letters, digits, _ . -)"
    return "it is too short or too long for a GitHub token (20 to 255 characters)"


def _api_url(text: str) -> str:
    """The API's base URL, without a trailing slash; only http(s), no credentials in it."""
    parts = urlsplit(text.strip())
    if parts.username is not None or parts.password is not None:
        # Not echoed: the user part may be a token.
        raise UsageError(
            "the GitHub API URL carries credentials (user@ or user:password@)",
            hint="give the URL alone and the token in GITHUB_TOKEN",
        )
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or not re.fullmatch(r"[\x21-\x7e]*", text.strip())
    ):
        raise UsageError(f"GitHub API URL {text!r} is not an http(s) URL")
    try:
        _ = parts.port
    except ValueError:
        raise UsageError(f"GitHub API URL {text!r} has a bad port") from None
    return text.strip().rstrip("/")


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    *,
    low: float,
    high: float,
    unit: str = " seconds",
) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{name}={text!r} is not a number{unit and ' of' + unit}") from None
    if not low <= value <= high:  # also refuses nan
        raise UsageError(f"{name}={text!r}: expected {_shown(low)} to {_shown(high)}{unit}")
    return value


def _shown(number: float) -> str:
    return str(int(number)) if number == int(number) else f"{number:g}"
