"""A comparable claims benchmark made from a parallel article and its gold alignment (issue 17).

A parallel article is too easy for claim matching: every sentence has a counterpart and the order is kept. Here a
seeded random share of the lines of each side is kept (sentences with no counterpart), the source side is
shuffled in blocks of a few lines (non-monotonic matches), and the gold is every (source, reference) pair inside
one gold bead with both lines kept. Recall is counted over the one-to-one beads with both lines kept, the pairs a
reader expects to see; precision over every gold pair, so a pair inside a 2-1 bead is not a false match.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from eval.prf import prf


@dataclass(frozen=True)
class ComparablePair:
    """A comparable pair of documents with its gold: line lists, the original line numbers and the true pairs."""

    source: list[str]
    reference: list[str]
    source_lines: list[int]  # original line number of each kept source line, in the shuffled order
    reference_lines: list[int]  # original line number of each kept reference line, in order
    gold: frozenset[tuple[int, int]]  # (source index, reference index) of every true pair
    one_to_one: frozenset[tuple[int, int]]  # the true pairs that form a whole 1-1 bead (the recall set)


def make_comparable(source: Sequence[str], reference: Sequence[str], beads: Sequence[tuple[Sequence[int], Sequence[int]]],
                    seed: int = 0, keep: float = 0.7, block: int = 3) -> ComparablePair:
    """Keep a seeded `keep` share of each side's lines, shuffle the source in blocks of `block`, map the gold."""
    if not 0 < keep <= 1 or block < 1:
        raise ValueError("keep must be in (0, 1] and block at least 1")
    rng = random.Random(seed)
    src_kept = sorted(rng.sample(range(len(source)), round(keep * len(source))))
    ref_kept = sorted(rng.sample(range(len(reference)), round(keep * len(reference))))
    blocks = [src_kept[k:k + block] for k in range(0, len(src_kept), block)]
    rng.shuffle(blocks)
    src_order = [i for b in blocks for i in b]
    src_at = {line: k for k, line in enumerate(src_order)}
    ref_at = {line: k for k, line in enumerate(ref_kept)}
    gold, one = set(), set()
    for src_ids, ref_ids in beads:
        pairs = {(src_at[i], ref_at[j]) for i in src_ids for j in ref_ids if i in src_at and j in ref_at}
        gold |= pairs
        if len(src_ids) == 1 and len(ref_ids) == 1:
            one |= pairs
    return ComparablePair([source[i] for i in src_order], [reference[j] for j in ref_kept], src_order, ref_kept,
                          frozenset(gold), frozenset(one))


def comparable_scores(predicted: Sequence[tuple[int, int]], bench: ComparablePair) -> dict:
    """Precision over every gold pair, recall over the 1-1 beads, F1, and the counts behind them."""
    pred = set(predicted)
    correct, found = len(pred & bench.gold), len(pred & bench.one_to_one)
    return {**prf(correct, len(pred), found, len(bench.one_to_one)),
            "predicted": len(pred), "correct": correct, "gold": len(bench.one_to_one), "found": found}
