"""`maintain check` end to end: formats, exit codes, paths, errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from casework import sarif_schema
from maintain_repo.cli import main

INCIDENT = "records/incidents/INC-20260301-7K2M.yaml"


def _with_unknown_field(root, line_no):
    path = root / INCIDENT
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(line_no - 1, "severty: SEV1\n")
    path.write_text("".join(lines))


def _run(root, *args, capsys):
    code = main(["--root", str(root), "check", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("line_no", [2, 11, 19])
def test_unknown_field_is_reported_at_its_line_in_every_format(make_repo, capsys, line_no):
    root = make_repo()
    _with_unknown_field(root, line_no)

    code, text, _ = _run(root, "--no-cache", capsys=capsys)
    assert code == 1
    assert text.splitlines()[0] == (
        f"{INCIDENT}:{line_no}:1: error schema unknown field 'severty'; did you mean 'severity'?"
    )
    assert (
        text.splitlines()[-1]
        == "9 files checked (8 records): 8 passed, 1 failed, 0 waived (1 error)"
    )

    code, out, _ = _run(root, "--format", "json", capsys=capsys)
    document = json.loads(out)
    assert code == 1
    assert document["findings"] == [
        {
            "rule": "schema",
            "severity": "error",
            "message": "unknown field 'severty'; did you mean 'severity'?",
            "path": INCIDENT,
            "line": line_no,
            "column": 1,
            "record": "INC-20260301-7K2M",
        }
    ]
    assert document["summary"]["errors"] == 1

    code, out, _ = _run(root, "--format", "sarif", capsys=capsys)
    result = json.loads(out)["runs"][0]["results"][0]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (result["ruleId"], region["startLine"], region["startColumn"]) == ("schema", line_no, 1)

    code, out, _ = _run(root, "--format", "github", capsys=capsys)
    assert out.splitlines()[0] == (
        f"::error file={INCIDENT},line={line_no},col=1,title=schema::"
        "unknown field 'severty'; did you mean 'severity'?"
    )


def test_sarif_output_is_valid_sarif_2_1_0(make_repo, capsys):
    root = make_repo({"records/services/bad.yaml": "id: bad\nkind: service\ntier: [x\n"})
    _with_unknown_field(root, 3)
    code, out, _ = _run(root, "--format", "sarif", capsys=capsys)
    document = json.loads(out)
    jsonschema.Draft4Validator(sarif_schema()).validate(document)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {"schema", "yaml-syntax", "ref-backlink"}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert code == 1


def test_clean_repository_exits_zero(make_repo, capsys):
    code, out, err = _run(make_repo(), capsys=capsys)
    assert (code, out, err) == (
        0,
        "9 files checked (8 records): 9 passed, 0 failed, 0 waived\n",
        "",
    )


def test_warnings_fail_only_with_fail_on_warning(make_repo, capsys):
    root = make_repo(
        {
            "policies/settings.yaml": "kind: Settings\nschema_version: 1\n"
            "rules:\n  ref-exists: {severity: warning}\n"
        }
    )
    (root / INCIDENT).write_text(
        (root / INCIDENT).read_text().replace("  - payments\n", "  - paymnts\n", 1)
    )
    code, out, _ = _run(root, capsys=capsys)
    assert code == 0
    assert "warning ref-exists services[1] names paymnts, which does not exist" in out
    code, _, _ = _run(root, "--fail-on", "warning", capsys=capsys)
    assert code == 1


def test_paths_limit_validation_but_links_still_follow_the_repository(make_repo, capsys):
    root = make_repo()
    # A broken file that is not passed is not reported...
    (root / "records/services/payments.yaml").write_text("id: payments\nkind: service\n")
    # ...but a link from the passed file to a record deleted from disk is.
    (root / "records/improvements/IMP-20260302-9ZT4.yaml").unlink()
    code, out, _ = _run(root, str(root / INCIDENT), capsys=capsys)
    assert code == 1
    assert out.splitlines() == [
        f"{INCIDENT}:37:5: error ref-exists action_items[0] names IMP-20260302-9ZT4, "
        "which does not exist",
        "1 file checked (1 record): 0 passed, 1 failed, 0 waived (1 error)",
    ]


def test_a_path_changing_a_link_reports_the_other_side_too(make_repo, capsys):
    root = make_repo()
    incident = root / INCIDENT
    incident.write_text(incident.read_text().replace("problem: PRB-20260305-2B3C\n", ""))
    code, out, _ = _run(root, str(incident), capsys=capsys)
    assert code == 1
    assert "records/problems/PRB-20260305-2B3C.yaml:10:5: error ref-backlink incidents[0] " in out


def test_directory_paths_select_the_files_under_them(make_repo, capsys):
    root = make_repo()
    (root / "records/services/payments.yaml").write_text("id: payments\nkind: service\n")
    code, out, _ = _run(root, str(root / "records/incidents"), capsys=capsys)
    assert code == 0, out
    code, out, _ = _run(root, str(root / "records/services"), capsys=capsys)
    assert code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "/nonexistent/file.yaml"], "is outside the ops repository"),
        (["check", "records/nope.yaml"], "no such file"),
        (["check", "--format", "xml"], "invalid choice"),
    ],
)
def test_usage_errors_exit_two(make_repo, capsys, chdir, args, message):
    chdir(make_repo())
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_no_ops_repository_exits_two_with_a_hint(tmp_path, capsys, chdir):
    chdir(tmp_path)
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "no ops repository" in err
    assert "hint: run inside an ops repository" in err


def test_an_internal_error_exits_three_and_asks_for_a_report(
    make_repo, capsys, monkeypatch, tmp_path
):
    import tempfile

    import maintain_repo.rules.references as references

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the log goes here, not to /tmp

    def broken(facts):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(references, "check_repo", broken)  # the only way to provoke a bug
    import maintain_repo.engine.check as engine

    monkeypatch.setattr(engine, "check_repo", broken)
    code = main(["--root", str(make_repo()), "check"])
    err = capsys.readouterr().err
    assert code == 3
    assert "internal error; this is a bug in maintain, please report it with the log at" in err
    log = Path(err.rsplit(" ", 1)[-1].strip())
    assert log.parent == tmp_path
    assert "RuntimeError: simulated bug" in log.read_text()


def test_report_can_be_written_to_a_file(make_repo, capsys, tmp_path):
    out_file = tmp_path / "report.sarif"
    code, out, _ = _run(make_repo(), "--format", "sarif", "--output", str(out_file), capsys=capsys)
    assert code == 0
    assert out == ""
    assert json.loads(out_file.read_text())["version"] == "2.1.0"


def test_console_script_and_module_entry_points(make_repo, maintain_exe):
    root = make_repo()
    for argv in ([maintain_exe], ["python", "-m", "maintain_repo"]):
        if argv[0] == "python":
            import sys

            argv = [sys.executable, "-m", "maintain_repo"]
        done = subprocess.run(
            [*argv, "--root", str(root), "check"], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.endswith("9 passed, 0 failed, 0 waived\n")


def test_hostile_file_names_are_printed_inert(make_repo, capsys):
    root = make_repo({"records/services/evil\x1b[31m\n::error::x.yaml": "id: x\n"})
    code, out, _ = _run(root, capsys=capsys)
    assert code == 1
    assert "\x1b" not in out
    assert "evil\\x1b[31m\\n::error::x.yaml" in out
    code, out, _ = _run(root, "--format", "github", capsys=capsys)
    for line in out.splitlines()[:-1]:
        assert line.startswith("::error file=records/services/evil")
        assert "evil\\x1b[31m\\n%3A%3Aerror%3A%3Ax.yaml" in line
        assert "\x1b" not in line


def test_an_oversized_file_is_one_finding_not_a_crash(make_repo, capsys):
    root = make_repo({"records/services/huge.yaml": "id: huge\n" + "# padding\n" * 40_000})
    code, out, _ = _run(root, "--format", "json", capsys=capsys)
    findings = json.loads(out)["findings"]
    assert code == 1
    assert [(f["path"], f["line"], f["rule"]) for f in findings] == [
        ("records/services/huge.yaml", 1, "yaml-too-large")
    ]


def test_symbolic_links_are_reported_not_followed(make_repo, capsys, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("id: TOKEN-abc123supersecret\n")
    root = make_repo()
    link = root / "records/services/leak.yaml"
    link.symlink_to(secret)
    for args in ([], [str(link)]):
        code, out, _ = _run(root, "--no-cache", *args, capsys=capsys)
        assert code == 1
        assert "supersecret" not in out
        assert (
            "records/services/leak.yaml:1:1: error record-location a symbolic link is not a "
            "record; records are regular files"
        ) in out


def test_a_named_pipe_in_records_does_not_hang_the_check(make_repo, capsys):
    import os

    root = make_repo()
    os.mkfifo(root / "records/services/pipe.yaml")
    code, out, _ = _run(root, "--no-cache", capsys=capsys)
    assert code == 1
    assert (
        "records/services/pipe.yaml:1:1: error record-location a named pipe is not a record" in out
    )


def test_monorepo_annotations_name_files_from_the_workspace(make_repo, capsys, git_repo, tmp_path):
    import shutil

    workspace = tmp_path / "mono"
    workspace.mkdir()
    shutil.move(str(make_repo()), workspace / "ops")
    git_repo(workspace)
    root = workspace / "ops"
    _with_unknown_field(root, 2)
    code, out, _ = _run(root, "--format", "github", capsys=capsys)
    assert code == 1
    assert out.startswith(f"::error file=ops/{INCIDENT},line=2,col=1,title=schema::")
    _, out, _ = _run(root, "--format", "sarif", capsys=capsys)
    run = json.loads(out)["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == f"ops/{INCIDENT}"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == f"file://{workspace}/"
    _code, out, _ = _run(root, capsys=capsys)
    assert out.startswith(f"{INCIDENT}:2:1:")  # text stays relative to the ops repository


def test_undecodable_file_names_are_a_finding_not_a_crash(make_repo, capsys):
    import os

    root = make_repo()
    os.rename(
        root / "records/services/payments.yaml",
        os.fsencode(root / "records/services") + b"/pay\xffments.yaml",
    )
    for fmt in ("json", "github", "sarif"):
        code, out, _ = _run(root, "--format", fmt, capsys=capsys)
        assert code == 1
        out.encode("utf-8")  # no lone surrogates reach the output
    code, out, _ = _run(root, capsys=capsys)
    assert (
        "records/services/pay\\xffments.yaml:1:1: error record-location the file name is not "
        "valid UTF-8; rename the file"
    ) in out


def test_dot_dot_paths_select_what_they_name(make_repo, capsys, chdir):
    root = make_repo()
    (root / "records/services/payments.yaml").write_text("id: payments\nkind: service\n")
    chdir(root / "records/incidents")
    code, out, _ = _run(root, "..", capsys=capsys)
    assert code == 1
    assert "records/services/payments.yaml" in out
    code, out, _ = _run(root, "../services/..", capsys=capsys)
    assert code == 1


def test_files_that_are_not_records_are_refused(make_repo, capsys):
    root = make_repo({"README.md": "# ops\n", "docs/x.yaml": "a: 1\n"})
    for name in ("README.md", "docs/x.yaml"):
        assert main(["--root", str(root), "check", str(root / name)]) == 2
        assert "is neither a record" in capsys.readouterr().err


def test_an_unwritable_cache_costs_speed_not_the_report(make_repo, capsys, monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    (cache / "check-index.bin").mkdir(parents=True)  # cannot be replaced by a file
    monkeypatch.setenv("MAINTAIN_CACHE_DIR", str(cache))
    root = make_repo()
    _with_unknown_field(root, 2)
    code, out, err = _run(root, capsys=capsys)
    assert code == 1
    assert out.startswith(f"{INCIDENT}:2:1: error schema")
    assert err == ""


def test_a_file_that_vanishes_during_the_run_is_simply_absent(make_repo, capsys, monkeypatch):
    import maintain_repo.engine.check as engine

    root = make_repo()
    listed = [*engine.record_files(root), "records/services/gone.yaml"]
    monkeypatch.setattr(engine, "record_files", lambda _root: listed)  # listed, then deleted
    code, out, _ = _run(root, "--no-cache", capsys=capsys)
    assert (code, out) == (0, "9 files checked (8 records): 9 passed, 0 failed, 0 waived\n")


def test_a_linked_directory_in_records_is_reported(make_repo, capsys, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.yaml").write_text("id: x\n")
    root = make_repo()
    (root / "records/findings/more").symlink_to(elsewhere, target_is_directory=True)
    code, out, _ = _run(root, "--no-cache", capsys=capsys)
    assert code == 1
    assert "records/findings/more:1:1: error record-location a symbolic link is not a record" in out


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(make_repo, capsys, jobs):
    assert main(["--root", str(make_repo()), "check", "--jobs", jobs]) == 2
    assert "expected a number of processes" in capsys.readouterr().err
