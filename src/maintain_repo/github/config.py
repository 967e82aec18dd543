"""Where GitHub is and who we are there: flags first, then what Actions provides.

Actions sets `GITHUB_API_URL`, `GITHUB_REPOSITORY` and (when a workflow passes
it) `GITHUB_TOKEN`. The token is registered with `errors.conceal` the moment
it is read, so no message, log or crash report of maintain can show it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from maintain_repo.errors import UsageError, conceal

DEFAULT_API = "https://api.github.com"
# The identity of the GITHUB_TOKEN of Actions; its token cannot read GET /user.
DEFAULT_BOT = "github-actions[bot]"
_REPOSITORY = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class GitHubConfig:
    """Everything needed to reach one repository's API."""

    api_url: str
    repository: str
    token: str | None = field(repr=False)
    bot_login: str = DEFAULT_BOT
    dry_run: bool = False
    timeout: float = 30.0
    attempts: int = 5  # tries per request before giving up
    backoff: float = 1.0  # seconds before the second try; doubles each time
    pace: bool = True  # space out writes as GitHub asks, to stay clear of secondary limits
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
    say: Callable[[str], None] = lambda _: None,
    environ: Mapping[str, str] | None = None,
) -> GitHubConfig:
    """The configuration from flags, then the environment; a usage error when incomplete."""
    env = os.environ if environ is None else environ
    url = (api_url or env.get("GITHUB_API_URL") or DEFAULT_API).rstrip("/")
    if not re.match(r"^https?://[^\s/]+", url):
        raise UsageError(f"GitHub API URL {url!r} is not an http(s) URL")
    repo = repository or env.get("GITHUB_REPOSITORY")
    if not repo:
        raise UsageError(
            "which GitHub repository? none given",
            hint="pass --repository OWNER/NAME, set GITHUB_REPOSITORY, or set github.repository "
            "in policies/settings.yaml",
        )
    if not _REPOSITORY.match(repo):
        raise UsageError(f"repository {repo!r} is not OWNER/NAME")
    secret = token or env.get("GITHUB_TOKEN") or None
    if secret:
        conceal(secret)
    elif not dry_run:
        raise UsageError(
            "no GitHub token: GITHUB_TOKEN is not set",
            hint="in a workflow, pass `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` to the "
            "step; locally, export GITHUB_TOKEN (or use --dry-run to only print what would "
            "be done)",
        )
    return GitHubConfig(
        api_url=url,
        repository=repo,
        token=secret,
        bot_login=env.get("MAINTAIN_BOT_LOGIN") or DEFAULT_BOT,
        dry_run=dry_run,
        timeout=_number(env, "MAINTAIN_GITHUB_TIMEOUT", 30.0),
        backoff=_number(env, "MAINTAIN_GITHUB_BACKOFF", 1.0),
        pace=env.get("MAINTAIN_GITHUB_PACE", "1") != "0",
        say=say,
    )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{name}={text!r} is not a number of seconds") from None
    if not 0 <= value <= 600:
        raise UsageError(f"{name}={text!r}: expected 0 to 600 seconds")
    return value
