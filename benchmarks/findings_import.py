"""The repository and the scanner reports of benchmark P7 (`maintain findings import`).

    python benchmarks/findings_import.py DIR [--results 10000]

P7 imports a SARIF 2.1.0 log of 10,000 results into a repository that already holds
10,000 findings, half of them in the scan again. Both come from the tool itself:

- the repository is the corpus generator's (benchmarks/corpus.py) at a small scale
  (BASE_RECORDS records: this repository's policies, SLA policy included, the services,
  a few records of each kind), into which `maintain findings import` has imported the
  first scan, report A: 10,000 results of CodeQL (the shape of a real CodeQL log:
  150 rules with their CWE tags and `security-severity`, 2,000 files,
  `partialFingerprints` on every result, the region and its context snippet), scope
  SCOPE, service SERVICE, at FIRST: 10,000 new finding records;
- report B, of the same code a week later (at SECOND), holds 10,000 results: 5,000 of
  them are problems A reported (the same rule, file and partial fingerprints; most on
  lines that moved), 5,000 are new. Importing it creates 5,000 findings, updates
  `last_seen` of 5,000 and marks the other 5,000 (absent from the scan) mitigated.

`DIR` gets the repository (`DIR/base`, A imported) and both reports, to time or profile
the import by hand:

    maintain --root DIR/base findings import DIR/scan-b.sarif --scope codeql@web-storefront \\
        --service web-storefront --owner acme/security --now 2026-05-31T06:00:00Z
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from corpus import NOW_TEXT, generate

BASE_RECORDS = 200  # the corpus around the findings: policies, services, some records
SCOPE = "codeql@web-storefront"
SERVICE = "web-storefront"  # one of the corpus's services
OWNER = "acme/security"
FIRST = "2026-05-25T06:00:00Z"  # report A, imported into the repository
SECOND = "2026-05-31T06:00:00Z"  # report B: the import under test, and its re-import
FILES = 2_000
TOOL = {"name": "CodeQL", "organization": "GitHub", "semanticVersion": "2.17.6"}

# Queries: (name, title, CWE, security-severity or None for a quality query, level).
QUERIES = (
    ("sql-injection", "Database query built from user-controlled sources", 89, "8.8", "error"),
    ("path-injection", "Uncontrolled data used in path expression", 22, "7.5", "error"),
    ("command-line-injection", "Uncontrolled command line", 78, "9.8", "error"),
    ("code-injection", "Code injection", 94, "9.3", "error"),
    ("reflected-xss", "Reflected server-side cross-site scripting", 79, "6.1", "error"),
    ("stored-xss", "Stored cross-site scripting", 79, "6.1", "error"),
    ("url-redirection", "URL redirection from remote source", 601, "6.1", "error"),
    ("ssrf", "Full server-side request forgery", 918, "9.1", "error"),
    ("partial-ssrf", "Partial server-side request forgery", 918, "9.1", "error"),
    ("xxe", "XML external entity expansion", 611, "9.1", "error"),
    ("unsafe-deserialization", "Deserialization of user-controlled data", 502, "9.8", "error"),
    (
        "clear-text-logging-sensitive-data",
        "Clear-text logging of sensitive information",
        312,
        "7.5",
        "error",
    ),
    (
        "clear-text-storage-sensitive-data",
        "Clear-text storage of sensitive information",
        312,
        "7.5",
        "error",
    ),
    (
        "weak-cryptographic-algorithm",
        "Use of a broken or weak cryptographic algorithm",
        327,
        "7.5",
        "warning",
    ),
    (
        "weak-sensitive-data-hashing",
        "Use of a broken or weak cryptographic hashing algorithm on sensitive data",
        328,
        "7.5",
        "warning",
    ),
    ("insecure-randomness", "Insecure randomness", 338, "7.8", "warning"),
    ("hardcoded-credentials", "Hard-coded credentials", 798, "9.8", "error"),
    ("stack-trace-exposure", "Information exposure through an exception", 209, "5.4", "error"),
    (
        "polynomial-redos",
        "Polynomial regular expression used on uncontrolled data",
        1333,
        "7.5",
        "warning",
    ),
    ("regex-injection", "Regular expression injection", 730, "7.5", "error"),
    (
        "incomplete-url-substring-sanitization",
        "Incomplete URL substring sanitization",
        20,
        "7.8",
        "warning",
    ),
    ("overly-large-range", "Overly permissive regular expression range", 20, "5.0", "warning"),
    (
        "request-without-cert-validation",
        "Request without certificate validation",
        295,
        "7.5",
        "warning",
    ),
    ("insecure-cookie", "Failure to use secure cookies", 614, "5.0", "warning"),
    ("log-injection", "Log injection", 117, "7.8", "error"),
    ("missing-rate-limiting", "Missing rate limiting", 770, "7.5", "warning"),
    ("unused-local-variable", "Unused local variable", 563, None, "note"),
    ("empty-except", "Empty except", 390, None, "note"),
    ("catch-base-exception", "Except block handles 'BaseException'", 396, None, "note"),
    ("useless-comparison-test", "Useless comparison test", 570, None, "warning"),
)
LANGUAGES = (("py", "py"), ("js", "js"), ("java", "java"), ("go", "go"), ("rb", "rb"))
_POPULAR = random.Random(3).sample(range(len(QUERIES)), len(QUERIES))  # most results first


class Setup(NamedTuple):
    base: Path  # the repository with report A imported: every timed import starts from it
    first: Path  # report A
    second: Path  # report B
    results: int
    again: int  # results of B that A reported too
    seconds_first: float  # the untimed import of A, for information


def import_command(maintain: Path, root: Path, report: Path, now: str) -> list[str]:
    """`maintain findings import` of `report` into `root` at `now`, JSON summary."""
    return [
        str(maintain),
        "--root",
        str(root),
        "findings",
        "import",
        str(report),
        "--scope",
        SCOPE,
        "--service",
        SERVICE,
        "--owner",
        OWNER,
        "--now",
        now,
        "--output-format",
        "json",
    ]


def summary(output: str) -> dict[str, Any]:
    outcome: dict[str, Any] = json.loads(output)
    return outcome


def prepare(work: Path, results: int, maintain: Path, env: dict[str, str]) -> Setup:
    """The base repository with report A imported (10,000 new findings), and report B."""
    base = work / "base"
    generate(base, BASE_RECORDS, seed=7)
    again = results // 2
    first, second = work / "scan-a.sarif", work / "scan-b.sarif"
    keys = [_Result(i) for i in range(results + (results - again))]
    write_sarif(first, keys[:results], seed=1, moved=False)
    write_sarif(second, keys[results - again :], seed=2, moved=True)
    start = time.perf_counter()
    done = subprocess.run(
        import_command(maintain, base, first, FIRST),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"importing {first} exited {done.returncode}:\n{done.stderr}")
    outcome = summary(done.stdout)
    if outcome["new"] != results:
        raise SystemExit(f"importing {first}: {outcome['new']} new findings, expected {results}")
    age(base)
    return Setup(base, first, second, results, again, seconds)


def copy(setup: Setup, to: Path) -> Path:
    """A fresh copy of the base repository (file times kept), flushed to disk so that the
    writeback of the copy does not land inside the timed import."""
    if to.exists():
        shutil.rmtree(to)
    shutil.copytree(setup.base, to, symlinks=True)
    os.sync()
    return to


def age(root: Path) -> None:
    """Files in a real checkout are older than the last run; so are these."""
    old = time.time() - 3600
    for path in root.rglob("*"):
        os.utime(path, (old, old), follow_symlinks=False)


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file and folder under `root`: modification time, size and content hash."""
    found: dict[str, tuple[int, int, str]] = {}
    for path in sorted(root.rglob("*")):
        stat = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        found[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size, digest)
    found["."] = (root.stat().st_mtime_ns, 0, "dir")
    return found


