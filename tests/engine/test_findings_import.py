"""`maintain findings import`: one finding per real problem across tools, re-import
semantics in git (new, still there, gone, back, decided), and nothing half-written."""

from __future__ import annotations

import json

import pytest

from maintain_repo.cli import main
from maintain_repo.errors import UsageError
from scans import (
    CVE,
    DAY1,
    DAY2,
    DAY3,
    GHSA,
    OWNER,
    checks_clean,
    dependabot,
    pip_audit,
    record,
    run,
    tree,
    trivy,
)


@pytest.fixture
def ops(own_ops):
    return own_ops


def test_three_tools_reporting_one_advisory_make_one_finding(ops, capsys):
    django = ("django", "3.2.9", ["PYSEC-2021-439", CVE, GHSA])
    outcome = run(
        ops,
        DAY1,
        ("pip-audit.json", pip_audit(django)),
        ("trivy.json", trivy("Django", "3.2.9", CVE)),
        ("alerts.json", dependabot("Django", GHSA, CVE)),
        manifest="requirements.txt",  # pip-audit -r requirements.txt
    )
    assert (outcome.new, outcome.updated, outcome.unchanged) == (1, 0, 0)
    [rel] = outcome.records
    data = record(ops, rel)
    assert data["vulnerability_ids"] == [CVE, "PYSEC-2021-439", GHSA]
    assert data["reported_by"] == ["pip-audit", "trivy", "dependabot"]
    assert data["links"]["urls"] == ["https://github.com/acme/shop/security/dependabot/7"]
    assert data["severity"] == "high"  # pip-audit says none; Trivy says high
    assert data["first_seen"] == data["last_seen"] == DAY1
    assert data["sla"] == {"start": DAY1, "due": "2027-01-09T10:00:00Z"}  # high: 30d
    assert data["location"]["package"] == {
        "ecosystem": "PyPI",
        "name": "django",
        "version": "3.2.9",
    }
    checks_clean(ops, DAY1, capsys)


def test_importing_the_same_scan_twice_changes_no_byte(ops):
    report = ("pip-audit.json", pip_audit(("django", "3.2.9", ["PYSEC-2021-439", CVE])))
    run(ops, DAY1, report)
    before = tree(ops)
    again = run(ops, DAY1, report)
    assert (again.new, again.updated, again.unchanged, again.records) == (0, 0, 1, [])
    assert tree(ops) == before


def test_gone_is_mitigated_and_back_is_reopened_with_its_first_sla(ops, capsys):
    django = ("django", "3.2.9", ["PYSEC-2021-439", CVE])
    urllib3 = ("urllib3", "1.26.3", ["PYSEC-2021-108", "CVE-2021-33503"])
    first = run(ops, DAY1, ("a.json", pip_audit(django, urllib3)))
    by_package = {record(ops, r)["location"]["package"]["name"]: r for r in first.records}
    gone = run(ops, DAY2, ("a.json", pip_audit(django)))
    assert (gone.mitigated, gone.unchanged, gone.updated) == (1, 0, 1)
    mitigated = record(ops, by_package["urllib3"])
    assert mitigated["status"] == "mitigated"
    assert mitigated["mitigated_at"] == DAY2
    assert mitigated["timeline"][-1]["event"] == "mitigated"
    checks_clean(ops, DAY2, capsys)
    back = run(ops, DAY3, ("a.json", pip_audit(django, urllib3)))
    assert back.reopened == 1
    reopened = record(ops, by_package["urllib3"])
    assert reopened["status"] == "open"
    assert "mitigated_at" not in reopened
    assert reopened["first_seen"] == DAY1
    assert reopened["sla"] == mitigated["sla"]  # the clock does not restart
    assert [e["event"] for e in reopened["timeline"]][-2:] == ["mitigated", "reopened"]
    checks_clean(ops, DAY3, capsys)


def test_a_false_positive_stays_one(ops):
    report = ("a.json", pip_audit(("django", "3.2.9", ["PYSEC-2021-439", CVE])))
    [rel] = run(ops, DAY1, report).records
    path = ops / rel
    text = path.read_text().replace("status: open", "status: false_positive", 1)
    text = text.replace(
        "first_seen:",
        "justification: Not reachable from any view.  # see the review\n"
        "decided_by: ana-costa\nfirst_seen:",
        1,
    )
    path.write_text(text)
    again = run(ops, DAY2, report)
    assert again.reopened == 0
    assert record(ops, rel)["status"] == "false_positive"
    assert record(ops, rel)["last_seen"] == DAY2
    assert "Not reachable from any view.  # see the review\n" in path.read_text()  # kept


