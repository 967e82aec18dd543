"""Fingerprints that survive what does not change a problem, and alias groups across
tools; the severity table; the helpers every parser shares."""

from __future__ import annotations

import pytest

from maintain_repo.security import severity
from maintain_repo.security.identity import (
    canonical_advisory,
    fingerprint,
    group_ids,
    groups,
)
from maintain_repo.security.observation import (
    Cvss,
    Observation,
    Package,
    cwe_of,
    ecosystem,
    line,
    text_block,
    vulnerability_ids,
)

DJANGO = Package("PyPI", "Django", "3.2.9")


def dependency(tool: str, ids: tuple[str, ...], **changes) -> Observation:
    base = Observation(
        tool=tool,
        category="dependency",
        title="django: a vulnerability",
        vulnerability_ids=ids,
        package=DJANGO,
        manifest="requirements.txt",
    )
    return base._replace(**changes)


def code(**changes) -> Observation:
    base = Observation(
        tool="CodeQL",
        category="code",
        title="SQL injection",
        rule_id="py/sql-injection",
        path="app/db.py",
        start_line=12,
        marks=("primaryLocationLineHash:9cbc869fbfffeb60:1",),
    )
    return base._replace(**changes)


def test_a_dependency_keeps_its_fingerprint_across_versions_and_name_spellings():
    first = fingerprint(dependency("pip-audit", ("PYSEC-2021-439", "CVE-2021-44420")))
    bumped = fingerprint(
        dependency(
            "pip-audit",
            ("CVE-2021-44420", "PYSEC-2021-439"),
            package=Package("PyPI", "django", "3.2.10"),
        )
    )
    assert first == bumped
    other_manifest = fingerprint(
        dependency("pip-audit", ("CVE-2021-44420",), manifest="requirements/dev.txt")
    )
    assert other_manifest != first  # the same advisory in another manifest: another place
    spelled = dependency("x", ("CVE-2021-44420",), package=Package("PyPI", "Django_", None))
    assert fingerprint(spelled) != first  # PEP 503: "django-" is not "django"
    assert len(first) == 64
    assert set(first) <= set("0123456789abcdef")


def test_code_keeps_its_fingerprint_when_lines_move_and_not_when_the_tool_says_it_moved():
    first = fingerprint(code())
    assert fingerprint(code(start_line=40, end_line=41)) == first
    assert fingerprint(code(marks=("primaryLocationLineHash:0000000000000000:1",))) != first
    assert fingerprint(code(path="app/other.py")) != first
    assert fingerprint(code(rule_id="py/xss")) != first
    # Nothing but the line to go by: the line counts.
    bare = code(marks=())
    assert fingerprint(bare) != fingerprint(bare._replace(start_line=13))


def test_the_canonical_advisory_is_the_lowest_cve_else_ghsa_else_any():
    assert canonical_advisory(["PYSEC-2021-439", "CVE-2021-44420", "CVE-2021-3281"]) == (
        "CVE-2021-3281"
    )
    assert canonical_advisory(["CVE-2021-10000", "CVE-2021-9999"]) == "CVE-2021-9999"
    assert canonical_advisory(["PYSEC-2021-439", "GHSA-v6rh-hp5x-86rv"]) == "GHSA-v6rh-hp5x-86rv"
    assert canonical_advisory(["PYSEC-2021-439", "OSV-2021-1"]) == "OSV-2021-1"
    assert canonical_advisory([]) is None


def test_three_tools_reporting_one_advisory_are_one_group_with_every_id():
    found = [
        dependency("pip-audit", ("PYSEC-2021-439", "GHSA-v6rh-hp5x-86rv")),
        dependency("trivy", ("CVE-2021-44420", "GHSA-V6RH-HP5X-86RV")),  # another case
        dependency("dependabot", ("GHSA-v6rh-hp5x-86rv", "CVE-2021-44420")),
        dependency("trivy", ("CVE-2022-28346",)),  # another advisory
        dependency("trivy", ("CVE-2021-44420",), manifest="other/requirements.txt"),
        code(),
    ]
    assert groups(found) == [[0, 1, 2], [3], [4], [5]]
    assert group_ids(found, [0, 1, 2]) == (
        "CVE-2021-44420",
        "PYSEC-2021-439",
        "GHSA-v6rh-hp5x-86rv",
    )
    # Any member gives the group's fingerprint once the group's ids are known.
    ids = group_ids(found, [0, 1, 2])
    assert len({fingerprint(found[i], ids) for i in (0, 1, 2)}) == 1


def test_aliases_chain_into_one_group():
    found = [
        dependency("a", ("PYSEC-1",)),
        dependency("b", ("PYSEC-1", "GHSA-aaaa-bbbb-cccc")),
        dependency("c", ("GHSA-aaaa-bbbb-cccc", "CVE-2020-1")),
    ]
    assert groups(found) == [[0, 1, 2]]


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.0, "info"),
        (0.1, "low"),
        (3.9, "low"),
        (4.0, "medium"),
        (6.9, "medium"),
        (7.0, "high"),
        (8.9, "high"),
        (9.0, "critical"),
        (10.0, "critical"),
    ],
)
def test_scores_follow_cvss_qualitative_ratings(score, expected):
    assert severity.from_score(score) == expected


def test_words_levels_and_security_severity():
    assert severity.from_word("MODERATE") == "medium"
    assert severity.from_word("Negligible") == "info"
    assert severity.from_word("UNKNOWN") is None
    assert severity.from_word(3) is None
    assert severity.from_level("error") == "high"
    assert severity.from_level("note") == "low"
    assert severity.from_level("bogus") is None
    assert severity.from_security_severity("7.5") == "high"
    assert severity.from_security_severity("nan") is None
    assert severity.from_security_severity("11") is None
    assert severity.from_security_severity(True) is None


def test_cvss_vectors_are_scored_by_the_library_not_taken_from_the_report():
    v31 = severity.parse_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    assert v31 == Cvss("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8)
    v40 = severity.parse_cvss("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N")
    assert v40 is not None
    assert (v40.version, v40.score) == ("4.0", 6.3)
    assert severity.parse_cvss("AV:N/AC:L/Au:N/C:P/I:P/A:P") is None  # CVSS v2: not kept
    assert severity.parse_cvss("CVSS:3.1/AV:N") is None  # metrics missing
    assert severity.parse_cvss("CVSS:3.1/" + "A" * 400) is None
    assert severity.from_cvss([v31, v40]) == ("medium", "cvss_v4")  # the newest version wins
    assert severity.from_cvss([v31]) == ("critical", "cvss_v3")
    assert severity.from_cvss([]) is None


def test_text_from_reports_is_flattened_and_bounded():
    assert line("SQL\x1b[31m injection\n in\u2028 query ") == "SQL [31m injection in query"
    assert line("x" * 300) == "x" * 199 + "…"
    assert line("  \n ") is None
    assert line(None) is None
    assert text_block("a\r\nb\x00c\n") == "a\nbc"
    assert cwe_of("external/cwe/cwe-089") == "CWE-89"
    assert cwe_of("CWE-79") == "CWE-79"
    assert cwe_of(22) == "CWE-22"
    assert cwe_of("cwe-0") is None
    assert cwe_of("sql injection") is None
    assert vulnerability_ids(["CVE-2021-1", "1094222", "not an id", "CVE-2021-1", "GHSA-x"]) == (
        "CVE-2021-1",
        "GHSA-x",
    )
    assert ecosystem("pip") == "PyPI"
    assert ecosystem("Debian") == "Debian"
    assert ecosystem("something-new") is None
