"""Bulk record writing without the round trip: every text is read back by the checking
reader before it is used, so a value this module cannot write safely falls back (None)."""

from __future__ import annotations

import copy

import pytest

from maintain_repo.store import fastedit, roundtrip
from maintain_repo.store.yaml import parse

TRICKY = [
    "yes",
    "No",
    "null",
    "~",
    "1.5",
    "0x1F",
    "1e3",
    "-leading dash",
    "key: value",
    "ends with colon:",
    "a # comment",
    "'quoted'",
    '"double"',
    "tab\there",
    "line\nbreak\n",
    "line\u2028separator",
    "émoji 🎉",
    " leading space",
    "trailing space ",
    "",
    "CVSS:3.1/AV:N/AC:L",
    "https://example.com/a?b=c#frag",
    "2026-12-10T10:00:00Z",
    "@acme/sre",
    "*alias",
    "&anchor",
    "!tag",
    "%directive",
    "[flow]",
    "{flow}",
]


@pytest.mark.parametrize("text", TRICKY)
def test_a_new_record_reads_back_as_its_data_or_is_left_to_the_round_trip(text):
    data = {"id": "SF-20261210-AB12", "title": text, "list": [text, {"k": text}], "n": 3}
    written = fastedit.emit(data)
    if written is not None:
        assert parse(written).data == data


def test_a_plain_record_is_written_in_the_house_style():
    data = {
        "id": "SF-20261210-AB12",
        "kind": "finding",
        "version": "3.1",
        "score": 5.3,
        "ids": ["CVE-2021-1", "GHSA-x"],
        "sla": {"start": "2026-12-10T10:00:00Z", "due": "2027-01-09T10:00:00Z"},
        "timeline": [{"at": "2026-12-10T10:00:00Z", "by": "acme/security", "event": "created"}],
        "empty": [],
    }
    assert fastedit.emit(data, header="# a header\n") == (
        "# a header\n"
        "id: SF-20261210-AB12\n"
        "kind: finding\n"
        'version: "3.1"\n'
        "score: 5.3\n"
        "ids:\n"
        "  - CVE-2021-1\n"
        "  - GHSA-x\n"
        "sla:\n"
        "  start: 2026-12-10T10:00:00Z\n"
        "  due: 2027-01-09T10:00:00Z\n"
        "timeline:\n"
        "  - at: 2026-12-10T10:00:00Z\n"
        "    by: acme/security\n"
        "    event: created\n"
        "empty: []\n"
    )


RECORD = """\
# yaml-language-server: $schema=../../schemas/finding.schema.json
id: SF-20261210-AB12
status: open  # triaged on Monday
severity: high
vulnerability_ids:
  - CVE-2021-1  # the first
last_seen: 2026-12-10T10:00:00Z
timeline:
  - at: 2026-12-10T10:00:00Z
    by: acme/security
    event: created
    # a note on the entry
"""


def _changed(**changes):
    before = parse(RECORD).data
    after = copy.deepcopy(before)
    after.update(changes)
    return before, after


def test_changed_lines_are_rewritten_and_every_other_byte_kept():
    before, after = _changed(last_seen="2026-12-11T10:00:00Z", severity="critical")
    after["vulnerability_ids"].append("GHSA-v6rh-hp5x-86rv")
    after["timeline"].append({"at": "2026-12-11T10:00:00Z", "by": "bot", "event": "seen"})
    after["mitigated_at"] = "2026-12-11T10:00:00Z"
    text = fastedit.patch(RECORD, before, after)
    assert text is not None
    assert parse(text).data == after
    assert "status: open  # triaged on Monday\n" in text
    assert "  - CVE-2021-1  # the first\n  - GHSA-v6rh-hp5x-86rv\n" in text
    assert "    # a note on the entry\n  - at: 2026-12-11T10:00:00Z\n" in text
    assert "mitigated_at: 2026-12-11T10:00:00Z\ntimeline:\n" in text  # before the timeline
    assert text.startswith("# yaml-language-server")


def test_a_line_with_a_comment_is_left_to_the_round_trip_which_keeps_it():
    before, after = _changed(status="mitigated")
    assert fastedit.patch(RECORD, before, after) is None
    editable = roundtrip.load(RECORD)
    roundtrip.apply(editable.data, before, after)
    text = editable.dump()
    assert parse(text).data == after
    assert "# triaged on Monday" in text
    assert "# the first" in text


def test_an_unchanged_record_is_its_own_text():
    before, after = _changed()
    assert fastedit.patch(RECORD, before, after) == RECORD


