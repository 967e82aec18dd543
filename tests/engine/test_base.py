"""Git-aware rules (`maintain check --base REF`) on real git repositories."""

from __future__ import annotations

import json
import subprocess

import pytest

from maintain_repo.cli import main

INCIDENT = "records/incidents/INC-20260301-7K2M.yaml"
IMPROVEMENT = "records/improvements/IMP-20260302-9ZT4.yaml"


def git(root, *args):
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(make_repo, git_repo):
    return git_repo(make_repo())


def _check(root, capsys, *args):
    code = main(["--root", str(root), "check", "--no-cache", "--format", "json", *args])
    findings = json.loads(capsys.readouterr().out)["findings"]
    return code, {(f["path"], f["line"], f["rule"]) for f in findings}, findings


def _edit(root, rel, old, new):
    path = root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_no_changes_no_findings(repo, capsys):
    assert _check(repo, capsys, "--base", "main")[:2] == (0, set())


def test_a_deleted_record_is_reported(repo, capsys):
    (repo / IMPROVEMENT).unlink()
    code, found, _ = _check(repo, capsys, "--base", "main")
    assert code == 1
    assert (IMPROVEMENT, 1, "record-deleted") in found
    # Without --base only the dangling link is visible.
    assert (IMPROVEMENT, 1, "record-deleted") not in _check(repo, capsys)[1]


def test_a_committed_deletion_on_a_branch_is_reported(repo, capsys):
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "rm", "-q", IMPROVEMENT)
    git(repo, "commit", "-q", "-m", "drop it")
    assert (IMPROVEMENT, 1, "record-deleted") in _check(repo, capsys, "--base", "main")[1]


def test_a_status_move_off_the_lifecycle(repo, capsys):
    _edit(repo, INCIDENT, "status: closed", "status: mitigated")
    code, found, findings = _check(repo, capsys, "--base", "main")
    assert code == 1
    assert (INCIDENT, 6, "status-transition") in found
    message = next(f["message"] for f in findings if f["rule"] == "status-transition")
    assert message == (
        "status moved from closed to mitigated, which is not a lifecycle edge (from closed: active)"
    )


def test_reopening_along_an_edge_is_allowed(repo, capsys):
    _edit(repo, INCIDENT, "status: closed", "status: active")
    found = _check(repo, capsys, "--base", "main")[1]
    assert not {rule for _, _, rule in found} & {"status-transition", "closed-immutable"}


def test_an_edited_timeline_entry(repo, capsys):
    _edit(repo, INCIDENT, "text: checkout-health failed three times in a row", "text: it broke")
    assert (INCIDENT, 40, "timeline-append-only") in _check(repo, capsys, "--base", "main")[1]


def test_a_removed_timeline_entry(repo, capsys):
    _edit(repo, INCIDENT, "  - at: 2026-03-01T10:40:00Z\n    by: alice\n    event: mitigated\n", "")
    assert (INCIDENT, 39, "timeline-append-only") in _check(repo, capsys, "--base", "main")[1]


def test_a_closed_record_edited_outside_its_allowed_fields(repo, capsys):
    _edit(repo, INCIDENT, "resolution: Rolled back", "resolution: Reverted")
    code, found, _ = _check(repo, capsys, "--base", "main")
    assert code == 1
    assert found == {(INCIDENT, 27, "closed-immutable")}


def test_labels_links_and_new_timeline_entries_may_change_when_closed(repo, capsys):
    path = repo / INCIDENT
    path.write_text(
        path.read_text().replace("problem: PRB", "labels:\n  - reviewed\nproblem: PRB")
        + "  - at: 2026-03-09T09:00:00Z\n    by: alice\n    event: note\n    text: Follow-up.\n"
    )
    assert _check(repo, capsys, "--base", "main")[:2] == (0, set())


def test_an_id_reused_by_a_new_record(repo, capsys):
    _edit(repo, IMPROVEMENT, "created_at: 2026-03-02T08:00:00Z", "created_at: 2026-04-01T08:00:00Z")
    assert (IMPROVEMENT, 8, "id-reused") in _check(repo, capsys, "--base", "main")[1]


def test_an_id_colliding_with_another_file_on_the_base(repo, capsys):
    text = (repo / "records/services/payments.yaml").read_text()
    (repo / "records/services/payments-eu.yaml").write_text(text)
    found = _check(repo, capsys, "--base", "main")[1]
    assert ("records/services/payments-eu.yaml", 2, "id-reused") in found


def test_a_moved_record_is_not_deleted(repo, capsys):
    git(repo, "mv", "records/services/payments.yaml", "records/services/pay.yaml")
    found = _check(repo, capsys, "--base", "main")[1]
    assert not {rule for _, _, rule in found} & {"record-deleted", "id-reused"}


