"""Strict/lax alignment scores on hand-made cases whose answers were worked out by hand."""

from __future__ import annotations

import pytest

from eval.align_metrics import align_counts, align_scores, align_scores_multi, parse_bead, read_ladder
from translate.errors import InputError

GOLD = [([0], [0]), ([1], [1, 2]), ([], [3]), ([2, 3], [4])]
PRED = [([0], [0]), ([1], [1]), ([], [2]), ([], [3]), ([2], [4]), ([3], [])]


def test_hand_computed_case():
    # Precision over 6 predicted beads: strict hits [0]:[0] and []:[3]; lax adds [1]:[1] and [2]:[4];
    # the one-sided misses []:[2] and [3]:[] count against both.
    # Recall over 3 two-sided gold beads: strict [0]:[0]; lax adds [1]:[1,2] and [2,3]:[4].
    assert align_counts(PRED, GOLD) == {"p_strict": 2, "p_lax": 4, "p_total": 6,
                                        "r_strict": 1, "r_lax": 3, "r_total": 3}
    s = align_scores(PRED, GOLD)
    assert s["strict"] == pytest.approx({"precision": 1 / 3, "recall": 1 / 3, "f1": 1 / 3})
    assert s["lax"] == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8})


def test_perfect_and_disjoint():
    assert align_scores(GOLD, GOLD)["strict"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    s = align_scores([([0], [4])], [([0], [0]), ([1], [4])])
    assert s["strict"]["f1"] == 0.0 and s["lax"]["f1"] == 0.0


def test_duplicates_and_empty_beads_are_ignored():
    pred = [([0], [0]), ([0], [0]), ([], []), ([1], [1])]
    s = align_scores(pred, [([0], [0]), ([1], [1])])
    assert s["strict"]["precision"] == 1.0 and s["strict"]["recall"] == 1.0


def test_merged_bead_is_lax_not_strict():
    # Predicting 1-2 where gold has 1-1 + 0-1: precision lax 1/1, strict 0/1; recall strict 0/1, lax 1/1.
    s = align_scores([([0], [0, 1])], [([0], [0]), ([], [1])])
    assert s["strict"]["precision"] == 0.0 and s["lax"]["precision"] == 1.0
    assert s["strict"]["recall"] == 0.0 and s["lax"]["recall"] == 1.0


def test_micro_average_sums_counts():
    # Doc 1: P 1/1, R 1/1; doc 2: P 0/1, R 0/2 -> micro P 1/2, R 1/3 (a macro mean would differ).
    s = align_scores_multi([[([0], [0])], [([0], [1])]],
                           [[([0], [0])], [([0], [0]), ([1], [1])]])
    assert s["strict"]["precision"] == pytest.approx(0.5)
    assert s["strict"]["recall"] == pytest.approx(1 / 3)


def test_read_ladder(tmp_path):
    path = tmp_path / "a.ladder"
    path.write_text("[0]:[0]\n[1, 2]:[]\n\n[]:[1, 2]\n", encoding="utf-8")
    assert read_ladder(path) == [([0], [0]), ([1, 2], []), ([], [1, 2])]
    assert parse_bead(" [3, 4]:[5] ") == ([3, 4], [5])


@pytest.mark.parametrize("bad", ["[0]-[1]", "[a]:[1]", "[-1]:[0]", "0:1"])
def test_bad_ladder_lines(bad, tmp_path):
    path = tmp_path / "bad.ladder"
    path.write_text(f"[0]:[0]\n{bad}\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        read_ladder(path)


def test_missing_ladder_file(tmp_path):
    with pytest.raises(InputError):
        read_ladder(tmp_path / "nope")
