"""Read real scanner outputs with maintain's parsers and check the facts each must give.

    python benchmarks/scanner_samples.py [SAMPLES_DIR]
    python benchmarks/scanner_samples.py --import [SAMPLES_DIR]

SAMPLES_DIR (default: ../shared/scanner-samples next to this checkout) holds real outputs
of SARIF producers, Trivy, pip-audit, OSV-Scanner, npm audit and Grype, described in its
PROVENANCE.md. They are not part of the repository (the tests use fixtures of their own),
so this is a developer's check, not a test: for every file it detects the format, parses
it, and compares the number of observations, the severities and a few named facts with
what PROVENANCE.md states. Exit status 1 when anything differs or a file does not read.

With --import, every sample is then imported (`maintain findings import`, a scope per
file) into a copy of this repository's ops data, and `maintain check` must pass after each.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from maintain_repo.security.detect import load, parse
from maintain_repo.security.observation import Report

LIMIT = 100 * 1024 * 1024

Check = Callable[[Report], str | None]  # None: holds; else what is wrong


def count(n: int) -> Check:
    return lambda report: (
        None
        if len(report.observations) == n
        else (f"{len(report.observations)} observations, expected {n}")
    )


def severities(**expected: int) -> Check:
    def check(report: Report) -> str | None:
        got = Counter(o.severity or "none" for o in report.observations)
        want = Counter({k: v for k, v in expected.items() if v})
        return None if got == want else f"severities {dict(got)}, expected {dict(want)}"

    return check


def has(description: str, test: Callable[[Report], bool]) -> Check:
    return lambda report: None if test(report) else f"missing: {description}"


def ids(report: Report) -> set[str]:
    return {i for o in report.observations for i in o.vulnerability_ids}


def status(name: str, n: int) -> Check:
    def check(report: Report) -> str | None:
        got = sum(1 for o in report.observations if o.status == name)
        return None if got == n else f"{got} {name}, expected {n}"

    return check


def skipped(n: int) -> Check:
    return lambda report: (
        None if len(report.skipped) == n else (f"{len(report.skipped)} skipped, expected {n}")
    )


# What PROVENANCE.md states, file by file (levels as our severities: error is high,
# warning medium, note low).
EXPECTED: dict[str, tuple[str, list[Check]]] = {
    "sarif/codeql-2.5.4_defectdojo-fixture.sarif": (
        "sarif",
        [
            count(72),
            severities(high=11, medium=4, low=57),
            has(
                "py/sql-injection at bad/libuser.py:12",
                lambda r: any(
                    o.rule_id == "py/sql-injection"
                    and o.path == "bad/libuser.py"
                    and o.start_line == 12
                    for o in r.observations
                ),
            ),
        ],
    ),
    "sarif/lgtm-1.26.0_defectdojo-export_2runs.sarif": (
        "sarif",
        [count(510), severities(low=357, high=31, medium=122)],
    ),
    "sarif/trivy-golden_alpine-310.sarif": (
        "sarif",
        [
            count(4),
            severities(medium=4),
            has(
                "libcrypto1.1 and libssl1.1 1.1.1c-r0",
                lambda r: (
                    {(o.package.name, o.package.version) for o in r.observations if o.package}
                    >= {("libcrypto1.1", "1.1.1c-r0"), ("libssl1.1", "1.1.1c-r0")}
                ),
            ),
        ],
    ),
    "sarif/osv-scanner-snapshot_sarif-with-vulns.sarif": (
        "sarif",
        [
            count(1),
            severities(high=1),
            has(
                "CVE-2021-23424 and its GHSA",
                lambda r: {"CVE-2021-23424", "GHSA-whgm-jr23-g3j9"} <= ids(r),
            ),
        ],
    ),
    "sarif/sarif-multitool_baseline-absent-new-unchanged.sarif": (
        "sarif",
        [count(31), severities(high=23, low=6, medium=2), status("mitigated", 1)],
    ),
    "sarif/dockle-0.3.15_no-locations.sarif": (
        "sarif",
        [
            count(4),
            severities(high=1, low=3),
            has("no paths", lambda r: all(o.path is None for o in r.observations)),
        ],
    ),
    "trivy-json/trivy-golden_helm-testchart_misconfig-3targets.json": (
        "trivy",
        [
            count(6),
            severities(high=1, medium=3, low=2),
            has(
                "KSV-0118 at lines 23-57",
                lambda r: any(
                    o.rule_id == "KSV-0118" and (o.start_line, o.end_line) == (23, 57)
                    for o in r.observations
                ),
            ),
        ],
    ),
    "trivy-json/trivy-golden_spring4shell-jre11_custom-class.json": (
        "trivy",
        [
            count(1),
            severities(critical=1),
            has("CVE-2022-22965", lambda r: "CVE-2022-22965" in ids(r)),
        ],
    ),
    "trivy-json/trivy-golden_sl-micro-rancher5.4_zero.json": ("trivy", [count(0)]),
    "trivy-json/trivy_dd-fixture_misconfig-secrets-vulns.json": (
        "trivy",
        [
            count(5),
            has(
                "two secrets, kept apart",
                lambda r: sum(o.category == "secret" for o in r.observations) == 2,
            ),
            has(
                "CVE-2021-33503 on urllib3 1.26.3",
                lambda r: any(
                    "CVE-2021-33503" in o.vulnerability_ids
                    and o.package
                    and o.package.version == "1.26.3"
                    for o in r.observations
                ),
            ),
        ],
    ),
    "trivy-json/trivy-0.69.1_dd-fixture_cvssv4-tomcat.json": (
        "trivy",
        [
            count(3),
            severities(medium=1, low=2),
            has(
                "three fix versions of CVE-2025-66614",
                lambda r: any(
                    "CVE-2025-66614" in o.vulnerability_ids and len(o.fix_versions) == 3
                    for o in r.observations
                ),
            ),
        ],
    ),
    "pip-audit-json/pip-audit-1.x_dd-fixture_legacy-list-format.json": (
        "pip-audit",
        [
            count(7),
            skipped(1),
            has(
                "PYSEC-2021-439 on django 3.2.9",
                lambda r: any(
                    "PYSEC-2021-439" in o.vulnerability_ids
                    and o.package
                    and o.package.version == "3.2.9"
                    for o in r.observations
                ),
            ),
        ],
    ),
    "osv-scanner-json/osv-scanner_dd-fixture_many-findings-6sources.json": (
        "osv-scanner",
        [count(37), has("the 64 advisories among the ids", lambda r: len(ids(r)) >= 64)],
    ),
    "osv-scanner-json/osv-scanner_dd-fixture_one-malicious-pkg.json": (
        "osv-scanner",
        [
            count(1),
            has(
                "MAL-2023-1035 with CWE-506",
                lambda r: any(
                    "MAL-2023-1035" in o.vulnerability_ids and "CWE-506" in o.cwe
                    for o in r.observations
                ),
            ),
        ],
    ),
    "osv-scanner-json/osv-scanner-snapshot_json-output_zero.json": ("osv-scanner", [count(0)]),
    "npm-audit-json/npm-audit-v2_dd-fixture_many-vulns.json": (
        "npm-audit",
        [
            count(3),
            has("GHSA-gxpj-cx7g-858c", lambda r: "GHSA-gxpj-cx7g-858c" in ids(r)),
        ],
    ),
    "npm-audit-json/npm-audit-v2_dd-fixture_one-pkg-two-advisories.json": (
        "npm-audit",
        [
            count(2),
            has(
                "both advisories of debug",
                lambda r: {"GHSA-gxpj-cx7g-858c", "GHSA-9vvw-cc9w-f27h"} <= ids(r),
            ),
        ],
    ),
    "npm-audit-json/npm-audit-v2_cdk-integ-tests-sample_zero.json": ("npm-audit", [count(0)]),
    "grype-json/grype_dd-fixture_issue-9618_missing-severity.json": (
        "grype",
        [
            count(35),
            has(
                "19 distinct ids",
                lambda r: len({o.vulnerability_ids[0] for o in r.observations}) == 19,
            ),
        ],
    ),
    "grype-json/grype-0.94.0_dd-fixture_busybox-epss.json": ("grype", [count(15)]),
    "grype-json/grype-0.24.0_dd-fixture_directory-npm.json": ("grype", [count(9)]),
    "grype-json/grype-0.7.0_dd-fixture_defectdojo-image.json": (
        "grype",
        [count(327), severities(info=106, low=27, medium=155, high=24, critical=5, none=10)],
    ),
    "grype-json/grype-0.7.0_dd-fixture_busybox_zero.json": ("grype", [count(0)]),
}


def import_all(folder: Path) -> int:
    """Import every sample into a copy of this repository's ops data; check after each."""
    import shutil
    import subprocess
    import tempfile

    here = Path(__file__).resolve().parents[1]
    maintain = Path(sys.executable).parent / "maintain"
    failed = 0
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "ops"
        for name in ("records", "policies"):
            shutil.copytree(here / name, root / name)
        for rel in EXPECTED:
            base = [str(maintain), "--root", str(root)]
            imported = subprocess.run(
                [
                    *base,
                    "findings",
                    "import",
                    str(folder / rel),
                    "--scope",
                    rel,
                    "--owner",
                    "parcelpoint/security",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            checked = subprocess.run(
                [*base, "check", "--no-cache"], capture_output=True, text=True, check=False
            )
            summary = (imported.stdout or imported.stderr).splitlines()[0]
            ok = imported.returncode == 0 and checked.returncode == 0
            print(f"{'ok  ' if ok else 'FAIL'} {rel}: {summary}")
            if checked.returncode != 0:
                print(checked.stdout[-2000:])
            failed += not ok
    print(
        "every sample imported, and maintain check passed after each"
        if not failed
        else f"{failed} imports failed"
    )
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    importing = "--import" in argv
    argv = [a for a in argv if a != "--import"]
    default = Path(__file__).resolve().parents[2] / "shared" / "scanner-samples"
    folder = Path(argv[0]) if argv else default
    if not folder.is_dir():
        print(f"no samples at {folder}", file=sys.stderr)
        return 2
    failed = 0
    found = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "PROVENANCE.md"
    }
    for rel in sorted(found - set(EXPECTED)):
        print(f"?    {rel}: no expectations written for it")
        failed += 1
    for rel, (expected_format, checks) in EXPECTED.items():
        path = folder / rel
        if not path.is_file():
            print(f"?    {rel}: missing")
            failed += 1
            continue
        try:
            data = load(path.read_bytes(), limit=LIMIT)
            report = parse(data)
        except (ValueError, OSError) as e:
            print(f"FAIL {rel}: {e}")
            failed += 1
            continue
        problems = [p for check in checks if (p := check(report)) is not None]
        if report.format != expected_format:
            problems.insert(0, f"read as {report.format}, expected {expected_format}")
        mark = "ok  " if not problems else "FAIL"
        print(
            f"{mark} {rel}: {len(report.observations)} observations"
            + "".join(f"; {p}" for p in problems)
        )
        failed += bool(problems)
    print(
        f"{len(EXPECTED) - failed} of {len(EXPECTED)} samples read as PROVENANCE.md says"
        if not failed
        else f"{failed} problems"
    )
    if failed:
        return 1
    return import_all(folder) if importing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
