"""`make eval-mt`: translate the non-English seeds and score them against the reference translations.

With real weights (a hub id in the Hugging Face cache, or a local folder) the BLEU/chrF++/TER are real. When no
weights are available (this machine cannot download them), a tiny RANDOM Marian model is built with
translate.fixtures so that the whole path still runs end to end; its scores are meaningless and say so.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Iterator, Sequence

from eval.reference_mt import reference_translations
from eval.results import write_result
from eval.translation_metrics import TranslationScorer
from translate.document import Document
from translate.errors import XlingError
from translate.registry import models_by_language

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
REFERENCE = "002_ade6ea3ef36ce7e0.txt"
MEANINGLESS = "RANDOM TEST FIXTURE MODEL: these scores are MEANINGLESS (no real weights here); they only show the path runs."


def seed_sources(seeds_dir: str | Path = SEEDS) -> list[Document]:
    """The prepared non-English seeds that have reference translations."""
    from translate.prepare import load_document

    docs = [load_document(p) for p in sorted(Path(seeds_dir).glob("*.txt"))]
    return [d for d in docs if d.lang != "en"]


def _translator(lang: str, model: str | None, beam: int):
    """A Translator for `lang`->en, with the random-fixture warning silenced (the caller reports it)."""
    from translate.translator import Translator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Translator(source=lang, target="en", model=model, beam=beam)


def fixture_cache_dir() -> Path:
    """Where the random fixture model is kept between runs: <xling cache folder>/eval-mt-fixture."""
    from translate.cache import default_cache_dir

    return default_cache_dir() / "eval-mt-fixture"


def build_fixture(folder: str | Path, seeds_dir: str | Path = SEEDS) -> Path:
    """The tiny random Marian model used when no real weights exist, built once in `folder` and reused.

    Reusing one folder keeps the model's fingerprint stable, so backends that cache a converted copy
    (CTranslate2) convert it once instead of once per run.
    """
    from translate.fixtures import build_tiny_marian
    from translate.models import is_random_fixture

    target = Path(folder) / "tiny-marian"
    if is_random_fixture(target) and (target / "model.safetensors").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Built beside the target and renamed, so a concurrent or interrupted run never sees half a model.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        built = build_tiny_marian(Path(tmp) / "model", sorted(Path(seeds_dir).glob("*.txt")))
        try:
            os.replace(built, target)
        except OSError:
            if not is_random_fixture(target):  # another run won the race; anything else is a real failure
                raise
    return target


def pick_translators(langs: Sequence[str], models: dict[str, str | None], beam: int, fixture_dir: Path,
                     allow_fixture: bool = True, say=print, fixture_ct2_dir: Path | None = None) -> dict:
    """One Translator per language: its model (None: the registry default); a random fixture where no weights exist.

    A CTranslate2 conversion of the fixture goes to `fixture_ct2_dir` when given (the caller's temporary folder),
    not to the conversion cache in $HF_HOME, which holds real models only.
    """
    chosen: dict = {}
    missing: dict[str, str] = {}
    for lang in langs:
        try:
            chosen[lang] = _translator(lang, models.get(lang), beam)
        except XlingError as exc:
            missing[lang] = str(exc)
    if missing:
        if not allow_fixture:
            raise XlingError(next(iter(missing.values())))
        for lang, why in missing.items():
            say(f"no weights for {lang}-en: {why.split('. ')[0]}.")
        path = build_fixture(fixture_dir)
        with _ct2_dir(fixture_ct2_dir):
            for lang in missing:
                chosen[lang] = _translator(lang, str(path), beam)
    return chosen


@contextlib.contextmanager
def _ct2_dir(folder: Path | None) -> Iterator[None]:
    """Within the block, CTranslate2 conversions go to `folder` (unchanged when None or XLING_CT2_DIR is set)."""
    if folder is None or os.environ.get("XLING_CT2_DIR"):
        yield
        return
    os.environ["XLING_CT2_DIR"] = str(folder)
    try:
        yield  # the backend converts while the Translator is built
    finally:
        os.environ.pop("XLING_CT2_DIR", None)


def evaluate(docs: Sequence[Document], translators: dict, scorer: TranslationScorer | None = None) -> dict:
    """Translate every doc, score it per document, per language and overall; return metrics and hypotheses."""
    scorer = scorer or TranslationScorer()
    rows: dict[str, dict] = {}
    by_lang: dict[str, tuple[list[str], list[str]]] = {}
    all_h: list[str] = []
    all_r: list[str] = []
    hyps_out: dict[str, list[str]] = {}
    for doc in docs:
        refs = reference_translations(doc)
        tr = translators[doc.lang]
        start = time.perf_counter()
        hyps = tr.translate_document(doc)
        seconds = time.perf_counter() - start
        hyps_out[doc.doc_id] = hyps
        scores = scorer.corpus_score(hyps, [refs])
        rows[doc.doc_id] = {
            "lang": doc.lang, "model": tr.model_id, "fixture": bool(tr.is_fixture), "sentences": len(hyps),
            "seconds": round(seconds, 3), **{s.name: round(s.score, 2) for s in scores},
        }
        h, r = by_lang.setdefault(doc.lang, ([], []))
        h.extend(hyps)
        r.extend(refs)
        all_h.extend(hyps)
        all_r.extend(refs)
    for lang, (h, r) in by_lang.items():
        scores = scorer.corpus_score(h, [r])
        tr = translators[lang]
        rows[f"all {lang}"] = {"lang": lang, "model": tr.model_id, "fixture": bool(tr.is_fixture), "sentences": len(h),
                               **{s.name: round(s.score, 2) for s in scores}}
    total = scorer.corpus_score(all_h, [all_r])
    rows["all"] = {"lang": "+".join(by_lang), "model": "", "fixture": any(t.is_fixture for t in translators.values()),
                   "sentences": len(all_h), **{s.name: round(s.score, 2) for s in total}}
    signatures = {s.name: s.signature for s in total}
    return {"rows": rows, "signatures": signatures, "hypotheses": hyps_out}


def format_table(rows: dict[str, dict], metric_names: Sequence[str]) -> str:
    """A compact plain-text table of per-document and aggregate scores."""
    header = ["", "lang", "sents", *metric_names, "model"]
    table = [header]
    for name, row in rows.items():
        model = "RANDOM FIXTURE" if row["fixture"] and row["model"] else row["model"]
        table.append([name, row["lang"], str(row["sentences"]), *(f"{row[m]:.1f}" for m in metric_names), model])
    widths = [max(len(r[c]) for r in table) for c in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) if c in (0, 1, len(header) - 1) else cell.rjust(w)
                               for c, (cell, w) in enumerate(zip(r, widths))).rstrip() for r in table)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: `python -m xling.runs.eval_mt [--model MODEL]`."""
    parser = argparse.ArgumentParser(prog="python -m xling.runs.eval_mt", description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", action="extend", default=[], metavar="[LANG=]MODEL",
                        help="hub id or folder, for every language or as LANG=MODEL for one (default: the registry's "
                             "model per language; an opus-mt-XX-en model only serves XX)")
    parser.add_argument("--seeds", default=str(SEEDS), help="folder of the seed articles")
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--no-fixture", action="store_true",
                        help="fail when weights are missing instead of running a random test model")
    parser.add_argument("--fixture-dir", default=None,
                        help="folder for the random fixture model (default: $XLING_CACHE_DIR or ~/.cache/xling, /eval-mt-fixture)")
    parser.add_argument("--download", action="store_true",
                        help="allow downloading missing weights (default: offline, use the Hugging Face cache only)")
    parser.add_argument("--results", default="results", help="folder for the JSON run record")
    args = parser.parse_args(argv)
    if not args.download:
        # `make eval` needs no network: look in the cache only, instead of retrying a hub that cannot be reached.
        os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        docs = seed_sources(args.seeds)
        langs = sorted({d.lang for d in docs})
        fixture_dir = Path(args.fixture_dir) if args.fixture_dir else fixture_cache_dir()
        with tempfile.TemporaryDirectory(prefix="xling-eval-mt-ct2-") as ct2_tmp:
            translators = pick_translators(langs, models_by_language(args.model, langs), args.beam, fixture_dir,
                                           allow_fixture=not args.no_fixture, say=lambda m: print(m, file=sys.stderr),
                                           fixture_ct2_dir=Path(ct2_tmp))
            result = evaluate(docs, translators)
    except XlingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    fixture = any(t.is_fixture for t in translators.values())
    metric_names = list(result["signatures"])
    if fixture:
        print(f"*** {MEANINGLESS} ***")
    print(format_table(result["rows"], metric_names))
    for name, sig in result["signatures"].items():
        print(f"{name}|{sig}")
    settings = {
        "model": args.model or None,
        "backends": {lang: t.backend_name for lang, t in translators.items()},
        "models": {lang: t.model_id if not t.is_fixture else "random fixture (translate.fixtures.build_tiny_marian)"
                   for lang, t in translators.items()},
        "random_fixture": fixture,
        "beam": args.beam,
        "references": "eval/data/refs (LLM-assisted human-quality translations)",
        "signatures": result["signatures"],
    }
    metrics = {"note": MEANINGLESS if fixture else "real model", "scores": result["rows"]}
    path = write_result("eval-mt", metrics, settings, results_dir=args.results)
    print(f"record: {path}")
    if fixture:
        print(f"*** {MEANINGLESS} ***")
    return 0


if __name__ == "__main__":
    sys.exit(main())
