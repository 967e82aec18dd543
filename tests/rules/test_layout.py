"""Where a record file must be, and what its name must say (pure rules, literal data)."""

from __future__ import annotations

import unicodedata

import pytest

from maintain_repo.rules.layout import identity_findings

NFC = unicodedata.normalize("NFC", "café")
NFD = unicodedata.normalize("NFD", "café")


@pytest.mark.parametrize(
    ("stem", "record_id", "message"),
    [
        ("payments", "payments", None),
        (NFC, NFC, None),
        (
            "payments",
            "payment",
            "file name 'payments' does not match id 'payment'; name the file payment.yaml",
        ),
        (
            NFD,
            NFC,
            f"file name {NFD!r} and id {NFC!r} differ only in Unicode normalisation (the file "
            "name is NFD (decomposed), the id NFC (composed)); write both in NFC, composed "
            "characters",
        ),
        (
            NFC,
            NFD,
            f"file name {NFC!r} and id {NFD!r} differ only in Unicode normalisation (the file "
            "name is NFC (composed), the id NFD (decomposed)); write both in NFC, composed "
            "characters",
        ),
    ],
    ids=["same", "same, composed", "different", "NFD file, NFC id", "NFC file, NFD id"],
)
def test_the_file_name_is_the_id_byte_for_byte(stem, record_id, message):
    found = list(
        identity_findings(
            f"records/services/{stem}.yaml", "service", {"kind": "service", "id": record_id}
        )
    )
    assert [f.message for f in found] == ([message] if message else [])
    assert all((f.rule, f.pointer) == ("record-location", ("id",)) for f in found)
