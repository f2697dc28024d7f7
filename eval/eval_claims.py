"""`make eval-claims`: match the seeds' claims against the reference and score them against the span gold.

Two settings: without translations (multilingual embeddings of the original sentences) and with the reference
translations of eval/data/refs as stand-in machine translation (what a run with a good MT model would see).
Each prints P/R/F1, writes a plot of all candidate pair scores and a JSON run record under results/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Mapping, Sequence

from eval.claims_metrics import (
    GoldPair,
    PredictedPair,
    check_gold,
    claims_scores,
    gold_hits,
    read_gold,
    threshold_curve,
)
from eval.results import write_result
from translate.atomic import write_text_atomic
from translate.document import Document
from translate.errors import InputError, XlingError

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
REFERENCE = SEEDS / "002_ade6ea3ef36ce7e0.txt"
GOLD = ROOT / "tests" / "data" / "claims_gold.jsonl"


def prepared_sentences(folder: str | Path, names: Sequence[str], reference: str | Path) -> tuple[dict[str, list[str]], list[str]]:
    """The prepared sentences of the named source files in `folder` and of the reference (to check a gold)."""
    from translate.prepare import load_document

    folder = Path(folder)
    sources = {}
    for name in names:
        path = folder / name
        if not path.is_file():
            raise InputError(f"The gold names source {name}, which is not in {folder}; pass --sources DIR.")
        sources[name] = load_document(path).texts()
    return sources, load_document(reference).texts()


def plot_candidates(candidates: Sequence[PredictedPair], gold: Sequence[GoldPair], path: str | Path,
                    threshold: float | None = None, title: str = "Claim matching against the gold") -> Path:
    """Plot score distributions of gold and other candidate pairs, and P/R/F1 against the threshold."""
    from eval.plots import plot_claims

    scored = [c for c in candidates if c.score is not None]
    if not scored:
        raise InputError("The candidate pairs carry no scores to plot.")
    labels = [bool(h) for h in gold_hits(scored, gold)]
    scores = [float(c.score) for c in scored]
    lo, hi = min(scores), max(scores)
    steps = 100
    thresholds = [lo + (hi - lo) * i / steps for i in range(steps + 1)]
    curve = threshold_curve(scored, gold, thresholds)
    return plot_claims(scores, labels, curve, path, threshold=threshold, title=title)


def write_jsonl(path: str | Path, pairs: Sequence[PredictedPair]) -> Path:
    """Write scored pairs as JSON lines with the fields of matches.jsonl that the scorer reads (atomically)."""
    rows = ({"source": p.source, "source_text": p.source_text, "reference_text": p.reference_text, "score": p.score}
            for p in pairs)
    return write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
