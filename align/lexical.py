"""Sentence-level chrF between a translation and a reference, fast enough for every cell of a DP band.

The score is sacrebleu's sentence chrF (character orders 1-6, beta 2, whitespace removed, no word
n-grams) computed exactly, up to 64-bit hash collisions: each text becomes, per order, the set of keys
(n-gram, k) for k = 0..count-1, so the clipped match count sum(min(hyp, ref)) of chrF equals the size of a
set intersection, which Python computes in C. tests/test_align_scorers.py checks equality with sacrebleu.

Keys are numbers, not strings: `SpanProfiles` hashes every n-gram of a whole document at once with numpy
(a polynomial rolling hash), and ranks repeated n-grams within any span of consecutive sentences with a
few sorted searches, so the profile of a span (a DP bead of up to 4 sentences) is a few array slices
rather than a Python loop over its characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CHAR_ORDER = 6
BETA = 2
# Odd 64-bit multipliers (wrap-around arithmetic): one spreads code points, one rolls the hash, one
# separates the k-th repeat of an n-gram from its first occurrence.
_SPREAD = np.uint64(0x9E3779B97F4A7C15)
_ROLL = np.uint64(0xC2B2AE3D27D4EB4F)
_REPEAT = np.uint64(0x165667B19E3779F9)
_CACHE_SPANS = 4096


@dataclass(frozen=True)
class CharProfile:
    """Per-order occurrence-indexed n-gram key sets and n-gram counts of one text."""

    sets: tuple[frozenset, ...]
    counts: tuple[int, ...]


class SpanProfiles:
    """chrF profiles of spans of consecutive sentences of one document (a span is its sentences joined by
    spaces, which chrF reads with whitespace removed, so it is the concatenation of the stripped sentences)."""

    def __init__(self, texts: Sequence[str], order: int = CHAR_ORDER) -> None:
        lines = ["".join(t.split()) for t in texts]
        lengths = np.array([len(x) for x in lines], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(lengths)])
        self.order = order
        codes = np.frombuffer("".join(lines).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) * _SPREAD
        self._sentence = np.repeat(np.arange(len(lines)), lengths)  # the sentence of each character
        # hashes[n-1][p]: the n-gram starting at character p (p + n <= total length).
        self._hashes: list[np.ndarray] = [codes]
        for n in range(2, order + 1):
            self._hashes.append(self._hashes[-1][:-1] * _ROLL + codes[n - 1:])
        self._runs: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
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
        through the document, and a profile of a long span takes ~100 KB."""
        if len(self._cache) > self._prune_at:
            self._cache = {key: prof for key, prof in self._cache.items() if key[0] >= start}
            # Pruning again only after as many new spans as the limit keeps its cost linear even when many
            # spans survive (a wide band).
            self._prune_at = len(self._cache) + _CACHE_SPANS

    def _rank(self, n: int, back: int) -> np.ndarray:
        """Per position, how many earlier occurrences its n-gram has since the start of the sentence `back`
        sentences before the position's own: its repeat index k in any span starting there."""
        if n not in self._runs:
            h = self._hashes[n - 1]
            count = len(h)
            gram = np.unique(h, return_inverse=True)[1].astype(np.int64) * count  # n-gram id, scaled
            # Positions sorted by (n-gram, position): each n-gram's occurrences form one sorted run.
            runs = np.sort(gram + np.arange(count))
            self._runs[n] = (runs, gram, np.searchsorted(runs, gram + np.arange(count)))
        runs, gram, here = self._runs[n]
        start = self.offsets[np.maximum(self._sentence[:len(gram)] - back, 0)]
        return here - np.searchsorted(runs, gram + start)

    def _span_keys(self, back: int) -> np.ndarray:
        """(characters, orders) keys of the n-gram at each position, repeat-indexed for spans that start
        `back` sentences before the position's sentence; entries past the document's end are 0 (unused)."""
        if back not in self._keys:
            keys = np.zeros((len(self._sentence), self.order), dtype=np.uint64)
            for n, h in enumerate(self._hashes, start=1):
                keys[:len(h), n - 1] = h + self._rank(n, back).astype(np.uint64) * _REPEAT
            self._keys[back] = keys
        return self._keys[back]

    def profile(self, start: int, length: int = 1) -> CharProfile:
        """The profile of sentences start .. start+length-1 joined."""
        off = self.offsets
        parts = [self._span_keys(k)[off[start + k]:off[start + k + 1]] for k in range(length)]
        rows = parts[0] if length == 1 else np.concatenate(parts)
        # Order n has len - n + 1 n-grams: the last rows' longer n-grams would run past the span's end.
        counts = tuple(max(len(rows) - n + 1, 0) for n in range(1, self.order + 1))
        return CharProfile(tuple(frozenset(rows[:c, n].tolist()) for n, c in enumerate(counts)), counts)


def char_profile(text: str, order: int = CHAR_ORDER) -> CharProfile:
    """The chrF profile of `text` (whitespace removed, as sacrebleu's chrF does)."""
    return SpanProfiles([text], order).profile(0)


def chrf(hyp: CharProfile, ref: CharProfile, beta: float = BETA) -> float:
    """Sentence chrF of hypothesis against reference, in [0, 1] (sacrebleu's value / 100)."""
    factor = beta ** 2
    avg_prec = avg_rec = 0.0
    effective = 0
    for hyp_set, ref_set, n_hyp, n_ref in zip(hyp.sets, ref.sets, hyp.counts, ref.counts):
        if n_ref == 0:
            n_hyp = 0  # sacrebleu counts no hypothesis n-grams of an order the reference lacks
        if n_hyp > 0 and n_ref > 0:
            match = len(hyp_set & ref_set) if len(hyp_set) < len(ref_set) else len(ref_set & hyp_set)
            avg_prec += match / n_hyp
            avg_rec += match / n_ref
            effective += 1
    if effective == 0:
        return 0.0
    avg_prec /= effective
    avg_rec /= effective
    if avg_prec + avg_rec == 0:
        return 0.0
    return (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec)


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
