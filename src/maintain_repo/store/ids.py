"""Record ids: `PREFIX-YYYYMMDD-XXXX` (UTC date, random Crockford base32).

Sequential numbers collide when two branches both take "the next one" and git
merges the two new files cleanly; a date plus 20 random bits does not, and
`maintain check` still verifies uniqueness across the repository.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import UTC, datetime

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(prefix: str, now: datetime | None = None) -> str:
    """A fresh id for a record of the kind with `prefix`, dated `now` (UTC)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    suffix = "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(4))
    return f"{prefix}-{moment:%Y%m%d}-{suffix}"


def derived_id(prefix: str, now: datetime, key: str) -> str:
    """The id `key` always gives on the day `now` (UTC): reruns of one job agree on it."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")
    suffix = "".join(CROCKFORD_ALPHABET[(digest >> (5 * i)) & 31] for i in range(4))
    return f"{prefix}-{now.astimezone(UTC):%Y%m%d}-{suffix}"


def slugify(text: str, *, max_length: int = 63) -> str:
    """`Checkout API (EU)` -> `checkout-api-eu`; empty when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_length].rstrip("-")
    return re.sub(r"^[0-9-]+", "", slug)
