"""Round-trip edits keep comments, order, quoting and layout."""

from __future__ import annotations

import difflib
import io
from pathlib import Path

import pytest

from maintain_repo.store.roundtrip import Style, _yaml, detect_style, load, new_document

ROOT = Path(__file__).resolve().parents[2]
RECORDS = sorted((ROOT / "records").glob("*/*.yaml")) + sorted(
    (ROOT / "tests" / "cases" / "base" / "records").glob("*/*.yaml")
)


def _dump_without_shortcut(text: str) -> str:
    editable = load(text)
    out = io.StringIO()
    _yaml(editable.style).dump(editable.data, out)
    return out.getvalue()


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: f"{p.parent.parent.parent.name}/{p.name}")
def test_every_record_round_trips_byte_for_byte(path):
    text = path.read_text(encoding="utf-8")
    assert _dump_without_shortcut(text) == text
    assert load(text).dump() == text


def test_the_repository_has_records_to_round_trip():
    assert len(RECORDS) >= 40


@pytest.mark.parametrize("path", RECORDS[:12], ids=lambda p: p.name)
def test_editing_one_field_changes_only_its_line(path):
    text = path.read_text(encoding="utf-8")
    editable = load(text)
    editable.data["title"] = "A new title: with a colon"
    changed = [
        line
        for line in difflib.ndiff(text.splitlines(), editable.dump().splitlines())
        if line.startswith(("- ", "+ "))
    ]
    assert len(changed) == 2, changed
    assert changed[1] == "+ title: 'A new title: with a colon'"


TEXT = """\
# yaml-language-server: $schema=../../schemas/incident.schema.json
id: INC-20260301-7K2M   # trailing comment
labels: [a, b]
list:
- one
- 'two'
nested:
    deep: "quoted"
    when: 2026-03-01T10:06:00.123+05:30
    flag: yes
"""


def test_style_detection_keeps_unusual_indentation():
    style = detect_style(TEXT)
    assert style == Style(mapping=4, sequence=2, offset=0, explicit_start=False)
    assert _dump_without_shortcut(TEXT) == TEXT


def test_timestamps_stay_text_when_edited():
    editable = load(TEXT)
    editable.data["nested"]["flag"] = "no"
    out = editable.dump()
    assert "when: 2026-03-01T10:06:00.123+05:30\n" in out
    assert "flag: no\n" in out
    assert "# trailing comment" in out


def test_new_documents_use_the_house_style():
    text = new_document({"id": "x", "items": ["a"], "map": {"k": "v"}}, header="# top")
    assert text == "# top\nid: x\nitems:\n  - a\nmap:\n  k: v\n"
