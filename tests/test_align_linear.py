"""The parallel aligner's passes over long documents grow linearly with length (counted in cosines, not timed)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import align.parallel as parallel
import align.scorers as scorers
from align.embedders import Embedder
from align.parallel import ParallelAligner
from align.scorers import EmbeddingScorer


class _HashedWords(Embedder):
    """A fake embedder: words hashed into 512 fixed dimensions, so any two calls agree on the space."""

    name = "hashed-words"

    def _encode(self, texts):
        out = np.full((len(texts), 512), 0.02, dtype=np.float32)
        for r, t in enumerate(texts):
            for w in t.split():
                out[r, zlib.crc32(w.encode()) % 512] += 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _documents(n: int) -> tuple[list[str], list[str]]:
    """A source of n distinct lines and its 'translation': the same lines, every 37th dropped, junk every 53rd."""
    src = [f"w{i} v{i} u{i % 7}" for i in range(n)]
    tgt = []
    for i, line in enumerate(src):
        if i % 37 != 36:
            tgt.append(line)
        if i % 53 == 52:
            tgt.append(f"junk{i} noise{i}")
    return src, tgt


def _align_counting(monkeypatch, n: int, full_cells: int) -> tuple[int, list]:
    """Align documents of n lines with FULL_CELLS set to `full_cells`; the cosines computed and the beads."""
    monkeypatch.setattr(scorers, "FULL_CELLS", full_cells)
    monkeypatch.setattr(parallel, "FULL_CELLS", full_cells)
    made = []
    original = EmbeddingScorer.prepare_vectors

    def spy(self, *args, **kwargs):
        made.append(original(self, *args, **kwargs))
        return made[-1]

    monkeypatch.setattr(EmbeddingScorer, "prepare_vectors", spy)
    src, tgt = _documents(n)
    beads = ParallelAligner(scorer=EmbeddingScorer(_HashedWords())).align(src, tgt)
    return sum(p.cells for p in made), [(b.src, b.tgt) for b in beads]


def test_cosines_computed_grow_linearly_with_length(monkeypatch):
    small, _ = _align_counting(monkeypatch, 300, 64 * 64)
    large, beads = _align_counting(monkeypatch, 1200, 64 * 64)
    # 4x the lines: at most ~4.5x the cosines (anchor search, normalisers, gap search and DP together), and far
    # from the 1200 x 1200 matrix that one exact pass alone would compute.
    assert large / small <= 4.5
    assert large < 1200 * 1200 / 2
    src, tgt = _documents(1200)
    pairs = [(i, j) for s, t in beads for i, j in zip(s, t)]
    assert all(src[i] == tgt[j] for i, j in pairs) and len(pairs) == 1200 - 1200 // 37


def test_coarse_to_fine_finds_what_the_exact_search_finds(monkeypatch):
    _, exact = _align_counting(monkeypatch, 600, 10**9)
    cells, coarse = _align_counting(monkeypatch, 600, 64 * 64)
    assert coarse == exact
    assert cells < 600 * 600  # the coarse path never computed the whole matrix


@pytest.mark.parametrize("n", [1, 9, 70])
def test_short_documents_over_the_threshold_still_align(monkeypatch, n):
    # With FULL_CELLS tiny, even short documents take the coarse path (blocks of one or a few sentences).
    _, beads = _align_counting(monkeypatch, n, 4)
    assert [i for s, _ in beads for i in s] == list(range(n))
    assert [j for _, t in beads for j in t] == list(range(len(_documents(n)[1])))


def test_unrelated_documents_stay_linear(monkeypatch):
    # No block anchors at all: the band would span everything; each sentence's search is capped instead.
    monkeypatch.setattr(parallel, "_MAX_ROW_CELLS", 32)
    monkeypatch.setattr(scorers, "FULL_CELLS", 16 * 16)
    monkeypatch.setattr(parallel, "FULL_CELLS", 16 * 16)
    made = []
    original = EmbeddingScorer.prepare_vectors
    monkeypatch.setattr(EmbeddingScorer, "prepare_vectors",
                        lambda self, *a, **kw: made.append(original(self, *a, **kw)) or made[-1])
    src = [f"alpha{i} beta{i}" for i in range(400)]
    tgt = [f"gamma{i} delta{i}" for i in range(400)]
    beads = ParallelAligner(scorer=EmbeddingScorer(_HashedWords())).align(src, tgt)
    assert [i for b in beads for i in b.src] == list(range(400))
    anchor_search = made[-2]  # the sentence-level anchor search; the last one scores the DP's band
    # Each candidate cell is scored twice (normalisers, then anchor scores), plus the gap search's few blocks.
    assert anchor_search.n_src == 400 and anchor_search.cells <= 3 * 400 * 32
