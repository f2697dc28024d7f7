"""Property tests for the parallel aligner on cheap similarity matrices (no embeddings): whatever the scores,
the beads are monotonic and cover every sentence of both sides exactly once."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from align.parallel import DEFAULT_BEADS, ParallelAligner
from align.scorers import PairScorer, Scorer


class _MatrixPairs(PairScorer):
    """Span scores as the mean of a block of a fixed sentence-by-sentence matrix (2-D prefix sums)."""

    def __init__(self, sim: np.ndarray) -> None:
        self.n_src, self.n_tgt = sim.shape
        self._prefix = np.zeros((self.n_src + 1, self.n_tgt + 1))
        self._prefix[1:, 1:] = sim.cumsum(0).cumsum(1)

    def beads(self, s0, sl, t0, tl):
        """Mean similarity of the block of source span x target span."""
        s0, sl, t0, tl = (np.asarray(a, dtype=np.int64) for a in (s0, sl, t0, tl))
        p = self._prefix
        total = p[s0 + sl, t0 + tl] - p[s0, t0 + tl] - p[s0 + sl, t0] + p[s0, t0]
        return total / np.maximum(sl * tl, 1)

    def margins(self, s0, sl, t0, tl):
        """The block means again (a matrix has no neighbourhoods to compare against)."""
        return self.beads(s0, sl, t0, tl)


class MatrixScorer(Scorer):
    """A scorer that ignores the text and reads a given similarity matrix."""

    name = "matrix"

    def __init__(self, sim: np.ndarray) -> None:
        self.sim = sim

    def prepare(self, src, tgt, src_translations=None, candidates=None) -> PairScorer:
        """Check the shapes and wrap the matrix."""
        assert self.sim.shape == (len(src), len(tgt))
        return _MatrixPairs(self.sim)

    def signature(self) -> str:
        """Identifies the fixture scorer."""
        return "matrix"


@st.composite
def problems(draw):
    """Two sides of 0-30 sentences (random lengths) and a similarity matrix: noise, or a noisy monotone path."""
    n, m = draw(st.integers(0, 30)), draw(st.integers(0, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sim = rng.uniform(0, 1, (n, m)) * draw(st.sampled_from([0.3, 1.0]))
    if n and m and draw(st.booleans()):
        # A plausible translation: a monotone path of high scores through the noise, with skips on both sides.
        i = j = 0
        while i < n and j < m:
            sim[i, j] = rng.uniform(0.7, 1.0)
            step = rng.choice(3, p=[0.7, 0.15, 0.15])
            i, j = i + (step != 2), j + (step != 1)
    lengths = lambda k: [int(x) for x in rng.integers(1, 120, k)]  # noqa: E731
    src = ["x" * k for k in lengths(n)]
    tgt = ["y" * k for k in lengths(m)]
    window = draw(st.sampled_from([1, 2, 4, 8]))
    beads = draw(st.sampled_from([DEFAULT_BEADS, ((1, 1),), ((1, 1), (1, 2), (2, 1))]))
    return src, tgt, sim, window, beads


def _check(beads, n: int, m: int, allowed) -> None:
    """Monotonic, complete, disjoint, contiguous beads of allowed types."""
    src_ids = [i for b in beads for i in b.src]
    tgt_ids = [j for b in beads for j in b.tgt]
    assert src_ids == list(range(n)), src_ids
    assert tgt_ids == list(range(m)), tgt_ids
    for b in beads:
        assert b.src or b.tgt, "an empty bead"
        shape = (len(b.src), len(b.tgt))
        assert shape in set(allowed) | {(1, 0), (0, 1)}, shape
        assert list(b.src) == list(range(b.src[0], b.src[0] + len(b.src))) if b.src else True
        assert list(b.tgt) == list(range(b.tgt[0], b.tgt[0] + len(b.tgt))) if b.tgt else True
        assert np.isfinite(b.score)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_beads_are_monotonic_and_cover_every_sentence_once(problem):
    src, tgt, sim, window, bead_types = problem
    aligner = ParallelAligner(scorer=MatrixScorer(sim), beads=bead_types, window=window)
    _check(aligner.align(src, tgt), len(src), len(tgt), bead_types)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(1, 8))
def test_a_clear_diagonal_gives_the_diagonal(n, window):
    sim = np.full((n, n), 0.05)
    np.fill_diagonal(sim, 0.95)
    sents = ["z" * 40] * n
    beads = ParallelAligner(scorer=MatrixScorer(sim), window=window).align(sents, sents)
    assert [(b.src, b.tgt) for b in beads] == [((i,), (i,)) for i in range(n)]
