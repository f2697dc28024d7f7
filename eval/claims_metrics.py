"""Claim-matching quality: predicted (source sentence, reference sentence) pairs scored against a span gold.

The gold (`tests/data/claims_gold.jsonl`) has one JSON object per TRUE pair:
`{"source": FILE, "source_span": TEXT, "reference_span": TEXT, "note": WHY}`. Spans are substrings of one
prepared sentence each, so a change of segmentation either still matches or is reported as a stale gold.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from eval.prf import prf
from translate.errors import InputError
from translate.reading import read_text

_GOLD_FIELDS = ("source", "source_span", "reference_span")
_MATCH_FIELDS = ("source", "source_text", "reference_text")


@dataclass(frozen=True)
class GoldPair:
    """One true claim pair of the gold, named by spans of a source and a reference sentence."""

    source: str
    source_span: str
    reference_span: str
    note: str = ""


@dataclass(frozen=True)
class PredictedPair:
    """One predicted claim match: a source sentence and the reference sentence it is said to state."""

    source: str
    source_text: str
    reference_text: str
    score: float | None = None


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """The comparison form of a span or sentence: the prep stage's normalisation, else spaces collapsed.

    Persian letter fixes are applied to every text: both sides of a comparison get them, and they only touch
    Arabic-script letters, so German and English compare as before.
    """
    try:
        from translate.normalize import normalize_text
    except ImportError:
        return re.sub(r"\s+", " ", text).strip()
    return normalize_text(text, "fa")


def _read_jsonl(path: str | Path, required: Sequence[str], what: str) -> list[dict]:
    """Parse a JSON-lines file whose objects must carry `required` string fields; InputError names the bad line."""
    lines = read_text(path, article=False).splitlines()
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number} is not valid JSON ({exc.msg}).") from None
        if not isinstance(row, dict):
            raise InputError(f"{path}:{number} is not a JSON object.")
        missing = [f for f in required if not isinstance(row.get(f), str) or not row[f].strip()]
        if missing:
            raise InputError(f"{path}:{number} lacks the {what} field {missing[0]!r}.")
        rows.append(row)
    return rows


def read_gold(path: str | Path) -> list[GoldPair]:
    """Load a claims gold file; InputError on a malformed line or an empty gold."""
    rows = _read_jsonl(path, _GOLD_FIELDS, "gold")
    if not rows:
        raise InputError(f"The gold {path} has no pairs.")
    return [GoldPair(r["source"], r["source_span"], r["reference_span"], r.get("note", "")) for r in rows]


def read_matches(path: str | Path) -> list[PredictedPair]:
    """Load the matches.jsonl that `xling compare` writes (source, source_text, reference_text, score, ...)."""
    rows = _read_jsonl(path, _MATCH_FIELDS, "matches")
    # Gold lines name sources by file name; a pipeline that writes paths still matches.
    return [PredictedPair(Path(r["source"]).name, r["source_text"], r["reference_text"], r.get("score")) for r in rows]


def gold_hits(pred: Sequence[PredictedPair], gold: Sequence[GoldPair]) -> list[set[int]]:
    """For each predicted pair, the indices of the gold lines it hits (same file, both spans contained)."""
    by_source: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for j, g in enumerate(gold):
        by_source[g.source].append((j, normalize(g.source_span), normalize(g.reference_span)))
    out = []
    for p in pred:
        src, ref = normalize(p.source_text), normalize(p.reference_text)
        out.append({j for j, s_span, r_span in by_source.get(p.source, ()) if s_span in src and r_span in ref})
    return out


def stale_spans(
    gold: Iterable[GoldPair], source_sentences: Mapping[str, Sequence[str]], reference_sentences: Sequence[str]
) -> list[str]:
    """Describe every gold span that lies in no prepared sentence of its document (empty when the gold is fresh)."""
    refs = [normalize(s) for s in reference_sentences]
    sources = {name: [normalize(s) for s in sents] for name, sents in source_sentences.items()}
    problems = []
    for g in gold:
        if g.source not in sources:
            problems.append(f"source {g.source!r} is not among the documents")
            continue
        span = normalize(g.source_span)
        if not any(span in s for s in sources[g.source]):
            problems.append(f"source span {g.source_span[:60]!r} of {g.source} is in no prepared sentence")
        span = normalize(g.reference_span)
        if not any(span in s for s in refs):
            problems.append(f"reference span {g.reference_span[:60]!r} is in no prepared reference sentence")
    return problems


def check_gold(
    gold: Sequence[GoldPair], source_sentences: Mapping[str, Sequence[str]], reference_sentences: Sequence[str]
) -> None:
    """Raise InputError when the gold names sentences that the current preparation no longer produces."""
    problems = stale_spans(gold, source_sentences, reference_sentences)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(f"The claims gold is stale: {problems[0]}{more}.")


def _prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> dict:
    """Precision over predictions, recall over gold lines, their harmonic mean, and the counts behind them."""
    return {**prf(tp_pred, n_pred, tp_gold, n_gold),
            "predicted": n_pred, "correct": tp_pred, "gold": n_gold, "found": tp_gold}


def _dedupe(pred: Sequence[PredictedPair]) -> list[PredictedPair]:
    """Keep the first prediction of each (source, source sentence, reference sentence)."""
    seen: dict[tuple[str, str, str], PredictedPair] = {}
    for p in pred:
        seen.setdefault((p.source, p.source_text, p.reference_text), p)
    return list(seen.values())


def _scores_from_hits(sources: Sequence[str], hits: Sequence[set[int]], gold: Sequence[GoldPair],
                      all_sources: Sequence[str] = ()) -> dict:
    """Micro P/R/F1 and per-source figures from each prediction's source and gold hits."""
    per_source = {}
    totals = [0, 0, 0, 0]
    for source in sorted(set(sources) | {g.source for g in gold} | set(all_sources)):
        mine = [h for s, h in zip(sources, hits) if s == source]
        n_gold = sum(g.source == source for g in gold)
        found = len(set().union(*mine)) if mine else 0
        counts = (sum(bool(h) for h in mine), len(mine), found, n_gold)
        per_source[source] = _prf(*counts)
        totals = [a + b for a, b in zip(totals, counts)]
    return {**_prf(*totals), "per_source": per_source}