def differences(
    before: dict[str, tuple[int, int, str]], after: dict[str, tuple[int, int, str]]
) -> list[str]:
    """What changed between two snapshots, in words (empty when nothing did)."""
    changed = [rel for rel in before if rel in after and before[rel] != after[rel]]
    return (
        [f"changed: {rel}" for rel in changed]
        + [f"removed: {rel}" for rel in before if rel not in after]
        + [f"added: {rel}" for rel in after if rel not in before]
    )


# The reports ---------------------------------------------------------------------------


class _Result(NamedTuple):
    """One problem in the code: a rule at a place, told apart by CodeQL's partial
    fingerprints (they survive the line moving)."""

    n: int

    def rule(self) -> int:
        """The rule's index: a query, skewed as in real scans (a few queries report most
        results), in the language of a file."""
        query = _POPULAR[int(len(QUERIES) * self._unit(1) ** 2)]
        return query + len(QUERIES) * int(len(LANGUAGES) * self._unit(5))

    def file(self) -> int:
        return int(FILES * self._unit(2))

    def line(self) -> int:
        return 5 + int(600 * self._unit(3))

    def column(self) -> int:
        return 1 + int(24 * self._unit(4))

    def line_hash(self) -> str:
        return hashlib.sha256(f"line-{self.n}".encode()).hexdigest()[:16]

    def _unit(self, salt: int) -> float:
        digest = hashlib.sha256(f"{salt}-{self.n}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64


def _rule(index: int) -> dict[str, Any]:
    query, title, cwe, severity, level = QUERIES[index % len(QUERIES)]
    language = LANGUAGES[index // len(QUERIES)][0]
    ident = f"{language}/{query}"
    properties: dict[str, Any] = {
        "tags": (
            ["security", f"external/cwe/cwe-{cwe:03d}"]
            if severity
            else ["maintainability", "correctness", f"external/cwe/cwe-{cwe:03d}"]
        ),
        "description": f"{title}: CodeQL query {ident}.",
        "id": ident,
        "kind": "path-problem" if severity else "problem",
        "name": title,
        "precision": "high",
        "problem.severity": "error" if level == "error" else level,
    }
    if severity:
        properties["security-severity"] = severity
    return {
        "id": ident,
        "name": ident,
        "shortDescription": {"text": title},
        "fullDescription": {
            "text": f"{title} may allow an attacker to affect the application's behaviour "
            "(see the query's help)."
        },
        "defaultConfiguration": {"enabled": True, "level": level},
        "help": {
            "text": f"# {title}\n\nValidate or sanitize the value before it reaches the sink.",
            "markdown": f"# {title}\n\nValidate or sanitize the value before it reaches the "
            "sink.\n",
        },
        "helpUri": f"https://codeql.github.com/codeql-query-help/{ident}/",
        "properties": properties,
    }


def _path(index: int, rule: int) -> str:
    extension = LANGUAGES[rule // len(QUERIES)][1]
    return f"src/module{index // 40:02d}/component_{index % 40:02d}.{extension}"


def _result(
    result: _Result, rules: list[dict[str, Any]], rng: random.Random, moved: bool
) -> dict[str, Any]:
    rule = result.rule()
    query, title, _, _, _ = QUERIES[rule % len(QUERIES)]
    line = result.line() + (rng.randrange(0, 40) if moved else 0)
    column = result.column()
    snippet = f"    value = handler.{query.replace('-', '_')}(request.args['q'])\n"
    return {
        "ruleId": rules[rule]["id"],
        "ruleIndex": rule,
        "rule": {"id": rules[rule]["id"], "index": rule},
        "message": {"text": f"{title}: this value depends on a [user-provided value](1)."},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": _path(result.file(), rule),
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": {"startLine": line, "startColumn": column, "endColumn": column + 30},
                    "contextRegion": {
                        "startLine": max(1, line - 2),
                        "endLine": line + 2,
                        "snippet": {
                            "text": "def view(request):\n" + snippet + "    return value\n"
                        },
                    },
                }
            }
        ],
        "partialFingerprints": {
            "primaryLocationLineHash": f"{result.line_hash()}:1",
            "primaryLocationStartColumnFingerprint": str(column % 8),
        },
    }


def write_sarif(path: Path, problems: Sequence[_Result], *, seed: int, moved: bool) -> None:
    """A CodeQL SARIF 2.1.0 log of `problems`; `moved`: most lines moved since."""
    rng = random.Random(seed)
    rules = [_rule(i) for i in range(len(QUERIES) * len(LANGUAGES))]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {**TOOL, "rules": rules}},
                "results": [_result(problem, rules, rng, moved) for problem in problems],
                "columnKind": "utf16CodeUnits",
                "properties": {"semmle.formatSpecifier": "sarifv2.1.0"},
            }
        ],
    }
    path.write_text(json.dumps(log, indent=1))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--results", type=int, default=10_000)
    args = parser.parse_args(argv)
    env = {**os.environ, "MAINTAIN_NOW": NOW_TEXT}
    args.out.mkdir(parents=True, exist_ok=True)
    setup = prepare(args.out, args.results, Path(sys.executable).parent / "maintain", env)
    print(
        f"{setup.base}: {setup.results} findings imported from {setup.first} "
        f"in {setup.seconds_first:.2f}s; report B: {setup.second} ({setup.again} seen again)"
    )


if __name__ == "__main__":
    main()
