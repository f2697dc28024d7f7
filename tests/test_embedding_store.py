"""Embeddings kept between runs in xling's SQLite cache: reused exactly, keyed by model, never required."""

from __future__ import annotations

import numpy as np
import pytest

from align import embedders


class Counting(embedders.Embedder):
    """A fake embedder (vectors seeded by the text's characters) that counts what it really embeds."""

    name = "counting"

    def __init__(self) -> None:
        super().__init__()
        self.encoded = 0

    def _encode(self, texts):
        self.encoded += len(texts)
        return np.stack([np.random.default_rng([ord(c) for c in t] or [0]).normal(size=64) for t in texts])


class StoredBag(Counting):
    """The fake embedder with a fixed model identity, so its vectors may be kept on disk."""

    def __init__(self, key: str = "embedding:counting-test") -> None:
        super().__init__()
        self.dim = 64
        self.store_key = key


@pytest.fixture
def fresh_store(tmp_path, monkeypatch):
    """A private cache folder and no connection left over from other tests."""
    monkeypatch.setenv("XLING_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(embedders, "_STORE", {})
    return tmp_path / "cache"


def test_a_new_process_reuses_stored_vectors_exactly(fresh_store):
    texts = ["Kuba hält am Ein-China-Prinzip fest.", "x y", "z"]
    first = StoredBag()
    a = first.embed(texts)
    assert first.encoded == 3
    second = StoredBag()  # an empty in-process cache, as in the next run
    b = second.embed(texts + ["new"])
    assert second.encoded == 1  # only the text never seen
    np.testing.assert_array_equal(a, b[:3])
    other = StoredBag("embedding:another-model")  # another model never gets these vectors
    other.embed(texts)
    assert other.encoded == 3


def test_models_that_may_change_are_not_stored(fresh_store):
    Counting().embed(["x y"])
    again = Counting()
    again.embed(["x y"])
    assert again.encoded == 1
    assert not (fresh_store / "translations.sqlite").exists()


def test_an_unusable_cache_folder_only_costs_the_reuse(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XLING_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(embedders, "_STORE", {})
    emb = StoredBag()
    assert emb.embed(["x y", "z"]).shape == (2, 64)
    assert emb.embed(["w"]).shape == (1, 64)
    assert "not kept between runs" in caplog.text and caplog.text.count("not kept") == 1
