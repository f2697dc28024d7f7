"""The comparable claims benchmark built from a parallel article and its gold beads (eval/comparable.py)."""

from __future__ import annotations

from eval.comparable import comparable_scores, make_comparable

SOURCE = [f"s{i}" for i in range(20)]
REFERENCE = [f"r{j}" for j in range(24)]
# 1-1 beads i -> i for 0..15, a 2-1 bead (16, 17) -> 16, a 1-2 bead 18 -> (17, 18), and one-sided beads.
BEADS = [([i], [i]) for i in range(16)] + [([16, 17], [16]), ([18], [17, 18]), ([], [19]), ([19], [])]


def test_the_same_seed_builds_the_same_benchmark_and_another_seed_another():
    a, b = make_comparable(SOURCE, REFERENCE, BEADS, seed=3), make_comparable(SOURCE, REFERENCE, BEADS, seed=3)
    assert a == b and make_comparable(SOURCE, REFERENCE, BEADS, seed=4) != a
    assert (len(a.source), len(a.reference)) == (14, 17)  # 70% of each side
    assert a.reference_lines == sorted(a.reference_lines)  # the reference keeps its order


def test_gold_is_every_kept_pair_of_a_bead_and_the_source_is_shuffled_in_blocks():
    bench = make_comparable(SOURCE, REFERENCE, BEADS, seed=1, keep=0.7, block=3)
    assert bench.source_lines != sorted(bench.source_lines)
    kept = sorted(bench.source_lines)
    for block in (kept[k:k + 3] for k in range(0, len(kept), 3)):  # each block stays whole and in order
        start = bench.source_lines.index(block[0])
        assert bench.source_lines[start:start + len(block)] == block
    where = {line: k for k, line in enumerate(bench.source_lines)}
    at = {line: k for k, line in enumerate(bench.reference_lines)}
    expected = {(where[i], at[j]) for src, ref in BEADS for i in src for j in ref if i in where and j in at}
    assert bench.gold == expected and bench.one_to_one <= bench.gold
    ones = {(where[i], at[i]) for i in range(16) if i in where and i in at}
    assert bench.one_to_one == ones
    for k, j in bench.gold:  # the texts follow the indices
        assert bench.source[k] == f"s{bench.source_lines[k]}" and bench.reference[j] == f"r{bench.reference_lines[j]}"


def test_scores_count_any_gold_pair_as_correct_and_only_one_to_one_beads_for_recall():
    bench = make_comparable(SOURCE, REFERENCE, BEADS, seed=0, keep=1.0)
    many = sorted(bench.gold - bench.one_to_one)
    one = sorted(bench.one_to_one)
    wrong = next((i, j) for i in range(len(SOURCE)) for j in range(len(REFERENCE)) if (i, j) not in bench.gold)
    r = comparable_scores([*one[:8], many[0], wrong], bench)
    assert (r["predicted"], r["correct"], r["found"], r["gold"]) == (10, 9, 8, 16)
    assert r["precision"] == 0.9 and r["recall"] == 0.5
