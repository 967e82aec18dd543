"""Following an http probe's redirects without carrying its secrets to another origin.

aiohttp follows redirects by itself, but sends every header again wherever the server
points, Authorization alone excepted: a probe's `X-Api-Key` from `headers_from_env`
would reach any host a redirect names. Redirects are followed here instead, one request
at a time: a request to an origin (scheme, host, port) other than the probe's own goes
without the secret headers, Authorization, Cookie and Proxy-Authorization. Methods change
as browsers and aiohttp change them (303 to GET; 301 and 302 turn a POST into a GET).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from maintain_repo.model.probes import HttpProbe

if TYPE_CHECKING:
    import aiohttp

MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PRIVATE = frozenset({"authorization", "cookie", "proxy-authorization"})


class RedirectError(Exception):
    """Too many redirects, or one to a URL the probe cannot follow."""


@asynccontextmanager
async def exchange(
    client: aiohttp.ClientSession, probe: HttpProbe, headers: Mapping[str, str]
) -> AsyncIterator[tuple[aiohttp.ClientResponse, int]]:
    """The final answer (open until the block ends) and how many redirects led to it."""
    from yarl import URL

    url = URL(probe.url)
    home = url.origin()
    private = _PRIVATE | {name.lower() for name in probe.headers_from_env}
    elsewhere = {k: v for k, v in headers.items() if k.lower() not in private}
    method, data = probe.method, probe.body.encode() if probe.body is not None else None
    hops = 0
    while True:
        answer = await client.request(
            method,
            url,
            headers=headers if url.origin() == home else elsewhere,
            data=data,
            allow_redirects=False,
            ssl=probe.verify_tls,  # True: the session's trust store
        )
        location = answer.headers.get("Location")
        if not (probe.follow_redirects and answer.status in _REDIRECTS and location):
            try:
                yield answer, hops
            finally:
                answer.release()
            return
        answer.release()
        hops += 1
        if hops > MAX_REDIRECTS:
            raise RedirectError(f"more than {MAX_REDIRECTS} redirects")
        try:
            url = answer.url.join(URL(location)).with_fragment(None)
        except ValueError:
            raise RedirectError("a redirect to a malformed URL") from None
        if url.scheme not in ("http", "https") or not url.host:
            # The location is the server's text: only its scheme is repeated.
            raise RedirectError(f"a redirect to a {url.scheme[:20] or 'schemeless'} URL")
        if (answer.status == 303 and method != "HEAD") or (
            answer.status in (301, 302) and method == "POST"
        ):
            method, data = "GET", None
