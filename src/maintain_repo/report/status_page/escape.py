"""Untrusted text on the page: `_t` makes any text from data safe in HTML text and quoted
attributes, `_safe_url` lets only absolute http(s) URLs become links."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from maintain_repo.report.safe import printable


def _t(text: str) -> str:
    """Untrusted text, safe in HTML text and in a quoted attribute."""
    return html.escape(printable(" ".join(text.split())), quote=True)


_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f]+", re.IGNORECASE)


def _safe_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL with a host, else None (no link)."""
    if url is None or not _URL.fullmatch(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None
