"""Pluggable sentence-similarity scorers: lexical (chrF of a translation), embeddings, and both (hybrid).

Modelled on sacrebleu's metrics: a small base class with a signature that makes results reproducible.
`Scorer.prepare(src, tgt, src_translations)` returns a `PairScorer` that scores spans of consecutive
sentences (the beads of the parallel aligner) or single pairs (`matrix`, used by the claim matcher).

Raw similarities are not comparable across sentences (e5 cosines of related and unrelated pairs share one
narrow band near the top of the scale; the README gives it), so every score is a ratio margin (Artetxe &
Schwenk 2019): the similarity divided by the mean similarity of each side to its k nearest neighbours on the
other side. A span's neighbourhood is the mean of its sentences', weighted by default by their characters (a short
junk line must not pull it down). A logistic map turns margins into scores in [0, 1]; 0.5 is "as similar as a
typical nearest neighbour".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from align.embedders import DEFAULT_EMBEDDER, Embedder, get_embedder
from align.lexical import SpanProfiles, chrf_pairs
from align.signature import Signature
from align.numerics import prefix_sums, sigmoid
from translate.errors import InputError

SIMILARITIES = ("hybrid", "embedding", "lexical")
K_NEIGHBOURS = 4
_CHUNK = 2048
# Above this many source x target cells, embedding neighbourhoods come from the candidate cells the aligner passes
# (its band), so no pass touches the whole matrix and time stays linear in length; at or below it they are exact.
FULL_CELLS = 2048 * 2048


def _logit(p: np.ndarray) -> np.ndarray:
    """Inverse of the logistic function, clipped away from 0 and 1."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _span_mean(prefix: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Mean of a per-sentence quantity over spans, from its prefix sums."""
    return (prefix[start + length] - prefix[start]) / np.maximum(length, 1)


def _calibrated(margin: np.ndarray, cfg: EmbeddingScorer | LexicalScorer) -> np.ndarray:
    """A margin mapped to [0, 1] by the scorer's logistic curve (its `center` and `scale`)."""
    return sigmoid((margin - cfg.center) / cfg.scale)


class _WeightedSpanMean:
    """The weighted mean of a per-sentence value over spans of consecutive sentences, from prefix sums: a span's
    k-NN neighbourhood, weighted by characters so a short junk line cannot pull it down."""

    def __init__(self, values: np.ndarray, weights: np.ndarray) -> None:
        self._values, self._weights = prefix_sums(values * weights), prefix_sums(weights)

    def __call__(self, start: np.ndarray, length: np.ndarray) -> np.ndarray:
        return _span_mean(self._values, start, length) / _span_mean(self._weights, start, length)


