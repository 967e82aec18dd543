"""`maintain init` end to end: a new team's first commit passes `check --base`, and every
next step it prints works as printed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from maintain_repo.cli import main
from maintain_repo.store.files import TEMP_SUFFIX


def git(root, *args):
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def _committed_init(tmp_path: Path) -> Path:
    """`maintain init`, then the whole result committed, as a new team starts."""
    root = tmp_path / "ops"
    assert main(["init", str(root)]) == 0
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Start the ops repository")
    return root


def test_init_commit_then_check_base_head_passes(tmp_path, capsys):
    root = _committed_init(tmp_path)
    capsys.readouterr()
    assert "records/services/.gitkeep" in git(root, "ls-files")  # the empty folders are kept

    assert main(["--root", str(root), "check", "--base", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "record-deleted" not in out
    # The settings, the SLA, approval and two record policies, and the example service.
    assert out.endswith("6 files checked (1 record): 6 passed, 0 failed, 0 waived\n")


def test_a_new_repository_has_a_working_sla_policy(tmp_path, capsys):
    root = _committed_init(tmp_path)
    capsys.readouterr()
    assert main(["--root", str(root), "sla"]) == 0
    assert main(["--root", str(root), "policy", "validate"]) == 0
    assert "policies are valid" in capsys.readouterr().out
    incident = root / "records/incidents/INC-20261201-AB12.yaml"
    incident.write_text(
        "id: INC-20261201-AB12\nkind: incident\nschema_version: 1\ntitle: Checkout down\n"
        "status: active\nowner: dana\ncreated_at: 2026-12-01T09:00:00Z\nseverity: SEV1\n"
        "type: availability\n"
        "services: [checkout]\nreported_at: 2026-12-01T09:00:00Z\n"
        "roles: {reporter: dana}\n"
    )
    code = main(["--root", str(root), "sla", "--now", "2026-12-01T10:00:00Z"])
    out = capsys.readouterr().out
    # The starter policy's SEV1 targets: acknowledge in 15 minutes, resolve in 4 hours.
    assert "breached  2026-12-01T09:15:00Z  acknowledge    INC-20261201-AB12" in out, out
    assert "ok        2026-12-01T13:00:00Z  resolve" in out
    assert code == 0


def test_a_pull_request_adding_the_first_record_passes_check_base(tmp_path, capsys):
    root = _committed_init(tmp_path)
    git(root, "checkout", "-qb", "first-service")
    main(["--root", str(root), "new", "service", "--title", "Checkout API", "--set", "owner=ana"])
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Add checkout-api")
    capsys.readouterr()
    assert main(["--root", str(root), "check", "--base", "main"]) == 0
    assert capsys.readouterr().out.endswith(
        "7 files checked (2 records): 7 passed, 0 failed, 0 waived\n"
    )


def _next_steps(out: str) -> list[str]:
    lines = out.splitlines()
    return [line.strip() for line in lines[lines.index("next:") + 1 :]]


def test_every_next_step_init_prints_works(tmp_path, maintain_exe):
    """Run the printed steps in a shell, as a new team would (the login filled in)."""
    env = {**os.environ, "PATH": f"{Path(maintain_exe).parent}{os.pathsep}{os.environ['PATH']}"}
    made = subprocess.run(
        [maintain_exe, "init", "ops", "--org", "acme", "--team", "sre"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    steps = _next_steps(made.stdout)
    assert steps == [
        "cd ops",
        "git init && git add -A && git commit -m 'Start the ops repository'",
        "maintain new service --title 'Checkout API' --set owner=acme/sre",
        "maintain check",
        "maintain policy test",
    ]
    # Pasted line by line into a shell, exactly as printed, stopping at the first that fails.
    script = "\n".join(["set -e", *steps])
    ran = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    root = tmp_path / "ops"
    assert "records/services/checkout-api.yaml" in ran.stdout
    assert "owner: acme/sre" in (root / "records/services/checkout-api.yaml").read_text()
    assert "7 files checked (2 records): 7 passed, 0 failed, 0 waived\n" in ran.stdout
    assert ran.stdout.endswith("2 policy tests: 2 passed, 0 failed\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Add checkout-api")
    based = subprocess.run(
        [maintain_exe, "check", "--base", "HEAD~1"], cwd=root, env=env, capture_output=True
    )
    assert based.returncode == 0, based.stdout


def test_init_inside_a_git_work_tree_does_not_suggest_git_init(tmp_path, capsys, chdir):
    git(tmp_path, "init", "-q")
    chdir(tmp_path)
    assert main(["init", "ops"]) == 0
    steps = _next_steps(capsys.readouterr().out)
    assert steps[0] == "cd ops"
    assert not any(step.startswith("git init") for step in steps)


def test_init_takes_root_as_its_directory(tmp_path, capsys):
    assert main(["init", "--root", str(tmp_path / "ops")]) == 0
    assert (tmp_path / "ops/records/incidents/.gitkeep").is_file()


def test_init_ignores_the_cache_and_temporary_files_in_git(tmp_path):
    root = tmp_path / "ops"
    main(["init", str(root)])
    lines = (root / ".gitignore").read_text().splitlines()
    assert lines == [".maintain-cache/", f"*{TEMP_SUFFIX}"]
    git(tmp_path, "init", "-q", str(root))
    (root / ".maintain-cache").mkdir()
    (root / ".maintain-cache/check-index.bin").write_text("{}")
    (root / f"records/incidents/.INC-20260301-7K2M.yaml.k2j4{TEMP_SUFFIX}").write_text("half")
    git(root, "add", "-A")
    staged = git(root, "diff", "--cached", "--name-only").splitlines()
    assert ".gitignore" in staged
    assert not [p for p in staged if "maintain-cache" in p or p.endswith(TEMP_SUFFIX)]


def test_init_adds_to_an_existing_gitignore(tmp_path):
    root = tmp_path / "ops"
    root.mkdir()
    (root / ".gitignore").write_text("node_modules/\n.maintain-cache/")
    main(["init", str(root)])
    assert (root / ".gitignore").read_text() == (
        f"node_modules/\n.maintain-cache/\n*{TEMP_SUFFIX}\n"
    )


KILL_INSIDE_WRITE = """
import os, signal, sys
# Die by SIGKILL at the one moment that matters: the record is fully written to its
# temporary file, which is not yet linked to its name. SIGKILL skips every cleanup.
os.fsync = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
sys.argv = ["maintain", *sys.argv[1:]]
from maintain_repo.__main__ import main
main()
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_a_maintain_new_killed_mid_write_leaves_nothing_git_would_commit(tmp_path, capsys):
    root = _committed_init(tmp_path)
    argv = ["--root", str(root), "new", "service", "--title", "Checkout API", "--set", "owner=a"]
    killed = subprocess.run([sys.executable, "-c", KILL_INSIDE_WRITE, *argv], capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    starters = (".gitkeep", "example-service.yaml")
    leftovers = [p for p in (root / "records/services").iterdir() if p.name not in starters]
    assert [p.name.endswith(TEMP_SUFFIX) and p.name.startswith(".") for p in leftovers] == [True]
    assert not (root / "records/services/checkout-api.yaml").exists()
    git(root, "add", "-A")
    assert git(root, "status", "--porcelain") == ""  # ignored: nothing to commit
    capsys.readouterr()
    assert main(["--root", str(root), "check", "--base", "HEAD"]) == 0

    # A fresh leftover may belong to a writer still running: the next write leaves it...
    assert _maintain(*argv[:2], "new", "service", "--title", "Search", "--set", "owner=a") == 0
    assert leftovers[0].exists()
    # ...and removes it once it is older than a minute.
    old = leftovers[0].stat().st_mtime - 120
    os.utime(leftovers[0], (old, old))
    assert _maintain(*argv) == 0
    assert not leftovers[0].exists()
    assert (root / "records/services/checkout-api.yaml").is_file()


def _maintain(*argv: str) -> int:
    """`maintain` in a process of its own (each process sweeps a folder once)."""
    script = "from maintain_repo.__main__ import main; raise SystemExit(main())"
    return subprocess.run([sys.executable, "-c", script, *argv], capture_output=True).returncode


def test_init_writes_a_repository_that_works_for_the_team(tmp_path, capsys):
    from maintain_repo import HOME, __version__
    from maintain_repo.store.yaml import mapping_in

    root = tmp_path / "ops"
    assert main(["init", str(root), "--repo", "acme/ops", "--team", "sre"]) == 0
    settings = mapping_in((root / "policies/settings.yaml").read_text())
    assert settings["github"] == {"repository": "acme/ops"}
    approval = mapping_in((root / "policies/approval.yaml").read_text())
    assert approval["policy"]["disapproval"] == {"requires": {"teams": ["acme/sre"]}}
    service = mapping_in((root / "records/services/example-service.yaml").read_text())
    assert service["owner"] == "acme/sre"
    assert [probe["enabled"] for probe in service["probes"]] == [False]
    config = mapping_in((root / ".pre-commit-config.yaml").read_text())
    assert config["repos"] == [
        {
            "repo": HOME,
            "rev": f"v{__version__}",
            "hooks": [{"id": "maintain-check"}, {"id": "maintain-policy-test"}],
        }
    ]
    checked = subprocess.run(
        [
            str(Path(sys.executable).parent / "pre-commit"),
            "validate-config",
            str(root / ".pre-commit-config.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (root / ".github/ISSUE_TEMPLATE/incident.yml").is_file()
    assert "acme/ops" in (root / "README.md").read_text()
    capsys.readouterr()
    for command in (["policy", "validate"], ["policy", "test"], ["sla"], ["check"]):
        assert main(["--root", str(root), *command]) == 0, command
    # The starter policies judge: a SEV1 incident past triage without a commander fails.
    incident = root / "records/incidents/INC-20261201-AB12.yaml"
    incident.write_text(
        "id: INC-20261201-AB12\nkind: incident\nschema_version: 1\ntitle: Checkout down\n"
        "status: active\nowner: acme/sre\ncreated_at: 2026-03-01T09:00:00Z\nseverity: SEV1\n"
        "type: availability\nservices: [example-service]\n"
        "reported_at: 2026-03-01T09:00:00Z\nacknowledged_at: 2026-03-01T09:05:00Z\n"
    )
    capsys.readouterr()
    assert main(["--root", str(root), "check"]) == 1
    assert "major-incidents-need-commander" in capsys.readouterr().out


def test_init_keeps_the_files_a_team_has_already(tmp_path, capsys):
    root = tmp_path / "ops"
    (root / "policies").mkdir(parents=True)
    (root / "README.md").write_text("# Ours\n")
    (root / "policies/settings.yaml").write_text(
        "kind: Settings\nschema_version: 1\ntime_zone: Europe/Berlin\n"
    )
    assert main(["init", str(root)]) == 0
    out = capsys.readouterr().out
    assert "created README.md" not in out
    assert (root / "README.md").read_text() == "# Ours\n"
    assert "Europe/Berlin" in (root / "policies/settings.yaml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo", "not a repo"], "--repo 'not a repo': OWNER/NAME"),
        (["--org=-acme"], "--org '-acme'"),
        (["--team", "a/b/c"], "--team 'a/b/c'"),
    ],
)
def test_init_refuses_bad_names(tmp_path, capsys, args, message):
    assert main(["init", str(tmp_path / "ops"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "ops").exists()


def test_upgrade_rewrites_only_the_generated_workflows(tmp_path, capsys):
    from maintain_repo import ACTION, __version__

    root = tmp_path / "ops"
    assert main(["init", str(root)]) == 0
    workflows = root / ".github/workflows"
    sla = workflows / "sla.yml"
    sla.write_text(sla.read_text().replace(f"@v{__version__}", "@v0.0.1"))
    ours = workflows / "deploy.yml"
    ours.write_text("name: deploy\n")  # the team's own
    mine = workflows / "report.yml"
    edited = mine.read_text().split("\n", 1)[1].replace("23 6 * * 1", "0 7 * * 1")
    mine.write_text(edited)  # the team took it over: the header is gone
    capsys.readouterr()
    assert main(["init", str(root), "--upgrade", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"-        uses: {ACTION}@v0.0.1" in out
    assert f"+        uses: {ACTION}@v{__version__}" in out
    assert "would rewrite 1 generated file(s)" in out
    assert "@v0.0.1" in sla.read_text()  # a dry run writes nothing
    assert main(["init", str(root), "--upgrade"]) == 0
    assert f"@v{__version__}" in sla.read_text()
    assert ours.read_text() == "name: deploy\n"
    assert mine.read_text() == edited
    (workflows / "probes.yml").unlink()
    capsys.readouterr()
    assert main(["init", str(root), "--upgrade"]) == 0
    assert "rewrote 0 generated file(s)" in capsys.readouterr().out  # a deleted one stays so
    assert not (workflows / "probes.yml").exists()


def test_upgrade_wires_the_notification_secrets_and_moves_the_hooks(tmp_path, capsys):
    from maintain_repo import HOME, __version__

    root = tmp_path / "ops"
    assert main(["init", str(root)]) == 0
    settings = root / "policies/settings.yaml"
    settings.write_text(
        settings.read_text()
        + "notifications:\n  routes:\n    - name: sre\n      url_env: MAINTAIN_NOTIFY_SRE\n"
        "      events: [incident.opened]\n"
    )
    config = root / ".pre-commit-config.yaml"
    config.write_text(config.read_text().replace(f"rev: v{__version__}", "rev: v0.0.1"))
    capsys.readouterr()
    assert main(["init", str(root), "--upgrade"]) == 0
    out = capsys.readouterr().out
    assert "+          MAINTAIN_NOTIFY_SRE: ${{ secrets.MAINTAIN_NOTIFY_SRE }}" in out
    for name in ("incident-sync.yml", "sla.yml", "probes.yml"):
        assert "MAINTAIN_NOTIFY_SRE" in (root / ".github/workflows" / name).read_text()
    assert "MAINTAIN_NOTIFY_SRE" not in (root / ".github/workflows/validate.yml").read_text()
    assert f"repo: {HOME}\n    rev: v{__version__}\n" in config.read_text()
    assert main(["--root", str(root), "check"]) == 0


def test_upgrade_regenerates_the_schemas_editors_use(tmp_path, capsys):
    """A release that changes the models (new fields, new descriptions) reaches the team's
    schemas/, so editors validate and explain with the running version."""
    import json

    root = tmp_path / "ops"
    assert main(["init", str(root)]) == 0
    incident = root / "schemas/incident.schema.json"
    current = incident.read_text()
    old = json.loads(current)
    for field in old["properties"].values():
        field.pop("description", None)
    incident.write_text(json.dumps(old, indent=2) + "\n")
    (root / "schemas/waiver.schema.json").unlink()
    (root / "schemas/service.schema.json").write_bytes(b"\xff\xfe not a schema")
    (root / "schemas/retired.schema.json").write_text("{}\n")  # no model makes it any more
    capsys.readouterr()
    assert main(["init", str(root), "--upgrade", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "schemas/incident.schema.json: regenerated (" in out
    assert "schemas/waiver.schema.json: added" in out
    assert "schemas/service.schema.json: added" in out  # unreadable: replaced
    assert "schemas/retired.schema.json: removed" in out
    assert "would rewrite 4 generated file(s)" in out
    assert not (root / "schemas/waiver.schema.json").exists()
    assert main(["init", str(root), "--upgrade"]) == 0
    assert incident.read_text() == current
    assert not (root / "schemas/retired.schema.json").exists()
    assert main(["--root", str(root), "schema", "check"]) == 0
    shutil.rmtree(root / "schemas")  # gone altogether: the validate workflow needs it back
    capsys.readouterr()
    assert main(["init", str(root), "--upgrade"]) == 0, capsys.readouterr().err
    assert main(["--root", str(root), "schema", "check"]) == 0
    capsys.readouterr()
    assert main(["init", str(root), "--upgrade"]) == 0
    assert "rewrote 0 generated file(s)" in capsys.readouterr().out


def test_upgrade_needs_an_ops_repository(tmp_path, capsys):
    assert main(["init", str(tmp_path), "--upgrade"]) == 2
    assert "not an ops repository" in capsys.readouterr().err