def claims_scores(pred: Sequence[PredictedPair], gold: Sequence[GoldPair], sources: Sequence[str] = ()) -> dict:
    """Micro-averaged P/R/F1 of predicted pairs against the gold, plus the same per source file.

    A predicted pair is correct when it hits any gold line; a gold line is found when any prediction hits it.
    Duplicate predictions of the same sentence pair count once. `sources` adds per-source rows for files with
    neither predictions nor gold lines.
    """
    preds = _dedupe(pred)
    return _scores_from_hits([p.source for p in preds], gold_hits(preds, gold), gold, sources)


def threshold_curve(candidates: Sequence[PredictedPair], gold: Sequence[GoldPair], thresholds: Sequence[float]) -> list[dict]:
    """Precision, recall and F1 if only candidates scoring at least each threshold were kept as matches."""
    cands = [c for c in _dedupe(candidates) if c.score is not None]
    hits = gold_hits(cands, gold)
    out = []
    for t in thresholds:
        keep = [i for i, c in enumerate(cands) if c.score >= t]
        scores = _scores_from_hits([cands[i].source for i in keep], [hits[i] for i in keep], gold)
        scores.pop("per_source")
        out.append({"threshold": float(t), **scores})
    return out


def format_prf_table(rows: Sequence[tuple[str, dict]], counts: Sequence[str] = ("predicted", "correct", "gold", "found")) -> str:
    """A plain-text table of named P/R/F1 dicts, with the given integer count columns."""
    header = ("", "P", "R", "F1", *counts)
    table = [header]
    for name, m in rows:
        table.append((name, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", *(str(m[k]) for k in counts)))
    widths = [max(len(r[c]) for r in table) for c in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) if c == 0 else cell.rjust(w) for c, (cell, w) in enumerate(zip(r, widths))).rstrip()
        for r in table
    )
