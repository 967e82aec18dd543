"""Records already read, kept by the hash of their bytes: a hit needs the same bytes and
a store this user's key signed for this version of maintain; anything else is a miss."""

from __future__ import annotations

import json

import pytest

from maintain_repo.store.parsed import NAME, ParsedRecords

RECORD = b"id: X\nkind: finding\nstatus: open\n"


@pytest.fixture
def store_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MAINTAIN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path / "cache"


def _stored(root):
    store = ParsedRecords(root)
    store.mapping(RECORD)
    store.save()


def test_known_bytes_are_not_parsed_again(tmp_path, store_dir, monkeypatch):
    _stored(tmp_path)
    import maintain_repo.store.parsed as parsed

    monkeypatch.setattr(parsed, "mapping_of", lambda raw: pytest.fail("parsed again"))
    assert ParsedRecords(tmp_path).mapping(RECORD) == {
        "id": "X",
        "kind": "finding",
        "status": "open",
    }


def test_changed_bytes_are_parsed(tmp_path, store_dir):
    _stored(tmp_path)
    assert ParsedRecords(tmp_path).mapping(RECORD.replace(b"open", b"done"))["status"] == "done"


@pytest.mark.parametrize("how", ["body", "tool", "truncated", "not marshal"])
def test_a_store_that_does_not_verify_is_ignored(tmp_path, store_dir, monkeypatch, how):
    _stored(tmp_path)
    path = store_dir / NAME
    head, _, body = path.read_bytes().partition(b"\n")
    header = json.loads(head)
    if how == "body":
        body = body.replace(b"open", b"done")
    elif how == "tool":
        header["tool"] = "another version"
    elif how == "truncated":
        body = body[: len(body) // 2]
    else:
        body = b"\x00garbage"
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)
    import maintain_repo.store.parsed as parsed

    calls = []
    real = parsed.mapping_of
    monkeypatch.setattr(parsed, "mapping_of", lambda raw: calls.append(raw) or real(raw))
    assert ParsedRecords(tmp_path).mapping(RECORD)["status"] == "open"
    assert calls == [RECORD]  # read, not taken from the store


def test_nothing_is_kept_in_actions(tmp_path, monkeypatch):
    monkeypatch.delenv("MAINTAIN_CACHE_DIR", raising=False)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _stored(tmp_path)
    assert not (tmp_path / ".maintain-cache").exists()
