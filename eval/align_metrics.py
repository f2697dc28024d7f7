"""Strict and lax precision, recall and F1 of sentence alignments (the Vecalign/Bertalign definition).

A bead is a pair (source ids, target ids). See ../shared/bench/textberg-dev/README.md for the
definition implemented here; it is kept exactly so figures compare with published ones.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from eval.prf import prf
from translate.errors import InputError
from translate.reading import read_text

Bead = tuple[list[int], list[int]]
_Key = tuple[tuple[int, ...], tuple[int, ...]]


def parse_bead(line: str) -> Bead:
    """Parse one ladder line such as `[3, 4]:[5]` or `[]:[16]` into (source ids, target ids)."""
    text = line.strip()
    left, sep, right = text.partition(":")
    try:
        if not sep:
            raise ValueError("no ':'")
        src, tgt = ast.literal_eval(left.strip()), ast.literal_eval(right.strip())
        if not isinstance(src, list) or not isinstance(tgt, list):
            raise ValueError("not lists")
        if not all(isinstance(i, int) and i >= 0 for i in src + tgt):
            raise ValueError("ids must be non-negative integers")
    except (ValueError, SyntaxError) as exc:
        raise InputError(f"Not an alignment bead (expected e.g. '[3, 4]:[5]'): {text[:80]!r} ({exc}).") from None
    return list(src), list(tgt)


def read_ladder(path: str | Path) -> list[Bead]:
    """Read a ladder file (one `[i, j]:[k]` bead per line, 0-based; blank lines ignored)."""
    p = Path(path)
    lines = read_text(p, article=False).splitlines()
    beads = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            beads.append(parse_bead(line))
        except InputError as exc:
            raise InputError(f"{p}, line {number}: {exc}") from None
    return beads


def _keys(beads: Iterable[Sequence[Sequence[int]]], keep_one_sided: bool) -> set[_Key]:
    """Beads as a set of hashable keys, without beads empty on both sides (or on either side)."""
    out = set()
    for src, tgt in beads:
        key = (tuple(src), tuple(tgt))
        if keep_one_sided and (key[0] or key[1]):
            out.add(key)
        elif not keep_one_sided and key[0] and key[1]:
            out.add(key)
    return out


def _hits(test: set[_Key], gold: set[_Key]) -> tuple[int, int, int]:
    """(strict hits, lax hits, total) of `test` beads judged against `gold` beads."""
    src_to_gold_tgt: dict[int, set[int]] = defaultdict(set)
    for gold_src, gold_tgt in gold:
        for i in gold_src:
            src_to_gold_tgt[i].update(gold_tgt)
    strict = lax = 0
    for bead in test:
        if bead in gold:
            strict += 1
            lax += 1
            continue
        test_src, test_tgt = bead
        linked: set[int] = set()
        for i in test_src:
            linked |= src_to_gold_tgt.get(i, set())
        if linked.intersection(test_tgt):
            lax += 1
    return strict, lax, len(test)


def align_counts(pred: Iterable[Sequence[Sequence[int]]], gold: Iterable[Sequence[Sequence[int]]]) -> dict[str, int]:
    """Raw counts for one document, to be summed over documents before dividing (micro average)."""
    pred, gold = list(pred), list(gold)
    p_strict, p_lax, p_total = _hits(_keys(pred, True), _keys(gold, True))
    # Recall is precision with the roles swapped, over two-sided beads only.
    r_strict, r_lax, r_total = _hits(_keys(gold, False), _keys(pred, False))
    return {"p_strict": p_strict, "p_lax": p_lax, "p_total": p_total,
            "r_strict": r_strict, "r_lax": r_lax, "r_total": r_total}


def scores_from_counts(counts: dict[str, int]) -> dict[str, dict[str, float]]:
    """Strict and lax P/R/F1 from (summed) counts."""
    c = counts
    return {
        "strict": prf(c["p_strict"], c["p_total"], c["r_strict"], c["r_total"]),
        "lax": prf(c["p_lax"], c["p_total"], c["r_lax"], c["r_total"]),
    }


def align_scores(pred: Iterable[Sequence[Sequence[int]]], gold: Iterable[Sequence[Sequence[int]]]) -> dict:
    """{"strict": {"precision","recall","f1"}, "lax": {...}} of one predicted alignment against its gold."""
    return scores_from_counts(align_counts(pred, gold))


def align_scores_multi(preds: Sequence, golds: Sequence) -> dict:
    """Micro-averaged strict/lax scores over several documents (counts summed before dividing)."""
    if len(preds) != len(golds):
        raise InputError(f"Got {len(preds)} predicted alignments but {len(golds)} gold alignments.")
    total: dict[str, int] = defaultdict(int)
    for pred, gold in zip(preds, golds):
        for key, value in align_counts(pred, gold).items():
            total[key] += value
    return scores_from_counts(dict(total))
