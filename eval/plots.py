"""Figures for evaluation runs, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from translate.atomic import atomic_open


def spans_decades(lo: float, hi: float) -> bool:
    """Whether positive scores spread over more than an order of magnitude (then a log axis reads better)."""
    return lo > 0 and hi / lo > 20


def axis_points(lo: float, hi: float, n: int) -> list[float]:
    """n+1 points from lo to hi: geometric when the range spans decades, else even."""
    if spans_decades(lo, hi):
        return [lo * (hi / lo) ** (i / n) for i in range(n + 1)]
    return [lo + (hi - lo) * i / n for i in range(n + 1)]


def plot_claims(
    scores: Sequence[float],
    labels: Sequence[bool],
    curve: Sequence[dict],
    path: str | Path,
    threshold: float | None = None,
    title: str = "Claim matching",
    possible: float | None = None,
) -> Path:
    """Two panels: score histograms of gold and non-gold candidate pairs; P/R/F1 against the threshold, with the
    matcher's threshold and the lower cut of its possible matches marked when given."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    true_scores = [s for s, t in zip(scores, labels) if t]
    other_scores = [s for s, t in zip(scores, labels) if not t]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    lo, hi = (min(scores), max(scores)) if scores else (0.0, 1.0)
    bins = axis_points(lo, hi, 40) if hi > lo else 10
    # Each group's share of its own pairs, because the gold pairs are a few dozen among thousands of candidates.
    for values, color, alpha, label in [(other_scores, "tab:gray", 0.55, f"not in gold (n={len(other_scores)})"),
                                        (true_scores, "tab:orange", 0.7, f"gold pairs (n={len(true_scores)})")]:
        weights = [1 / len(values)] * len(values) if values else None
        left.hist(values, bins=bins, weights=weights, alpha=alpha, color=color, label=label)
    if spans_decades(lo, hi):
        for ax in (left, right):
            ax.set_xscale("log")
    left.set_xlabel("matcher score of a (source sentence, reference sentence) pair")
    left.set_ylabel("share of the group's pairs")
    left.set_title("Score distributions of candidate pairs")
    # Precision is undefined where nothing is kept; leave a gap rather than draw a drop to zero.
    precision = [c["precision"] if c.get("predicted", 1) else float("nan") for c in curve]
    right.plot([c["threshold"] for c in curve], precision, label="precision", color="tab:blue")
    right.plot([c["threshold"] for c in curve], [c["recall"] for c in curve], label="recall", color="tab:green")
    right.plot([c["threshold"] for c in curve], [c["f1"] for c in curve], label="F1", color="tab:red", linestyle="--")
    right.set_ylim(-0.02, 1.02)
    right.set_xlabel("threshold (pairs scoring at least this are kept)")
    right.set_ylabel("score against the gold")
    right.set_title("Precision and recall against the threshold")
    if threshold is not None:
        for ax in (left, right):
            ax.axvline(threshold, color="black", linestyle=":", linewidth=1.2, label=f"matcher threshold {threshold:g}")
    if possible is not None and (threshold is None or possible < threshold):
        for ax in (left, right):
            ax.axvline(possible, color="tab:olive", linestyle="-.", linewidth=1.2,
                       label=f"possible matches from {possible:g}")
    left.legend(loc="upper left", fontsize=9)
    right.legend(loc="best", fontsize=9)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=12)
    try:
        with atomic_open(path, "wb") as fh:
            fig.savefig(fh, dpi=110, format="png")
    finally:
        plt.close(fig)
    return Path(path)
