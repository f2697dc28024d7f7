"""xling.runs.bench_align on a tiny stand-in of the Text+Berg folder (the real data stays outside the repo)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xling.runs import bench_align
from translate.errors import InputError

DE = ["Der Berg ist hoch.", "Wir stiegen am Morgen auf.", "Das Wetter war gut.", "Oben lag viel Schnee."]
FR = ["La montagne est haute.", "Nous sommes montés le matin.", "Le temps était beau.",
      "Il y avait beaucoup de neige au sommet.", "Photo : Club alpin suisse, Zurich"]
MT = ["La montagne est haute.", "Nous sommes montés le matin.", "Le temps était bon.", "En haut, il y avait beaucoup de neige."]
GOLD = "[0]:[0]\n[1]:[1]\n[2]:[2]\n[3]:[3]\n[]:[4]\n"


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "textberg"
    d.mkdir()
    for name, lines in {"dev.de": DE, "dev.fr": FR, "dev.google.fr": MT}.items():
        (d / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (d / "dev.defr").write_text(GOLD, encoding="utf-8")
    return d


def test_missing_data_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("XLING_TEXTBERG", str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match="XLING_TEXTBERG"):
        bench_align.data_dir()
    assert bench_align.main([]) == 2


def test_quality_table_and_record(folder, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert bench_align.main(["--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "hybrid" in out and "embedding" in out and "lexical" in out and "emb-concat" in out
    record = json.loads(next((tmp_path / "results").glob("eval-align-*.json")).read_text())
    assert record["metrics"]["hybrid"]["strict"]["f1"] == pytest.approx(1.0)


def test_long_pair_keeps_blocks_parallel(folder):
    src, tgt, mt = bench_align.long_pair(folder, 9)
    assert len(src) >= 9 and len(mt) == len(src)
    assert set(src) <= set(DE) and set(tgt) <= set(FR)


def test_rows_choose_the_settings_run(folder, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert bench_align.main(["--data", str(folder), "--rows", "embedding,lexical"]) == 0
    record = json.loads(next((tmp_path / "results").glob("eval-align-*.json")).read_text())
    assert list(record["metrics"]) == ["embedding", "lexical"] and record["settings"]["rows"] == ["embedding", "lexical"]
    assert record["metrics"]["lexical"]["signature"]["kind"] == "parallel"
    assert bench_align.main(["--data", str(folder), "--rows", "hybrid,nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_speed_prints_the_growth_table_with_ratios_memory_and_load(folder, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["--data", str(folder), "--speed", "--sizes", "10,40", "--full", "80", "--runs", "1"]
    assert bench_align.main(args) == 0
    captured = capsys.readouterr()
    assert "expected to take about" in captured.err and "OPENBLAS_NUM_THREADS=" in captured.err
    assert "x time" in captured.out and "peak MiB" in captured.out and "load average" in captured.out
    record = json.loads(next((tmp_path / "results").glob("bench-align-*.json")).read_text())
    rows = record["metrics"]["growth"]
    assert [(r["similarity"], r["lines"]) for r in rows] == [("embedding", 10), ("hybrid", 10), ("embedding", 40),
                                                            ("hybrid", 40)]
    assert rows[2]["lines_ratio"] == 4.0 and rows[2]["ratio"] > 0 and "ratio" not in rows[0]
    assert record["metrics"]["full"]["lines"] == 80 and record["metrics"]["full"]["n_src"] >= 80
    assert bench_align.main(["--data", str(folder), "--speed", "--sizes", "1k"]) == 2
