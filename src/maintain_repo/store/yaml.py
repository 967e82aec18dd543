"""The one YAML reader: fast, YAML 1.2, positions on demand.

Records are read from ruamel.yaml's event stream: its C parser (libyaml via
`ruamel.yaml.clib`) for speed, and its pure-Python YAML 1.2 parser whenever
the C parser refuses a file (libyaml speaks YAML 1.1 syntax and rejects a few
valid 1.2 documents). Events become plain `dict`/`list`/scalars here, with
YAML 1.2 core-schema resolution: `no`, `on`, `yes` stay strings, and
timestamps stay text for the models to parse.

Anything a record has no business containing is reported with its position
instead of being loaded: duplicate keys, anchors and aliases, more than one
document, tags other than the core ones, non-string keys, deep nesting.

With `positions=True` the reader also returns, for every key and list item,
where it starts, so findings about fields can point at a line and column.
Round-trip editing lives in `maintain_repo.store.roundtrip`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml import events as ev
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from maintain_repo.model.findings import Finding, Pointer
from maintain_repo.store.problems import (
    ALIAS,
    DEPTH,
    DUPLICATE_KEY,
    KEY,
    MULTI_DOCUMENT,
    SYNTAX,
    TAB,
    TAG,
    YamlError,
    YamlProblem,
)
from maintain_repo.store.scalars import CORE, TAGGED, resolve_plain, type_name

try:  # The C extension; scripts/bootstrap and the tests insist that it is installed.
    from _ruamel_yaml import CParser as _CParser
except ImportError:  # pragma: no cover - the package depends on ruamel.yaml.clib
    _CParser = None

MAX_DEPTH = 32


@dataclass(slots=True)
class Document:
    """A parsed file: its data, and positions when they were asked for."""

    data: Any
    # Where each key (or list item) starts: 1-based line and column.
    positions: dict[Pointer, tuple[int, int]] = field(default_factory=dict)
    # Where the top-level value starts (what a finding about the whole record points at),
    # known without asking for positions.
    root: tuple[int, int] = (1, 1)

    def locate(self, pointer: Pointer) -> tuple[int, int]:
        """Line and column of `pointer` (its key, or list item), or of its closest
        existing ancestor when the field is missing."""
        for end in range(len(pointer), -1, -1):
            position = self.positions.get(pointer[:end])
            if position is not None:
                return position
        return self.root


def locate_findings(findings: list[Finding], text: str) -> list[Finding]:
    """Give findings that only know their field (pointer) the line and column of it
    in `text`; parses only when some finding needs it."""
    if all(f.line is not None or f.pointer is None for f in findings):
        return findings
    document = parse(text, positions=True)
    return [
        f.located(*document.locate(f.pointer)) if f.line is None and f.pointer is not None else f
        for f in findings
    ]


def parse(text: str, *, positions: bool = False) -> Document:
    """Parse one YAML document; raises `YamlError` for the first problem."""
    _check_directives(text)
    _check_breaks(text)
    if _CParser is not None:
        try:
            return _build(_c_events(text), positions)
        except YAMLError:
            pass  # libyaml is YAML 1.1; let the YAML 1.2 parser decide.
    try:
        return _build(YAML(typ="safe", pure=True).parse(text), positions)
    except MarkedYAMLError as e:
        raise YamlError(_problem_from(e)) from None
    except ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        column = e.position - (text.rfind("\n", 0, e.position) + 1) + 1
        char = e.character if isinstance(e.character, str) else chr(e.character)
        raise YamlError(
            YamlProblem(
                SYNTAX,
                f"control character U+{ord(char):04X} is not allowed in YAML text",
                line,
                column,
            )
        ) from None
    except YAMLError as e:  # pragma: no cover - every parser error carries a mark
        raise YamlError(YamlProblem(SYNTAX, str(e), 1, 1)) from None
    except AssertionError:
        # ruamel's pure parser asserts on some directives (e.g. %YAML 1.3).
        raise YamlError(YamlProblem(SYNTAX, "invalid YAML: unsupported directive", 1, 1)) from None
    except RecursionError:
        raise YamlError(YamlProblem(DEPTH, "document is nested too deeply to read", 1, 1)) from None


_DIRECTIVE = re.compile(r"^%YAML[ \t]+([0-9]+)\.([0-9]+)[ \t]*(#.*)?$", re.MULTILINE)


# YAML 1.1 (libyaml, and ruamel's parsers) reads these as line breaks; YAML 1.2
# does not. Raw in a file they shift every position after them and can change
# values, so they must be written as escapes in double-quoted strings.
_BREAKS_1_1 = {"\x85": "NEXT LINE", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}


def _check_breaks(text: str) -> None:
    for char, name in _BREAKS_1_1.items():
        at = text.find(char)
        if at >= 0:
            line = text.count("\n", 0, at) + 1
            column = at - (text.rfind("\n", 0, at) + 1) + 1
            escape = f"\\u{ord(char):04x}"
            raise YamlError(
                YamlProblem(
                    SYNTAX,
                    f"raw U+{ord(char):04X} {name}: YAML parsers disagree on whether it ends a "
                    f'line; write it as "{escape}" inside a double-quoted string',
                    line,
                    column,
                )
            )


def _check_directives(text: str) -> None:
    """Records are YAML 1.2; a %YAML directive for any other version is a problem."""
    if "%YAML" not in text:
        return
    for match in _DIRECTIVE.finditer(text):
        if (match.group(1), match.group(2)) != ("1", "2"):
            line = text.count("\n", 0, match.start()) + 1
            version = f"{match.group(1)}.{match.group(2)}"
            raise YamlError(
                YamlProblem(SYNTAX, f"%YAML {version} directive; records are YAML 1.2", line, 1)
            )


def read_mapping(path: str, *, shown: str | None = None) -> dict[str, Any] | None:
    """The YAML mapping in the file at `path`; None when the file is not one (gone, not a
    regular file, not UTF-8 text, malformed, not a mapping: its own findings say why).
    A file that is there but cannot be read raises `StoreError` naming it as `shown`
    (default: `path`): never skipped."""
    from maintain_repo.store.source import NotARegularFile, read, unreadable

    try:
        return mapping_of(read(path))
    except (NotARegularFile, FileNotFoundError):
        return None
    except OSError as e:
        raise unreadable(shown or path, e) from None


def position_in_file(path: str, pointer: Pointer) -> tuple[int, int] | None:
    """Line and column of the field at `pointer` in the YAML file at `path` (None when the
    file cannot be read or parsed now)."""
    from maintain_repo.store.source import NotARegularFile, decode, read

    try:
        text = decode(read(path))
    except (NotARegularFile, OSError):
        return None
    if not isinstance(text, str):
        return None
    try:
        return parse(text, positions=True).locate(pointer)
    except YamlError:
        return None


def mapping_of(raw: bytes) -> dict[str, Any] | None:
    """The YAML mapping in a file's bytes (None, as for `read_mapping`)."""
    from maintain_repo.store.source import decode

    text = decode(raw)
    return mapping_in(text) if isinstance(text, str) else None


