"""Regular expressions of approval policies: Python's `re`, searched anywhere in the
text, and accepting the one spelling of Go's RE2 (policy-bot's engine) that Python
refuses: flags set in the middle of a pattern, `^(?i)ship it`, which apply from there
to the end of the enclosing group (they are rewritten to the scoped `(?i:...)`).
"""

from __future__ import annotations

import functools
import re

_FLAGS = re.compile(r"\(\?([imsx]+)\)")


@functools.lru_cache(maxsize=512)
def compiled(pattern: str) -> re.Pattern[str]:
    """The compiled pattern; raises `re.error` for one that does not compile."""
    try:
        return re.compile(pattern)
    except re.error:
        scoped = _scope_flags(pattern)
        if scoped == pattern:
            raise
        return re.compile(scoped)


def search(pattern: str, text: str) -> bool:
    return compiled(pattern).search(text) is not None


def problem(pattern: str) -> str | None:
    """Why the pattern does not compile (None: it does)."""
    try:
        compiled(pattern)
    except re.error as e:
        return f"not a valid regular expression: {e}"
    return None


def _scope_flags(pattern: str) -> str:
    """`a(?i)b` -> `a(?i:b)`, and `(x(?i)y)z` -> `(x(?i:y))z`: a flag group not at the
    start applies to the rest of its enclosing group."""
    out: list[str] = []
    closers: list[int] = [0]  # per open group: scoped groups to close at its end
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            flags = _FLAGS.match(pattern, i)
            if flags is not None and i > 0:
                out.append(f"(?{flags.group(1)}:")
                closers[-1] += 1
                i = flags.end()
                continue
            closers.append(0)
        elif char == ")" and len(closers) > 1:
            out.append(")" * closers.pop())
        out.append(char)
        i += 1
    out.append(")" * closers[0])
    return "".join(out)
