"""A policy-bot `.policy.yml`: read as it is, translated with its defaults explicit,
problems at their line and column; `maintain policy import-policy-bot`; Go's mid-pattern
flags."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from maintain_repo.cli import main
from maintain_repo.engine.load import load_policies
from maintain_repo.policy.approval_source import choose, read_policy_bot
from maintain_repo.policy.patterns import problem, search

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
policy:
  approval:
    - or:
      - docs only
      - two reviews
  disapproval:
    requires:
      teams: [acme/sre]
    options:
      methods:
        disapprove:
          comments: [BLOCK]
approval_rules:
  - name: docs only
    if:
      only_changed_files:
        paths: ['^docs/']
      has_successful_status: [build]
  - name: two reviews
    requires:
      count: 2
      write_collaborators: true
    options:
      request_review: {enabled: true}
      methods:
        comment_patterns: ['^(?i)lgtm']
"""


def notes_and_problems(text: str) -> tuple[list[str], list[str]]:
    source = read_policy_bot(".policy.yml", text.encode())
    where = [f"{f.line}:{f.column} {f.message}" for f in source.notes]
    return where, [f"{f.line}:{f.column} {f.message}" for f in source.problems]


def test_a_policy_bot_file_translates_with_its_defaults_explicit():
    source = read_policy_bot(".policy.yml", GOOD.encode())
    assert source.problems == []
    policy = source.policy
    assert policy is not None
    docs, reviews = policy.rules
    assert docs.if_.has_status is not None
    assert docs.if_.has_status.statuses == ["build"]
    assert docs.options.invalidate_on_push is False  # policy-bot's default
    assert reviews.requires.permissions == ["write"]
    veto = policy.policy.disapproval
    assert veto is not None
    assert veto.options.methods.disapprove is not None
    assert veto.options.methods.disapprove.github_review is False  # a given block: no defaults
    assert sorted(f.message.split(" ")[0] for f in source.notes) == [
        "github_review:",
        "has_successful_status",
        "invalidate_on_push:",
        "invalidate_on_push:",
        "request_review",
        "write_collaborators:",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "policy: {approval: [r]}\napproval_rules:\n  - name: r\n    requires: {count: 1}\n",
            "4:16 count is 1 but nobody is named",
            id="nobody-may-approve",
        ),
        pytest.param(
            "policy: {approval: [r]}\napproval_rules:\n  - name: r\n    if:\n"
            "      modified_lines: {total: '< 100'}\n",
            "5:7 the predicate modified_lines is not supported by maintain",
            id="unsupported-predicate",
        ),
        pytest.param(
            "policy: {approval: [r]}\napproval_rules:\n  - name: r\n    options:\n"
            "      alow_author: true\n",
            "5:7 unknown field 'alow_author'; did you mean 'allow_author'?",
            id="unknown-option",
        ),
        pytest.param(
            "policy: {approval: [r]}\napproval_rules:\n  - name: r\n    if:\n"
            "      changed_files: {globs: ['**/*.go']}\n",
            "5:23 globs are not supported",
            id="globs",
        ),
        pytest.param(
            "policy: {approval: [r]}\napproval_defaults: {}\napproval_rules: [{name: r}]\n",
            "2:1 approval_defaults is not supported",
            id="approval-defaults",
        ),
        pytest.param(
            "policy: {approval: [rr]}\napproval_rules: [{name: r}]\n",
            "1:21 no rule is called 'rr'",
            id="unknown-rule",
        ),
        pytest.param("policy: [\n", "2:1", id="broken-yaml"),
    ],
)
def test_what_cannot_be_honoured_is_a_problem_at_its_place(text, expected):
    _, problems = notes_and_problems(text)
    assert any(p.startswith(expected) for p in problems), problems


def test_the_native_policy_wins_over_the_policy_bot_file():
    native = (ROOT / "policies/approval.yaml").read_bytes()
    chosen = choose([("policies/approval.yaml", native)], GOOD.encode())
    assert chosen is not None
    assert chosen.path == "policies/approval.yaml"
    assert choose([], GOOD.encode()).path == ".policy.yml"  # type: ignore[union-attr]
    assert choose([], None) is None
    assert load_policies([("policies/approval.yaml", native)]).approval is not None


def test_import_writes_the_native_file_with_the_differences_as_comments(tmp_path, capsys):
    shutil.copytree(ROOT / "tests/cases/base", tmp_path, dirs_exist_ok=True)
    (tmp_path / ".policy.yml").write_text(GOOD)
    assert main(["--root", str(tmp_path), "policy", "import-policy-bot"]) == 0
    written = (tmp_path / "policies/approval.yaml").read_text()
    assert "# - rules[0].options: invalidate_on_push: false" in written
    assert "kind: ApprovalPolicy" in written
    assert "wrote" in capsys.readouterr().out
    assert main(["--root", str(tmp_path), "policy", "validate"]) == 0
    # Not replaced without --force.
    assert main(["--root", str(tmp_path), "policy", "import-policy-bot"]) == 2
    assert "--force" in capsys.readouterr().err


def test_import_writes_nothing_when_there_are_problems(tmp_path, capsys):
    shutil.copytree(ROOT / "tests/cases/base", tmp_path, dirs_exist_ok=True)
    (tmp_path / ".policy.yml").write_text(
        "policy: {approval: [r]}\napproval_rules:\n  - name: r\n    requires: {count: 1}\n"
    )
    assert main(["--root", str(tmp_path), "policy", "import-policy-bot"]) == 1
    assert not (tmp_path / "policies/approval.yaml").exists()
    assert ".policy.yml:4:16: error policy-error count is 1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        ("^(?i)lgtm", "LGTM!", True),
        ("(?i)^lgtm", "LGTM", True),
        ("(a(?i)b)c", "aBc", True),
        ("(a(?i)b)c", "aBC", False),  # the flag ends with its group
        ("[(?i)]x", "?x", True),  # inside a class it is no flag
    ],
)
def test_go_style_flags_in_the_middle(pattern, text, found):
    assert search(pattern, text) is found


def test_a_pattern_that_does_not_compile_says_why():
    assert (problem("(") or "").startswith("not a valid regular expression")
    assert problem("^(?i)ok") is None
