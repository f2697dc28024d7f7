"""The batch benchmark harness: its table and run record on a tiny corpus, process-tree memory, and its arithmetic.

Timings are never asserted: only that the harness measures, sums and reports what it says it does. The Ray engine
is not run here (a local Ray instance with its actor pools takes over a minute to start on 2 shared cores); its
tree sampling is exercised on a plain process tree and its ratios on hand-made summaries.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from xling.runs import bench_batch as bench
from xling.runs.memory import status_kib


def test_tiny_corpus_gives_the_table_the_ratios_and_a_complete_record(tmp_path, capsys):
    assert bench.main(["--sizes", "3,6", "--references", "2", "--engines", "local", "--results-dir",
                       str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("engine"))
    for column in ("wall s", "docs/s", "Ray start s", "peak RSS MiB", "tree RSS MiB", "load before/after"):
        assert column in lines[head]
    assert [line.split()[:3] for line in lines[head + 1:head + 3]] == [["local", "3", "1"], ["local", "6", "1"]]
    assert any(line.startswith("local: time grows") and "(linear: 2.0x)" in line for line in lines)
    assert "pairing quality the same for every engine: yes" in out
    # Progress: an estimate before the first run, one line per finished run on stderr.
    assert "minutes" in err.splitlines()[0]
    assert sum(1 for line in err.splitlines() if line.startswith("[")) == 2

    (path,) = tmp_path.glob("bench-batch-*.json")
    record = json.loads(path.read_text())
    runs = record["metrics"]["runs"]
    assert set(runs) == {"local-3", "local-6"}
    for key, row in runs.items():
        assert row["wall_s"] > 0 and row["docs_per_s"] == pytest.approx(row["articles"] / row["wall_s"])
        assert row["peak_rss_mib"] > 0 and row["tree_peak_rss_mib"] >= row["peak_rss_mib"] * 0.5
        assert 0 <= row["pairing"]["precision"] <= 1 and 0 <= row["pairing"]["recall"] <= 1
        assert len(row["load_before_after"]) == 1 and set(row["digests"]) == set(bench.OUTPUTS)
    assert set(record["metrics"]["growth"]) == {"local"} and record["metrics"]["ray_over_local"] == {}
    settings = record["settings"]
    assert settings["sizes"] == [3, 6] and settings["engines"] == ["local"] and settings["references"] == 2
    assert settings["cpus"] >= 1 and len(settings["load_average_start_end"]) == 2 and "threads" in settings
    assert not list(tmp_path.glob("xling-bench-batch-*"))  # the corpus and outputs live in a removed temp folder


def test_tree_memory_sums_a_process_and_its_children():
    script = "import subprocess, sys, time; p = subprocess.Popen(['sleep', '30']); print(p.pid, flush=True); " \
             "time.sleep(30)"
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(parent.stdout.readline())
        assert set(bench.process_tree(parent.pid)) >= {parent.pid, grandchild}
        with bench.TreeMemory(parent.pid, interval=0.05) as memory:
            time.sleep(0.3)
        own = status_kib(parent.pid, "VmRSS")
        assert memory.samples >= 2 and memory.peak_processes >= 2
        assert memory.peak_rss_kib > own > 0  # the sleeping grandchild's pages are counted too
    finally:
        for pid in bench.process_tree(parent.pid)[::-1]:
            subprocess.run(["kill", str(pid)], check=False)
        parent.wait()


def test_pairing_quality_counts_source_reference_pairs_and_storyless_sources():
    expected = {"s1": ["r1", "r2"], "s2": ["r1"], "s3": [], "s4": []}
    quality = bench.pairing_quality([["s1", "r1"], ["s2", "r2"], ["s3", "r1"]], expected)
    assert quality["precision"] == pytest.approx(1 / 3) and quality["recall"] == pytest.approx(1 / 3)
    assert (quality["predicted"], quality["expected"]) == (3, 3)
    assert (quality["storyless_unpaired"], quality["storyless"]) == (1, 2)
    stories = {"s1": "a", "s2": "b", "s3": "c", "s4": "c"}
    by_story = bench.pairing_quality([["s1", "r1"], ["s2", "r2"], ["s3", "r1"]], expected, stories)
    assert by_story["missed_by_story"] == {"a": 1, "b": 1} and by_story["wrong_by_story"] == {"b": 1, "c": 1}


def _run(wall: float, docs: int, digest: str = "d") -> dict:
    return {"wall_s": wall, "docs": docs, "ray_start_s": 0.0, "peak_rss_mib": 100.0, "tree_peak_rss_mib": 100.0,
            "tree_peak_pss_mib": 90.0, "tree_processes": 1, "load_before": [1.0, 1.0, 1.0],
            "load_after": [2.0, 1.0, 1.0], "pairing": {"precision": 1.0, "recall": 1.0}, "matches": 0,
            "digests": {"pairs.jsonl": digest}, "stages": ""}


def test_ray_over_local_and_growth_use_medians_of_the_same_run():
    reports = {("local", 10): [_run(10, 10), _run(20, 10), _run(11, 10)],
               ("ray", 10): [_run(20, 10), _run(25, 10), _run(21, 10)],
               ("local", 40): [_run(40, 40)], ("ray", 40): [_run(50, 40, digest="other")]}
    summary = bench.summarise(reports)
    assert summary["local-10"]["wall_s"] == 11 and summary["local-10"]["docs_per_s"] == pytest.approx(10 / 11)
    comp = bench.comparisons(summary, ["local", "ray"], [10, 40])
    assert comp["ray_over_local"]["10"] == pytest.approx((10 / 21) / (10 / 11))
    assert comp["ray_over_local"]["40"] == pytest.approx(0.8)
    assert comp["growth"] == {"local": pytest.approx(40 / 11), "ray": pytest.approx(50 / 21)}
    assert comp["ideal_growth"] == 4
    assert comp["same_outputs_across_engines"] == {"10": True, "40": False}
    lines = bench.comparison_lines(comp)
    assert any("at 40 articles: 0.80 (target >= 0.8: met)" in line for line in lines)
    assert any("at 10 articles: 0.52 (target >= 0.8: NOT met)" in line for line in lines)
    assert any(line.startswith("40 articles:") and line.endswith("NO") for line in lines)
