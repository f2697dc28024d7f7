"""Precision, recall and F1: the one formula every evaluation and calibration run uses."""

from __future__ import annotations

import numpy as np


def prf(hit_p: int, total_p: int, hit_r: int, total_r: int) -> dict[str, float]:
    """Precision, recall and F1 from counts; 0.0 where a denominator is zero."""
    precision = hit_p / total_p if total_p else 0.0
    recall = hit_r / total_r if total_r else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def prf_at(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    """P/R/F1 of keeping the items scoring at least `threshold`, against 0/1 labels, and how many were kept."""
    keep = np.asarray(scores) >= threshold
    gold = np.asarray(labels) > 0
    tp = int((keep & gold).sum())
    return {**prf(tp, int(keep.sum()), tp, int(gold.sum())), "kept": int(keep.sum())}
