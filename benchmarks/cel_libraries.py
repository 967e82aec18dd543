"""Compare the three Python CEL libraries on what maintain's policies need.

    python benchmarks/cel_libraries.py [--work DIR] [--repeat 5] [--cap 10]

maintain evaluates its policies with cel-expr-python (Google's C++ CEL engine,
see src/maintain_repo/policy/cel.py). This script backs that choice with
numbers anyone can rerun. It compares, at pinned versions:

- cel-expr-python             (import `cel_expr_python`, C++)
- common-expression-language  (import `cel`, Rust through PyO3)
- cel-python                  (import `celpy`, pure Python)

Each library gets its own virtualenv under the work directory (default
`maintain-cel-libraries` in the system temp dir), created and filled by
`pip install NAME==VERSION` on the first run and reused afterwards. pip talking
to the package index is the only network traffic. The measurements then run
inside each virtualenv by executing this same file in child mode
(`--child bench|pathological KEY`), which only needs the standard library and
the library under test. The figures, one table with a column per library:

- footprint: installed distributions (the library and what it pulls in,
  without pip and setuptools) and their size on disk, from their RECORD files;
- cold import: a fresh `python -I -c 'import ...'` process, the import alone
  timed inside it, best of --repeat;
- compile: the 12 policy expressions below, mean per expression;
- evaluate: one realistic incident record (40 top-level fields, a timeline and
  `lookup()` of linked records) through the same 12 expressions, building the
  record's variables once and evaluating each expression, as maintain does;
  the results of every library are compared with cel-expr-python's;
- pathological: six nested `all()` over a ten-element list (10^6 iterations),
  timed until the engine stops it or it finishes; a process still running
  after --cap seconds is killed and reported as `> CAP s (no budget)`;
- conformance: each CEL feature maintain's policies rely on, PASS or FAIL,
  with the library's (shortened) error text in the notes under the table.

The 12 timed expressions are maintain's own policy expressions, kept to the
subset all three libraries evaluate, so they time the same work. Features
outside that subset (optional fields, the strings extension, int/double
comparison, compile-time checks) are the conformance rows. Timings use
timeit's autorange with the garbage collector on, best of 5 repeats; they
depend on the machine, so compare columns rather than absolute values.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Library:
    key: str  # the adapter the child mode uses
    distribution: str
    version: str
    engine: str
    imports: str  # what a policy engine built on it imports, timed cold


LIBRARIES = (
    Library(
        "cpp",
        "cel-expr-python",
        "0.1.3",
        "C++ (cel-cpp)",
        "from cel_expr_python import cel; from cel_expr_python.ext import ext_optional, ext_strings",
    ),
    Library("rust", "common-expression-language", "0.10.0", "Rust (cel-rust)", "import cel"),
    Library("python", "cel-python", "0.5.0", "pure Python", "import celpy"),
)

# The data the expressions run on: modelled on records/incidents/INC-20260114-KT9Q.yaml,
# with timestamps as text (as maintain passes them) and 40 top-level fields.
NOW = datetime(2026, 1, 30, 12, 0, tzinfo=UTC)


def _timeline() -> list[dict[str, Any]]:
    events = [
        ("06:20", "priya-raman", "impact_started", "DHL replay begins, 1,100 rps vs 150 rps."),
        ("07:41", "noor-haddad", "detected", "Support sees 40+ tickets about stuck parcels."),
        ("07:48", "noor-haddad", "created", None),
        ("07:52", "priya-raman", "acknowledged", "Consumer lag 3.1M; normaliser at its cap."),
        ("08:05", "priya-raman", "severity_set", "SEV2, all carriers, no data loss."),
        ("08:15", "noor-haddad", "comms_sent", "Status page: tracking updates delayed."),
        ("08:40", "jonas-berg", "update", "Emergency change to lift the HPA cap to 40."),
        ("09:10", "jonas-berg", "update", "CHG-20260114-0BM5 deployed; lag falling."),
        ("09:35", "priya-raman", "mitigated", "Drain rate stable at 25k msg/min."),
        ("12:05", "priya-raman", "resolved", "Lag at zero since 11:58, p99 4m10s."),
        ("13:30", "ana-costa", "note", "IMP-20260116-YDGC dropped: the vendor alerting covers it."),
        ("15:00", "priya-raman", "closed", None),
    ]
    timeline = []
    for clock, by, event, text in events:
        entry: dict[str, Any] = {"at": f"2026-01-14T{clock}:00Z", "by": by, "event": event}
        if text is not None:
            entry["text"] = text
        timeline.append(entry)
    return timeline


INCIDENT: dict[str, Any] = {
    "id": "INC-20260114-KT9Q",
    "kind": "incident",
    "schema_version": 1,
    "title": "Stale tracking for all carriers after DHL webhook replay flooded carrier-ingest",
    "status": "closed",
    "owner": "priya-raman",
    "created_at": "2026-01-14T07:48:00Z",
    "updated_at": "2026-01-23T15:00:00Z",
    "description": "DHL replayed six days of tracking webhooks within 90 minutes; the shared "
    "normaliser consumer group, capped at 12 replicas, fell up to 3h40m behind.",
    "severity": "SEV2",
    "type": "data",
    "tier": 1,
    "score": 7.5,
    "region": "eu-west-1",
    "environment": "production",
    "services": ["carrier-ingest", "tracking-api", "web-storefront", "notifications"],
    "customer_impact": {
        "impacted": True,
        "scope": "Tracking pages, app and API showed stale status for all carriers",
        "users_affected": 310000,
    },
    "detection": {"source": "customer"},
    "roles": {
        "commander": "priya-raman",
        "deputy": "jonas-berg",
        "scribe": "ana-costa",
        "communications": "noor-haddad",
    },
    "impact_started_at": "2026-01-14T06:20:00Z",
    "detected_at": "2026-01-14T07:41:00Z",
    "reported_at": "2026-01-14T07:48:00Z",
    "acknowledged_at": "2026-01-14T07:52:00Z",
    "mitigated_at": "2026-01-14T09:35:00Z",
    "resolved_at": "2026-01-14T12:05:00Z",
    "closed_at": "2026-01-23T15:00:00Z",
    "workaround": "Raised the normaliser HPA maximum from 12 to 40 replicas.",
    "resolution": "Backlog drained at 11:58 UTC; freshness p99 back under 5 minutes.",
    "cause": {"summary": "One carrier's burst can starve all others.", "category": "capacity"},
    "postmortem": {
        "status": "reviewed",
        "owner": "priya-raman",
        "due": "2026-01-28T17:00:00Z",
        "reviewed_at": "2026-01-22T14:00:00Z",
    },
    "action_items": ["IMP-20260116-8T2C", "IMP-20260116-YDGC"],
    "problem": "PRB-20260521-SECG",
    "labels": ["carrier-dhl", "freshness"],
    "links": {"related": ["CHG-20260114-0BM5"]},
    "runbook": "runbooks/carrier-ingest.md",
    "chat_channel": "#inc-20260114-kt9q",
    "pages_sent": 3,
    "error_budget_burn": 0.42,
    "external_refs": ["ZD-88211", "ZD-88240"],
    "timeline": _timeline(),
}

LINKED = {
    "IMP-20260116-8T2C": ("improvement", "in_progress", "Isolate carriers in carrier-ingest"),
    "IMP-20260116-YDGC": ("improvement", "wont_do", "Alert on the oldest unprocessed message"),
    "PRB-20260521-SECG": ("problem", "open", "One carrier's burst starves the others"),
    "CHG-20260114-0BM5": ("change", "implemented", "Lift the normaliser HPA cap to 40"),
}


def lookup(record_id: str) -> dict[str, Any] | None:
    """What maintain's `lookup(id)` returns: another record's summary, or None."""
    if record_id not in LINKED:
        return None
    kind, status, title = LINKED[record_id]
    path = f"records/{kind}s/{record_id}.yaml"
    return {"id": record_id, "kind": kind, "status": status, "title": title, "path": path}


# policies/settings.yaml, abridged.
SETTINGS: dict[str, Any] = {
    "kind": "Settings",
    "schema_version": 1,
    "severities": [{"name": f"SEV{rank}", "rank": rank} for rank in range(1, 5)],
    "tiers": [{"tier": 1, "name": "Critical"}, {"tier": 2, "name": "Important"}],
    "time_zone": "Europe/Amsterdam",
    "business_days": ["mon", "tue", "wed", "thu", "fri"],
}

# maintain's policy expressions (policies/*.yaml), in the form all three libraries run.
# The closed-incident policy's `lookup(i) != null` guard is left out here: cel-python
# cannot compare a map with null (see the conformance rows).
POLICIES = (
    "record.status == 'closed' && has(record.action_items)",
    "record.action_items.all(i, lookup(i).kind == 'improvement')",
    "record.action_items.all(i, lookup(i) == null || lookup(i).status != 'wont_do' "
    "|| (has(record.timeline) && record.timeline.exists(e, e.event == 'note' "
    "&& has(e.text) && e.text.contains(i))))",
    "has(record.customer_impact) && record.customer_impact.impacted",
    "has(record.customer_impact.scope) && size(record.customer_impact.scope) >= 20",
    "record.severity in ['SEV1', 'SEV2'] "
    "&& record.status in ['active', 'mitigated', 'resolved', 'closed']",
    "has(record.roles) && has(record.roles.commander)",
    "record.id + ' is ' + record.severity + ' and ' + record.status + ' but names no commander'",
    "now - timestamp(record.reported_at) <= duration('24h')",
    "timestamp(record.acknowledged_at) - timestamp(record.reported_at) <= duration('15m')",
    "record.timeline.all(e, timestamp(e.at) >= timestamp(record.impact_started_at)) "
    "&& record.timeline.exists(e, e.event == 'resolved')",
    "settings.severities.exists(s, s.name == record.severity && s.rank <= 2) "
    "&& record.owner.matches('^[a-z]+(-[a-z]+)*$')",
)

_TEN = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"


def _pathological() -> str:
    body = "a + b + c + d + e + f >= 0"
    for name in reversed("abcdef"):
        body = f"{_TEN}.all({name}, {body})"
    return body


PATHOLOGICAL = _pathological()  # 10^6 innermost iterations, all true


@dataclass(frozen=True)
class Check:
    """A feature maintain relies on: every expression must evaluate to true,
    or (with `compile_error_line`) be rejected at compile time on that line."""

    feature: str
    expressions: tuple[str, ...]
    compile_error_line: int | None = None


CHECKS = (
    Check("variable record (map string -> dyn)", ("record.customer_impact.users_affected > 3000",)),
    Check("variable now (timestamp)", ("now > timestamp(record.closed_at)",)),
    Check("variable settings (map)", ("settings.time_zone == 'Europe/Amsterdam'",)),
    Check("lookup(string) -> dyn", ("lookup('IMP-20260116-8T2C').kind == 'improvement'",)),
    Check(
        "null: lookup of an unknown id",
        (
            "lookup('IMP-00000000-NONE') == null",
            "lookup('IMP-00000000-NONE') == null || lookup('IMP-00000000-NONE').status == 'x'",
        ),
    ),
    Check("null: lookup(known) != null", ("lookup('IMP-20260116-8T2C') != null",)),
    Check(
        "optional fields record.?a.?b.orValue()",
        (
            "record.?roles.?commander.orValue('') == 'priya-raman'",
            "record.?roles.?nobody.orValue('') == ''",
            "record.?missing.?deeper.orValue('') == ''",
        ),
    ),
    Check(
        "strings extension",
        (
            "record.owner.upperAscii() == 'PRIYA-RAMAN'",
            "record.title.lowerAscii().startsWith('stale')",
            "record.id.substring(0, 3) == 'INC'",
            "record.id.split('-').size() == 3",
            "' x '.trim() == 'x'",
            "record.labels.join(',') == 'carrier-dhl,freshness'",
            "record.title.indexOf('DHL') == 38",
            "record.id.replace('-', '') == 'INC20260114KT9Q'",
        ),
    ),
    Check(
        "has() on maps",
        (
            "has(record.roles.commander)",
            "!has(record.roles.nobody)",
            "!has(record.missing)",
        ),
    ),
    Check(
        "macros all / exists",
        (
            "record.timeline.all(e, has(e.at))",
            "record.timeline.exists(e, e.event == 'resolved')",
            "!record.labels.exists(l, l == 'none')",
        ),
    ),
    Check(
        "timestamp() / duration() arithmetic",
        (
            "timestamp(record.acknowledged_at) - timestamp(record.reported_at) == duration('4m')",
            "timestamp(record.reported_at) + duration('72h') < now",
            "timestamp('2026-01-14T09:48:00+02:00') == timestamp(record.reported_at)",
            "duration('1h30m') == duration('90m')",
        ),
    ),
    Check("int vs double: score > 7, tier < 1.5", ("record.score > 7", "record.tier < 1.5")),
    Check(
        "syntax error: line and column",
        ("record.severity == 'SEV1' &&\n  record.status ==\n  )",),
        compile_error_line=3,
    ),
    Check(
        "compile time: undeclared name + position",
        ("record.severity == 'SEV2' &&\n  recrod.status == 'open'",),
        compile_error_line=2,
    ),
    Check(
        "compile time: type mismatch + position",
        ("record.severity == 'SEV2' &&\n  now - duration('1h') > 5",),
        compile_error_line=2,
    ),
)
BUDGET_FEATURE = "evaluation budget (pathological)"


# --- child mode: runs inside a library's virtualenv ------------------------------------------


class Adapter:
    """The few operations the measurements need, over one library."""

    version: str

    def compile(self, source: str) -> Any: ...

    def context(self, record: dict[str, Any], strings: bool = False) -> Any:
        """The variables and `lookup` for one record (`strings`: add that extension)."""

    def run(self, program: Any, context: Any) -> Any:
        """The plain Python value of `program`; raises on an evaluation error."""


class CppAdapter(Adapter):
    """cel-expr-python, configured like src/maintain_repo/policy/cel.py."""

    def __init__(self) -> None:
        from importlib.metadata import version

        from cel_expr_python import cel
        from cel_expr_python.ext import ext_optional, ext_strings

        self.version = version("cel-expr-python")
        self.cel = cel
        types = cel.Type
        declaration = cel.FunctionDecl(
            "lookup", [cel.Overload("lookup_string", types.DYN, [types.STRING])]
        )
        self.env = cel.NewEnv(
            variables={
                "record": types.Map(types.STRING, types.DYN),
                "now": types.TIMESTAMP,
                "settings": types.Map(types.STRING, types.DYN),
            },
            extensions=[
                ext_optional.ExtOptional(),
                ext_strings.ExtStrings(),
                cel.CelExtension("maintain", [declaration]),
            ],
        )
        self.lookup = cel.Function("lookup", [types.STRING], False, lookup)

    def compile(self, source: str) -> Any:
        return self.env.compile(source)

    def context(self, record: dict[str, Any], strings: bool = False) -> Any:
        variables = {"record": record, "now": NOW, "settings": SETTINGS}
        return self.env.Activation(variables, functions=[self.lookup])

    def run(self, program: Any, context: Any) -> Any:
        value = program.eval(context)
        if value.type() == self.cel.Type.ERROR:
            raise RuntimeError(str(value.value()))
        return value.plain_value()


class RustAdapter(Adapter):
    """common-expression-language; its Python strings functions are opt-in per context."""

    def __init__(self) -> None:
        from importlib.metadata import version

        import cel
        from cel.stdlib import add_stdlib_to_context

        self.version = version("common-expression-language")
        self.cel = cel
        self.add_stdlib = add_stdlib_to_context

    def compile(self, source: str) -> Any:
        return self.cel.compile(source)

    def context(self, record: dict[str, Any], strings: bool = False) -> Any:
        variables = {"record": record, "now": NOW, "settings": SETTINGS}
        context = self.cel.Context(variables=variables, functions={"lookup": lookup})
        if strings:
            self.add_stdlib(context, ["strings"])
        return context

    def run(self, program: Any, context: Any) -> Any:
        return program.execute(context)


class PythonAdapter(Adapter):
    """cel-python with its default (interpreted) runner; it has no strings extension."""

    def __init__(self) -> None:
        from importlib.metadata import version

        import celpy
        from celpy import celtypes

        self.version = version("cel-python")
        self.celpy = celpy
        self.types = celtypes
        annotations = {
            "record": celtypes.MapType,
            "now": celtypes.TimestampType,
            "settings": celtypes.MapType,
            "lookup": celtypes.FunctionType,
        }
        self.env = celpy.Environment(annotations=annotations)

        def cel_lookup(record_id: Any) -> Any:
            found = lookup(str(record_id))
            return None if found is None else celpy.json_to_cel(found)

        self.functions = {"lookup": cel_lookup}

    def compile(self, source: str) -> Any:
        return self.env.program(self.env.compile(source), functions=self.functions)

    def context(self, record: dict[str, Any], strings: bool = False) -> Any:
        return {
            "record": self.celpy.json_to_cel(record),
            "now": self.types.TimestampType(NOW),
            "settings": self.celpy.json_to_cel(SETTINGS),
        }

    def run(self, program: Any, context: Any) -> Any:
        value = program.evaluate(context)
        if isinstance(value, self.celpy.CELEvalError):
            raise value
        return self._plain(value)

    def _plain(self, value: Any) -> Any:
        types = self.types
        for cel_type, python_type in (
            (types.BoolType, bool),
            (types.IntType, int),
            (types.DoubleType, float),
            (types.StringType, str),
        ):
            if isinstance(value, cel_type):
                return python_type(value)
        return value


ADAPTERS: dict[str, Callable[[], Adapter]] = {
    "cpp": CppAdapter,
    "rust": RustAdapter,
    "python": PythonAdapter,
}


def _best(function: Callable[[], object], repeat: int = 5) -> float:
    """Seconds per call: timeit's autorange, then the best of `repeat` runs, GC on."""
    import timeit

    timer = timeit.Timer(function, setup="import gc; gc.enable()")
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def _short(error: object, limit: int = 110) -> str:
    """The gist of an error message, on one line."""
    args = getattr(error, "args", ())
    # cel-python's errors are (message, Python exception type, its args).
    text = args[0] if len(args) > 1 and isinstance(args[0], str) else str(error)
    text = " ".join(text.split())
    text = re.sub(r"^Failed to parse expression .*?: ERROR: ", "", text)  # cel-rust repeats it
    text = re.sub(r"^[A-Z_]+: (ERROR: )?", "", text)  # cel-cpp's status code
    text = re.sub(r"^<input>:\d+:\d+: ", "", text)  # the position, reported on its own
    text = re.sub(r"^.* \^$", "syntax error (the message is the line and a caret)", text)
    text = re.sub(r" \| .*", "", text)  # the source line and a caret under it
    text = re.sub(r"\s*\[[A-Z_]+\]$", "", text)
    text = re.sub(r" expecting \{[^}]*\}", "", text)  # ANTLR's list of every possible token
    text = re.sub(r" \(in (activation|container) .*", "", text)
    text = re.sub(r"<class '(?:[\w]+\.)*(\w+)'>", r"\1", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _position(error: BaseException) -> tuple[int, int] | None:
    """(line, column) an error reports, as attributes or as `<input>:LINE:COLUMN:`."""
    line, column = getattr(error, "line", None), getattr(error, "column", None)
    if isinstance(line, int) and isinstance(column, int):
        return line, column
    found = re.search(r"<input>:(\d+):(\d+)", str(error))
    return (int(found.group(1)), int(found.group(2))) if found else None


def _check(adapter: Adapter, check: Check) -> dict[str, Any]:
    context = adapter.context(INCIDENT, strings=True)
    passed = 0
    for source in check.expressions:
        try:
            program = adapter.compile(source)
        except Exception as e:
            position = _position(e)
            if check.compile_error_line is None:
                at = "" if position is None else " (at {}:{})".format(*position)
                return _failed(check, passed, source, f"does not compile{at}: {_short(e)}")
            if position is None or position[0] != check.compile_error_line:
                return _failed(check, passed, source, f"wrong or no position: {_short(e)}")
            passed += 1
            continue
        if check.compile_error_line is not None:
            try:
                outcome = f"evaluates to {adapter.run(program, context)!r}"
            except Exception as e:
                outcome = f"fails only when evaluated: {_short(e)}"
            return _failed(check, passed, source, f"accepted at compile time; {outcome}")
        try:
            value = adapter.run(program, context)
        except Exception as e:
            return _failed(check, passed, source, _short(e))
        if value is not True:
            return _failed(check, passed, source, f"returned {value!r}, expected true")
        passed += 1
    return {"feature": check.feature, "ok": True, "detail": ""}


def _failed(check: Check, passed: int, source: str, why: str) -> dict[str, Any]:
    shown = " ".join(source.split())
    count = f"{passed}/{len(check.expressions)} passed; " if len(check.expressions) > 1 else ""
    return {"feature": check.feature, "ok": False, "detail": f"{count}`{shown}`: {why}"}


def _inventory() -> list[tuple[str, str, int]]:
    """(name, version, bytes on disk) of every distribution but the venv's own tools."""
    from importlib.metadata import distributions

    rows = []
    for dist in distributions():
        name = dist.metadata["Name"]
        if name.lower() in {"pip", "setuptools", "wheel"}:
            continue
        size = 0
        for file in dist.files or ():
            path = Path(str(file.locate()))
            if path.is_file():
                size += path.stat().st_size
        rows.append((name, dist.version, size))
    return sorted(rows, key=lambda row: row[0].lower())


def child_bench(key: str) -> dict[str, Any]:
    adapter = ADAPTERS[key]()
    programs = [adapter.compile(source) for source in POLICIES]

    def one_record() -> list[Any]:
        context = adapter.context(INCIDENT)
        return [adapter.run(program, context) for program in programs]

    results: list[Any] = []
    context = adapter.context(INCIDENT)
    for program in programs:
        try:
            results.append(adapter.run(program, context))
        except Exception as e:
            results.append(f"error: {_short(e)}")
    if any(isinstance(r, str) and r.startswith("error: ") for r in results):
        evaluate = None  # a failing policy would time the error path: not comparable
    else:
        evaluate = _best(one_record)
    compile_all = _best(lambda: [adapter.compile(source) for source in POLICIES])
    return {
        "version": adapter.version,
        "python": platform.python_version(),
        "distributions": _inventory(),
        "compile": compile_all / len(POLICIES),
        "evaluate": evaluate,
        "results": results,
        "conformance": [_check(adapter, check) for check in CHECKS],
    }


def child_pathological(key: str) -> dict[str, Any]:
    adapter = ADAPTERS[key]()
    program = adapter.compile(PATHOLOGICAL)
    context = adapter.context({})
    print("ready", flush=True)  # the parent's clock for --cap starts here
    start = time.perf_counter()
    try:
        value = adapter.run(program, context)
    except Exception as e:
        return {"stopped": True, "seconds": time.perf_counter() - start, "message": _short(e)}
    return {"stopped": False, "seconds": time.perf_counter() - start, "message": repr(value)}


# --- parent mode: virtualenvs, child runs, the table -----------------------------------------


def _python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(work: Path, library: Library) -> Path:
    """A virtualenv with exactly library.version installed; created or reused."""
    venv = work / library.distribution
    python = _python(venv)
    if not python.exists():
        print(f"creating {venv}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = f"import importlib.metadata as m; print(m.version({library.distribution!r}))"
    found = subprocess.run(
        [str(python), "-I", "-c", probe], capture_output=True, text=True, check=False
    )
    if found.returncode != 0 or found.stdout.strip() != library.version:
        requirement = f"{library.distribution}=={library.version}"
        print(f"installing {requirement} into {venv}", file=sys.stderr)
        pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
        subprocess.run([*pip, requirement], check=True)
    return python


def cold_import(python: Path, library: Library, repeat: int) -> float:
    """Best of `repeat` fresh processes: the seconds the import statement takes."""
    code = (
        "import time; start = time.perf_counter(); "
        f"{library.imports}; print(time.perf_counter() - start)"
    )
    times = []
    for _ in range(repeat):
        done = subprocess.run(
            [str(python), "-I", "-c", code], capture_output=True, text=True, check=True
        )
        times.append(float(done.stdout))
    return min(times)


def run_child(python: Path, mode: str, key: str) -> dict[str, Any]:
    done = subprocess.run(
        [str(python), "-I", str(Path(__file__).resolve()), "--child", mode, key],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{key} {mode} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def run_pathological(python: Path, key: str, cap: float) -> dict[str, Any] | None:
    """The child's report, or None when it was still evaluating after `cap` seconds."""
    command = [str(python), "-I", str(Path(__file__).resolve()), "--child", "pathological", key]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        ready = child.stdout.readline()
        try:
            out, err = child.communicate(timeout=cap)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            return None
    if ready.strip() != "ready" or child.returncode != 0:
        raise SystemExit(f"{key} pathological failed:\n{ready}{err}")
    return json.loads(out)


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} kB"


@dataclass
class Measured:
    library: Library
    cold: float
    bench: dict[str, Any]
    pathological: dict[str, Any] | None


def render(measured: Sequence[Measured], repeat: int, cap: float) -> str:
    notes: list[str] = []
    reference = measured[0].bench["results"]

    def row(label: str, cells: Sequence[str]) -> list[str]:
        return [label, *cells]

    def distributions(m: Measured) -> str:
        count = len(m.bench["distributions"])
        return f"{count} (no dependencies)" if count == 1 else f"{count} (1 + {count - 1} deps)"

    def agree(m: Measured) -> str:
        same = sum(a == b for a, b in zip(m.bench["results"], reference, strict=True))
        return f"{same}/{len(reference)}"

    def pathological(m: Measured) -> str:
        report = m.pathological
        if report is None:
            return f"> {cap:g} s (no budget)"
        if report["stopped"]:
            notes.append(
                f"[{len(notes) + 1}] {m.library.distribution} stopped it: {report['message']}"
            )
            return f"stopped in {_duration(report['seconds'])} [{len(notes)}]"
        return f"finished in {_duration(report['seconds'])} (no budget)"

    def conformance(m: Measured, feature: str) -> str:
        if feature == BUDGET_FEATURE:
            report = m.pathological
            if report is not None and report["stopped"]:
                return "PASS"
            if report is None:
                detail = f"still running after {cap:g} s, killed"
            else:
                detail = f"ran all 10^6 iterations ({_duration(report['seconds'])})"
        else:
            result = next(c for c in m.bench["conformance"] if c["feature"] == feature)
            if result["ok"]:
                return "PASS"
            detail = result["detail"]
        notes.append(f"[{len(notes) + 1}] {m.library.distribution}, {feature}: {detail}")
        return f"FAIL [{len(notes)}]"

    def evaluate(m: Measured) -> str:
        seconds = m.bench["evaluate"]
        return "n/a (a policy fails)" if seconds is None else _duration(seconds)

    table = [
        row("library", [m.library.distribution for m in measured]),
        row("version", [m.bench["version"] for m in measured]),
        row("engine", [m.library.engine for m in measured]),
        None,
        row("installed distributions", [distributions(m) for m in measured]),
        row("install size", [_size(sum(d[2] for d in m.bench["distributions"])) for m in measured]),
        row(f"cold import (best of {repeat})", [_duration(m.cold) for m in measured]),
        row("compile, per policy (mean of 12)", [_duration(m.bench["compile"]) for m in measured]),
        row("evaluate 12 policies on one record", [evaluate(m) for m in measured]),
        row("  results equal cel-expr-python's", [agree(m) for m in measured]),
        row("pathological, 10^6 iterations", [pathological(m) for m in measured]),
        None,
        *(
            row(check.feature, [conformance(m, check.feature) for m in measured])
            for check in CHECKS
        ),
        row(BUDGET_FEATURE, [conformance(m, BUDGET_FEATURE) for m in measured]),
    ]
    widths = [max(len(r[i]) for r in table if r is not None) for i in range(len(table[0]))]
    rule = "-+-".join("-" * w for w in widths)
    lines = []
    for r in table:
        if r is None:
            lines.append(rule)
            continue
        lines.append(" | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
        if r is table[0]:
            lines.append(rule)
    notes.append(
        "compile: cel-expr-python parses and type-checks; the other two only parse. "
        "cel-python runs with its default (interpreted) runner."
    )
    for m in measured:
        installed = ", ".join(f"{name}=={version}" for name, version, _ in m.bench["distributions"])
        notes.append(f"{m.library.distribution} installs: {installed}")
    return "\n".join([*lines, "", *notes])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "maintain-cel-libraries",
        help="where the virtualenvs live (created or reused)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="cold-import processes per library")
    parser.add_argument(
        "--cap", type=float, default=10.0, help="seconds the pathological expression may run"
    )
    parser.add_argument("--child", nargs=2, metavar=("MODE", "KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        mode, key = args.child
        report = child_bench(key) if mode == "bench" else child_pathological(key)
        print(json.dumps(report))
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    pythons = [ensure_venv(args.work, library) for library in LIBRARIES]
    measured = []
    for library, python in zip(LIBRARIES, pythons, strict=True):
        print(f"measuring {library.distribution}", file=sys.stderr)
        measured.append(
            Measured(
                library,
                cold_import(python, library, args.repeat),
                run_child(python, "bench", library.key),
                run_pathological(python, library.key, args.cap),
            )
        )
    python_version = measured[0].bench["python"]
    print(
        f"CEL libraries for maintain's policies: Python {python_version}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, work dir {args.work}\n"
    )
    print(render(measured, args.repeat, args.cap))
    return 0


if __name__ == "__main__":
    sys.exit(main())
