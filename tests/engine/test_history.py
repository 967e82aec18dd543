"""`maintain history ID` on a real git repository."""

from __future__ import annotations

import json
import subprocess

import pytest

from maintain_repo.cli import main

INCIDENT = "records/incidents/INC-20260301-7K2M.yaml"


def git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(make_repo, git_repo):
    root = git_repo(make_repo())
    path = root / INCIDENT
    path.write_text(path.read_text().replace("severity: SEV2", "severity: SEV1"))
    git(root, "commit", "-qam", "Raise to SEV1\n\nbody text")
    path.write_text(
        path.read_text() + "  - at: 2026-03-09T09:00:00Z\n    by: bob\n    event: note\n"
    )
    git(root, "commit", "-qam", "Note the follow-up")
    return root


def test_text_history_shows_each_commit_and_its_field_changes(repo, capsys):
    assert main(["--root", str(repo), "history", "INC-20260301-7K2M"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "INC-20260301-7K2M: 3 commits"
    assert lines[1].endswith("Test Author <test-author@users.noreply.github.com>  initial")
    assert '    + created with 26 fields (status: "closed")' in lines
    assert '    ~ severity: "SEV2" -> "SEV1"' in lines
    assert (
        lines[-1]
        == '    + timeline[2]: {"at": "2026-03-09T09:00:00Z", "by": "bob", "event": "note"}'
    )
    assert sum("Raise to SEV1" in line for line in lines) == 1


def test_json_history(repo, capsys):
    assert main(["--root", str(repo), "history", "INC-20260301-7K2M", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    commits = document["commits"]
    assert [c["message"] for c in commits] == ["initial", "Raise to SEV1", "Note the follow-up"]
    assert commits[1]["changes"] == [
        {"field": "severity", "change": "changed", "before": "SEV2", "after": "SEV1"}
    ]
    assert all(len(c["sha"]) == 40 for c in commits)


def test_a_deleted_record_still_has_a_history(repo, capsys):
    git(repo, "rm", "-q", INCIDENT)
    git(repo, "commit", "-qm", "Remove it")
    assert main(["--root", str(repo), "history", "INC-20260301-7K2M"]) == 0
    out = capsys.readouterr().out
    assert f"    {INCIDENT} (deleted)" in out
    assert '    - severity: "SEV1"' in out


def test_a_record_moved_to_another_folder_is_one_move(repo, capsys):
    (repo / "records/problems/INC-20260301-7K2M.yaml").parent.mkdir(exist_ok=True)
    git(repo, "mv", INCIDENT, "records/problems/INC-20260301-7K2M.yaml")
    git(repo, "commit", "-qm", "Filed in the wrong folder")
    assert main(["--root", str(repo), "history", "INC-20260301-7K2M"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("INC-20260301-7K2M: 4 commits\n")
    assert f"    records/problems/INC-20260301-7K2M.yaml (moved from {INCIDENT})" in out
    assert "(deleted)" not in out
    assert out.rstrip().endswith(
        "Filed in the wrong folder\n    records/problems/"
        f"INC-20260301-7K2M.yaml (moved from {INCIDENT})"
    )


def test_services_by_slug(repo, capsys):
    assert main(["--root", str(repo), "history", "payments"]) == 0
    assert capsys.readouterr().out.startswith("payments: 1 commit\n")


@pytest.mark.parametrize("record", ["INC-20990101-AAAA", "../etc/passwd", "*"])
def test_unknown_or_odd_ids_are_usage_errors(repo, capsys, record):
    assert main(["--root", str(repo), "history", record]) == 2
    assert "maintain: error:" in capsys.readouterr().err
