"""Every top-level field of every record and policy document, replaced by a value of each
other YAML type, never crashes a command (exit 3): code that assumes a field is text
(`kind: [RecordPolicy]`) must say what is wrong instead.

All variants live in one repository at once (a file per variant), so one run of each
command covers them all: `check`, `check --base` in both directions (the variants on
the base, then in the working tree), `policy validate`, `policy test` and `sla`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from casework import BASE
from maintain_repo.cli import main
from maintain_repo.store.yaml import parse

ROOT = Path(__file__).resolve().parents[2]
# A value of each YAML type (a boolean behaves as the number does) other than the field's own.
VALUES = (["x"], {"a": 1}, 7, None, "text")


def _dump(data: dict) -> str:
    return json.dumps(data, indent=1) + "\n"  # JSON is YAML 1.2 (and fast to write)


def _variants(source: Path) -> list[str]:
    data = parse(source.read_text(encoding="utf-8")).data
    return [
        _dump({**data, key: value})
        for key in data
        for value in VALUES
        if type(value) is not type(data[key])
    ]


def _documents() -> list[tuple[str, Path]]:
    """(folder, file) of every record of the base case and every policy document here."""
    records = [(p.parent.relative_to(BASE).as_posix(), p) for p in BASE.glob("records/*/*.yaml")]
    return sorted(records) + [("policies", p) for p in sorted((ROOT / "policies").glob("*.yaml"))]


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _place(root: Path, texts: dict[str, str]) -> None:
    for rel, text in texts.items():
        (root / rel).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def variants() -> dict[str, tuple[str, str]]:
    """root-relative path -> (the original document, one variant of it)."""
    found = {}
    for folder, source in _documents():
        original = source.read_text(encoding="utf-8")
        for index, text in enumerate(_variants(source)):
            found[f"{folder}/{source.stem}-v{index}.yaml"] = (original, text)
    return found


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def _assert_no_crash(code: int, said: str) -> None:
    assert code != 3, said[-3000:]
    assert "internal error" not in said


def test_no_command_crashes_on_fields_of_the_wrong_type(tmp_path, variants, capsys):
    assert len(variants) > 500
    root = tmp_path / "ops"
    shutil.copytree(BASE, root)
    shutil.copytree(ROOT / "policies/tests", root / "policies/tests")
    _place(root, {rel: text for rel, (_, text) in variants.items()})
    for command in (
        ("check", "--no-cache"),
        ("policy", "validate"),
        ("policy", "test"),
        ("sla",),
        ("rules",),
    ):
        code, said = _run(capsys, "--root", str(root), *command)
        _assert_no_crash(code, said)
        expected = {("rules",): (0,), ("sla",): (0, 1)}.get(command, (1,))
        assert code in expected, (command, said[-2000:])


@pytest.mark.parametrize("variant_on_base", [True, False], ids=["on the base", "in the change"])
def test_base_comparisons_survive_fields_of_the_wrong_type(
    tmp_path, variants, capsys, variant_on_base
):
    root = tmp_path / "ops"
    shutil.copytree(BASE, root)
    records = {rel: pair for rel, pair in variants.items() if rel.startswith("records/")}
    first, then = (1, 0) if variant_on_base else (0, 1)
    _place(root, {rel: pair[first] for rel, pair in records.items()})
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    _place(root, {rel: pair[then] for rel, pair in records.items()})
    code, said = _run(capsys, "--root", str(root), "check", "--no-cache", "--base", "main")
    _assert_no_crash(code, said)
    assert code == 1
