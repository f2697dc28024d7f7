"""Fit the claim matcher's calibration on the seed gold: `python -m eval.calibrate_claims`.

For each similarity, a logistic regression (L2-regularised, Newton steps) maps the matcher's standardised
features to P(same claim), fit on every (source sentence, reference sentence) pair of the seeds labelled by
tests/data/claims_gold.jsonl. With 16 true pairs among 1,680, only 2-4 weights plus an intercept are fit,
and the report shows leave-one-source-out (LOSO) figures: weights fit on two sources, scored on the third.
The threshold printed maximises LOSO F1 + in-sample F1 (ties: the stricter cut): LOSO alone rests on two
or three held-out hits and jumps between distant cuts, in-sample alone flatters the fit. Average precision
(threshold-free) is shown for both, against a chance level of 16/1,680 = 0.010. Lexical and hybrid use the
human reference translations (eval/data/refs) as stand-in MT, so their fit is optimistic for real MT output.
Prints the constants for align/claims.py; changes nothing by itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from align.claims import CALIBRATION, ClaimMatcher
from eval.claims_metrics import PredictedPair, gold_hits, read_gold
from eval.reference_mt import reference_translations
from translate.prepare import load_document

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = "002_ade6ea3ef36ce7e0.txt"
SOURCES = ("000_2c29ad0641dc83f6.txt", "001_2959add6671d93e8.txt", "003_25baae2a21a7165f.txt")
THRESHOLDS = np.round(np.arange(0.02, 0.61, 0.01), 2)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights (…, intercept) of an L2-regularised logistic regression (intercept not penalised)."""
    # Fit on standardised features so the penalty does not depend on a feature's units (raw CSLS values
    # span ~0.1, chrF ~0.5), then fold the scaling back into the returned weights.
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    xb = np.c_[(x - mu) / sd, np.ones(len(x))]
    w = np.zeros(xb.shape[1])
    reg = np.r_[np.full(x.shape[1], l2), 0.0]
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        w -= np.linalg.solve(hess, grad)
    slopes = w[:-1] / sd
    return np.r_[slopes, w[-1] - slopes @ mu]


def _predict(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Logistic scores of feature rows."""
    return 1 / (1 + np.exp(-(np.c_[x, np.ones(len(x))] @ w)))


def _f1(p: np.ndarray, y: np.ndarray, t: float) -> tuple[float, float, float, int]:
    """Pair-level precision, recall, F1 and number kept at threshold t."""
    keep = p >= t
    tp = int((keep & (y > 0)).sum())
    prec = tp / keep.sum() if keep.sum() else 0.0
    rec = tp / y.sum() if y.sum() else 0.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0), int(keep.sum())


def average_precision(p: np.ndarray, y: np.ndarray) -> float:
    """Mean precision at the rank of each true pair, ranking by score (threshold-free)."""
    hits = y[np.argsort(-p, kind="stable")] > 0
    if not hits.any():
        return 0.0
    return float((np.cumsum(hits) / np.arange(1, len(hits) + 1))[hits].mean())


def collect(similarity: str, seeds: Path, gold_path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows, labels and source names of every seed pair."""
    gold = read_gold(gold_path)
    ref = load_document(seeds / REFERENCE)
    matcher = ClaimMatcher(similarity=similarity)
    xs, ys, names = [], [], []
    for name in SOURCES:
        doc = load_document(seeds / name)
        trans = reference_translations(doc) if similarity != "embedding" else None
        feats = matcher.features(doc.texts(), ref.texts(), trans, similarity)
        labels = np.zeros((len(doc), len(ref)))
        for i, s in enumerate(doc.texts()):
            for j, r in enumerate(ref.texts()):
                labels[i, j] = bool(gold_hits([PredictedPair(name, s, r, None)], gold)[0])
        xs.append(np.stack([f.ravel() for f in feats], axis=1))
        ys.append(labels.ravel())
        names += [name] * labels.size
    return np.concatenate(xs), np.concatenate(ys), np.array(names)


def main(argv: Sequence[str] | None = None) -> int:
    """Fit and report every similarity's calibration."""
    parser = argparse.ArgumentParser(prog="python -m eval.calibrate_claims", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=str(ROOT / "seeds"))
    parser.add_argument("--gold", default=str(ROOT / "tests" / "data" / "claims_gold.jsonl"))
    args = parser.parse_args(argv)
    for similarity in CALIBRATION:
        x, y, names = collect(similarity, Path(args.seeds), Path(args.gold))
        w = fit_logistic(x, y)
        loso = np.zeros(len(y))
        for name in SOURCES:
            held = names == name
            loso[held] = _predict(x[held], fit_logistic(x[~held], y[~held]))
        p_all = _predict(x, w)
        best = max(THRESHOLDS, key=lambda t: (round(_f1(loso, y, t)[2] + _f1(p_all, y, t)[2], 6), t))
        print(f"{similarity}: weights {tuple(round(float(v), 2) for v in w)}  threshold {best}"
              f"  AP LOSO {average_precision(loso, y):.3f} in-sample {average_precision(p_all, y):.3f}")
        print("   LOSO P %.2f R %.2f F1 %.2f kept %d" % _f1(loso, y, best),
              "| in-sample P %.2f R %.2f F1 %.2f kept %d" % _f1(p_all, y, best),
              f"| 001 pairs kept {(p_all[names == SOURCES[1]] >= best).sum()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
