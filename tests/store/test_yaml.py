"""The YAML reader: 1.2 semantics, positions, and hostile input as problems."""

from __future__ import annotations

import math

import pytest

import maintain_repo.store.yaml as yaml_module
from maintain_repo.store.problems import YamlError
from maintain_repo.store.scalars import resolve_plain
from maintain_repo.store.source import MAX_BYTES, decode, read
from maintain_repo.store.yaml import parse, parse_value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("no", "no"),
        ("on", "on"),
        ("yes", "yes"),
        ("NO", "NO"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("010", 10),
        ("0o17", 15),
        ("0x1F", 31),
        ("-3", -3),
        ("1.10", 1.1),
        ("1e3", 1000.0),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("1:20", "1:20"),
        ("1_000", "1_000"),
        ("2026-03-01", "2026-03-01"),
        ("2026-03-01T10:02:00Z", "2026-03-01T10:02:00Z"),
        ("0b101", "0b101"),
        ("+12", 12),
    ],
)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(text, value):
    assert resolve_plain(text) == value
    assert type(resolve_plain(text)) is type(value)


def test_nan_is_a_float():
    assert math.isnan(resolve_plain(".nan"))


def test_document_values_and_quoting():
    data = parse("a: 'yes'\nb: \"010\"\nc: !!str 5\nd: !!int '7'\ne: [1, x]\nf: {g: no}\n").data
    assert data == {"a": "yes", "b": "010", "c": "5", "d": 7, "e": [1, "x"], "f": {"g": "no"}}


def test_positions_point_at_keys_and_list_items():
    text = "# header\nid: x\nlist:\n  - a\n  - b: 1\n    c: 2\nmap: {k: v}\n"
    document = parse(text, positions=True)
    assert document.locate(()) == (2, 1)
    assert document.locate(("id",)) == (2, 1)
    assert document.locate(("list", 1)) == (5, 5)
    assert document.locate(("list", 1, "c")) == (6, 5)
    assert document.locate(("map", "k")) == (7, 7)
    # A missing field is located at its closest existing parent.
    assert document.locate(("list", 1, "missing")) == (5, 5)
    assert document.locate(("nope", "deeper")) == (2, 1)


def test_positions_are_only_collected_on_request():
    assert parse("a: 1\n").positions == {}


@pytest.mark.parametrize(
    ("text", "rule", "line", "column"),
    [
        ("a: 1\nb: 2\na: 3\n", "yaml-duplicate-key", 3, 1),
        ("a:\n  - x: 1\n    x: 2\n", "yaml-duplicate-key", 3, 5),
        ("a: &x 1\nb: *x\n", "yaml-alias", 1, 4),
        ("a: 1\nb:\n  <<: {c: 1}\n", "yaml-alias", 3, 3),
        ("a: 1\n---\nb: 2\n", "yaml-multi-document", 2, 1),
        ("a:\n\tb: 1\n", "yaml-tab", 2, 1),
        ("a: !!binary aGk=\n", "yaml-tag", 1, 4),
        ("a: !local x\n", "yaml-tag", 1, 4),
        ("a: !!int x\n", "yaml-tag", 1, 4),
        ("1: x\n", "yaml-key", 1, 1),
        ("? [a]\n: x\n", "yaml-key", 1, 3),
        ("a: " + "[" * 40 + "]" * 40 + "\n", "yaml-too-deep", 1, 36),
        ("%YAML 1.1\n---\na: 1\n", "yaml-syntax", 1, 1),
        ("a: [1, 2\nb: 3\n", "yaml-syntax", 2, 2),
        ("a: 'open\n", "yaml-syntax", 1, 4),
        ("a: x\x07y\n", "yaml-syntax", 1, 5),
        ("a: 1\nb: " + "9" * 5000 + "\n", "yaml-syntax", 2, 4),
        ("a: x\u2028y\n", "yaml-syntax", 1, 5),
        ("# pasted\u2029\nb: 1\n", "yaml-syntax", 1, 9),
        ("a: x\x85b\n", "yaml-syntax", 1, 5),
    ],
)
def test_hostile_yaml_is_a_problem_with_a_position(text, rule, line, column):
    with pytest.raises(YamlError) as caught:
        parse(text)
    problem = caught.value.problem
    assert (problem.rule, problem.line, problem.column) == (rule, line, column), problem