def test_the_pull_request_base_is_the_default_in_actions(repo, capsys, tmp_path, monkeypatch):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    (clone / IMPROVEMENT).unlink()
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    assert (IMPROVEMENT, 1, "record-deleted") in _check(clone, capsys)[1]
    assert (IMPROVEMENT, 1, "record-deleted") not in _check(clone, capsys, "--no-base")[1]


def test_an_unknown_base_is_a_usage_error(repo, capsys):
    assert main(["--root", str(repo), "check", "--base", "no-such-branch"]) == 2
    err = capsys.readouterr().err
    assert "--base no-such-branch: no such commit, branch or tag" in err
    assert "fetch-depth: 0" in err


def test_base_outside_git_is_a_configuration_error(make_repo, capsys):
    assert main(["--root", str(make_repo()), "check", "--base", "main"]) == 2
    assert "is not inside a git repository" in capsys.readouterr().err


STRICT = "kind: SLAPolicy\nname: sla\nimprovement: {P2: 30d}\n"
RELAXED = "kind: SLAPolicy\nname: sla\nimprovement: {P2: 90d}\n"
NEW_IMPROVEMENT = "records/improvements/IMP-20260325-N3W1.yaml"
LATE_IMPROVEMENT = """\
id: IMP-20260325-N3W1
kind: improvement
schema_version: 1
title: Load-test the payments pool before each release
status: open
owner: bob
created_at: 2026-03-25T09:00:00Z
source:
  kind: product
category: prevent
priority: P2
services: [payments]
due: 2026-05-20T17:00:00Z
"""


def test_a_pull_request_cannot_relax_the_policy_that_judges_it(make_repo, git_repo, capsys):
    repo = git_repo(make_repo({"policies/sla.yaml": STRICT}))
    git(repo, "checkout", "-q", "-b", "relax")
    (repo / "policies/sla.yaml").write_text(RELAXED)
    (repo / NEW_IMPROVEMENT).write_text(LATE_IMPROVEMENT)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Relax the SLA and add an improvement due in two months")

    code, found, findings = _check(repo, capsys, "--base", "main")
    assert code == 1
    assert found == {(NEW_IMPROVEMENT, 13, "sla-due")}
    assert "(30d after 2026-03-25T09:00:00Z" in findings[0]["message"]
    # Judged by the pull request's own (relaxed) policy, it would pass:
    assert _check(repo, capsys, "--base", "main", "--policies-from-worktree")[:2] == (0, set())
    assert _check(repo, capsys)[:2] == (0, set())


def test_a_pull_request_cannot_switch_off_the_rules_that_judge_it(make_repo, git_repo, capsys):
    repo = git_repo(make_repo({"policies/sla.yaml": STRICT}))
    git(repo, "checkout", "-q", "-b", "quiet")
    settings = repo / "policies/settings.yaml"
    settings.write_text(
        settings.read_text() + "rules:\n  sla-due: {enabled: false}\n  closed-immutable: "
        "{severity: note}\n"
    )
    (repo / NEW_IMPROVEMENT).write_text(LATE_IMPROVEMENT)
    _edit(repo, INCIDENT, "resolution: Rolled back", "resolution: Reverted")

    code, found, findings = _check(repo, capsys, "--base", "main")
    assert code == 1
    assert found == {(NEW_IMPROVEMENT, 13, "sla-due"), (INCIDENT, 27, "closed-immutable")}
    assert {f["severity"] for f in findings} == {"error"}
    # The pull request's own Settings apply only when asked for:
    code, found, findings = _check(repo, capsys, "--base", "main", "--policies-from-worktree")
    assert found == {(INCIDENT, 27, "closed-immutable")}
    assert [f["severity"] for f in findings] == ["note"]


def test_reopening_does_not_open_the_record_for_rewriting_in_the_same_change(repo, capsys):
    _edit(repo, INCIDENT, "status: closed", "status: active")
    _edit(repo, INCIDENT, "severity: SEV2", "severity: SEV4")
    _edit(repo, INCIDENT, "resolution: Rolled back", "resolution: Reverted")
    code, found, findings = _check(repo, capsys, "--base", "main")
    assert code == 1
    assert found == {(INCIDENT, 9, "closed-immutable"), (INCIDENT, 27, "closed-immutable")}
    assert "changed while reopening a closed record" in findings[0]["message"]


def test_the_same_created_at_in_another_offset_is_not_a_new_record(repo, capsys):
    _edit(
        repo,
        IMPROVEMENT,
        "created_at: 2026-03-02T08:00:00Z",
        "created_at: 2026-03-02T09:00:00+01:00",
    )
    found = _check(repo, capsys, "--base", "main")[1]
    assert "id-reused" not in {rule for _, _, rule in found}