class PairScorer(ABC):
    """Similarity of spans of a prepared (source, target) document pair; scores in [0, 1]."""

    n_src: int
    n_tgt: int

    @abstractmethod
    def margins(self, s0: np.ndarray, sl: np.ndarray, t0: np.ndarray, tl: np.ndarray) -> np.ndarray:
        """Ratio margins of source spans [s0, s0+sl) against target spans [t0, t0+tl) (elementwise)."""

    @abstractmethod
    def beads(self, s0: np.ndarray, sl: np.ndarray, t0: np.ndarray, tl: np.ndarray) -> np.ndarray:
        """Calibrated scores in [0, 1] of source spans against target spans (elementwise arrays)."""

    def pairs(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Calibrated scores of single sentence pairs (i[k], j[k])."""
        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        one = np.ones_like(i)
        return self.beads(i, one, j, one)

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Calibrated single-pair scores of source sentences start..stop-1 against every target sentence."""
        i = np.repeat(np.arange(start, stop), self.n_tgt)
        j = np.tile(np.arange(self.n_tgt), stop - start)
        return self.pairs(i, j).reshape(stop - start, self.n_tgt)

    def local_scores(self, i0: int, i1: int, j0: int, j1: int) -> np.ndarray:
        """Single-pair scores of the block [i0, i1) x [j0, j1), neighbourhoods taken inside the block where
        the scorer has them (the aligner's gap search); by default the ordinary scores."""
        i, j = np.meshgrid(np.arange(i0, i1), np.arange(j0, j1), indexing="ij")
        return self.pairs(i.ravel(), j.ravel()).reshape(i1 - i0, j1 - j0)

    def matrix(self) -> np.ndarray:
        """All n_src x n_tgt calibrated single-pair scores (for short documents)."""
        i, j = np.meshgrid(np.arange(self.n_src), np.arange(self.n_tgt), indexing="ij")
        return self.pairs(i.ravel(), j.ravel()).reshape(self.n_src, self.n_tgt)


class Scorer(ABC):
    """A similarity measure between source and target sentences, identified by its signature."""

    name = "scorer"
    needs_translations = False

    @abstractmethod
    def prepare(self, src: Sequence[str], tgt: Sequence[str], src_translations: Sequence[str] | None = None,
                candidates: tuple[np.ndarray, np.ndarray] | None = None) -> PairScorer:
        """Precompute what scoring needs; `candidates` (i, j) limit the neighbourhoods used for margins."""

    def matrix(self, src: Sequence[str], tgt: Sequence[str],
               src_translations: Sequence[str] | None = None) -> np.ndarray:
        """Calibrated scores in [0, 1] of every source sentence against every target sentence."""
        return self.prepare(src, tgt, src_translations).matrix()

    @abstractmethod
    def signature(self) -> Signature:
        """The scorer's name and every setting that changes its scores."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.signature()}>"


def _check_translations(src: Sequence[str], src_translations: Sequence[str] | None) -> None:
    """A translation must have exactly one line per source sentence."""
    if src_translations is not None and len(src_translations) != len(src):
        raise InputError(f"The source translation has {len(src_translations)} lines but the source has "
                         f"{len(src)} sentences; they must match line for line.")


def _topk_means(keys: np.ndarray, vals: np.ndarray, n: int, k: int) -> np.ndarray:
    """Mean of the k largest values per key in 0..n-1; keys without values get the overall mean."""
    out = np.full(n, float(vals.mean()) if len(vals) else 0.0)
    if not len(vals):
        return out
    order = _by_key_then_value(keys, vals)
    keys_sorted, vals_sorted = keys[order], vals[order]
    starts = np.searchsorted(keys_sorted, np.arange(n), side="left")
    ends = np.searchsorted(keys_sorted, np.arange(n), side="right")
    csum = prefix_sums(vals_sorted)
    take = np.minimum(ends - starts, k)
    has = take > 0
    out[has] = (csum[starts[has] + take[has]] - csum[starts[has]]) / take[has]
    return out


def _by_key_then_value(keys: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """The order that sorts by key, then by value from the largest (ties of both keep their order)."""
    if len(vals) and np.abs(vals).max() < 1.5:
        # One float sort instead of lexsort's two stable passes, several times faster on millions of band cells:
        # scores and cosines (which rounding can lift just past 1) cannot carry a key across to the next one (4
        # apart), and ties keep their order.
        return np.argsort(keys * 4.0 - vals, kind="stable")
    return np.lexsort((-vals, keys))


def _knn_means(sim_rows: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest values of each row (fewer if the row is shorter)."""
    kk = min(k, sim_rows.shape[1])
    if kk == 0:
        return np.zeros(sim_rows.shape[0])
    part = np.partition(sim_rows, sim_rows.shape[1] - kk, axis=1)[:, -kk:]
    return part.mean(axis=1)


# --- embeddings -----------------------------------------------------------------------------------

class EmbeddingScorer(Scorer):
    """Cosine of multilingual sentence embeddings of the original sentences, as a calibrated margin.

    Spans of several sentences are embedded as the length-weighted mean of their sentence vectors
    (`spans="mean"`, linear cost; e5 mean-pools tokens, so this approximates embedding the concatenation)
    or by embedding the concatenated text (`spans="concat"`, as Vecalign/Bertalign do; several times slower).
    """

    name = "embedding"

    def __init__(self, embedder: str | Embedder = DEFAULT_EMBEDDER, k: int = K_NEIGHBOURS,
                 center: float = 1.0, scale: float = 0.03, spans: str = "mean", weighting: str = "chars") -> None:
        if spans not in ("mean", "concat"):
            raise InputError(f"Unknown span embedding {spans!r}; use 'mean' or 'concat'.")
        self.embedder = get_embedder(embedder)
        if weighting not in ("chars", "equal"):
            raise InputError(f"Unknown span weighting {weighting!r}; use 'chars' or 'equal'.")
        self.k, self.center, self.scale, self.spans, self.weighting = k, center, scale, spans, weighting

    def signature(self) -> Signature:
        """Embedder, neighbourhood size, calibration and span mode."""
        return Signature("embedding", {"model": self.embedder.signature(), "k": self.k, "center": self.center,
                                       "scale": self.scale, "spans": self.spans, "weights": self.weighting},
                         short={"model": "m", "center": "c", "scale": "t", "weights": "w"})

    def prepare(self, src, tgt, src_translations=None, candidates=None) -> PairScorer:
        """Embed both sides (cached) and the neighbourhood normalisers (over `candidates` for long documents)."""
        _check_translations(src, src_translations)
        (src_vec, w_src), (tgt_vec, w_tgt) = self.vectors(src), self.vectors(tgt)
        return self.prepare_vectors(src_vec, tgt_vec, w_src, w_tgt, candidates, (list(src), list(tgt)))

    def vectors(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Unit sentence vectors (cached) and the weights spans give them (characters, or equal)."""
        weight = (lambda t: max(len(t), 1)) if self.weighting == "chars" else (lambda t: 1.0)
        return self.embedder.embed(list(texts)), np.array([weight(t) for t in texts], dtype=np.float64)

    def prepare_vectors(self, src_vec: np.ndarray, tgt_vec: np.ndarray, w_src: np.ndarray, w_tgt: np.ndarray,
                        candidates: tuple[np.ndarray, np.ndarray] | None = None,
                        texts: tuple[list[str], list[str]] | None = None) -> _EmbeddingPairs:
        """A pair scorer over given vectors and weights (the aligner's coarse pass scores blocks this way)."""
        return _EmbeddingPairs(self, src_vec, tgt_vec, w_src, w_tgt, candidates, texts)


class _EmbeddingPairs(PairScorer):
    def __init__(self, cfg: EmbeddingScorer, src_vec: np.ndarray, tgt_vec: np.ndarray, w_src: np.ndarray,
                 w_tgt: np.ndarray, candidates=None, texts: tuple[list[str], list[str]] | None = None) -> None:
        self.cfg = cfg
        self.n_src, self.n_tgt = len(src_vec), len(tgt_vec)
        self.src_vec, self.tgt_vec = src_vec, tgt_vec
        self.cells = 0  # cosines computed so far (sentences or spans): the work that must stay linear in length
        self.src_knn, self.tgt_knn = self._neighbourhoods(candidates)
        self._weights = {"src": w_src, "tgt": w_tgt}
        # Prefix sums of weighted vectors, built when a span is first asked for: the anchor search never asks,
        # and for 100k sentences each side's is some 300 MB.
        self._prefix: dict[str, np.ndarray] = {}
        # A span's neighbourhood is weighted like its vector, so a short junk line cannot lower it.
        self._src_knn_span = _WeightedSpanMean(self.src_knn, w_src)
        self._tgt_knn_span = _WeightedSpanMean(self.tgt_knn, w_tgt)
        self._src_texts, self._tgt_texts = texts or ([], [])

    def _neighbourhoods(self, candidates) -> tuple[np.ndarray, np.ndarray]:
        """k-NN mean cosine of each source row and target column: exact, in chunks (memory linear in length), or
        for documents over FULL_CELLS among the candidate cells only (time linear in length)."""
        k = self.cfg.k
        src_knn = np.zeros(self.n_src)
        if not self.n_src or not self.n_tgt:
            return src_knn, np.zeros(self.n_tgt)
        if candidates is not None and self.n_src * self.n_tgt > FULL_CELLS:
            i, j = (np.asarray(a, dtype=np.int64) for a in candidates)
            cos = self.cell_cosines(i, j)
            return _topk_means(i, cos, self.n_src, k), _topk_means(j, cos, self.n_tgt, k)
        self.cells += self.n_src * self.n_tgt
        kk = min(k, self.n_src)
        top_cols = np.full((kk, self.n_tgt), -np.inf, dtype=np.float32)
        for start in range(0, self.n_src, _CHUNK):
            sims = self.src_vec[start:start + _CHUNK] @ self.tgt_vec.T
            src_knn[start:start + _CHUNK] = _knn_means(sims, k)
            both = np.concatenate([top_cols, sims], axis=0)
            top_cols = np.partition(both, both.shape[0] - kk, axis=0)[-kk:]
        return src_knn, top_cols.mean(axis=0).astype(np.float64)

    def cell_cosines(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Cosines of single sentence pairs (i[k], j[k]) sorted by row, as a band of them comes.

        Rows are taken 32 at a time: one small matrix product over the columns they span, which is several
        times faster than gathering a pair of vectors per cell; scattered cells fall back to that gather.
        """
        self.cells += len(i)
        out = np.empty(len(i))
        bounds = np.searchsorted(i, np.arange(0, self.n_src + 32, 32)) if np.all(i[1:] >= i[:-1]) else None
        for c in range(len(bounds) - 1 if bounds is not None else 0):
            a, b = bounds[c], bounds[c + 1]
            if a == b:
                continue
            r0, c0, c1 = i[a], j[a:b].min(), j[a:b].max() + 1
            if (i[b - 1] + 1 - r0) * (c1 - c0) <= 16 * (b - a):
                block = self.src_vec[r0:i[b - 1] + 1] @ self.tgt_vec[c0:c1].T
                out[a:b] = block[i[a:b] - r0, j[a:b] - c0]
            else:
                out[a:b] = np.einsum("ij,ij->i", self.src_vec[i[a:b]], self.tgt_vec[j[a:b]])
        if bounds is None:
            for c in range(0, len(i), 65536):
                out[c:c + 65536] = np.einsum("ij,ij->i", self.src_vec[i[c:c + 65536]], self.tgt_vec[j[c:c + 65536]])
        return out

    def cell_scores(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Calibrated scores of single sentence pairs, straight from sentence vectors (no span arithmetic)."""
        norm = (self.src_knn[i] + self.tgt_knn[j]) / 2
        return _calibrated(self.cell_cosines(i, j) / np.maximum(norm, 1e-6), self.cfg)

    def _span_vectors(self, side: str, start: np.ndarray, length: np.ndarray) -> np.ndarray:
        """Unit vectors of spans, by weighted mean or by embedding the concatenated text."""
        if self.cfg.spans == "concat":
            texts = self._src_texts if side == "src" else self._tgt_texts
            single = (self.src_vec if side == "src" else self.tgt_vec)
            out = np.empty((len(start), single.shape[1]), dtype=np.float32)
            multi = np.flatnonzero(length > 1)
            out[length <= 1] = single[np.minimum(start[length <= 1], len(single) - 1)]
            if len(multi):
                joined = [" ".join(texts[s:s + n]) for s, n in zip(start[multi], length[multi])]
                out[multi] = self.cfg.embedder.embed(joined)
            return out
        if side not in self._prefix:
            self._prefix[side] = prefix_sums((self.src_vec if side == "src" else self.tgt_vec)
                                             * self._weights[side][:, None])
        prefix = self._prefix[side]
        vec = prefix[start + length] - prefix[start]
        norms = np.linalg.norm(vec, axis=1, keepdims=True)
        return vec / np.where(norms == 0, 1.0, norms)

    def cosines(self, s0, sl, t0, tl) -> np.ndarray:
        """Raw cosines of spans."""
        s0, sl, t0, tl = (np.asarray(a, dtype=np.int64) for a in (s0, sl, t0, tl))
        if self.n_src == 0 or self.n_tgt == 0 or len(s0) == 0:
            return np.zeros(len(s0))
        self.cells += len(s0)
        if len(s0) < 256:
            a = self._span_vectors("src", s0, sl)
            b = self._span_vectors("tgt", t0, tl)
            return np.einsum("ij,ij->i", a, b).astype(np.float64)
        # The aligner asks for many beads that share spans (each source span meets some 20 target ends):
        # each distinct span is built once, and beads of nearby source rows take their cosines from one small
        # matrix product instead of a pair of span vectors per bead.
        width = int(max(sl.max(), tl.max())) + 1
        src_keys, src_idx = np.unique(s0 * width + sl, return_inverse=True)
        tgt_keys, tgt_idx = np.unique(t0 * width + tl, return_inverse=True)
        a = self._span_vectors("src", src_keys // width, src_keys % width)
        b = self._span_vectors("tgt", tgt_keys // width, tgt_keys % width)
        out = np.empty(len(s0))
        order = np.argsort(s0 // 16, kind="stable")
        bounds = np.flatnonzero(np.diff(s0[order] // 16)) + 1
        for group in np.split(order, bounds):
            si, ti = src_idx[group], tgt_idx[group]
            s_lo, t_lo = si.min(), ti.min()
            s_n, t_n = si.max() + 1 - s_lo, ti.max() + 1 - t_lo
            if s_n * t_n <= 32 * len(group):
                out[group] = (a[s_lo:s_lo + s_n] @ b[t_lo:t_lo + t_n].T)[si - s_lo, ti - t_lo]
            else:  # scattered pairs (random samples): one pair of vectors each
                out[group] = np.einsum("ij,ij->i", a[si], b[ti])
        return out

    def margins(self, s0, sl, t0, tl) -> np.ndarray:
        """Cosine over the mean k-NN cosine of both sides."""
        s0, sl, t0, tl = (np.asarray(a, dtype=np.int64) for a in (s0, sl, t0, tl))
        cos = self.cosines(s0, sl, t0, tl)
        if len(cos) == 0:
            return cos
        norm = (self._src_knn_span(s0, sl) + self._tgt_knn_span(t0, tl)) / 2
        return cos / np.maximum(norm, 1e-6)

    def beads(self, s0, sl, t0, tl) -> np.ndarray:
        """Logistic map of the margin."""
        return _calibrated(self.margins(s0, sl, t0, tl), self.cfg)

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Single-pair scores of a block of source rows by one matrix product (the anchor search's hot path)."""
        self.cells += (stop - start) * self.n_tgt
        cos = (self.src_vec[start:stop] @ self.tgt_vec.T).astype(np.float64)
        norm = (self.src_knn[start:stop, None] + self.tgt_knn[None, :]) / 2
        return _calibrated(cos / np.maximum(norm, 1e-6), self.cfg)

    def local_scores(self, i0: int, i1: int, j0: int, j1: int) -> np.ndarray:
        """Scores of a block with k-NN neighbourhoods computed inside it."""
        self.cells += (i1 - i0) * (j1 - j0)
        cos = (self.src_vec[i0:i1] @ self.tgt_vec[j0:j1].T).astype(np.float64)
        norm = (_knn_means(cos, self.cfg.k)[:, None] + _knn_means(cos.T, self.cfg.k)[None, :]) / 2
        return _calibrated(cos / np.maximum(norm, 1e-6), self.cfg)


# --- lexical --------------------------------------------------------------------------------------

class LexicalScorer(Scorer):
    """chrF of the source's translation (into the target's language) against the target (Bleualign's idea).

    The neighbourhood normaliser of a sentence is the mean of its k best chrF scores among the candidate
    pairs given to `prepare` (all pairs when none are given); the aligner passes its search band, since
    computing chrF for every pair of two long documents costs N x M.
    """

    name = "lexical"
    needs_translations = True

    def __init__(self, k: int = K_NEIGHBOURS, center: float = 0.9, scale: float = 0.15) -> None:
        self.k, self.center, self.scale = k, center, scale

    def signature(self) -> Signature:
        """Metric, neighbourhood size and calibration."""
        return Signature("lexical", {"metric": "chrF6-beta2", "k": self.k, "center": self.center, "scale": self.scale},
                         short={"metric": "m", "center": "c", "scale": "t"})

    def prepare(self, src, tgt, src_translations=None, candidates=None) -> PairScorer:
        """Profile translations and targets and compute neighbourhoods over the candidates."""
        if src_translations is None:
            raise InputError("Lexical similarity needs a translation of the source (--source-translation).")
        _check_translations(src, src_translations)
        return _LexicalPairs(self, list(src_translations), list(tgt), candidates)


class _LexicalPairs(PairScorer):
    def __init__(self, cfg: LexicalScorer, hyp: list[str], tgt: list[str], candidates) -> None:
        self.cfg = cfg
        self.n_src, self.n_tgt = len(hyp), len(tgt)
        self._hyp, self._tgt = SpanProfiles(hyp), SpanProfiles(tgt)
        self.src_knn, self.tgt_knn = self._neighbourhoods(candidates)
        # A span's neighbourhood is weighted by characters as chrF counts them (whitespace removed): a short junk
        # line ("....."), whose best chrF anywhere is near 0, must not lower the normaliser and so inflate any bead
        # it joins.
        w_src = np.maximum(np.diff(self._hyp.offsets), 1).astype(np.float64)
        w_tgt = np.maximum(np.diff(self._tgt.offsets), 1).astype(np.float64)
        self._src_knn_span = _WeightedSpanMean(self.src_knn, w_src)
        self._tgt_knn_span = _WeightedSpanMean(self.tgt_knn, w_tgt)

    def _neighbourhoods(self, candidates) -> tuple[np.ndarray, np.ndarray]:
        """k-NN mean chrF per source row and target column over the candidate pairs."""
        if candidates is None:
            i, j = np.meshgrid(np.arange(self.n_src), np.arange(self.n_tgt), indexing="ij")
            i, j = i.ravel(), j.ravel()
        else:
            i, j = (np.asarray(a, dtype=np.int64) for a in candidates)
        one = np.ones_like(i)
        # In chunks, so span profiles the scan has moved past are dropped (candidates come sorted by row).
        vals = np.concatenate([self.chrf(i[c:c + _CHUNK], one[c:c + _CHUNK], j[c:c + _CHUNK], one[c:c + _CHUNK])
                               for c in range(0, len(i), _CHUNK)] or [np.zeros(0)])
        return _topk_means(i, vals, self.n_src, self.cfg.k), _topk_means(j, vals, self.n_tgt, self.cfg.k)

    def chrf(self, s0, sl, t0, tl) -> np.ndarray:
        """Raw chrF in [0, 1] of translated source spans against target spans."""
        if not len(s0):
            return np.zeros(0)
        src_keys, src_idx = np.unique(np.stack([s0, sl], axis=1), axis=0, return_inverse=True)
        tgt_keys, tgt_idx = np.unique(np.stack([t0, tl], axis=1), axis=0, return_inverse=True)
        hyps = [self._hyp.get(a, la) for a, la in src_keys.tolist()]
        refs = [self._tgt.get(b, lb) for b, lb in tgt_keys.tolist()]
        out = chrf_pairs(hyps, refs, src_idx.ravel(), tgt_idx.ravel())
        # The DP asks row by row; keep a few rows back for spans of up to ~8 sentences.
        self._hyp.forget_before(int(s0.min()) - 8)
        self._tgt.forget_before(int(t0.min()) - 8)
        return out

    def margins(self, s0, sl, t0, tl) -> np.ndarray:
        """chrF over the mean k-NN chrF of both sides."""
        s0, sl, t0, tl = (np.asarray(a, dtype=np.int64) for a in (s0, sl, t0, tl))
        raw = self.chrf(s0, sl, t0, tl)
        norm = (self._src_knn_span(s0, sl) + self._tgt_knn_span(t0, tl)) / 2
        return raw / np.maximum(norm, 1e-3)

    def beads(self, s0, sl, t0, tl) -> np.ndarray:
        """Logistic map of the margin."""
        return _calibrated(self.margins(s0, sl, t0, tl), self.cfg)


# --- hybrid ---------------------------------------------------------------------------------------

class HybridScorer(Scorer):
    """Embeddings of the originals and chrF of the translation, combined as a weighted sum of log-odds."""

    name = "hybrid"
    needs_translations = True

    def __init__(self, embedding: EmbeddingScorer | None = None, lexical: LexicalScorer | None = None,
                 weight: float = 0.6) -> None:
        self.embedding = embedding or EmbeddingScorer()
        self.lexical = lexical or LexicalScorer()
        self.weight = weight  # of the embedding's log-odds; the lexical gets 1 - weight

    def signature(self) -> Signature:
        """Both parts and the weight."""
        return Signature("hybrid", {"weight": self.weight, "embedding": self.embedding.signature(),
                                    "lexical": self.lexical.signature()},
                         short={"weight": "w", "embedding": "emb", "lexical": "lex"})

    def prepare(self, src, tgt, src_translations=None, candidates=None) -> PairScorer:
        """Prepare both parts."""
        lex = self.lexical.prepare(src, tgt, src_translations, candidates)
        return _HybridPairs(self.embedding.prepare(src, tgt, candidates=candidates), lex, self.weight)


class _HybridPairs(PairScorer):
    def __init__(self, emb: PairScorer, lex: PairScorer, weight: float) -> None:
        self.emb, self.lex, self.weight = emb, lex, weight
        self.n_src, self.n_tgt = emb.n_src, emb.n_tgt

    def margins(self, s0, sl, t0, tl) -> np.ndarray:
        """The combined log-odds (a margin-like quantity centred on 0)."""
        return (self.weight * _logit(self.emb.beads(s0, sl, t0, tl))
                + (1 - self.weight) * _logit(self.lex.beads(s0, sl, t0, tl)))

    def beads(self, s0, sl, t0, tl) -> np.ndarray:
        """Logistic of the combined log-odds."""
        return sigmoid(self.margins(s0, sl, t0, tl))


def make_scorer(similarity: str = "hybrid", embedder: str | Embedder = DEFAULT_EMBEDDER,
                has_translations: bool = True, **options) -> Scorer:
    """The scorer for a --similarity name; hybrid and lexical fall back to embeddings without translations."""
    if similarity not in SIMILARITIES:
        raise InputError(f"Unknown similarity {similarity!r}; use one of {', '.join(SIMILARITIES)}.")
    if similarity == "lexical" and not has_translations:
        raise InputError("Lexical similarity needs a translation of the source (--source-translation).")
    if similarity == "embedding" or (similarity == "hybrid" and not has_translations):
        return EmbeddingScorer(embedder, **options.get("embedding", {}))
    if similarity == "lexical":
        return LexicalScorer(**options.get("lexical", {}))
    return HybridScorer(EmbeddingScorer(embedder, **options.get("embedding", {})),
                        LexicalScorer(**options.get("lexical", {})), **options.get("hybrid", {}))
