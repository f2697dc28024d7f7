"""`python -m xling.runs.eval_mt` end to end on a tiny random model (its scores are meaningless; the path is what is tested)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from xling.runs.eval_mt import main

SEED = "001_2959add6671d93e8.txt"


def test_eval_mt_with_fixture_model(tmp_path: Path, seeds_dir: Path, tiny_marian_dir: Path, capsys) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(seeds_dir / SEED, seeds / SEED)
    results = tmp_path / "results"
    assert main(["--model", str(tiny_marian_dir), "--seeds", str(seeds), "--beam", "1", "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert "MEANINGLESS" in out and "RANDOM FIXTURE" in out
    assert "BLEU|nrefs:1" in out and "chrF2++|nrefs:1" in out
    (record,) = results.glob("eval-mt-*.json")
    data = json.loads(record.read_text(encoding="utf-8"))
    assert data["settings"]["random_fixture"] is True
    row = data["metrics"]["scores"][SEED]
    assert row["sentences"] == 11 and row["fixture"] is True
    assert 0.0 <= row["chrF2++"] < 50.0  # random weights cannot translate
    assert data["metrics"]["scores"]["all"]["sentences"] == 11


def test_eval_mt_falls_back_to_a_fixture_without_weights(tmp_path: Path, seeds_dir: Path, capsys, monkeypatch) -> None:
    import os
    import tempfile

    # The user's caches as make eval-mt sees them: no XLING_CT2_DIR, so conversions would go to $HF_HOME/xling-ct2.
    monkeypatch.delenv("XLING_CT2_DIR", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(seeds_dir / SEED, seeds / SEED)
    args = ["--model", str(tmp_path / "no-such-model"), "--seeds", str(seeds), "--beam", "1",
            "--fixture-dir", str(tmp_path / "fx"), "--results", str(tmp_path / "r")]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "no weights for de-en" in captured.err and "MEANINGLESS" in captured.out
    model = tmp_path / "fx" / "tiny-marian"
    assert (model / "config.json").is_file()
    stamp = (model / "config.json").stat().st_mtime_ns
    assert main(args) == 0  # the second run reuses the built model
    assert (model / "config.json").stat().st_mtime_ns == stamp
    # No conversion of the random model is left in the user's Hugging Face home, nor a temporary folder.
    assert not (tmp_path / "hf" / "xling-ct2").exists() and not list((tmp_path / "tmp").glob("xling-eval-mt-*"))
    assert "XLING_CT2_DIR" not in os.environ


def test_eval_mt_missing_weights_without_fixture_fails(tmp_path: Path, seeds_dir: Path, capsys) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(seeds_dir / SEED, seeds / SEED)
    code = main(["--model", str(tmp_path / "no-such-model"), "--seeds", str(seeds), "--no-fixture",
                 "--results", str(tmp_path / "r")])
    assert code == 1
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_models_by_language() -> None:
    from translate.registry import models_by_language

    langs = ["de", "fa"]
    assert models_by_language([], langs) == {"de": None, "fa": None}
    assert models_by_language(["facebook/nllb-200-distilled-600M"], langs) == {
        "de": "facebook/nllb-200-distilled-600M", "fa": "facebook/nllb-200-distilled-600M"}
    # An opus-mt model names its source language and is not used for the other one.
    assert models_by_language(["Helsinki-NLP/opus-mt-de-en"], langs) == {"de": "Helsinki-NLP/opus-mt-de-en", "fa": None}
    assert models_by_language(["de=/models/a", "fa=/models/b", "ru=/models/c"], langs) == {"de": "/models/a", "fa": "/models/b"}
