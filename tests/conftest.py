"""Shared fixtures: isolated environment, and small ops repositories on disk."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from casework import BASE, NOT_CASE_FILES

pytest_plugins = ["emulated"]


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's git config or cache, or thinks it runs in Actions."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test-author@users.noreply.github.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Author")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test-author@users.noreply.github.com")
    monkeypatch.setenv("MAINTAIN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    # Waivers and SLAs depend on the time; tests pin it (and pass --now to vary it).
    monkeypatch.setenv("MAINTAIN_NOW", "2026-04-01T00:00:00Z")
    for name in ("GITHUB_ACTIONS", "GITHUB_BASE_REF", "GITHUB_TOKEN", "CI", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the valid base ops repository, with files added or replaced."""

    made: list[Path] = []

    def make(overlay: dict[str, str | bytes] | Path | None = None, *, base: bool = True) -> Path:
        root = tmp_path / ("ops" if not made else f"ops-{len(made) + 1}")
        made.append(root)
        if base:
            shutil.copytree(BASE, root)
        else:
            (root / "records").mkdir(parents=True)
        if isinstance(overlay, Path):
            shutil.copytree(
                overlay, root, dirs_exist_ok=True, ignore=_not_case_files, copy_function=shutil.copy
            )
        elif overlay:
            for rel, content in overlay.items():
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    target.write_bytes(content)
                else:
                    target.write_text(content, encoding="utf-8")
        return root

    return make


def _not_case_files(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n in NOT_CASE_FILES]


@pytest.fixture
def git_repo() -> Callable[[Path], Path]:
    """Turn a directory into a git repository with one commit."""

    def init(root: Path) -> Path:
        run = lambda *args: subprocess.run(  # noqa: E731
            ["git", *args], cwd=root, check=True, capture_output=True, text=True
        )
        run("init", "-q", "-b", "main")
        run("add", "-A")
        run("commit", "-q", "-m", "initial")
        return root

    return init


@pytest.fixture
def chdir(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    return lambda path: monkeypatch.chdir(path)


@pytest.fixture(scope="session")
def maintain_exe() -> str:
    """The installed `maintain` console script of the interpreter running the tests."""
    exe = Path(sys.executable).parent / "maintain"
    assert exe.exists(), f"`maintain` is not installed next to {sys.executable}"
    return str(exe)


@pytest.fixture
def own_ops(tmp_path: Path) -> Path:
    """A copy of this repository's own ops data (records and policies)."""
    root = tmp_path / "own-ops"
    for folder in ("records", "policies"):
        shutil.copytree(Path(__file__).resolve().parents[1] / folder, root / folder)
    return root
