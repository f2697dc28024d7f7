"""Sentence-level chrF between a translation and a reference, fast enough for every cell of a DP band.

The score is sacrebleu's sentence chrF (character orders 1-6, beta 2, whitespace removed, no word
n-grams) computed exactly, up to 64-bit hash collisions: each text becomes, per order, the sorted array of
keys (n-gram, k) for k = 0..count-1, so the clipped match count sum(min(hyp, ref)) of chrF equals the size
of the intersection of two sorted arrays. tests/test_align_scorers.py checks equality with sacrebleu.

Keys are numbers, not strings: `SpanProfiles` hashes every n-gram of a whole document at once with numpy
(a polynomial rolling hash), and ranks repeated n-grams within any span of consecutive sentences, so the
profile of a span (one side of a DP bead: with the default bead set, up to five sentences) is a few array
slices and one sort. The intersections run in a compiled (numba) kernel over a whole batch of pairs: a DP over
two long documents asks for one per candidate bead, far too many for Python set intersections
(`make bench-align` measures it; the README gives the figures).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

from align.numerics import prefix_sums

CHAR_ORDER = 6
BETA = 2
# Odd 64-bit multipliers (wrap-around arithmetic): one spreads code points, one rolls the hash, one
# separates the k-th repeat of an n-gram from its first occurrence.
_SPREAD = np.uint64(0x9E3779B97F4A7C15)
_ROLL = np.uint64(0xC2B2AE3D27D4EB4F)
_REPEAT = np.uint64(0x165667B19E3779F9)
# Fills the unused tail of an order's row in a profile (an order n has n - 1 fewer n-grams than characters).
_PAD = np.uint64(np.iinfo(np.uint64).max)
_CACHE_SPANS = 4096


def _compiled(fn):
    """`fn` compiled by numba, with the machine code cached on disk beside the module (or in the user's
    cache) so later runs skip the compile; where neither is writable, compiled afresh each run."""
    try:
        return numba.njit(cache=True)(fn)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        return numba.njit(fn)


@dataclass(frozen=True, eq=False)
class CharProfile:
    """Occurrence-indexed n-gram keys of one text: row n-1 of `keys` holds order n's keys sorted, in its
    first counts[n-1] entries."""

    keys: np.ndarray  # (order, characters) uint64
    counts: tuple[int, ...]

    def same_as(self, other: CharProfile) -> bool:
        """Equal keys and counts (for tests)."""
        return self.counts == other.counts and all(
            np.array_equal(self.keys[n, :c], other.keys[n, :c]) for n, c in enumerate(self.counts))


class SpanProfiles:
    """chrF profiles of spans of consecutive sentences of one document (a span is its sentences joined by
    spaces, which chrF reads with whitespace removed, so it is the concatenation of the stripped sentences)."""

    def __init__(self, texts: Sequence[str], order: int = CHAR_ORDER) -> None:
        lines = ["".join(t.split()) for t in texts]
        lengths = np.array([len(x) for x in lines], dtype=np.int64)
        self.offsets = prefix_sums(lengths, dtype=np.int64)
        self.order = order
        codes = np.frombuffer("".join(lines).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) * _SPREAD
        self._sentence = np.repeat(np.arange(len(lines)), lengths)  # the sentence of each character
        # hashes[n-1][p]: the n-gram starting at character p (p + n <= total length).
        self._hashes: list[np.ndarray] = [codes]
        for n in range(2, order + 1):
            self._hashes.append(self._hashes[-1][:-1] * _ROLL + codes[n - 1:])
        self._runs: dict[int, np.ndarray] = {}
        self._keys: dict[int, np.ndarray] = {}
        self._cache: dict[tuple[int, int], CharProfile] = {}
        self._prune_at = _CACHE_SPANS

    def get(self, start: int, length: int = 1) -> CharProfile:
        """`profile`, cached until `forget_before` passes the span."""
        prof = self._cache.get((start, length))
        if prof is None:
            prof = self._cache[(start, length)] = self.profile(start, length)
        return prof

    def forget_before(self, start: int) -> None:
        """Drop cached spans that begin before `start`, once the cache is large: the aligner moves forward
        through the document, and a profile of a long span takes ~20 KB."""
        if len(self._cache) > self._prune_at:
            self._cache = {key: prof for key, prof in self._cache.items() if key[0] >= start}
            # Pruning again only after as many new spans as the limit keeps its cost linear even when many
            # spans survive (a wide band).
            self._prune_at = len(self._cache) + _CACHE_SPANS

    def _rank(self, n: int, back: int) -> np.ndarray:
        """Per position, how many earlier occurrences its n-gram has since the start of the sentence `back`
        sentences before the position's own: its repeat index k in any span starting there."""
        h = self._hashes[n - 1]
        if n not in self._runs:
            # Positions grouped by n-gram, in document order within a group (a stable sort).
            self._runs[n] = np.argsort(h, kind="stable")
        start = self.offsets[np.maximum(self._sentence[:len(h)] - back, 0)]
        return _repeat_ranks(h, self._runs[n], start)

    def _span_keys(self, back: int) -> np.ndarray:
        """(orders, characters) keys of the n-gram at each position, repeat-indexed for spans that start
        `back` sentences before the position's sentence; entries past the document's end are 0 (unused)."""
        if back not in self._keys:
            keys = np.zeros((self.order, len(self._sentence)), dtype=np.uint64)
            for n, h in enumerate(self._hashes, start=1):
                keys[n - 1, :len(h)] = h + self._rank(n, back).astype(np.uint64) * _REPEAT
            self._keys[back] = keys
        return self._keys[back]

    def profile(self, start: int, length: int = 1) -> CharProfile:
        """The profile of sentences start .. start+length-1 joined."""
        off = self.offsets
        parts = [self._span_keys(k)[:, off[start + k]:off[start + k + 1]] for k in range(length)]
        keys = np.concatenate(parts, axis=1)  # a copy, sorted in place below
        width = keys.shape[1]
        # Order n has width - n + 1 n-grams: the last columns' longer n-grams would run past the span's end.
        counts = tuple(max(width - n + 1, 0) for n in range(1, self.order + 1))
        for n, c in enumerate(counts):
            keys[n, c:] = _PAD
        keys.sort(axis=1)
        return CharProfile(keys, counts)


