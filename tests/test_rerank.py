"""The optional cross-encoder reranker, on a tiny random cross-encoder built offline (its scores mean nothing)."""

from __future__ import annotations

import json

import numpy as np
import pytest

WORDS = "cuba china xi jinping met president the and of in on a friendship cooperation trade talks said".split()


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    """A randomly initialised BERT sequence classifier with one output, flagged as a test fixture, as
    sentence-transformers publishes cross-encoders (config, safetensors weights, a WordPiece tokenizer)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    from translate.fixtures import FIXTURE_FLAG

    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n", encoding="utf-8")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=5 + len(WORDS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64, num_labels=1)
    BertForSequenceClassification(config).save_pretrained(folder, safe_serialization=True)
    BertTokenizer(str(vocab)).save_pretrained(folder)
    data = json.loads((folder / "config.json").read_text())
    data[FIXTURE_FLAG] = True
    (folder / "config.json").write_text(json.dumps(data))
    return folder


def test_cross_encoder_loads_and_scores_probabilities(tiny_cross_encoder):
    from align.rerank import CrossEncoder

    enc = CrossEncoder(str(tiny_cross_encoder))
    assert enc.is_fixture and enc.signature().endswith("(TEST FIXTURE)")
    pairs = [("Xi met the president of Cuba.", "Xi Jinping met Cuba's president."), ("trade talks", "friendship")]
    scores = enc.score(pairs)
    assert scores.shape == (2,) and np.all((scores > 0) & (scores < 1))
    assert np.allclose(scores, enc.score(pairs))  # inference mode: no dropout, the same pairs score the same


def test_rerank_rescores_only_each_rows_best_candidates(tiny_cross_encoder):
    from align.rerank import CrossEncoder, rerank

    enc = CrossEncoder(str(tiny_cross_encoder))
    src, ref = ["cuba met china", "trade talks"], ["china and cuba", "the president said", "trade", "friendship"]
    scores = np.array([[0.9, 0.1, 0.2, 0.3], [0.0, 0.5, 0.8, 0.1]])
    out = rerank(scores, enc, src, ref, top_k=2)
    kept = [(i, j) for i, j in zip(*np.nonzero(out))]
    assert kept == [(0, 0), (0, 3), (1, 1), (1, 2)]
    assert np.allclose([out[i, j] for i, j in kept], enc.score([(src[i], ref[j]) for i, j in kept]))


def _tiny_job(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("Xi met the president of Cuba.\nTrade talks went on.\n", encoding="utf-8")
    ref = tmp_path / "ref.txt"
    ref.write_text("Xi Jinping met Cuba's president.\nThe two spoke of friendship.\n", encoding="utf-8")
    return tmp_path / "src", ref


def test_compare_refuses_a_random_reranker_outside_tests(tiny_cross_encoder, tmp_path, monkeypatch):
    from translate.errors import InputError
    from xling.pipeline.compare import compare
    from xling.pipeline.english import ALLOW_FIXTURE_ENV

    monkeypatch.delenv(ALLOW_FIXTURE_ENV, raising=False)
    src, ref = _tiny_job(tmp_path)
    with pytest.raises(InputError, match="random test-fixture"):
        compare(src, ref, similarity="lexical", reranker=str(tiny_cross_encoder), progress=False, log=lambda _: None)


def test_compare_with_reranker_says_so_in_every_result(tiny_cross_encoder, tmp_path, monkeypatch):
    from xling.pipeline.compare import compare
    from xling.pipeline.english import ALLOW_FIXTURE_ENV

    monkeypatch.setenv(ALLOW_FIXTURE_ENV, "1")
    src, ref = _tiny_job(tmp_path)
    result = compare(src, ref, similarity="lexical", reranker=str(tiny_cross_encoder), threshold=0.0,
                     progress=False, log=lambda _: None)
    [one] = result.sources
    assert "|rerank:" in one.signature and "(TEST FIXTURE)" in one.signature
    assert "reranked by" in one.matching and result.settings["reranker"] == str(tiny_cross_encoder)
    assert one.possible == [] and "no possible matches" in one.matching
    # Threshold 0: every candidate pair (both references are in each row's top 5) is a match with its model score.
    assert len(one.matches) == 4 and all(0 < m.score < 1 for m in one.matches)
    from xling.pipeline.report import render_report

    html = render_report(result)
    assert "Reranked by the cross-encoder" in html and "calibrated estimate" not in html


def test_missing_reranker_offline_is_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from xling.cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    src, ref = _tiny_job(tmp_path)
    res = CliRunner().invoke(main, ["compare", str(src), "-r", str(ref), "--similarity", "lexical",
                                    "--reranker", "example-org/no-such-cross-encoder"])
    assert res.exit_code == 1, res.output
    lines = [line for line in res.output.splitlines() if "no-such-cross-encoder" in line]
    assert len(lines) == 1 and "not in the local Hugging Face cache" in lines[0]
    assert "Traceback" not in res.output


def test_reranker_is_refused_for_a_corpus_job(tmp_path):
    from click.testing import CliRunner

    from xling.cli import main

    src, ref = _tiny_job(tmp_path)
    res = CliRunner().invoke(main, ["compare", str(src), "-r", str(ref), "-r", str(ref), "--reranker", "x/y"])
    assert res.exit_code == 2 and "--reranker works with one reference file" in res.output


def test_reranker_is_found_by_hub_id_in_the_hub_cache(tiny_cross_encoder, tmp_path, monkeypatch):
    """A cross-encoder downloaded earlier (models--org--name/snapshots/<commit>, refs/main) loads offline by id."""
    import shutil

    from align.rerank import CrossEncoder, cross_encoder_folder

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--example-org--tiny-cross-encoder"
    shutil.copytree(tiny_cross_encoder, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert cross_encoder_folder("example-org/tiny-cross-encoder") == repo / "snapshots" / commit
    assert CrossEncoder("example-org/tiny-cross-encoder").score([("cuba", "china")]).shape == (1,)
