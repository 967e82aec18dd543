"""Checking named files ahead in a child process: same results, safe fallbacks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from maintain_repo.cli import main
from maintain_repo.engine.check import CheckOptions, check
from maintain_repo.engine.files import check_path
from maintain_repo.engine.speculate import Speculation

INCIDENT = "records/incidents/INC-20260301-7K2M.yaml"


def test_the_child_computes_what_the_parent_would(make_repo):
    root = make_repo()
    results = Speculation(str(root), [INCIDENT]).results()
    assert results == {INCIDENT: check_path(str(root), INCIDENT)}


def test_a_failing_child_yields_nothing(make_repo):
    root = make_repo()
    assert Speculation(str(root), ["records/incidents/missing.yaml"]).results() == {}


def test_too_many_files_are_not_forked_for(make_repo):
    root = make_repo()
    rels = [f"records/x{i}.yaml" for i in range(100)]
    assert Speculation(str(root), rels).results() == {}


def test_a_result_for_bytes_that_changed_since_is_not_used(make_repo):
    root = make_repo()
    ahead = Speculation(str(root), [INCIDENT])
    assert INCIDENT in ahead.results()  # the child read the file; now it changes
    path = root / INCIDENT
    path.write_text(path.read_text().replace("severity: SEV2", "severity: SEV9"))
    now = datetime(2026, 4, 1, tzinfo=UTC)
    run = check(CheckOptions(root=root, paths=[path], use_cache=False, ahead=ahead, now=now))
    assert [(f.rule, f.line) for f in run.report.findings] == [("schema", 9)]


def test_cli_results_are_the_same_with_and_without_a_child(make_repo, capsys, monkeypatch):
    root = make_repo()
    path = root / INCIDENT
    path.write_text(path.read_text().replace("  - payments\n", "  - paymnts\n", 1))
    assert main(["--root", str(root), "check", "--format", "json", "--no-cache", str(path)]) == 1
    with_child = json.loads(capsys.readouterr().out)
    import maintain_repo.engine.speculate as speculate

    monkeypatch.setattr(speculate, "MAX_FILES", 0)  # no child: everything in this process
    assert main(["--root", str(root), "check", "--format", "json", "--no-cache", str(path)]) == 1
    assert json.loads(capsys.readouterr().out) == with_child
    assert [f["rule"] for f in with_child["findings"]] == ["ref-exists"]


def test_no_fork_while_other_threads_run(make_repo):
    import threading

    root = make_repo()
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        assert Speculation(str(root), [INCIDENT]).results() == {}
    finally:
        release.set()
        worker.join()
    assert Speculation(str(root), [INCIDENT]).results() != {}