@pytest.mark.parametrize(
    "text",
    [
        "---\nid: X\nstatus: open\n",  # a document marker
        "id: X\n# between keys\nstatus: open\n",
        "{id: X, status: open}\n",
    ],
)
def test_layouts_it_does_not_edit_are_left_to_the_round_trip(text):
    before = parse(text).data
    after = {**before, "status": "mitigated"}
    assert fastedit.patch(text, before, after) is None


def test_every_record_of_this_repository_patched_reads_back_whole(own_ops):
    """The entry-by-entry verification stands for the whole text: on real records (block
    scalars, comments, nested lists), a patched text read whole is what was meant."""
    patched = 0
    for path in sorted((own_ops / "records").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        before = parse(text).data
        after = copy.deepcopy(before)
        after["status"] = "mitigated"
        after["last_seen"] = "2026-12-11T10:00:00Z"
        after.setdefault("timeline", []).append(
            {"at": "2026-12-11T10:00:00Z", "by": "acme/security", "event": "note", "text": "x: y"}
        )
        result = fastedit.patch(text, before, after)
        if result is not None:
            patched += 1
            assert parse(result).data == after, path.name
    assert patched > 20


def test_values_written_without_reading_back_are_read_back_exactly():
    """`emit` skips reading back a record whose every value is in an exact form; here
    each such form is read back anyway, on thousands of random texts."""
    import random

    alphabet = [chr(c) for c in range(0, 128)] + ["é", "\u2028", "\ufeff", "🎉"]
    words = ["yes", "No", "null", "true", "1", "0x1F", "0b11", "1_000", ".inf", "y", "~"]
    words += ["https://a.example/b_c?d=e&f", "http://x/#frag", "https://x/a:b", "http:"]
    words += ["0b101", "0x1f", "1e10", "12e4", "3ebae", "ab12", "9f2c", "a 'q' \"d\""]
    chooser = random.Random(7)
    exact = 0
    for _ in range(3000):
        if chooser.random() < 0.2:
            text = chooser.choice(words)
        else:
            text = "".join(chooser.choice(alphabet) for _ in range(chooser.randint(1, 12)))
        data = {"title": text, "ids": [text], "entry": {"text": text}}
        if not fastedit._all_exact(data):
            continue
        exact += 1
        lines = fastedit._mapping(data, 0)
        assert parse("\n".join(lines) + "\n").data == data, repr(text)
    assert exact > 1000


@pytest.mark.parametrize(
    ("text", "change"),
    [
        # A list grown just before the timeline, and a new key (which goes before it).
        ("ids:\n  - CVE-1\ntimeline:\n  - at: x\n", {"ids": ["CVE-1", "CVE-2"], "new": "v"}),
        # No timeline: the last key changed, removed or grown, and a new key after it.
        ("id: X\nstatus: open\n", {"status": "mitigated", "new": "v"}),
        ("id: X\nstatus: open\n", {"status": None, "new": "v"}),
        ("ids:\n  - a\n", {"ids": ["a", "b"], "new": "c"}),
        # Block scalars: where they end is where the next line begins.
        ("items:\n  - |\n    text\n", {"items": ["text\n", "more"]}),
        ("items:\n  - |+\n    text\n\n", {"items": ["text\n\n", "more"]}),
        ("desc: |+\n  text\n\n", {"new": "v"}),
        ("desc: |+\n  text\n\nstatus: open\n", {"status": "done"}),
        # Not ours to edit line by line: the round trip does (None).
        ("items:\n  - |\n    text", {"items": ["text", "more"]}),
        ("id: X\r\nstatus: open\r\n", {"status": "mitigated"}),
    ],
)
def test_a_patched_text_reads_back_whole_as_meant_or_is_refused(text, change):
    before = parse(text).data
    after = copy.deepcopy(before)
    for key, value in change.items():
        if value is None:
            del after[key]
        else:
            after[key] = value
    result = fastedit.patch(text, before, after)
    if result is not None:
        assert parse(result).data == after


@pytest.mark.parametrize("key", ["null", "true", "False", "~", "yes"])
def test_keys_yaml_reads_as_something_else_are_left_to_the_round_trip(key):
    assert fastedit.emit({key: "x"}) is None
    assert fastedit.emit({"a": [{key: "x"}]}) is None


def test_an_integer_too_long_for_text_is_left_to_the_round_trip():
    assert fastedit.emit({"n": 10**5000}) is None
