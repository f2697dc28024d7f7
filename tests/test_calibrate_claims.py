"""The best-match rules and relative features compared by `python -m xling.runs.calibrate_claims --variants`."""

from __future__ import annotations

import numpy as np

from xling.runs.calibrate_claims import (
    SOURCES,
    SeedMatrices,
    average_precision,
    mutual_best,
    per_source_ap,
    row_best,
    row_margin,
    rule_keep,
    watched_index,
)

# 3 source sentences x 3 reference sentences. Reference 0 is a hub: the best reference of rows 0 and 1, but
# row 1 is closer to it, so (0, 0) is a row best and not a mutual best; (1, 0) and (2, 2) are mutual bests.
F = np.array([[0.50, 0.48, 0.10],
              [0.70, 0.20, 0.30],
              [0.40, 0.35, 0.60]])


def test_row_and_mutual_best():
    assert row_best(F).tolist() == [[True, False, False], [True, False, False], [False, False, True]]
    assert mutual_best(F).tolist() == [[False, False, False], [True, False, False], [False, False, True]]


def test_row_margin_is_distance_to_the_best_other_value():
    np.testing.assert_allclose(row_margin(F), [[0.02, -0.02, -0.40], [0.40, -0.50, -0.40], [-0.20, -0.25, 0.20]],
                               atol=1e-12)
    assert (row_margin(np.array([[0.3, 0.3]])) == 0).all()  # a tie is nobody's margin
    assert row_margin(np.array([[0.9], [0.1]])).tolist() == [[0.0], [0.0]]  # one reference: no other value


def test_rule_keeps_best_matches_above_the_floor_only():
    scores = np.array([[0.05, 0.04, 0.01], [0.30, 0.02, 0.03], [0.02, 0.02, 0.06]])
    kept = rule_keep(scores, mutual_best(F), threshold=0.10, floor=0.05)
    # (1, 0) passes the threshold; (2, 2) is a mutual best above the floor; (0, 0) is only a row best.
    assert np.argwhere(kept).tolist() == [[1, 0], [2, 2]]
    assert np.argwhere(rule_keep(scores, row_best(F), 0.10, 0.05)).tolist() == [[0, 0], [1, 0], [2, 2]]
    assert np.argwhere(rule_keep(scores, mutual_best(F), 0.10, 0.07)).tolist() == [[1, 0]]


def test_watched_index_counts_pairs_across_sources():
    first = SeedMatrices("a", [np.zeros((2, 2))], np.zeros((2, 2)), ["x", "y"], ["r0", "r1"])
    second = SeedMatrices("b", [np.zeros((2, 2))], np.zeros((2, 2)), ["Modell im Süden", "z"], ["r0", "model r1"])
    assert watched_index([first, second], "Modell", "model") == 4 + 0 * 2 + 1
    assert watched_index([first, second], "Modell", "absent") is None


def test_per_source_ap_is_not_fooled_by_scales_that_differ_between_sources():
    # The second source's scores come from a flatter fit: all tiny, yet perfectly ordered within the source.
    names = np.repeat([SOURCES[0], SOURCES[2]], 4)
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0])
    loso = np.array([0.9, 0.5, 0.4, 0.3, 0.02, 0.01, 0.01, 0.005])
    assert average_precision(loso, y) < 0.8  # pooled: the second true pair ranks below the first source's others
    assert per_source_ap(loso, y, names) == ("held-out AP per source: 000 1.000 (chance 0.250), "
                                             "003 1.000 (chance 0.250)")


def test_cuts_keep_precision_on_both_benchmarks_and_the_possible_cut_maximises_their_f1():
    from xling.runs.calibrate_claims import TEXTBERG, benchmark_prf, choose_cuts

    seeds = [(0.95, 1), (0.65, 1), (0.62, 0), (0.5, 0), (0.3, 1), (0.1, 0)]
    bench = [(0.9, 1), (0.7, 1), (0.66, 0), (0.4, 1)]
    p = np.array([s for s, _ in seeds + bench])
    y = np.array([label for _, label in seeds + bench])
    names = np.array([SOURCES[0]] * 3 + [SOURCES[2]] * 3 + [TEXTBERG] * 4)
    # Seeds alone stay precise from 0.63 up; Text+Berg's false pair at 0.66 raises the match cut to 0.67. The sum of
    # the two F1s peaks from 0.11 to 0.30 (every true pair kept on both); the stricter end is taken.
    assert choose_cuts(p, y, y, names) == (0.67, 0.3)
    assert choose_cuts(p[:6], y[:6], y[:6], names[:6])[0] == 0.63
    # Precision counts every true pair; recall only the pairs marked for it (Text+Berg: the 1-1 beads).
    recall = np.array([1, 0, 0, 1])
    m = benchmark_prf(p[6:], y[6:], recall, 0.67)
    assert (m["precision"], m["recall"], m["kept"]) == (1.0, 0.5, 2)