def test_a_moved_record_with_its_created_at_in_another_offset_is_still_a_move(repo, capsys):
    git(repo, "mv", "records/services/payments.yaml", "records/services/pay.yaml")
    _edit(
        repo,
        "records/services/pay.yaml",
        "created_at: 2025-06-01T09:00:00Z",
        "created_at: 2025-06-01T11:00:00+02:00",
    )
    found = _check(repo, capsys, "--base", "main")[1]
    assert not {rule for _, _, rule in found} & {"record-deleted", "id-reused"}


# Files under records/ that are not records: committed on the base, then removed.
NOT_RECORDS = {
    "a .gitkeep": ("records/changes/.gitkeep", ""),
    "another dotfile": ("records/services/.payments.yaml", "id: payments\n"),
    "a note": ("records/services/README.md", "# services\n"),
    "a .yml file": ("records/services/search.yml", "id: search\n"),
    "a file in an unknown folder": ("records/legacy/OLD-1.yaml", "id: OLD-1\n"),
    "a file directly in records/": ("records/index.yaml", "id: index\n"),
}


@pytest.mark.parametrize(("rel", "content"), NOT_RECORDS.values(), ids=NOT_RECORDS)
def test_removing_a_file_that_is_not_a_record_is_no_deletion(
    make_repo, git_repo, capsys, rel, content
):
    repo = git_repo(make_repo({rel: content}))
    (repo / rel).unlink()
    code, found, _ = _check(repo, capsys, "--base", "main")
    assert (code, found) == (0, set())


def test_a_symbolic_link_on_the_base_was_never_a_record(make_repo, git_repo, capsys):
    root = make_repo()
    (root / "records/services/pw").symlink_to("/etc/passwd")
    (root / "records/services/pw2.yaml").symlink_to("payments.yaml")
    repo = git_repo(root)
    assert "120000" in git(repo, "ls-files", "-s", "records/services/pw2.yaml")
    for name in ("pw", "pw2.yaml"):
        (repo / "records/services" / name).unlink()
    code, found, _ = _check(repo, capsys, "--base", "main")
    assert (code, found) == (0, set())


def test_new_files_that_are_not_records_take_no_ids(repo, capsys):
    # A copy of a record under a name that is no record file: reported as misplaced by the
    # per-file rules, but it does not "reuse" the id of the record it copies.
    text = (repo / IMPROVEMENT).read_text()
    (repo / "records/improvements/IMP-20260302-9ZT4.yml").write_text(text)
    code, found, _ = _check(repo, capsys, "--base", "main")
    assert code == 1
    assert {rule for _, _, rule in found} == {"record-location"}


def test_a_base_missing_from_a_shallow_clone_is_a_clear_error(repo, tmp_path, capsys):
    (repo / "policies/settings.yaml").write_text(
        (repo / "policies/settings.yaml").read_text() + "# edited\n"
    )
    git(repo, "commit", "-qam", "second")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    assert main(["--root", str(clone), "check", "--no-cache", "--base", "HEAD~1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("maintain: error: HEAD~1 (commit ")
    assert "is not complete in this clone" in err
    assert "fetch-depth: 0" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "missing",
    ["policies/settings.yaml", INCIDENT, "records"],
    ids=["a policy blob", "a record blob", "a tree"],
)
def test_an_object_missing_from_the_base_is_a_clear_error(repo, capsys, missing):
    sha = git(repo, "rev-parse", f"HEAD:{missing}").strip()
    (repo / ".git/objects" / sha[:2] / sha[2:]).unlink()  # loose objects: one file each
    if missing == INCIDENT:  # read only when it changed
        _edit(repo, INCIDENT, "resolution: Rolled back", "resolution: Reverted")
    code = main(["--root", str(repo), "check", "--no-cache", "--base", "main"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"object {sha} is missing" in err
    assert "hint: fetch the whole history first" in err


@pytest.mark.parametrize("value", ["[closed]", "{a: 1}", "7", "null"])
def test_a_base_record_with_fields_of_the_wrong_type_is_compared_without_crashing(
    make_repo, git_repo, capsys, value
):
    root = make_repo()
    _edit(root, INCIDENT, "status: closed", f"status: {value}")
    _edit(root, INCIDENT, "created_at: 2026-03-01T10:06:00Z", f"created_at: {value}")
    repo = git_repo(root)
    _edit(repo, INCIDENT, f"status: {value}", "status: closed")
    code = main(["--root", str(repo), "check", "--no-cache", "--base", "main"])
    assert code in (0, 1)
    assert "internal error" not in capsys.readouterr().err
