"""Browser plumbing for the HTML tests: Debian's chromium driven by Playwright, and a
loopback static file server.

`chromium_path()` finds the browser (`MAINTAIN_CHROMIUM`, else `chromium` on PATH) and
fails the test, never skips it, when there is none: `./scripts/bootstrap test` installs it.
A browser Playwright downloads is never used (`playwright install` is not part of setup).

`launch()` starts it headless with background networking off, so the only traffic a test
sees is the page's own. `serve(directory)` serves files on 127.0.0.1 (a free port) for the
duration of a `with` block and yields the base URL, ending in `/`. `Visit` opens one page
and records what it did: every request URL, console errors, uncaught page errors and
dialogs (an injected `alert()` shows up there).

Playwright's sync API runs its own event loop: keep it out of asyncio tests, and close
everything (pytest turns ResourceWarning into an error here).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, sync_playwright

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


def chromium_path() -> str:
    """Debian's chromium, or the test fails saying how to get it."""
    configured = os.environ.get("MAINTAIN_CHROMIUM")
    if configured:
        if not os.access(configured, os.X_OK):
            pytest.fail(f"MAINTAIN_CHROMIUM={configured} is not an executable file")
        return configured
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "the HTML tests need Debian's chromium, which is not on PATH: run "
            "scripts/bootstrap test (it runs `apt-get install chromium`), or set "
            "MAINTAIN_CHROMIUM to a chromium executable"
        )
    return found


@contextmanager
def launch() -> Iterator[Browser]:
    """A headless chromium, closed (with Playwright's driver) on exit."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 at a free port; yield `http://127.0.0.1:<port>/`."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="static-server", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class Visit:
    """One page in a fresh browser context, and what it did."""

    page: Page
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@contextmanager
def visit(browser: Browser, url: str, **context_options: Any) -> Iterator[Visit]:
    """Open `url` in a new context (viewport etc. from `context_options`), recording
    requests, console errors, page errors and dialogs from before the first byte."""
    context = browser.new_context(**context_options)
    try:
        page = context.new_page()
        seen = Visit(page)
        page.on("request", seen._request)
        page.on("console", seen._console)
        page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
        page.on("dialog", seen._dialog)
        response = page.goto(url, wait_until="load")
        assert response is not None, url
        assert response.ok, f"{url}: {response.status}"
        yield seen
    finally:
        context.close()