def test_an_empty_scan_of_a_tool_mitigates_its_open_findings(ops):
    run(ops, DAY1, ("a.json", pip_audit(("django", "3.2.9", ["PYSEC-2021-439"]))))
    empty = run(ops, DAY2, ("a.json", json.dumps({"dependencies": [], "fixes": []}).encode()))
    assert empty.mitigated == 1


def test_another_scope_is_left_alone(ops):
    run(ops, DAY1, ("a.json", pip_audit(("django", "3.2.9", ["PYSEC-2021-439"]))))
    other = run(ops, DAY2, ("b.json", pip_audit()), scope="pip-audit:other-repo")
    assert other.mitigated == 0


@pytest.mark.parametrize(
    "data",
    [
        b'{"dependencies": [{"name": "django", "vers',
        b"\x00\xff",
        b"[]",
        json.dumps({"SchemaVersion": 2, "Results": [{"Vulnerabilities": "x"}]}).encode(),
        b"[" * 100_000,
    ],
    ids=["truncated", "binary", "ambiguous", "wrong-type", "deep"],
)
def test_a_bad_report_says_why_and_writes_nothing(ops, data):
    before = tree(ops)
    good = ("a.json", pip_audit(("django", "3.2.9", ["PYSEC-2021-439"])))
    with pytest.raises(UsageError) as raised:
        run(ops, DAY1, good, ("bad.json", data))
    assert str(raised.value).startswith("bad.json: ")
    assert tree(ops) == before


def test_the_command_prints_the_summary_as_json(ops, capsys, tmp_path):
    report = tmp_path / "pip-audit.json"
    report.write_bytes(pip_audit(("django", "3.2.9", ["PYSEC-2021-439", CVE])))
    argv = ["--root", str(ops), "findings", "import", str(report), "--owner", OWNER]
    assert main([*argv, "--now", DAY1, "--output-format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) == {
        "new",
        "updated",
        "mitigated",
        "reopened",
        "unchanged",
        "skipped",
        "by_severity",
        "records",
    }
    assert summary["new"] == 1
    assert summary["by_severity"] == {"critical": 0, "high": 0, "medium": 1, "low": 0, "info": 0}
    before = tree(ops)
    assert main([*argv, "--now", DAY2, "--dry-run"]) == 0
    assert "1 updated" in capsys.readouterr().out
    assert tree(ops) == before  # a dry run says what would change and writes nothing


def test_reports_too_large_to_hold_are_refused_before_they_are_read_in(ops, monkeypatch):
    """A million results in 40 MB would take gigabytes as records: an import is bounded
    by the values a report holds and the results it gives (small limits here)."""
    import maintain_repo.engine.findings_import as importer

    before = tree(ops)
    many = pip_audit(*((f"pkg{i}", "1.0", [f"PYSEC-2021-{i}"]) for i in range(5)))
    monkeypatch.setattr(importer, "MAX_VALUES", 30)
    with pytest.raises(UsageError, match=r"^big\.json: more than 30 values"):
        run(ops, DAY1, ("big.json", many))
    monkeypatch.setattr(importer, "MAX_VALUES", 3_000_000)
    monkeypatch.setattr(importer, "MAX_OBSERVATIONS", 3)
    with pytest.raises(UsageError, match=r"^big\.json: more than 3 results in one import"):
        run(ops, DAY1, ("big.json", many))
    assert tree(ops) == before


def test_hostile_paths_and_text_stay_strings_in_records_and_nothing_lands_outside(
    ops, tmp_path, capsys
):
    """Paths in a report are never opened or written to: `..`, absolute paths and
    terminal escapes end up as (cleaned) text in finding records, and the only files the
    import writes are those records."""
    hostile = ["../../outside.py", "/etc/passwd", "src/\x1b[31mred\x1b[0m.py", "a/../../../b.py"]
    results = [
        {
            "ruleId": "B602",
            "level": "error",
            "message": {"text": f"shell=True \x07 in {path}\r\nInjected: line"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": path},
                        "region": {"startLine": 3},
                    }
                }
            ],
        }
        for path in hostile
    ]
    sarif = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "bandit", "rules": []}}, "results": results}],
    }
    outside = sorted(p.name for p in ops.parent.iterdir())
    before = tree(ops)
    outcome = run(ops, DAY1, ("bandit.sarif", json.dumps(sarif).encode()))
    assert outcome.new == len(hostile)
    after = tree(ops)
    assert {rel for rel in after if rel not in before} == set(outcome.records)
    assert all(rel.startswith("records/findings/SF-") for rel in outcome.records)
    assert sorted(p.name for p in ops.parent.iterdir()) == outside
    paths = sorted(record(ops, rel)["location"]["path"] for rel in outcome.records)
    assert "../../outside.py" in paths
    assert "/etc/passwd" in paths
    for rel in outcome.records:
        text = (ops / rel).read_text(encoding="utf-8")
        assert "\x1b" not in text
        assert "\x07" not in text
        assert "\r" not in text
    checks_clean(ops, DAY1, capsys)


