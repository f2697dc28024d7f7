"""Translation speed and memory: transformers fp32 against CTranslate2 fp32 and int8, on a model the size of
opus-mt-de-en, with every backend producing the same number of tokens.

The model is RANDOM (translate.fixtures with opus-mt-de-en's dimensions: d_model 512, 6+6 layers, 8 heads, FFN 2048,
vocabulary 58101), because weights cannot be downloaded here; speed and memory depend on the shapes, not the values.
Its output is never shown. The inputs are the real German sentences of seeds 000 and 001. Each decode is forced to
exactly --new-tokens tokens (minimum = maximum), so every backend does the same work.

Each (backend, run) is measured in its own subprocess, so peak RSS is that backend's alone; runs of the backends
are interleaved so a machine that gets busier slows all of them alike. Medians over --runs runs are printed with
each one's ratio to transformers fp32 at the same batch size, measured in this same invocation, and written to
results/bench-translate-<time>.json.

    python -m xling.runs.bench_translate            # CPU, 2 threads, batch 1, 8, 32, 3 runs, 24 tokens each
    python -m xling.runs.bench_translate --quick    # a smoke run: one run, few sentences, short outputs

Every child runs with pinned settings, printed at the start: OMP_NUM_THREADS, MKL_NUM_THREADS and
OPENBLAS_NUM_THREADS at --threads, CTranslate2's intra_threads at --threads, and OMP_WAIT_POLICY=PASSIVE
(--omp-wait-policy; "unset" leaves the runtime's default): spinning threads on shared cores slow every backend,
transformers most, and made the ratio a measure of the machine's load. The table gives the median and the spread
(min-max) of the runs, and the 1-minute load average before and after each run, so a figure measured on a busy
machine says so. --variants measures CTranslate2 settings (CT2_VARIANTS) beside ct2-int8.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from xling.runs.memory import peak_rss_mib

ROOT = Path(__file__).resolve().parents[2]
SEED_FILES = [ROOT / "seeds" / "000_2c29ad0641dc83f6.txt", ROOT / "seeds" / "001_2959add6671d93e8.txt"]
# opus-mt-de-en's shapes (its config.json): the benchmark model has these and random weights.
OPUS_MT_DE_EN = dict(d_model=512, layers=6, heads=8, ffn=2048, vocab_size=58101, max_positions=512)
# (label, backend, precision): the quantization for ct2, the torch dtype for hf.
CPU_CONFIGS = [("hf-fp32", "hf", "float32"), ("ct2-fp32", "ct2", "float32"), ("ct2-int8", "ct2", "int8")]
CUDA_CONFIGS = [("hf-fp16", "hf", "float16"), ("ct2-fp16", "ct2", "float16"),
                ("ct2-int8fp16", "ct2", "int8_float16")]
# CTranslate2 settings tried against ct2-int8 (--variants); what they measured is in the README ("Translation speed").
CT2_VARIANTS = {
    # Two workers of one thread, each decoding half of every call, instead of one worker with both threads.
    "ct2-int8-inter2": {"inter_threads": 2, "intra_threads": 1},
    "ct2-int8-tokens": {"batch_type": "tokens", "max_batch_size": 1024},  # batches bounded by tokens, not sentences
    # CTranslate2 uses oneDNN on AMD CPUs and its bundled Intel MKL only on Intel ones unless told otherwise.
    "ct2-int8-mkl": {"env": {"CT2_USE_MKL": "1"}},
}
TARGET_SPEEDUP, TARGET_RSS_RATIO = 4.0, 0.4


def german_sentences(limit: int) -> list[str]:
    """Real German sentences from the seed articles, prepared as xling prepares any document."""
    from translate.prepare import load_document

    sentences: list[str] = []
    for path in SEED_FILES:
        sentences.extend(load_document(path, lang="de").texts())
    distinct = list(dict.fromkeys(s for s in sentences if len(s.split()) >= 3))
    if not distinct:
        raise RuntimeError("no German sentences found in the seeds")
    # Repeat the seed sentences when more are asked for than the two articles hold.
    return [distinct[i % len(distinct)] for i in range(limit)]


def build_model(folder: Path) -> Path:
    """The random opus-mt-de-en-sized Marian model, without a forced EOS so min = max length is exact."""
    from translate.fixtures import build_tiny_marian

    if not (folder / "config.json").exists():
        build_tiny_marian(folder, [ROOT / "seeds" / f for f in os.listdir(ROOT / "seeds") if f.endswith(".txt")],
                          init_std=0.02, **OPUS_MT_DE_EN)
    gen_file = folder / "generation_config.json"
    gen = json.loads(gen_file.read_text())
    gen.pop("forced_eos_token_id", None)
    gen_file.write_text(json.dumps(gen, indent=2))
    return folder


# ---------------------------------------------------------------------------------------------- child process
def _hf_runner(spec: dict):
    """A function translating a batch to exactly spec['new_tokens'] tokens with transformers; returns tokens made."""
    import torch

    from translate.hf_backend import HFBackend

    torch.set_num_threads(spec["threads"])
    backend = HFBackend(spec["model"], "marian", device=spec["device"], source="de", target="en",
                        dtype=spec["precision"])
    n = spec["new_tokens"]

    def run(texts: list[str]) -> int:
        inputs = backend.tokenizer(texts, return_tensors="pt", padding=True).to(backend.device)
        with torch.inference_mode():
            out = backend.model.generate(**inputs, num_beams=spec["beam"], do_sample=False, min_new_tokens=n,
                                         max_new_tokens=n, max_length=None)
        return int((out.shape[1] - 1) * out.shape[0])  # minus the decoder start token

    return run, backend.count_tokens


def _ct2_runner(spec: dict):
    """The same with CTranslate2 (the model converted beforehand, so no conversion is timed or counted)."""
    from translate.ct2_backend import CT2Backend

    options = spec.get("ct2_options", {})
    backend = CT2Backend(spec["model"], "marian", device=spec["device"], quantization=spec["precision"],
                         threads=spec["threads"], max_batch_size=options.get("max_batch_size", max(spec["batch_sizes"])),
                         batch_type=options.get("batch_type", "examples"), cache_root=spec["ct2_root"])
    if "inter_threads" in options:
        import ctranslate2

        backend.translator = ctranslate2.Translator(str(backend.path), device=spec["device"],
                                                    inter_threads=options["inter_threads"],
                                                    intra_threads=options["intra_threads"])
    n = spec["new_tokens"]
    workers = options.get("inter_threads", 1)

    def run(texts: list[str]) -> int:
        if workers > 1:
            backend.max_batch_size = max(1, -(-len(texts) // workers))  # a part of the batch for each worker
        ids = backend.generate_ids(texts, beam=spec["beam"], max_new_tokens=n, min_new_tokens=n)
        return sum(len(row) for row in ids)

    return run, backend.count_tokens


def child(spec: dict) -> dict:
    """Load one backend, warm it up, time one pass over the sentences per batch size; report with peak RSS."""
    from translate.batching import length_batches

    t0 = time.perf_counter()
    run, count_tokens = (_hf_runner if spec["backend"] == "hf" else _ct2_runner)(spec)
    load_s = time.perf_counter() - t0
    texts = spec["sentences"]
    lengths = count_tokens(texts)
    run(texts[:2])  # warm-up: first calls allocate caches and pick kernels
    timings = {}
    for bs in spec["batch_sizes"]:
        subset = texts[: spec["per_batch_size_sentences"][str(bs)]]
        tokens = 0
        start = time.perf_counter()
        for batch in length_batches(lengths[: len(subset)], bs):
            tokens += run([subset[i] for i in batch])
        seconds = time.perf_counter() - start
        timings[str(bs)] = {"seconds": seconds, "tokens": tokens, "sentences": len(subset)}
    return {"timings": timings, "load_s": load_s, "peak_rss_mib": peak_rss_mib(),
            "torch_imported": "torch" in sys.modules}


# ---------------------------------------------------------------------------------------------- parent process
def pinned_env(threads: int, wait_policy: str) -> dict[str, str]:
    """The thread and OpenMP settings every child runs with ("unset" leaves OMP_WAIT_POLICY to the runtime)."""
    env = {var: str(threads) for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    if wait_policy != "unset":
        env["OMP_WAIT_POLICY"] = wait_policy
    env["TOKENIZERS_PARALLELISM"] = "false"
    return env


def _run_child(spec: dict, threads: int, wait_policy: str) -> dict:
    """Run `child(spec)` in a fresh interpreter with the pinned settings; its report gains the load average
    (1 minute) just before and just after it ran."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")}
    env.update(pinned_env(threads, wait_policy), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PYTHONWARNINGS="ignore", TRANSFORMERS_VERBOSITY="error")
    env.update(spec.get("ct2_options", {}).get("env", {}))
    load_before = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, "-m", "xling.runs.bench_translate", "--child", json.dumps(spec)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{spec['label']} failed:\n{proc.stderr[-3000:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["load"] = [load_before, os.getloadavg()[0]]
    return report


def _devices(requested: str) -> list[str]:
    """cpu, plus cuda where it is there and asked for ("auto")."""
    if requested != "auto":
        return [requested]
    try:
        import ctranslate2
        import torch

        if torch.cuda.is_available() and ctranslate2.get_cuda_device_count() > 0:
            return ["cpu", "cuda"]
    except ImportError:
        pass
    return ["cpu"]


def summarise(reports: dict[str, list[dict]], batch_sizes: list[int]) -> dict:
    """Medians (with the spread: min and max) per (config, batch size), and each run's load before and after."""
    out: dict = {}
    for label, runs in reports.items():
        rows = {}
        for bs in batch_sizes:
            per = [r["timings"][str(bs)] for r in runs]
            speeds = [p["tokens"] / p["seconds"] for p in per]
            rows[str(bs)] = {
                "tokens_per_s": statistics.median(speeds),
                "tokens_per_s_min": min(speeds),
                "tokens_per_s_max": max(speeds),
                "sentences_per_s": statistics.median(p["sentences"] / p["seconds"] for p in per),
                "tokens": per[0]["tokens"],
                "runs": len(per),
            }
        out[label] = {"batches": rows, "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
                      "load_s": statistics.median(r["load_s"] for r in runs),
                      "load_before_after": [r.get("load") for r in runs],
                      "torch_imported": any(r["torch_imported"] for r in runs)}
    return out


def add_ratios(summary: dict, baseline: str) -> None:
    """Each config's tokens/s and peak RSS as a multiple of the baseline's."""
    base = summary[baseline]
    for entry in summary.values():
        entry["rss_ratio"] = entry["peak_rss_mib"] / base["peak_rss_mib"]
        for bs, row in entry["batches"].items():
            row["speedup"] = row["tokens_per_s"] / base["batches"][bs]["tokens_per_s"]


def print_table(summary: dict, device: str, baseline: str) -> None:
    """The benchmark table on stdout: medians, spread, ratios to `baseline`, and the load each run saw."""
    print(f"\n{device}: tokens/s median (min-max) over runs; x base = ratio of medians to {baseline} in this run")
    print(f"{'backend':<20}{'batch':>6}{'tokens/s':>10}{'min-max':>16}{'sent/s':>9}{'x base tok/s':>14}"
          f"{'peak RSS MiB':>14}{'x base RSS':>12}")
    for label, entry in summary.items():
        for bs, row in entry["batches"].items():
            spread = f"{row['tokens_per_s_min']:.0f}-{row['tokens_per_s_max']:.0f}"
            print(f"{label:<20}{bs:>6}{row['tokens_per_s']:>10.1f}{spread:>16}{row['sentences_per_s']:>9.2f}"
                  f"{row['speedup']:>14.2f}{entry['peak_rss_mib']:>14.0f}{entry['rss_ratio']:>12.2f}")
    print("load average (1 min) before -> after each run:")
    for label, entry in summary.items():
        loads = "  ".join(f"{a:.1f}->{b:.1f}" for a, b in filter(None, entry.get("load_before_after", [])))
        print(f"  {label:<20}{loads}")


def main(argv: list[str] | None = None) -> int:
    """Parse options, build and convert the model, run the interleaved measurements, print and record."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="measurements per backend (median reported)")
    ap.add_argument("--batch-sizes", default="1,8,32")
    ap.add_argument("--sentences", type=int, default=32,
                    help="at most this many sentences per pass; a pass is two batches, at least 4 sentences")
    ap.add_argument("--new-tokens", type=int, default=24, help="output tokens per sentence (min = max)")
    ap.add_argument("--beam", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    # Spinning OpenMP threads wait out whole time slices when other jobs share the cores: on a busy machine
    # transformers with 2 spinning threads ran many times slower than with 1. Passive waiting measures the code.
    ap.add_argument("--omp-wait-policy", default="PASSIVE", choices=["PASSIVE", "ACTIVE", "unset"])
    ap.add_argument("--variants", default="", help="CTranslate2 settings to measure beside ct2-int8, comma-"
                    f"separated: {', '.join(CT2_VARIANTS)}")
    ap.add_argument("--only", default="", help="measure only these configurations (comma-separated labels)")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--workdir", type=Path, default=None, help="keep the model and conversions here for reuse")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 1 run, few sentences, short outputs")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    if args.quick:
        args.runs, args.sentences, args.new_tokens = 1, 8, 8
    variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in variants if v not in CT2_VARIANTS]
    if unknown:
        ap.error(f"unknown --variants {', '.join(unknown)}; choose from {', '.join(CT2_VARIANTS)}")

    from eval.results import write_result
    from translate.ct2_backend import converted_model

    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    # Two batches per pass: enough to time; more would only stretch the run on 2 cores.
    per_bs = {str(bs): max(4, min(args.sentences, 2 * bs)) for bs in batch_sizes}
    sentences = german_sentences(max(per_bs.values()))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="xling-bench-"))
    started = time.time()
    # Other work on the machine skews timings; the load average is recorded so a reader can judge.
    load_start = os.getloadavg()
    env_text = " ".join(f"{k}={v}" for k, v in pinned_env(args.threads, args.omp_wait_policy).items())
    print(f"bench-translate: beam {args.beam}, {args.new_tokens} output tokens per sentence (min = max), "
          f"{args.runs} run(s) per backend interleaved, sentences per batch size {per_bs}; random model with "
          f"opus-mt-de-en's shapes; each run in its own process with {env_text} "
          f"(CT2 intra_threads={args.threads}); load average 1/5/15 min at start "
          f"{' / '.join(f'{x:.2f}' for x in load_start)}", flush=True)
    try:
        model = build_model(workdir / "opus-mt-de-en-shaped-random")
        ct2_root = workdir / "ct2"
        metrics: dict = {}
        for device in _devices(args.device):
            configs = CPU_CONFIGS if device == "cpu" else CUDA_CONFIGS
            if device == "cpu":
                configs = configs + [(v, "ct2", "int8") for v in variants]
            if args.only:
                configs = [c for c in configs if c[0] in args.only.split(",")]
            for _, backend, precision in configs:
                if backend == "ct2":
                    converted_model(model, precision, ct2_root)  # converted once, outside the timed children
            reports: dict[str, list[dict]] = {label: [] for label, _, _ in configs}
            for run in range(args.runs):
                for label, backend, precision in configs:
                    spec = {"label": label, "backend": backend, "precision": precision, "device": device,
                            "model": str(model), "ct2_root": str(ct2_root), "threads": args.threads,
                            "beam": args.beam, "new_tokens": args.new_tokens, "batch_sizes": batch_sizes,
                            "per_batch_size_sentences": per_bs, "sentences": sentences,
                            "ct2_options": CT2_VARIANTS.get(label, {})}
                    report = _run_child(spec, args.threads, args.omp_wait_policy)
                    reports[label].append(report)
                    speeds = ", ".join(f"{t['tokens'] / t['seconds']:.0f}" for t in report["timings"].values())
                    print(f"run {run + 1}/{args.runs} {device} {label}: {speeds} tokens/s at batch "
                          f"{args.batch_sizes}; load {report['load'][0]:.1f}->{report['load'][1]:.1f}",
                          file=sys.stderr, flush=True)
            summary = summarise(reports, batch_sizes)
            add_ratios(summary, configs[0][0])
            print_table(summary, device, configs[0][0])
            metrics[device] = summary
        cpu = metrics["cpu"]
        big = str(max(batch_sizes))
        int8 = cpu.get("ct2-int8")
        if int8 is not None and "hf-fp32" in cpu:
            speedup, rss = int8["batches"][big]["speedup"], int8["rss_ratio"]
            met = {"speedup": speedup >= TARGET_SPEEDUP, "rss": rss <= TARGET_RSS_RATIO}
            metrics["targets"] = {"ct2_int8_speedup_at_max_batch": speedup, "ct2_int8_rss_ratio": rss,
                                  "speedup_target": TARGET_SPEEDUP, "rss_ratio_target": TARGET_RSS_RATIO, "met": met}
            print(f"\ntarget: ct2-int8 >= {TARGET_SPEEDUP:g}x HF tokens/s at batch {big}: {speedup:.2f}x "
                  f"({'met' if met['speedup'] else 'NOT met'}); peak RSS <= {TARGET_RSS_RATIO:g}x HF: {rss:.2f}x "
                  f"({'met' if met['rss'] else 'NOT met'})")
        settings = {"model": "random Marian with opus-mt-de-en shapes", "shapes": OPUS_MT_DE_EN,
                    "threads": args.threads, "omp_wait_policy": args.omp_wait_policy,
                    "child_env": pinned_env(args.threads, args.omp_wait_policy), "variants": variants,
                    "runs": args.runs, "batch_sizes": batch_sizes,
                    "sentences_per_batch_size": per_bs, "new_tokens": args.new_tokens, "beam": args.beam,
                    "inputs": [p.name for p in SEED_FILES], "quick": args.quick,
                    "load_average_start_end": [load_start, os.getloadavg()],
                    "wall_s": round(time.time() - started, 1)}
        path = write_result("bench-translate", metrics, settings, results_dir=ROOT / "results")
        print(f"\nload average 1/5/15 min at end {' / '.join(f'{x:.2f}' for x in os.getloadavg())}; "
              f"record: {path.relative_to(ROOT)} ({time.time() - started:.0f} s)")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
