"""The one exception root of `maintain`, with user-facing diagnostics.

Problems *in the user's repository* (a bad record, a broken reference) are
`Finding` values, never exceptions. Exceptions mean "cannot continue": the
ops repository cannot be found, an argument is wrong, the disk refused a
write. Each carries a `diagnostics()` text that says what happened and what
to do; only `maintain_repo.cli` prints it and picks the exit code.
"""

from __future__ import annotations


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
            return f"{self.message}\nhint: {self.hint}"
        return self.message


class UsageError(MaintainError):
    """The command line asks for something that cannot be done."""


class ConfigError(MaintainError):
    """The ops repository or its settings are unusable as a whole."""


class StoreError(MaintainError):
    """Reading or writing a file of the ops repository failed."""
