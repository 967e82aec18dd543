"""The docs stay true: the README's first commands, the rule table and examples in
docs/reference/rules.md, and the README's length."""

from __future__ import annotations

import json
import re
from pathlib import Path

import casework
import schemadocs
from maintain_repo.cli import main
from maintain_repo.model.schemas import render_all
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


def test_the_documented_pins_name_this_version():
    """The README, the docs and action.yml show how to pin maintain: at this release."""
    from maintain_repo import HOME, __version__

    repository = HOME.removeprefix("https://github.com/")
    pins = []
    for path in [ROOT / "README.md", ROOT / "action.yml", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        pins += re.findall(rf"{re.escape(repository)}@(v[0-9][^\s\"'`]*)", text)
        pins += re.findall(r"^\s*rev: (v[0-9]\S*)", text, re.M)
    assert pins, "no pins found: the pattern is stale"
    assert set(pins) == {f"v{__version__}"}
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## {__version__} (" in changelog


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


def test_schema_pages_are_generated_from_the_schemas():
    wanted = schemadocs.pages()
    written = set(schemadocs.PAGES.glob("*.md"))
    assert written == set(wanted), "run python tests/schemadocs.py --write"
    stale = [p.name for p, text in wanted.items() if p.read_text(encoding="utf-8") != text]
    assert not stale, f"stale schema pages {stale}: run python tests/schemadocs.py --write"


def test_every_schema_page_is_in_the_docs_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    for path in schemadocs.pages():
        title = "Overview" if path.stem == "index" else schemadocs.title(path.stem)
        assert f"- {title}: {path.relative_to(ROOT / 'docs').as_posix()}\n" in nav, path.name


def test_every_schema_field_has_a_description_for_editor_hover_help():
    """Editors show a property's description on hover; none of them may be missing."""
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            for name, field in (node.get("properties") or {}).items():
                if not str(field.get("description", "")).strip():
                    missing.append(f"{where}.{name}")
                walk(field, f"{where}.{name}")
            for key, value in node.items():
                if key == "$defs":
                    for name, definition in value.items():
                        walk(definition, f"{where}#{name}")
                elif key != "properties":
                    walk(value, where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    for name, text in render_all().items():
        walk(json.loads(text), name.removesuffix(".schema.json"))
    assert missing == []


def test_the_schema_pages_minimal_examples_pass_in_a_new_repository(tmp_path, capsys):
    """Every page's example, laid over `maintain init`'s repository, passes every check."""
    assert set(schemadocs.EXAMPLES) == {p.stem for p in schemadocs.pages()} - {"index"}
    root = tmp_path / "ops"
    assert main(["init", str(root), "--repo", "acme/ops", "--team", "sre"]) == 0
    for path, text in schemadocs.EXAMPLES.values():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    capsys.readouterr()
    now = ["--now", "2026-12-01T10:00:00Z"]
    assert main(["--root", str(root), "check", *now]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "0 failed" in out, out
    assert "warning" not in out, out
    assert main(["--root", str(root), "policy", "validate", *now]) == 0
    assert main(["--root", str(root), "policy", "test", *now]) == 0, capsys.readouterr().out
    assert "changes-name-a-service.yaml" in capsys.readouterr().out