def test_duplicate_key_message_names_the_first_line():
    with pytest.raises(YamlError, match=r"duplicate key 'a' \(first defined on line 1\)"):
        parse("a: 1\nb: 2\na: 3\n")


def test_a_million_nested_brackets_do_not_crash():
    with pytest.raises(YamlError) as caught:
        parse("a: " + "[" * 1_000_000 + "\n")
    assert caught.value.problem.rule in {"yaml-too-deep", "yaml-syntax"}


@pytest.mark.parametrize(
    ("data", "rule", "line", "column"),
    [
        (b"\xef\xbb\xbfa: 1\n", "yaml-bom", 1, 1),
        (b"\xff\xfea\x00:\x00", "yaml-encoding", 1, 1),
        (b"a: 1\nb: caf\xe9\n", "yaml-encoding", 2, 7),
        (b"a: 1\n\x00\x01\x02", "yaml-binary", 2, 1),
        (b"x" * (MAX_BYTES + 1), "yaml-too-large", 1, 1),
    ],
)
def test_bytes_that_are_not_utf8_text_are_problems(data, rule, line, column):
    problem = decode(data)
    assert not isinstance(problem, str)
    assert (problem.rule, problem.line, problem.column) == (rule, line, column)


def test_valid_utf8_decodes_unchanged():
    assert decode("title: 🚀 café\n".encode()) == "title: 🚀 café\n"


def test_the_c_extension_is_installed_and_used(monkeypatch):
    """ruamel.yaml 0.19 silently falls back to pure Python without ruamel.yaml.clib."""
    from _ruamel_yaml import CParser

    assert yaml_module._CParser is CParser
    made = []

    class CountingParser(CParser):  # a spy on the real parser, not a stand-in
        def __init__(self, *args):
            made.append(args)
            super().__init__(*args)

    monkeypatch.setattr(yaml_module, "_CParser", CountingParser)
    assert parse("a: 1\n").data == {"a": 1}
    assert len(made) == 1


def test_yaml_1_2_documents_libyaml_rejects_still_parse():
    # libyaml (YAML 1.1) refuses ':' inside a plain scalar in flow context.
    text = "t: [{at: 2026-03-01T10:05:00Z, by: probe}]\n"
    assert parse(text).data == {"t": [{"at": "2026-03-01T10:05:00Z", "by": "probe"}]}


def test_crlf_line_endings_keep_positions():
    document = parse("a: 1\r\nb:\r\n  - x\r\n", positions=True)
    assert document.data == {"a": 1, "b": ["x"]}
    assert document.locate(("b", 0)) == (3, 5)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("SEV2", "SEV2"),
        ("[a, b]", ["a", "b"]),
        ("true", True),
        ("'on'", "on"),
        ("3", 3),
        ("line one\nline two", "line one line two"),
        ("|\n  line one\n  line two\n", "line one\nline two\n"),
        ('"x\\u2028y"', "x\u2028y"),
    ],
)
def test_command_line_values_are_yaml(text, value):
    assert parse_value(text) == value


def test_reading_sets_aside_what_the_file_holds_not_the_limit(tmp_path):
    """A cache file's limit is half a gigabyte, more than a sandboxed child may set aside:
    `read` asks for what the file holds (and one byte more, to see its end)."""
    path = tmp_path / "small.yaml"
    path.write_bytes(b"id: x\n")
    assert read(str(path), max_bytes=1 << 40) == b"id: x\n"
    path.write_bytes(b"x" * 100)
    assert read(str(path), max_bytes=10) == b"x" * 11  # over the limit: said by its length
    assert read(str(path), max_bytes=100) == b"x" * 100