def char_profile(text: str, order: int = CHAR_ORDER) -> CharProfile:
    """The chrF profile of `text` (whitespace removed, as sacrebleu's chrF does)."""
    return SpanProfiles([text], order).profile(0)


def chrf_pairs(hyps: Sequence[CharProfile], refs: Sequence[CharProfile], hyp_idx: np.ndarray,
               ref_idx: np.ndarray, beta: float = BETA) -> np.ndarray:
    """Sentence chrF in [0, 1] (sacrebleu's value / 100) of hyps[hyp_idx[p]] against refs[ref_idx[p]]."""
    profiles = list(hyps) + list(refs)
    if not profiles:
        return np.zeros(len(hyp_idx))
    order = profiles[0].keys.shape[0]
    widths = np.array([p.keys.shape[1] for p in profiles], dtype=np.int64)
    flat = np.concatenate([p.keys.ravel() for p in profiles])
    starts = prefix_sums(widths * order, dtype=np.int64)[:-1]  # where each profile's keys begin in `flat`
    counts = np.array([p.counts for p in profiles], dtype=np.int64).reshape(len(profiles), order)
    return _chrf_kernel(flat, starts, widths, counts, np.asarray(hyp_idx, dtype=np.int64),
                        np.asarray(ref_idx, dtype=np.int64) + len(hyps), float(beta ** 2))


def chrf(hyp: CharProfile, ref: CharProfile, beta: float = BETA) -> float:
    """Sentence chrF of one hypothesis against one reference, in [0, 1]."""
    return float(chrf_pairs([hyp], [ref], np.zeros(1), np.zeros(1), beta)[0])


@_compiled
def _repeat_ranks(h, runs, start):  # pragma: no cover - compiled
    """rank[p]: occurrences of h[p] at positions in [start[p], p). `runs` lists positions grouped by hash
    value, ascending within a group; a binary search inside the group keeps long runs (".....") linear-log."""
    rank = np.zeros(len(h), dtype=np.int64)
    first = 0
    for k in range(len(runs)):
        p = runs[k]
        if k > 0 and h[runs[k - 1]] != h[p]:
            first = k
        lo, hi = first, k  # the first entry of the group at or after start[p]
        while lo < hi:
            mid = (lo + hi) // 2
            if runs[mid] < start[p]:
                lo = mid + 1
            else:
                hi = mid
        rank[p] = k - lo
    return rank


@_compiled
def _chrf_kernel(flat, starts, widths, counts, hyp_idx, ref_idx, factor):  # pragma: no cover - compiled
    """chrF of each pair from the profiles' sorted key rows (a merge per order), as sacrebleu computes it."""
    out = np.zeros(len(hyp_idx))
    order = counts.shape[1]
    for p in range(len(hyp_idx)):
        h, r = hyp_idx[p], ref_idx[p]
        avg_prec = 0.0
        avg_rec = 0.0
        effective = 0
        for n in range(order):
            n_hyp, n_ref = counts[h, n], counts[r, n]
            if n_ref == 0:
                n_hyp = 0  # sacrebleu counts no hypothesis n-grams of an order the reference lacks
            if n_hyp > 0 and n_ref > 0:
                a = starts[h] + n * widths[h]
                b = starts[r] + n * widths[r]
                end_a, end_b = a + n_hyp, b + n_ref
                match = 0
                while a < end_a and b < end_b:  # branch-free steps: the comparisons are unpredictable
                    x, y = flat[a], flat[b]
                    match += x == y
                    a += x <= y
                    b += y <= x
                avg_prec += match / n_hyp
                avg_rec += match / n_ref
                effective += 1
        if effective == 0:
            continue
        avg_prec /= effective
        avg_rec /= effective
        if avg_prec + avg_rec > 0:
            out[p] = (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec)
    return out


class ProfileCache:
    """chrF profiles keyed by text, so a sentence or concatenation is profiled once."""

    def __init__(self) -> None:
        self._profiles: dict[str, CharProfile] = {}

    def get(self, text: str) -> CharProfile:
        """The profile of `text`, computed on first use."""
        prof = self._profiles.get(text)
        if prof is None:
            prof = self._profiles[text] = char_profile(text)
        return prof
