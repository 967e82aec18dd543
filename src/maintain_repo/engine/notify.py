"""Notifications outside GitHub: an event (an incident opened, resolved or changing
severity; an SLA obligation at risk or breached; an SLO burning fast; a finding overdue) goes
to the routes of `notifications.routes` in the settings that want it, through Apprise (one
library for Slack, Teams, Discord, email, ntfy, generic webhooks and ~100 more).

- A route's URL is read from the environment variable it names (a secret of the workflow):
  it is never in the repository, never printed, and the GitHub token is never sent.
- Once per event and route: each event is tied to its issue (the incident's, or the SLA
  reminder's), and what was sent is kept there, in one comment of maintain's with a hidden
  marker per notification. A rerun, or another shard, finds it and sends nothing again.
- A notification that cannot be sent (an unreachable hook, a bad URL) is said in the run's
  output and not recorded, so the next run tries again; it never fails the run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maintain_repo.errors import redact
from maintain_repo.github.markers import marker, markers_in
from maintain_repo.report.safe import printable

SENT = "notified"  # the marker kind of one notification sent


@dataclass(frozen=True)
class Event:
    kind: str  # one of settings.NOTIFICATION_EVENTS
    key: str  # what makes this occurrence one (e.g. the incident id), marker-safe
    issue: int  # where the receipt is kept
    title: str
    body: str
    severity: str | None = None
    services: tuple[str, ...] = ()


Sender = Callable[[str, str, str], bool]  # (url, title, body) -> delivered


def apprise_send(url: str, title: str, body: str) -> bool:
    import warnings

    with warnings.catch_warnings():
        # Apprise's plugins (loaded as a URL is added) import the standard library's imghdr,
        # deprecated since Python 3.11: Apprise's to fix, and nothing to a maintain user.
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise  # only when something is sent

        notifier = apprise.Apprise()
        if not notifier.add(url):
            return False
        # Plain text: nothing in it is read as Markdown or HTML by the service.
        return bool(notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT))


def notify(
    api: Any,
    routes: Sequence[Any],
    event: Event,
    *,
    env: Mapping[str, str] | None = None,
    send: Sender = apprise_send,
) -> list[str]:
    """Send `event` to each route that wants it and has not had it; one line per route
    that was due (sent, or why not)."""
    wanted = [route for route in routes if _wants(route, event)]
    if not wanted:
        return []
    environment = os.environ if env is None else env
    receipt = marker("notifications", str(event.issue))
    sent = set(_sent(api, event.issue, receipt))
    lines: list[str] = []
    fresh: list[str] = []
    for route in wanted:
        key = _key(route.name, event.key)
        if key in sent:
            continue
        url = environment.get(route.url_env)
        if not url:
            lines.append(f"notification {route.name}: {route.url_env} is not set; nothing sent")
            continue
        title, body = _clean(event.title, environment), _clean(event.body, environment)
        try:
            delivered = send(url, title, body)
        except Exception as error:  # a broken plugin or URL: said, never fatal
            delivered = False
            lines.append(f"notification {route.name}: {type(error).__name__}")
        if delivered:
            fresh.append(key)
            lines.append(f"notification {route.name}: {event.kind} sent")
        else:
            lines.append(f"notification {route.name}: could not be sent (tried again next run)")
    if fresh:
        # Read again just before writing: another run (a shard, a slash command) may have
        # recorded its own since; the receipt keeps both. Delivery is at least once.
        known = set(_sent(api, event.issue, receipt)) | sent
        _record(api, event.issue, receipt, sorted(known | set(fresh)))
    return lines


# What chat services turn into a ping of everyone: `@everyone`, `@here`, `<!channel>`,
# `<@U123>`; broken with a zero-width joiner, as in GitHub comments (`report.safe.inert`).
_PING = re.compile(r"@(?=[A-Za-z0-9])|<(?=[!@#])")


def _clean(text: str, environment: Mapping[str, str]) -> str:
    """Plain text from records and issues made inert for a chat: each line printable
    (control characters escaped, line breaks kept), mentions broken, every secret maintain
    knows masked, and the GitHub tokens of the environment too."""
    lines = [printable(line) for line in text.replace("\r\n", "\n").split("\n")]
    text = redact(_PING.sub(lambda m: m.group() + "\u200d", "\n".join(lines)))
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        token = environment.get(name) or os.environ.get(name)
        if token and len(token) >= 8:
            text = text.replace(token, "***")
    return text


def issue_link(repository: str, number: int) -> str:
    """The issue's page: on GitHub, or the GitHub Enterprise server a workflow runs on."""
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    return f"{server}/{repository}/issues/{number}"


def _wants(route: Any, event: Event) -> bool:
    if event.kind not in route.events:
        return False
    if route.severities and event.severity not in route.severities:
        return False
    return not route.services or any(s in route.services for s in event.services)


def _key(route: str, event_key: str) -> str:
    return f"{route}:{event_key}"[:200]


def _sent(api: Any, issue: int, receipt: str) -> list[str]:
    for body in api.our_comments(issue):
        if receipt in body:
            return markers_in(body, SENT)
    return []


def _record(api: Any, issue: int, receipt: str, keys: Sequence[str]) -> None:
    lines = ["Notifications sent by maintain (each once):", ""]
    lines += [f"- `{key}` {marker(SENT, key)}" for key in keys]
    api.upsert_comment(issue, receipt, "\n".join(lines) + f"\n\n{receipt}")


def routes_of(root: Path) -> list[Any]:
    """The repository's notification routes (none: nothing is ever sent); read once per
    run and repository."""
    key = str(root.resolve())
    if key not in _ROUTES:
        from maintain_repo.engine.load import worktree_policies

        _ROUTES[key] = list(worktree_policies(root).settings.notifications.routes)
    return _ROUTES[key]


_ROUTES: dict[str, list[Any]] = {}


def notify_ops(ops: Any, event: Event) -> None:
    """`notify` for a GitHub-facing command: the routes of its repository, each line said."""
    routes = routes_of(ops.root)
    if not routes or getattr(ops.api, "dry_run", False):
        return
    for line in notify(ops.api, routes, event):
        ops.say(line)
