"""The vectors kept in the repository are the official ones (when ``shared/`` is beside us)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import VECTORS

SHARED = Path(__file__).resolve().parents[3] / "shared" / "vectors"


def test_the_repository_carries_its_vectors() -> None:
    names = sorted(p.name for p in VECTORS.glob("*.json"))
    assert names == ["callback_crypto.json", "jsapi_signature.json"]
    for path in VECTORS.glob("*.json"):
        assert json.loads(path.read_text(encoding="utf-8")), path


@pytest.mark.skipif(not SHARED.is_dir(), reason="no shared/vectors beside this checkout")
def test_the_copy_matches_the_shared_vectors() -> None:
    for shared in SHARED.glob("*.json"):
        ours = VECTORS / shared.name
        assert ours.read_bytes() == shared.read_bytes(), shared.name
