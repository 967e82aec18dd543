"""The one exception root of `maintain`, with user-facing diagnostics.

Problems *in the user's repository* (a bad record, a broken reference) are
`Finding` values, never exceptions. Exceptions mean "cannot continue": the
ops repository cannot be found, an argument is wrong, the disk refused a
write. Each carries a `diagnostics()` text that says what happened and what
to do; only `maintain_repo.cli` prints it and picks the exit code.
"""

from __future__ import annotations

# Values that must never be shown (tokens), masked wherever maintain prints.
_SECRETS: set[str] = set()


def conceal(secret: str) -> None:
    """Register a secret: `redact` replaces it with `***` from now on."""
    if len(secret) >= 4:  # masking a one-letter "secret" would mangle every message
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """`text` with every registered secret masked."""
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    return text


class MaintainError(Exception):
    """Root of every error `maintain` raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        if hint:
            self.hint = hint

    def diagnostics(self) -> str:
        """What happened, then (if known) what to do about it."""
        if self.hint:
            return redact(f"{self.message}\nhint: {self.hint}")
        return redact(self.message)


class UsageError(MaintainError):
    """The command line asks for something that cannot be done."""


class ConfigError(MaintainError):
    """The ops repository or its settings are unusable as a whole."""


class StoreError(MaintainError):
    """Reading or writing a file of the ops repository failed."""


class GitHubError(MaintainError):
    """GitHub refused or failed a request, and retrying did not help."""


class GitError(MaintainError):
    """A git operation on the ops repository failed (fetch, commit, push)."""
