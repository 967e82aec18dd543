"""`maintain new`: valid records with defaults; never overwrites; clear refusals."""

from __future__ import annotations

import json
import subprocess

import pytest

from maintain_repo.cli import main

REQUIRED = {
    "service": [],
    "incident": [],
    "problem": ["proactive=true"],
    "change": [],
    "improvement": [],
    "finding": ["category=dependency", "severity=high"],
    "waiver": [
        "covers.policies=[{policy: sev1-needs-commander, records: [INC-20260301-7K2M]}]",
        "justification=Not reachable from the internet",
        "approver=erin",
        "expires=2027-01-31T00:00:00Z",
    ],
}


def _new(root, kind, title, *sets, capsys):
    argv = ["--root", str(root), "new", kind, "--title", title]
    for item in sets:
        argv += ["--set", item]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out.strip(), err


@pytest.mark.parametrize("kind", list(REQUIRED))
def test_every_kind_can_be_created_and_passes_check(make_repo, capsys, chdir, kind):
    root = make_repo()
    chdir(root)
    code, path, err = _new(
        root, kind, f"A new {kind} record", "owner=alice", *REQUIRED[kind], capsys=capsys
    )
    assert code == 0, err
    text = (root / path).read_text()
    assert text.startswith(f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json\n")
    assert path.startswith("records/")
    if kind == "waiver":
        # It covers a violation that does not exist: reported as orphaned, by design.
        assert main(["check", "--format", "json"]) == 1
        findings = json.loads(capsys.readouterr().out)["findings"]
        assert [f["rule"] for f in findings] == ["waiver-orphaned"]
        return
    assert main(["check", "--format", "json"]) == 0, capsys.readouterr().out
    capsys.readouterr()
    assert main(["check", path]) == 0


def test_incident_defaults(make_repo, capsys):
    root = make_repo()
    _code, path, _ = _new(root, "incident", "Checkout 502s", "owner=alice", capsys=capsys)
    text = (root / path).read_text()
    lines = text.splitlines()
    assert lines[1].startswith("id: INC-")
    assert path == f"{root}/records/incidents/{lines[1][4:]}.yaml" or path.endswith(
        f"records/incidents/{lines[1][4:]}.yaml"
    )
    for expected in ("status: triage", "severity: unknown", "owner: alice", "title: Checkout 502s"):
        assert expected in lines
    assert lines[-3:] == [f"  - at: {lines[7][12:]}", "    by: alice", "    event: created"]


def test_set_values_are_yaml_and_nested(make_repo, capsys):
    root = make_repo()
    code, path, err = _new(
        root,
        "incident",
        "Search is slow",
        "owner=alice",
        "severity=SEV3",
        "services=[checkout-api]",
        "customer_impact.impacted=true",
        "customer_impact.scope=Search p95 above 3 s",
        capsys=capsys,
    )
    assert code == 0, err
    text = (root / path).read_text()
    assert "severity: SEV3\n" in text
    assert "services:\n  - checkout-api\n" in text
    assert "customer_impact:\n  impacted: true\n  scope: Search p95 above 3 s\n" in text


def test_owner_comes_from_git_config(make_repo, capsys, git_repo):
    root = git_repo(make_repo())
    subprocess.run(["git", "config", "github.user", "octo-cat"], cwd=root, check=True)
    code, path, _ = _new(root, "improvement", "Faster builds", capsys=capsys)
    assert code == 0
    assert "owner: octo-cat\n" in (root / path).read_text()


def test_owner_from_a_noreply_address(make_repo, capsys, git_repo):
    root = git_repo(make_repo())
    subprocess.run(
        ["git", "config", "user.email", "123+mona@users.noreply.github.com"], cwd=root, check=True
    )
    subprocess.run(["git", "config", "user.name", "Mona Lisa Octocat"], cwd=root, check=True)
    code, path, _ = _new(root, "improvement", "Faster builds", capsys=capsys)
    assert code == 0
    assert "owner: mona\n" in (root / path).read_text()


def test_no_owner_is_a_usage_error_with_a_hint(make_repo, capsys):
    root = make_repo()
    code, _out, err = _new(root, "incident", "x", capsys=capsys)
    assert code == 2
    assert "hint: pass --set owner=LOGIN" in err
    assert list((root / "records/incidents").iterdir()) == [
        root / "records/incidents/INC-20260301-7K2M.yaml"
    ]


def test_never_overwrites(make_repo, capsys):
    root = make_repo()
    before = (root / "records/services/payments.yaml").read_bytes()
    code, _, err = _new(root, "service", "Payments", "owner=alice", capsys=capsys)
    assert code == 2
    assert "already exists; it was left untouched" in err
    assert (root / "records/services/payments.yaml").read_bytes() == before


def test_incomplete_records_are_refused_and_nothing_is_written(make_repo, capsys):
    root = make_repo()
    code, _, err = _new(root, "waiver", "Accept it", "owner=alice", capsys=capsys)
    assert code == 2
    assert "would not pass `maintain check`; nothing was written" in err
    for field in ("covers", "justification", "approver", "expires"):
        assert f"missing required field '{field}'" in err
    assert [p.name for p in (root / "records/waivers").iterdir()] == ["WV-20260311-8F9G.yaml"]


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("severty=SEV1", "incident records have no such field"),
        ("kind=change", "fixed by the record kind"),
        ("noequals", "expected FIELD=VALUE"),
        ("severity=[unclosed", "value is not valid YAML"),
        ("severity=SEV9", "severity: input should be"),
        ("roles.commandr=alice", "no such field"),
    ],
)
def test_bad_assignments_are_usage_errors(make_repo, capsys, assignment, message):
    code, _, err = _new(make_repo(), "incident", "x", "owner=alice", assignment, capsys=capsys)
    assert code == 2
    assert message in err


def test_hostile_titles_are_stored_as_plain_text(make_repo, capsys):
    root = make_repo()
    title = "$(rm -rf /) `x` ${{ github.token }} @acme/all <script>x</script> 'q' \"d\" #c: v"
    code, path, err = _new(root, "incident", title, "owner=alice", capsys=capsys)
    assert code == 0, err
    assert main(["--root", str(root), "check", "--format", "json", path]) == 0
    from maintain_repo.store.yaml import parse

    assert parse((root / path).read_text()).data["title"] == title
    assert json.loads(capsys.readouterr().out)["summary"]["errors"] == 0


def test_multi_line_titles_are_refused(make_repo, capsys):
    code, _, err = _new(make_repo(), "incident", "two\nlines", "owner=alice", capsys=capsys)
    assert code == 2
    assert "title: expected one line of text" in err


def test_init_scaffolds_a_repository_that_checks_clean(tmp_path, capsys):
    root = tmp_path / "ops"
    assert main(["init", str(root)]) == 0
    out = capsys.readouterr().out
    assert "created records/incidents/" in out
    assert "created schemas/incident.schema.json" in out
    assert "created policies/sla.yaml" in out
    assert main(["--root", str(root), "check"]) == 0
    assert capsys.readouterr().out == "6 files checked (1 record): 6 passed, 0 failed, 0 waived\n"
    assert main(["--root", str(root), "schema", "check"]) == 0
    code, _path, err = _new(root, "incident", "First", "owner=alice", capsys=capsys)
    assert code == 0, err
    assert main(["--root", str(root), "check"]) == 0


def test_init_refuses_an_existing_repository(make_repo, capsys):
    root = make_repo()
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    assert main(["init", str(root)]) == 2
    assert "already an ops repository" in capsys.readouterr().err
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