def mapping_in(text: str | None) -> dict[str, Any] | None:
    """The YAML mapping in decoded text (None, as for `read_mapping`)."""
    if text is None:
        return None
    try:
        data = parse(text).data
    except YamlError:
        return None
    return data if isinstance(data, dict) else None


def parse_value(text: str) -> Any:
    """The YAML value `text`, e.g. from `--set field=VALUE` on the command line."""
    return parse(text).data


def _c_events(text: str) -> Iterator[ev.Event]:
    parser = _CParser(text)
    while True:
        event = parser.get_event()
        yield event
        if isinstance(event, ev.StreamEndEvent):
            return


def _problem_from(e: MarkedYAMLError) -> YamlProblem:
    problem = e.problem or "invalid YAML"
    mark, context_mark = e.problem_mark, e.context_mark
    context = f" {e.context}" if e.context else ""
    if context_mark is not None and "end of stream" in problem:
        # An unclosed quote or bracket: point at where it was opened.
        context += f" opened on line {context_mark.line + 1}"
        mark = context_mark
    mark = mark or context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    if "character '\\t'" in problem or "character '\t'" in problem:
        return YamlProblem(
            TAB, "tab character where YAML allows only spaces for indentation", line, column
        )
    return YamlProblem(SYNTAX, f"invalid YAML: {problem}{context}".strip(), line, column)


def _mark(event: ev.Event) -> tuple[int, int]:
    mark = event.start_mark
    return mark.line + 1, mark.column + 1


def _tag(event: ev.Event) -> str | None:
    tag = getattr(event, "tag", None)
    if tag is None:
        return None
    return str(getattr(tag, "value", tag))


