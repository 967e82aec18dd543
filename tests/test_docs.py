"""The README stays true: its first commands, and the rule table."""

from __future__ import annotations

import re
from pathlib import Path

import casework
from maintain_repo.rules.catalog import RULES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_starts_with_the_two_commands_ci_uses():
    block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert block is not None
    assert README.index("```sh") < 20
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert commands == ["./scripts/maintain check", "./scripts/test"]
    ci = (Path(__file__).resolve().parents[1] / ".ci/run").read_text()
    assert "./scripts/test" in ci


def test_readme_documents_every_rule():
    row = r"^\| `([a-z-]+)` \| (?:file|repo|base|online) \| (.+) \|$"
    rows = dict(re.findall(row, README, re.M))
    assert rows == {rule.id: rule.summary for rule in RULES.values()}


def test_readme_rule_examples_are_generated_from_the_cases():
    wanted = casework.readme_with_examples(README)
    assert wanted == README, "stale rule examples: run python tests/casework.py --write"


def test_every_rule_has_an_example_in_the_readme():
    examples = README[README.index(casework.START) : README.index(casework.END)]
    shown = set(re.findall(r"<summary><code>([a-z-]+)</code>", examples))
    offline = set(RULES) - casework.ONLINE_RULES
    assert shown == offline
    assert examples.count("```diff") == len(offline)
