"""The shared numerics (align/numerics.py), the P/R/F1 formula (eval/prf.py) and the calibration files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from align.calibration import read_calibration, write_calibration
from align.numerics import fit_logistic, predict_logistic, prefix_sums, sigmoid
from eval.prf import prf, prf_at


def test_sigmoid_is_the_logistic_function_and_never_overflows():
    x = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12, atol=1e-15)
    with np.errstate(all="raise"):  # 1 / (1 + exp(1000)) overflows; the shared sigmoid must not
        assert sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]
    assert sigmoid(0) == 0.5


def test_prefix_sums_give_span_sums_by_two_lookups():
    values = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    p = prefix_sums(values)
    assert p.tolist() == [0.0, 3.0, 4.0, 8.0, 9.0, 14.0]
    assert p[4] - p[1] == values[1:4].sum()
    rows = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(prefix_sums(rows), [[0, 0], [0, 1], [2, 4], [6, 9]])
    offsets = prefix_sums(np.array([2, 0, 3]), dtype=np.int64)
    assert offsets.dtype == np.int64 and offsets.tolist() == [0, 2, 2, 5]  # usable as indices
    assert prefix_sums(np.zeros(0)).tolist() == [0.0]


def _logistic_sample(n: int, weights: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(weights) - 1))
    y = (rng.random(n) < sigmoid(x @ weights[:-1] + weights[-1])).astype(float)
    return x, y


def test_fit_logistic_recovers_the_weights_that_made_the_data():
    true = np.array([2.0, -1.0, 0.5])
    x, y = _logistic_sample(20000, true)
    np.testing.assert_allclose(fit_logistic(x, y, l2=1e-3), true, atol=0.1)


def test_the_penalty_shrinks_slopes_but_not_the_intercept():
    x, y = _logistic_sample(500, np.array([1.5, -2.0]), seed=1)
    strong = fit_logistic(x, y, l2=1e4)
    assert abs(strong[0]) < 0.05
    # With the intercept free, the fitted probabilities still average to the share of positives.
    assert predict_logistic(x, strong).mean() == pytest.approx(y.mean(), abs=1e-6)


def test_the_penalty_does_not_depend_on_a_features_units():
    x, y = _logistic_sample(500, np.array([1.0, 0.3, -0.5]), seed=2)
    w = fit_logistic(x, y)
    scaled = fit_logistic(x * [100.0, 1.0], y)  # the first feature in other units
    np.testing.assert_allclose(scaled * [100.0, 1.0, 1.0], w, rtol=1e-8)
    np.testing.assert_allclose(predict_logistic(x * [100.0, 1.0], scaled), predict_logistic(x, w), rtol=1e-8)


def test_prf_from_counts_and_at_a_threshold():
    assert prf(1, 2, 2, 3) == pytest.approx({"precision": 0.5, "recall": 2 / 3, "f1": 4 / 7})
    assert prf(0, 0, 0, 0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    scores, labels = np.array([0.9, 0.6, 0.4, 0.1]), np.array([1, 0, 1, 0])
    assert prf_at(scores, labels, 0.5) == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "kept": 2})
    assert prf_at(scores, labels, 0.95)["kept"] == 0


def test_a_calibration_record_says_how_it_was_made(tmp_path):
    path = write_calibration(tmp_path / "cal.json", {"a": {"weights": [1.5, -2.0]}}, "python -m x --write", "seeds")
    assert read_calibration(path) == {"a": {"weights": [1.5, -2.0]}}
    made_by = json.loads(path.read_text(encoding="utf-8"))["made_by"]
    assert made_by["command"] == "python -m x --write" and made_by["training_data"] == "seeds"
    assert made_by["date"] and made_by["xling_version"]


def test_the_shipped_calibrations_are_what_the_code_uses():
    from align import claims
    from align.scorers import SIMILARITIES
    from xling.pipeline import find

    for module, command in ((claims, "xling.runs.calibrate_claims"), (find, "xling.runs.calibrate_find")):
        made_by = json.loads(module.CALIBRATION_FILE.read_text(encoding="utf-8"))["made_by"]
        assert made_by["command"] == f"python -m {command} --write" and made_by["training_data"]
    assert set(claims.CALIBRATION) == set(claims.DEFAULT_THRESHOLDS) == set(SIMILARITIES)
    assert all(len(w) == 2 and w[0] > 0 for w in claims.CALIBRATION.values())  # a higher feature scores higher
    assert all(0 < t < 1 for t in claims.DEFAULT_THRESHOLDS.values())
    for kind in ("cross-lingual", "same-language"):
        assert set(find.CALIBRATION[kind]) == {*find.CALIBRATED, "intercept"}
