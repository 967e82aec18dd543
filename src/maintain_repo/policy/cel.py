"""CEL for policies, through cel-expr-python (Google's C++ CEL engine).

One environment for every expression: `record` (the record's fields as
written in YAML; timestamps are text, so write `timestamp(record.x)`), `now`
(a timestamp), `settings` (policies/settings.yaml as a map), and
`lookup(id)`, which returns another record's `id`, `kind`, `status` and
`path` (or null for an unknown id). The optional-field syntax
(`record.?roles.?commander.orValue('')`) and the string extension functions
are enabled.

Probe conditions get an environment of their own per probe type: the
result's variables (`response` and `tls` for http, `tcp`, `tls`, `dns`) as
message types declared once in `model.probe_results` (built by
`policy.probe_types`), so a condition that names another type's result, a
field the result does not have, or compares a field with the wrong type of
value fails when it is checked, not when the probe runs. Ints and doubles
compare with each other there, as CEL defines it (`latency_ms > 400`).

Expressions are parsed and type-checked once. Evaluation is bounded by the
engine to 10,000 comprehension iterations (nested loops included), and, in
the sandboxed processes where maintain evaluates repository expressions
(`maintain_repo.sandbox`), in CPU time and memory: the engine bounds
neither, and a chain of `replace` calls doubles a string at every step.
Errors carry the line and column inside the expression.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from maintain_repo.sandbox import guard as sandbox
from maintain_repo.sandbox.guard import Limits

_POSITION = re.compile(r"<input>:(-?\d+):(-?\d+):")
_STATUS = re.compile(r"^[A-Z_]+: (ERROR: <input>:-?\d+:-?\d+: )?")
# An expression that reads the clock or other records gives a different
# answer without its record changing: it is evaluated on every run.
_DYNAMIC = re.compile(r"\bnow\b|\blookup\s*\(")
_CLOCK = re.compile(r"\bnow\b")
_LOOKUP = re.compile(r"\blookup\s*\(")


class CelError(Exception):
    """An expression that does not compile, or failed on a record."""

    def __init__(
        self,
        message: str,
        line: int | None = None,
        column: int | None = None,
        *,
        stopped: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        # Past a sandbox limit (time or memory): the expression, not the record, is at fault.
        self.stopped = stopped


class Expression(NamedTuple):
    source: str
    program: Any
    returns: str  # the type the checker inferred: BOOL, STRING, DYN, ...

    @property
    def dynamic(self) -> bool:
        return bool(_DYNAMIC.search(self.source))

    @property
    def reads_clock(self) -> bool:
        """Reads `now` (or may: the name is matched in the text, conservatively)."""
        return bool(_CLOCK.search(self.source))

    @property
    def reads_records(self) -> bool:
        """Calls `lookup()` (or may)."""
        return bool(_LOOKUP.search(self.source))


Lookup = Callable[[str], Mapping[str, Any] | None]


def lookup_entry(record_id: Any, kind: Any, status: Any, path: str) -> dict[str, Any]:
    """What `lookup(id)` gives for a record (every lookup table is built with this)."""
    return {"id": record_id, "kind": kind, "status": status, "path": path}


@cache
def _environment() -> Any:
    from cel_expr_python import cel
    from cel_expr_python.ext import ext_optional, ext_strings

    types = cel.Type
    lookup = cel.FunctionDecl("lookup", [cel.Overload("lookup_string", types.DYN, [types.STRING])])
    return cel.NewEnv(
        variables={
            "record": types.Map(types.STRING, types.DYN),
            "now": types.TIMESTAMP,
            "settings": types.Map(types.STRING, types.DYN),
        },
        extensions=[
            ext_optional.ExtOptional(),
            ext_strings.ExtStrings(),
            cel.CelExtension("maintain", [lookup]),
        ],
    )


def compile_expression(source: str) -> Expression:
    """Parse and type-check `source`; raises CelError with the position."""
    return _compile(_environment(), source)


_COMPARISONS = {"_<_": "less", "_<=_": "less_equals", "_>_": "greater", "_>=_": "greater_equals"}
_ORDERED = {
    "bool": "bool",
    "int64": "int",
    "uint64": "uint",
    "double": "double",
    "string": "string",
    "bytes": "bytes",
    "timestamp": "google.protobuf.Timestamp",
    "duration": "google.protobuf.Duration",
}
_NUMBERS = {"int64": "int", "uint64": "uint", "double": "double"}


@cache
def _comparisons() -> Any:
    """The standard ordering operators, declared again with CEL's cross-type numeric
    overloads (`response.latency_ms > 400`: a double and an int).

    The engine evaluates those comparisons, but its checker declares only same-type
    ones and has no switch for the others (cel-go's CrossTypeNumericComparisons): the
    standard declarations are left out and declared again here, by their standard
    overload ids, so the engine's own implementations run."""
    import json

    from cel_expr_python import cel

    pairs = [(a, a) for a in _ORDERED] + [(a, b) for a in _NUMBERS for b in _NUMBERS if a != b]
    functions = [
        {
            "name": operator,
            "overloads": [
                {
                    "id": f"{word}_{left}" if left == right else f"{word}_{left}_{right}",
                    "args": [{"type_name": _ORDERED[left]}, {"type_name": _ORDERED[right]}],
                    "return": {"type_name": "bool"},
                }
                for left, right in pairs
            ],
        }
        for operator, word in _COMPARISONS.items()
    ]
    config = {
        "name": "probe-conditions",
        "stdlib": {"exclude_functions": [{"name": operator} for operator in _COMPARISONS]},
        "functions": functions,
    }
    return cel.NewEnvConfigFromYaml(json.dumps(config))  # JSON is YAML


@cache
def _probe_environment(probe_type: str) -> Any:
    from cel_expr_python import cel
    from cel_expr_python.ext import ext_optional, ext_strings

    from maintain_repo.model.probe_results import RESULTS  # probes only
    from maintain_repo.policy.probe_types import pool, type_name

    return cel.NewEnv(
        descriptor_pool=pool(),
        config=_comparisons(),
        variables={name: cel.Type(type_name(shape)) for name, shape in RESULTS[probe_type].items()},
        extensions=[ext_optional.ExtOptional(), ext_strings.ExtStrings()],
    )


@cache
def compile_condition(source: str, probe_type: str) -> Expression:
    """A probe condition: compiles for `probe_type` and gives true or false.

    Cached: a thousand probes usually share a handful of conditions.
    """
    try:
        expression = _compile(_probe_environment(probe_type), source)
    except CelError as e:
        raise _unknown_field(e, probe_type) from None
    if expression.returns not in ("BOOL", "DYN"):
        kind = expression.returns.lower()
        article = "an" if kind[:1] in "aeiou" else "a"
        raise CelError(f"a condition must be true or false, but this gives {article} {kind}", 1, 1)
    return expression


_UNDEFINED = re.compile(r"undefined field '([^']*)' not found in struct '[\w.]*\.(\w+)'")


def _unknown_field(error: CelError, probe_type: str) -> CelError:
    """`undefined field 'stauts' not found in struct 'maintain.probe.HttpResponse'` in the
    words of the condition: which variable, what it has, and the likely intended field."""
    import difflib

    from maintain_repo.model.probe_results import RESULTS  # probes only

    match = _UNDEFINED.search(error.message)
    variables = RESULTS[probe_type]
    named = [
        (variable, shape)
        for variable, shape in variables.items()
        if match is not None and shape.name == match.group(2)
    ]
    if match is None or not named:
        return error
    variable, shape = named[0]
    fields = shape.field_names()
    message = f"{variable} has no field '{match.group(1)}'"
    close = difflib.get_close_matches(match.group(1), fields, n=1)
    if close:
        message += f" (did you mean {variable}.{close[0]}?)"
    message += f"; its fields: {', '.join(fields)}"
    return CelError(message, error.line, error.column)


def probe_context(probe_type: str, variables: Mapping[str, Any]) -> Context:
    """The variables of one probe result, as messages of their declared types (a variable
    missing from `variables` has no field set; a field it does not declare is a bug:
    ValueError)."""
    from maintain_repo.model.probe_results import RESULTS  # probes only
    from maintain_repo.policy.probe_types import message

    values = {
        name: message(shape, variables.get(name) or {})
        for name, shape in RESULTS[probe_type].items()
    }
    return Context(_probe_environment(probe_type).Activation(values))


def _compile(environment: Any, source: str) -> Expression:
    try:
        program = environment.compile(source)
    except RuntimeError as e:
        raise _error(str(e)) from None
    return Expression(source, program, str(program.return_type()))


@dataclass
class Context:
    """One record's variables, built once and shared by every expression on it."""

    activation: Any

    @classmethod
    def of(
        cls,
        record: Mapping[str, Any],
        now: datetime,
        settings: Mapping[str, Any],
        lookup: Lookup,
    ) -> Context:
        from cel_expr_python import cel

        function = cel.Function("lookup", [cel.Type.STRING], False, lambda rid: lookup(rid))
        variables = {"record": record, "now": now, "settings": settings}
        return cls(_environment().Activation(variables, functions=[function]))


def evaluate(expression: Expression, context: Context, label: str | None = None) -> Any:
    """The value of `expression` on the record; raises CelError when it fails.

    In a sandbox (`maintain_repo.sandbox`) the evaluation is limited in time and
    memory; `label` names it (the policy's file and field) so that an evaluation
    that had to be stopped is reported as such when its item runs again.
    """
    from cel_expr_python import cel

    guard = sandbox.active()
    name = label or expression.source
    if guard is not None:
        why = guard.stopped(name)
        if why is not None:
            raise CelError(why, stopped=True)
        guard.start(name)
    try:
        value = expression.program.eval(context.activation)
        if value.type() == cel.Type.ERROR:
            raise CelError(_clean(str(value.value())))
        # Within the limits too: a value of hundreds of megabytes fits the engine's share
        # and may not fit Python's copy of it.
        return value.plain_value()
    except MemoryError:
        # The engine's std::bad_alloc (or Python's), past the sandbox's memory cap.
        limits = guard.limits if guard is not None else Limits()
        why = limits.memory_exceeded(guard.item if guard is not None else "")
        if guard is not None:
            guard.exceeded(name, why)
        raise CelError(why, stopped=True) from None
    except RuntimeError as e:
        text = str(e)
        if "Iteration budget exceeded" in text:
            raise CelError(
                "evaluation stopped after 10,000 loop iterations (nested macros over long "
                "lists); simplify the expression"
            ) from None
        raise _error(text) from None
    finally:
        if guard is not None:
            guard.stop()


def _error(text: str) -> CelError:
    position = _POSITION.search(text)
    first = _clean(text.splitlines()[0])
    if position is None or int(position.group(1)) < 1 or int(position.group(2)) < 1:
        return CelError(first)  # no position, or the engine's -1:-1 for "somewhere"
    return CelError(first, int(position.group(1)), int(position.group(2)))  # 1-based already


def _clean(text: str) -> str:
    """`INVALID_ARGUMENT: ERROR: <input>:1:2: Syntax error: ...` -> `Syntax error: ...`."""
    text = _STATUS.sub("", text.strip())
    text = re.sub(r"\s*\[[A-Z_]+\]$", "", text)
    text = re.sub(r" expecting \{[^}]*\}", "", text)  # ANTLR's list of every possible token
    return text.replace(" (in container '')", "")
