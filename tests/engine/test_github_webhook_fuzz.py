"""Webhook payloads of every shape maintain handles, each field replaced by each JSON type in
turn: `maintain github sync` never crashes (exit 3), it acts or says which field is wrong.

The payloads are the emulator's real event shapes (checked against GitHub's webhook schemas)
for an incident issue with a record (opened, labeled, closed: reopened has the shape of
closed), a comment on it, and a pull request with a review. Every JSON path
of each is replaced by null, a boolean, an integer, a float, a string, a list and an object.

Each replacement goes through the typed reader at the boundary (`github.events.read_event`),
and through `main([...])` against the emulator whenever it makes a difference there: each
refusal of the reader not seen before (exit 2 expected, naming the field), and each event it
reads that was not seen before. A replacement the reader turns into an event already run (a
field maintain does not read), or refuses as it refused another, gives the command the very
same input, so running it again would test nothing new.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from emulated import client, validate_webhook
from githubops import FORM_BODY, REPOSITORY, git, write_event
from incidentops import comment, form_incident, incident_world
from maintain_repo.cli import main
from maintain_repo.errors import UsageError
from maintain_repo.github.events import read_event

KINDS: list[Any] = [None, True, 7, 1.5, "x", [], {}]
JsonPath = tuple[str | int, ...]


def paths(node: Any, prefix: JsonPath = ()) -> Iterator[JsonPath]:
    """Every JSON path below `node` (not the root itself), depth first."""
    if isinstance(node, dict):
        items: Any = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


@contextmanager
def replaced(payload: dict[str, Any], path: JsonPath, value: Any) -> Iterator[dict[str, Any]]:
    """`payload` with the value at `path` replaced, for the `with` block (then put back)."""
    node: Any = payload
    for key in path[:-1]:
        node = node[key]
    before = node[path[-1]]
    node[path[-1]] = copy.deepcopy(value)
    try:
        yield payload
    finally:
        node[path[-1]] = before


def _incident_events(emu: Any, repo: Any, tmp_path: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    issue = client(emu, "alice").get_repo(REPOSITORY).get_issue(number)
    issue.add_to_labels("SEV1")
    labeled = emu.webhook("issues", "labeled", issue=number, label="SEV1", sender="alice")
    issue.edit(state="closed", state_reason="completed")
    closed = emu.webhook("issues", "closed", issue=number, sender="alice")
    return {
        "issues.opened": ("issues", emu.webhook("issues", "opened", issue=number)),
        "issues.labeled": ("issues", labeled),
        "issues.closed": ("issues", closed),
        "issue_comment.created": (
            "issue_comment",
            comment(emu, number, "carol", "/severity SEV1"),
        ),
    }


def _pull_events(emu: Any, repo: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    git(repo.root, "checkout", "-q", "-b", "docs")
    before = git(repo.root, "rev-parse", "HEAD").strip()
    repo.commit_and_push({"docs/runbook.md": "# Runbook\n"}, "a runbook", branch="docs")
    pull = client(emu, "bob").get_repo(REPOSITORY).create_pull(base="main", head="docs", title="t")
    review = pull.create_review(event="COMMENT", body="looks fine")
    git(repo.root, "checkout", "-q", "main")
    return {
        "pull_request.opened": (
            "pull_request",
            emu.webhook("pull_request", "opened", pull=pull.number),
        ),
        "pull_request.synchronize": (
            "pull_request",
            emu.webhook("pull_request", "synchronize", pull=pull.number, before=before),
        ),
        "pull_request_review.submitted": (
            "pull_request_review",
            emu.webhook("pull_request_review", "submitted", review=review.id),
        ),
    }


SHAPES = [
    "issues.opened",
    "issues.labeled",
    "issues.closed",
    "issue_comment.created",
    "pull_request.opened",
    "pull_request.synchronize",
    "pull_request_review.submitted",
]


@pytest.mark.parametrize("shape", SHAPES)
def test_no_field_of_any_type_crashes_sync(shape, tmp_path, make_github, monkeypatch, capsys):
    repo, emu = incident_world(tmp_path, make_github, monkeypatch)
    made = _pull_events(emu, repo) if shape.startswith("pull_request") else {}
    if not made:
        made = _incident_events(emu, repo, tmp_path)
    name, payload = made[shape]
    validate_webhook(name, payload["action"], payload)
    git(repo.root, "fetch", "-q", "origin")

    def run(mutated: dict[str, Any]) -> tuple[int, str]:
        path = write_event(tmp_path, mutated, "fuzz.json")
        args = ["--root", str(repo.root), "github", "sync", "--event", str(path)]
        code = main([*args, "--event-name", name])
        return code, capsys.readouterr().err

    seen: set[str] = set()
    crashes: list[str] = []
    counts = {"paths": 0, "refused": 0, "run": 0}

    def attempt(mutated: dict[str, Any]) -> str | None:
        """What went wrong with one payload (None: nothing, or nothing new to run)."""
        try:
            event = read_event(name, mutated)
        except UsageError as refused:
            if refused.message in seen:
                return None
            seen.add(refused.message)
            counts["refused"] += 1
            code, err = run(mutated)
            ok = code == 2 and "payload is not one GitHub sends" in err
            return None if ok else f"exit {code}: {err.strip()}"
        key = repr(event)
        if key in seen:
            return None
        seen.add(key)
        counts["run"] += 1
        code, err = run(mutated)
        ok = code in (0, 1, 2) and "internal error" not in err
        return None if ok else f"exit {code}: {err.strip()}"

    for where in list(paths(payload)):
        counts["paths"] += 1
        for value in KINDS:
            with replaced(payload, where, value) as mutated:
                problem = attempt(mutated)
            if problem:
                crashes.append(f"{where} = {json.dumps(value)}: {problem}")
    assert crashes == [], "\n".join(crashes[:20])
    # The walk covered the shape: every field, refusals and distinct events both exercised.
    assert counts["paths"] > 100
    assert counts["refused"] > 3
    assert counts["run"] > 5


HOSTILE = [
    ("issue_comment", ("issue", "number"), "abc", "issue.number: expected an integer"),
    ("issue_comment", ("issue", "number"), 0, "issue.number: expected a positive integer"),
    ("issue_comment", ("issue", "labels"), ["incident"], "issue.labels[0]: expected an object"),
    ("issue_comment", ("issue", "labels"), "incident", "issue.labels: expected a list"),
    ("issue_comment", ("repository",), "acme/shop", "repository: expected an object"),
    ("issue_comment", ("comment",), "/ack", "comment: expected an object"),
    ("issue_comment", ("comment", "body"), 7, "comment.body: expected a string"),
    ("issue_comment", ("comment", "created_at"), "yesterday", "comment.created_at: expected"),
    ("issue_comment", ("sender",), "carol", "sender: expected an object"),
    ("issue_comment", ("action",), None, "action: expected a string"),
    ("issues", ("issue",), None, "issue: expected an object"),
    ("issues", ("label",), "SEV1", "label: expected an object"),
    ("issues", ("issue", "user", "login"), 5, "issue.user.login: expected a string"),
    ("pull_request", ("pull_request", "number"), "12", "pull_request.number: expected an integer"),
]


@pytest.mark.parametrize(
    ("name", "where", "value", "message"), HOSTILE, ids=[".".join(map(str, h[1])) for h in HOSTILE]
)
def test_a_wrong_field_is_a_usage_error_naming_it(
    name, where, value, message, tmp_path, make_github, monkeypatch, capsys
):
    repo, emu = incident_world(tmp_path, make_github, monkeypatch)
    number = emu.seed_issue("carol", "[Incident]: x", FORM_BODY, labels=["incident"])
    payload = {
        "issue_comment": lambda: comment(emu, number, "carol", "/ack"),
        "issues": lambda: emu.webhook("issues", "labeled", issue=number, label="incident"),
        "pull_request": lambda: {"action": "opened", "pull_request": {"number": 1}},
    }[name]()
    before = emu.exchanges
    with replaced(payload, where, value) as mutated:
        path = write_event(tmp_path, mutated, "hostile.json")
    code = main(
        ["--root", str(repo.root), "github", "sync", "--event", str(path), "--event-name", name]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"the {name} payload is not one GitHub sends: {message}" in err
    assert emu.exchanges == before  # refused before GitHub is asked anything
    assert repo.branches() == ["main"]
    if isinstance(value, str):
        assert repr(value) not in err  # untrusted text is not echoed
