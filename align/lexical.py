"""Sentence-level chrF between a translation and a reference, fast enough for every cell of a DP band.

The score is sacrebleu's sentence chrF (character orders 1-6, beta 2, whitespace removed, no word
n-grams) computed exactly, not approximated: each text becomes, per order, the set of pairs
(n-gram, k) for k = 1..count, so the clipped match count sum(min(hyp, ref)) of chrF equals the size of a
set intersection, which Python computes in C. tests/test_align_lexical.py checks equality with sacrebleu.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

CHAR_ORDER = 6
BETA = 2


@dataclass(frozen=True)
class CharProfile:
    """Per-order occurrence-indexed n-gram sets and n-gram counts of one text."""

    sets: tuple[frozenset, ...]
    counts: tuple[int, ...]


def char_profile(text: str, order: int = CHAR_ORDER) -> CharProfile:
    """The chrF profile of `text` (whitespace removed, as sacrebleu's chrF does)."""
    line = "".join(text.split())
    sets, counts = [], []
    for n in range(1, order + 1):
        grams = Counter(line[i:i + n] for i in range(len(line) - n + 1))
        sets.append(frozenset((g, k) for g, c in grams.items() for k in range(c)))
        counts.append(max(len(line) - n + 1, 0))
    return CharProfile(tuple(sets), tuple(counts))


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
