"""The docs stay true: the README's first commands, the rule table and examples in
docs/reference/rules.md, and the README's length."""

from __future__ import annotations

import re
from pathlib import Path

import casework
from maintain_repo.rules.catalog import RULES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
RULES_PAGE = (ROOT / "docs/reference/rules.md").read_text()


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
    rows = dict(re.findall(row, RULES_PAGE, re.M))
    assert rows == {rule.id: rule.summary for rule in RULES.values()}


def test_readme_rule_examples_are_generated_from_the_cases():
    wanted = casework.readme_with_examples(RULES_PAGE)
    assert wanted == RULES_PAGE, "stale rule examples: run python tests/casework.py --write"


def test_every_rule_has_an_example_in_the_readme():
    examples = RULES_PAGE[RULES_PAGE.index(casework.START) : RULES_PAGE.index(casework.END)]
    shown = set(re.findall(r"<details markdown=\"1\"><summary><code>([a-z-]+)</code>", examples))
    offline = set(RULES) - casework.ONLINE_RULES
    assert shown == offline
    assert examples.count("```diff") == len(offline)


def test_the_readme_fits_on_a_few_screens():
    assert len(README.splitlines()) < 300


def test_the_readme_tour_works_as_printed(tmp_path, maintain_exe):
    import os
    import subprocess

    tour = README[README.index("## A ten-minute tour") :]
    block = re.search(r"```sh\n(.*?)```", tour, re.S)
    assert block is not None
    env = {
        **os.environ,
        "PATH": f"{Path(maintain_exe).parent}{os.pathsep}{os.environ['PATH']}",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    ran = subprocess.run(
        ["bash", "-c", "set -e\n" + block.group(1)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Ops report" in ran.stdout