def test_a_hundred_megabyte_report_is_refused_unread_and_writes_nothing(ops, tmp_path, capsys):
    huge = tmp_path / "huge.sarif"
    with huge.open("wb") as out:  # sparse: 100 MB that take no disk
        out.truncate(100 * 1024 * 1024)
    before = tree(ops)
    argv = ["--root", str(ops), "findings", "import", str(huge), "--owner", OWNER]
    assert main([*argv, "--now", DAY1]) == 2
    assert f"{huge}: larger than 64 MiB" in capsys.readouterr().err
    assert tree(ops) == before


def test_a_finding_marked_duplicate_is_never_the_one_a_scan_matches(ops):
    report = ("trivy.json", trivy("Django", "3.2.9", CVE))
    [rel] = run(ops, DAY1, report).records
    text = (ops / rel).read_text()
    kept = record(ops, rel)["id"]
    copy_id = "SF-20261210-ZZZZ"
    duplicate = text.replace(kept, copy_id).replace("status: open", "status: duplicate", 1)
    duplicate = duplicate.replace("first_seen:", f"duplicate_of: {kept}\nfirst_seen:", 1)
    (ops / f"records/findings/{copy_id}.yaml").write_text(duplicate)
    again = run(ops, DAY2, report)
    assert (again.mitigated, again.updated) == (0, 1)
    assert record(ops, rel)["status"] == "open"
    assert record(ops, rel)["last_seen"] == DAY2
    assert record(ops, f"records/findings/{copy_id}.yaml")["last_seen"] == DAY1


def test_a_record_two_reported_advisories_match_is_judged_once_on_both(ops):
    both = ("django", "3.2.9", ["PYSEC-2021-439", CVE])
    [rel] = run(ops, DAY1, ("a.json", pip_audit(both)), manifest="requirements.txt").records
    path = ops / rel
    path.write_text(path.read_text().replace(f"  - {CVE}\n", f"  - {CVE}\n  - CVE-2099-0001\n"))
    first = ("django", "3.2.9", ["PYSEC-2021-439", CVE])
    other = ("django", "3.2.9", ["CVE-2099-0001"])
    outcome = run(ops, DAY2, ("a.json", pip_audit(first, other)), manifest="requirements.txt")
    assert (outcome.new, outcome.updated, outcome.records) == (0, 1, [rel])


def test_an_edit_made_while_the_import_runs_is_never_overwritten(ops, monkeypatch):
    from maintain_repo.engine import findings_import

    report = ("a.json", pip_audit(("django", "3.2.9", ["PYSEC-2021-439", CVE])))
    [rel] = run(ops, DAY1, report).records
    validated = findings_import._Edits.validated

    def meanwhile(self):
        (ops / rel).write_text((ops / rel).read_text() + "# a person's note\n")
        return validated(self)

    monkeypatch.setattr(findings_import._Edits, "validated", meanwhile)
    before = tree(ops)
    with pytest.raises(UsageError, match="changed while the import ran; nothing was written"):
        run(ops, DAY2, report)
    after = tree(ops)
    assert after[rel].endswith(b"# a person's note\n")
    assert {k: v for k, v in after.items() if k != rel} == {
        k: v for k, v in before.items() if k != rel
    }
