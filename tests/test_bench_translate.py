"""The translation benchmark's arithmetic: medians per backend and batch size, ratios to transformers."""

from __future__ import annotations

import pytest

from xling.runs import bench_translate as bench

add_ratios, summarise = bench.add_ratios, bench.summarise


def _report(seconds_by_bs: dict[int, float], rss: float, tokens: int = 100) -> dict:
    return {"timings": {str(bs): {"seconds": s, "tokens": tokens, "sentences": 4} for bs, s in seconds_by_bs.items()},
            "load_s": 1.0, "peak_rss_mib": rss, "torch_imported": False, "load": [0.5, 1.5]}


def test_medians_and_ratios_to_hf():
    reports = {
        "hf-fp32": [_report({1: 10, 8: 2}, 800), _report({1: 12, 8: 2}, 820), _report({1: 100, 8: 4}, 810)],
        "ct2-int8": [_report({1: 2, 8: 0.5}, 300), _report({1: 2.5, 8: 0.5}, 310), _report({1: 2, 8: 1}, 305)],
    }
    summary = summarise(reports, [1, 8])
    add_ratios(summary, "hf-fp32")
    hf, ct2 = summary["hf-fp32"], summary["ct2-int8"]
    assert hf["batches"]["1"]["tokens_per_s"] == pytest.approx(100 / 12)  # the median, not the mean
    assert hf["batches"]["8"]["sentences_per_s"] == pytest.approx(4 / 2)
    assert hf["batches"]["1"]["tokens_per_s_min"] == pytest.approx(100 / 100)  # the spread: slowest and fastest
    assert hf["batches"]["1"]["tokens_per_s_max"] == pytest.approx(100 / 10)
    assert hf["load_before_after"] == [[0.5, 1.5]] * 3
    assert hf["peak_rss_mib"] == 820 and hf["rss_ratio"] == 1
    assert ct2["batches"]["1"]["speedup"] == pytest.approx((100 / 2) / (100 / 12))
    assert ct2["batches"]["8"]["speedup"] == pytest.approx(200 / 50)
    assert ct2["rss_ratio"] == pytest.approx(310 / 820)


def test_children_run_with_pinned_thread_settings():
    env = bench.pinned_env(2, "PASSIVE")
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "2" and env["OMP_WAIT_POLICY"] == "PASSIVE"
    assert "OMP_WAIT_POLICY" not in bench.pinned_env(2, "unset")  # left to the runtime's default, to compare
