"""`xling translate` and `xling models` end to end on tiny random models (no network)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_translate_models import install_in_hf_cache
from translate.prepare import load_document
from xling.cli import main

GERMAN = "000_2c29ad0641dc83f6.txt"
GERMAN_TWICE = "001_2959add6671d93e8.txt"
ENGLISH = "002_ade6ea3ef36ce7e0.txt"
PERSIAN = "003_25baae2a21a7165f.txt"
FAST = ["--backend", "hf", "--beam", "1", "--max-length", "24", "--no-cache"]


@pytest.fixture(autouse=True)
def isolated_caches(tmp_path, monkeypatch):
    """Keep the translation cache and the HF cache inside the test's folder."""
    monkeypatch.setenv("XLING_CACHE_DIR", str(tmp_path / "xling-cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def run(*args: str):
    """Invoke the CLI in-process; stdout and stderr stay apart."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def sentence_count(path: Path) -> int:
    return len(load_document(path).sentences)


def test_file_to_stdout_one_line_per_sentence(tiny_marian_dir, seeds_dir):
    res = run("translate", seeds_dir / GERMAN, "--model", tiny_marian_dir, *FAST)
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == sentence_count(seeds_dir / GERMAN) > 10
    assert all(line.strip() for line in lines)
    assert "backend: hf" in res.stderr
    assert "RANDOM TEST MODEL" in res.stderr and "NOT a translation" in res.stderr
    again = run("translate", seeds_dir / GERMAN, "--model", tiny_marian_dir, *FAST)
    assert again.stdout == res.stdout  # deterministic


def test_repeated_body_is_translated_once(tiny_marian_dir, seeds_dir):
    res = run("translate", seeds_dir / GERMAN_TWICE, "--model", tiny_marian_dir, *FAST)
    assert res.exit_code == 0, res.stderr
    doc = load_document(seeds_dir / GERMAN_TWICE)
    assert len(res.stdout.splitlines()) == len(doc.sentences)
    assert any(d.reason.startswith("duplicate") for d in doc.dropped)


def test_jsonl_and_tsv_formats(tiny_marian_dir, seeds_dir, tmp_path):
    out = tmp_path / "out.jsonl"
    res = run("translate", seeds_dir / GERMAN, "--model", tiny_marian_dir, "--format", "jsonl", "-o", out, *FAST)
    assert res.exit_code == 0, res.stderr
    doc = load_document(seeds_dir / GERMAN)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["index"] for r in rows] == list(range(len(doc.sentences)))
    assert {r["doc_id"] for r in rows} == {GERMAN}
    for row, sent in zip(rows, doc.sentences):
        assert row["source"] == sent.text and row["offsets"] == [sent.start, sent.end]
        assert isinstance(row["translation"], str)
    res = run("translate", seeds_dir / GERMAN, "--model", tiny_marian_dir, "--format", "tsv", *FAST)
    rows = [line.split("\t") for line in res.stdout.splitlines()]
    assert len(rows) == len(doc.sentences) and all(len(r) == 2 for r in rows)
    assert [r[1] for r in rows] == [r["translation"] for r in
                                     map(json.loads, out.read_text(encoding="utf-8").splitlines())]


def test_stdin_with_given_language(tiny_nllb_dir, seeds_dir):
    text = (seeds_dir / PERSIAN).read_text(encoding="utf-8")
    res = CliRunner().invoke(main, ["translate", "-", "-s", "fa", "--model", str(tiny_nllb_dir), *FAST], input=text)
    assert res.exit_code == 0, res.stderr
    assert len(res.stdout.splitlines()) == sentence_count(seeds_dir / PERSIAN)


def test_folder_to_folder_and_resume(tiny_nllb_dir, seeds_dir, tmp_path):
    out = tmp_path / "out"
    res = run("translate", seeds_dir, "-o", out, "--model", tiny_nllb_dir, *FAST)
    assert res.exit_code == 0, res.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [GERMAN, GERMAN_TWICE, ENGLISH, PERSIAN]
    for name in names:
        assert len((out / name).read_text(encoding="utf-8").splitlines()) == sentence_count(seeds_dir / name)
    # English passes through unchanged.
    english = load_document(seeds_dir / ENGLISH)
    assert (out / ENGLISH).read_text(encoding="utf-8").splitlines() == english.texts()
    assert f"{ENGLISH}: language 'en'" in res.stderr
    # Both German and Persian were translated (one translator per language).
    assert res.stderr.count("backend: hf") == 2
    before = {n: (out / n).read_bytes() for n in names}
    again = run("translate", seeds_dir, "-o", out, "--model", tiny_nllb_dir, *FAST)
    assert again.exit_code == 0 and "skipping 4 of 4" in again.stderr
    assert {n: (out / n).read_bytes() for n in names} == before


def test_file_into_existing_folder(tiny_marian_dir, seeds_dir, tmp_path):
    res = run("translate", seeds_dir / GERMAN, "-o", tmp_path, "--model", tiny_marian_dir, *FAST)
    assert res.exit_code == 0, res.stderr
    assert len((tmp_path / GERMAN).read_text(encoding="utf-8").splitlines()) == sentence_count(seeds_dir / GERMAN)


def test_folder_needs_output(seeds_dir):
    res = CliRunner().invoke(main, ["translate", str(seeds_dir)])
    assert res.exit_code == 2 and "-o OUTDIR" in res.stderr and "Traceback" not in res.output


def test_missing_weights_exit_cleanly(seeds_dir, tmp_path):
    res = CliRunner().invoke(main, ["translate", str(seeds_dir / GERMAN)])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    assert "Helsinki-NLP/opus-mt-de-en" in res.stderr
    assert "xling models pull de-en" in res.stderr
    assert str(tmp_path / "hf" / "hub") in res.stderr
    assert res.stdout == ""
    assert "translating" not in res.stderr  # the model loads before any progress bar is drawn


def test_default_model_found_in_hf_cache(tiny_marian_dir, seeds_dir, tmp_path):
    snapshot = install_in_hf_cache(tiny_marian_dir, tmp_path / "hf", "Helsinki-NLP/opus-mt-de-en")
    listing = run("models", "list")
    assert listing.exit_code == 0
    row = next(line for line in listing.stdout.splitlines() if line.startswith("de-en"))
    assert "present" in row and str(snapshot) in row
    assert "not downloaded" in next(line for line in listing.stdout.splitlines() if line.startswith("fa-en"))
    assert run("models", "path", "de-en").stdout.strip() == str(snapshot)
    pulled = run("models", "pull", "de-en")
    assert pulled.exit_code == 0 and pulled.stdout.strip() == str(snapshot)  # already there: no download
    res = run("translate", seeds_dir / GERMAN, *FAST)
    assert res.exit_code == 0, res.stderr
    assert len(res.stdout.splitlines()) == sentence_count(seeds_dir / GERMAN)
    assert "Helsinki-NLP/opus-mt-de-en" in res.stderr


def test_models_path_and_pull_without_weights(tmp_path):
    res = run("models", "path", "fa-en")
    assert res.exit_code == 0
    assert res.stdout.strip() == str(tmp_path / "hf" / "hub" / "models--facebook--nllb-200-distilled-600M")
    res = CliRunner().invoke(main, ["models", "pull", "fa-en"])
    assert res.exit_code == 1 and "HF_HUB_OFFLINE" in res.stderr and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["models", "pull"])
    assert res.exit_code == 2


def test_help_texts():
    for args in (["translate"], ["models"], ["models", "list"], ["models", "pull"], ["models", "path"]):
        res = run(*args, "--help")
        assert res.exit_code == 0 and len(res.stdout) > 200


@pytest.mark.slow
def test_resume_after_kill(tiny_marian_dir, seeds_dir, tmp_path):
    src = tmp_path / "docs"
    src.mkdir()
    sentences = load_document(seeds_dir / GERMAN).texts()
    assert len(sentences) >= 24
    for i in range(6):
        # Four different German sentences per document, one per line.
        (src / f"doc{i}.txt").write_text("\n".join(sentences[4 * i:4 * i + 4]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["translate", src, "-o", out, "--model", tiny_marian_dir, *FAST, "-q"]
    # Only a real process can be killed with SIGKILL; the resume that follows runs in-process.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen([sys.executable, "-m", "xling.cli", *map(str, args)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.is_dir() and any(p.suffix == ".txt" for p in out.iterdir()):
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    finished = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert 1 <= len(finished)
    print(f"killed after {len(finished)} of 6 documents")
    for name in finished:  # whatever exists is complete
        assert len((out / name).read_text(encoding="utf-8").splitlines()) == sentence_count(src / name)

    done = run(*args)
    assert done.exit_code == 0, done.stderr
    if len(finished) < 6:
        assert f"skipping {len(finished)} of 6" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"doc{i}.txt" for i in range(6)]  # no temporary files left
    for i in range(6):
        lines = (out / f"doc{i}.txt").read_text(encoding="utf-8").splitlines()
        assert len(lines) == sentence_count(src / f"doc{i}.txt")


def test_cuda_without_gpu_is_a_usage_error(tiny_marian_dir, seeds_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    res = CliRunner().invoke(main, ["translate", str(seeds_dir / GERMAN), "--model", str(tiny_marian_dir),
                                    "--device", "cuda", *FAST])
    assert res.exit_code == 2 and "cuda" in res.stderr and "Traceback" not in res.output
