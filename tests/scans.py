"""Scanner reports as tests write them, and running an import on an ops repository."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from maintain_repo.cli import main
from maintain_repo.engine.findings_import import Source, import_findings
from maintain_repo.store.yaml import read_mapping

OWNER = "parcelpoint/security"
DAY1, DAY2, DAY3 = "2026-12-10T10:00:00Z", "2026-12-11T10:00:00Z", "2026-12-12T10:00:00Z"
GHSA = "GHSA-v6rh-hp5x-86rv"
CVE = "CVE-2021-44420"


def pip_audit(*vulns: tuple[str, str, list[str]]) -> bytes:
    """A pip-audit report (current shape): (package, version, [id, aliases...]) each."""
    dependencies = [
        {
            "name": name,
            "version": version,
            "vulns": [{"id": ids[0], "aliases": ids[1:], "fix_versions": ["9.9.9"]}],
        }
        for name, version, ids in vulns
    ]
    return json.dumps({"dependencies": dependencies, "fixes": []}).encode()


def trivy(package: str, version: str, cve: str, severity: str = "HIGH") -> bytes:
    vulnerability = {
        "VulnerabilityID": cve,
        "VendorIDs": [GHSA],
        "PkgName": package,
        "InstalledVersion": version,
        "FixedVersion": "3.2.10",
        "Severity": severity,
        "Title": "a vulnerability",
    }
    result = {"Target": "requirements.txt", "Class": "lang-pkgs", "Type": "pip"}
    result["Vulnerabilities"] = [vulnerability]
    return json.dumps({"SchemaVersion": 2, "ArtifactName": ".", "Results": [result]}).encode()


def dependabot(package: str, ghsa: str, cve: str) -> bytes:
    alert = {
        "number": 7,
        "state": "open",
        "html_url": "https://github.com/acme/shop/security/dependabot/7",
        "dependency": {
            "package": {"ecosystem": "pip", "name": package},
            "manifest_path": "requirements.txt",
            "scope": "runtime",
        },
        "security_advisory": {
            "ghsa_id": ghsa,
            "cve_id": cve,
            "summary": "a vulnerability",
            "description": "a vulnerability",
            "severity": "medium",
            "identifiers": [{"type": "GHSA", "value": ghsa}, {"type": "CVE", "value": cve}],
        },
        "security_vulnerability": {
            "package": {"ecosystem": "pip", "name": package},
            "severity": "medium",
            "vulnerable_version_range": "< 3.2.10",
            "first_patched_version": {"identifier": "3.2.10"},
        },
    }
    return json.dumps([alert]).encode()


def run(root: Path, now: str, *reports: tuple[str, bytes], **options):
    """Import `reports` at `now`; then `maintain check` must find nothing wrong with the
    finding and waiver records (after every import of every test that uses this)."""
    sources = [Source(name, data) for name, data in reports]
    outcome = import_findings(
        root,
        sources,
        owner=OWNER,
        now=_moment(now),
        **options,
    )
    if not options.get("dry_run"):
        _checked(root, now)
    return outcome


def _checked(root: Path, now: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["--root", str(root), "check", "--no-cache", "--now", now, "--format", "json"])
    found = json.loads(out.getvalue())["findings"]
    ours = ("records/findings/", "records/waivers/")
    wrong = [f for f in found if f["path"].startswith(ours)]
    assert wrong == [], wrong


def _moment(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def record(root: Path, rel: str) -> dict:
    data = read_mapping(str(root / rel), shown=rel)
    assert data is not None
    return data


def checks_clean(root: Path, now: str, capsys) -> None:
    """`maintain check` finds nothing wrong with the finding and waiver records."""
    capsys.readouterr()  # what ran before
    _checked(root, now)
