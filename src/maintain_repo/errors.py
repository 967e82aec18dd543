"""The one exception root of `maintain`, with user-facing diagnostics.

Problems *in the user's repository* (a bad record, a broken reference) are
`Finding` values, never exceptions. Exceptions mean "cannot continue": the
ops repository cannot be found, an argument is wrong, the disk refused a
write. Each carries a `diagnostics()` text that says what happened and what
to do; only `maintain_repo.cli` prints it and picks the exit code.
"""

from __future__ import annotations

import re

# Values that must never be shown (tokens), in every form a message may render them in.
_SECRETS: set[str] = set()
# What percent-encoding leaves as it is (RFC 3986 unreserved characters).
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def conceal(secret: str) -> None:
    """Register a secret: `redact` replaces it with `***` from now on, as it is and as
    messages render it (Python's escapes, JSON, URL encoding, Markdown, git's basic auth)."""
    if len(secret) < 4:  # masking a one-letter "secret" would mangle every message
        return
    for form in _renderings(secret):
        if len(form) >= 4:
            _SECRETS.add(form)


def _renderings(secret: str) -> set[str]:
    import base64
    import json

    data = secret.encode("utf-8", "surrogateescape")
    return {
        secret,
        repr(secret)[1:-1],  # a traceback's or an error's `{value!r}`: \n, \x00, \u200b
        ascii(secret)[1:-1],
        secret.encode("unicode_escape").decode("ascii"),
        json.dumps(secret)[1:-1],
        "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in data),  # a URL
        "".join(chr(b) if b in _UNRESERVED else f"%{b:02x}" for b in data),
        "".join(chr(b) if b in _UNRESERVED else "+" if b == 32 else f"%{b:02X}" for b in data),
        re.sub(r"([\\`*_\[\]|~])", r"\\\1", secret),  # Markdown
        base64.b64encode(b"x-access-token:" + data).decode("ascii"),  # git's http.extraheader
        base64.b64encode(data).decode("ascii"),
    }


def redact(text: str) -> str:
    """`text` with every registered secret masked (the longest forms first, so a token
    with a trailing newline is masked whole, not as a token and a stray `\\n`)."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
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