class _Builder:
    """Turns an event stream into plain Python data (one document)."""

    def __init__(self, positions: bool) -> None:
        self.positions: dict[Pointer, tuple[int, int]] | None = {} if positions else None

    def build(self, events: Iterable[ev.Event]) -> Document:
        stream = iter(events)
        data: Any = None
        root = (1, 1)
        documents = 0
        for event in stream:
            if isinstance(event, ev.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    line, column = _mark(event)
                    raise YamlError(
                        YamlProblem(
                            MULTI_DOCUMENT,
                            "more than one YAML document; a record file holds exactly one",
                            line,
                            column,
                        )
                    )
            elif isinstance(event, ev.StreamEndEvent):
                break
            elif not isinstance(event, ev.StreamStartEvent | ev.DocumentEndEvent):
                root = _mark(event)
                data = self._node(event, stream, (), 0, None)
        return Document(data, self.positions or {}, root)

    def _node(
        self,
        event: ev.Event,
        stream: Iterator[ev.Event],
        pointer: Pointer,
        depth: int,
        key_mark: tuple[int, int] | None,
    ) -> Any:
        line, column = _mark(event)
        if self.positions is not None:
            self.positions[pointer] = key_mark or (line, column)
        if isinstance(event, ev.AliasEvent) or getattr(event, "anchor", None):
            raise YamlError(
                YamlProblem(
                    ALIAS,
                    "anchors and aliases (&name, *name) are not allowed in records; "
                    "write the value out",
                    line,
                    column,
                )
            )
        if depth > MAX_DEPTH:
            raise YamlError(
                YamlProblem(DEPTH, f"nested deeper than {MAX_DEPTH} levels", line, column)
            )
        if isinstance(event, ev.ScalarEvent):
            return _scalar(event, line, column)
        if isinstance(event, ev.SequenceStartEvent):
            self._collection_tag(event, "seq", line, column)
            return self._sequence(stream, pointer, depth)
        if isinstance(event, ev.MappingStartEvent):
            self._collection_tag(event, "map", line, column)
            return self._mapping(stream, pointer, depth)
        raise YamlError(  # pragma: no cover - the parser never emits anything else here
            YamlProblem(SYNTAX, f"unexpected {type(event).__name__}", line, column)
        )

    @staticmethod
    def _collection_tag(event: ev.Event, core: str, line: int, column: int) -> None:
        tag = _tag(event)
        if tag is not None and tag not in ("!", CORE + core):
            raise YamlError(YamlProblem(TAG, f"tag {tag} is not allowed in records", line, column))

    def _sequence(self, stream: Iterator[ev.Event], pointer: Pointer, depth: int) -> list[Any]:
        items: list[Any] = []
        for event in stream:
            if isinstance(event, ev.SequenceEndEvent):
                return items
            items.append(self._node(event, stream, (*pointer, len(items)), depth + 1, None))
        raise YamlError(YamlProblem(SYNTAX, "unterminated sequence", 1, 1))  # pragma: no cover

    def _mapping(self, stream: Iterator[ev.Event], pointer: Pointer, depth: int) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        key_lines: dict[str, int] = {}
        for event in stream:
            if isinstance(event, ev.MappingEndEvent):
                return mapping
            line, column = _mark(event)
            if not isinstance(event, ev.ScalarEvent) or getattr(event, "anchor", None):
                if isinstance(event, ev.AliasEvent) or getattr(event, "anchor", None):
                    self._node(event, stream, pointer, depth, None)  # raises ALIAS
                raise YamlError(
                    YamlProblem(KEY, "keys must be plain strings, not collections", line, column)
                )
            key = _scalar(event, line, column)
            if not isinstance(key, str):
                raise YamlError(
                    YamlProblem(
                        KEY,
                        f"key {event.value!r} is read as {type_name(key)}; keys must be "
                        "strings (quote it)",
                        line,
                        column,
                    )
                )
            if key == "<<":
                raise YamlError(
                    YamlProblem(ALIAS, "merge keys (<<) are not allowed in records", line, column)
                )
            if key in key_lines:
                raise YamlError(
                    YamlProblem(
                        DUPLICATE_KEY,
                        f"duplicate key {key!r} (first defined on line {key_lines[key]})",
                        line,
                        column,
                    )
                )
            key_lines[key] = line
            value_event = next(stream)
            mapping[key] = self._node(
                value_event, stream, (*pointer, key), depth + 1, (line, column)
            )
        raise YamlError(YamlProblem(SYNTAX, "unterminated mapping", 1, 1))  # pragma: no cover


def _scalar(event: ev.ScalarEvent, line: int, column: int) -> Any:
    value: str = event.value
    tag = _tag(event)
    if tag is None or tag == "!":
        if event.implicit[0] and tag is None:
            try:
                return resolve_plain(value)
            except ValueError:  # more digits than Python converts (sys.int_info)
                raise YamlError(
                    YamlProblem(
                        SYNTAX,
                        f"a number with {len(value)} digits is too long to read; quote it if it "
                        "is text",
                        line,
                        column,
                    )
                ) from None
        return value
    converter = TAGGED.get(tag)
    if converter is None:
        raise YamlError(YamlProblem(TAG, f"tag {tag} is not allowed in records", line, column))
    try:
        return converter(value)
    except ValueError:
        raise YamlError(
            YamlProblem(TAG, f"{value!r} is not a valid {tag[len(CORE) :]}", line, column)
        ) from None


def _build(events: Iterable[ev.Event], positions: bool) -> Document:
    return _Builder(positions).build(events)
