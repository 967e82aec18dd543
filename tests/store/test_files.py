"""Atomic writes: all or nothing, and new files never replace old ones."""

from __future__ import annotations

import os

import pytest

from maintain_repo.errors import StoreError
from maintain_repo.store.files import write_atomic


def test_creates_and_never_overwrites(tmp_path):
    target = tmp_path / "a" / "x.yaml"
    write_atomic(target, "one\n", overwrite=False)
    with pytest.raises(StoreError, match="already exists"):
        write_atomic(target, "two\n", overwrite=False)
    assert target.read_text() == "one\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.yaml"]


def test_replaces_and_keeps_permissions(tmp_path):
    target = tmp_path / "x.yaml"
    target.write_text("old\n")
    target.chmod(0o640)
    write_atomic(target, "new ✓\n", overwrite=True)
    assert target.read_text(encoding="utf-8") == "new ✓\n"
    assert target.stat().st_mode & 0o777 == 0o640


def test_an_impossible_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "records"
    blocker.write_text("a file where a directory should be\n")
    with pytest.raises(StoreError, match="cannot write"):
        write_atomic(blocker / "incidents" / "x.yaml", "x\n", overwrite=False)
    assert blocker.read_text() == "a file where a directory should be\n"


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "x.yaml"
    target.write_text("old\n")

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)  # a full disk cannot be made real here
    with pytest.raises(StoreError, match="No space left"):
        write_atomic(target, "new\n", overwrite=True)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.yaml"]


def test_new_files_get_the_usual_mode(tmp_path):
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.json", "{}\n", overwrite=True)
        write_atomic(tmp_path / "b.yaml", "x\n", overwrite=False)
    finally:
        os.umask(previous)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.yaml").stat().st_mode & 0o777 == 0o644


# One fsync each, fsyncs in threads, and one flush (store.files.MANY_FILES is 256).
@pytest.mark.parametrize("count", [3, 20, 300])
def test_write_all_writes_every_file_whole_and_leaves_no_temporary_file(tmp_path, count):
    from maintain_repo.store.files import is_temporary, write_all

    (tmp_path / "kept.yaml").write_text("old\n")
    os.chmod(tmp_path / "kept.yaml", 0o640)
    files = [(tmp_path / "sub" / f"r{n:03}.yaml", f"n: {n}\n", False) for n in range(count)]
    write_all([*files, (tmp_path / "kept.yaml", "new\n", True)])
    for path, text, _ in files:
        assert path.read_text() == text
    assert (tmp_path / "kept.yaml").read_text() == "new\n"
    assert (tmp_path / "kept.yaml").stat().st_mode & 0o777 == 0o640  # its mode kept
    leftovers = [p for p in tmp_path.rglob("*") if is_temporary(p.name)]
    assert leftovers == []


def test_write_all_writes_nothing_when_a_new_file_exists_already(tmp_path):
    from maintain_repo.store.files import write_all

    (tmp_path / "b.yaml").write_text("theirs\n")
    with pytest.raises(StoreError, match="already exists"):
        write_all([(tmp_path / "a.yaml", "a\n", False), (tmp_path / "b.yaml", "b\n", False)])
    assert not (tmp_path / "a.yaml").exists()
    assert (tmp_path / "b.yaml").read_text() == "theirs\n"


def test_write_all_replaces_nothing_when_a_new_file_appeared_meanwhile(tmp_path, monkeypatch):
    """A new file that appears between the check and the moment it is linked (another
    writer) refuses the whole change: the files it would replace keep their text, and
    the new files already linked are taken back."""
    from maintain_repo.store import files as store_files

    (tmp_path / "finding.yaml").write_text("open\n")
    place = store_files._place

    def racing(staged, path, overwrite):
        if path.name == "b.yaml":
            path.write_text("theirs\n")  # another writer got there first
        place(staged, path, overwrite)

    monkeypatch.setattr(store_files, "_place", racing)
    with pytest.raises(StoreError, match="already exists"):
        store_files.write_all(
            [
                (tmp_path / "finding.yaml", "accepted\n", True),
                (tmp_path / "a.yaml", "a\n", False),
                (tmp_path / "b.yaml", "b\n", False),
            ]
        )
    assert (tmp_path / "finding.yaml").read_text() == "open\n"
    assert not (tmp_path / "a.yaml").exists()
    assert (tmp_path / "b.yaml").read_text() == "theirs\n"


def test_a_folder_removed_after_a_write_is_made_again_for_the_next(tmp_path):
    """A long-lived process (a test run, `init --upgrade` after the team removed schemas/)
    writes again into a folder that was removed since its first write there."""
    import shutil

    folder = tmp_path / "schemas"
    write_atomic(folder / "a.json", "{}\n", overwrite=False)
    shutil.rmtree(folder)
    write_atomic(folder / "a.json", "{}\n", overwrite=False)
    assert (folder / "a.json").read_text() == "{}\n"
