"""Scorers: chrF equals sacrebleu's, the embedding cache, margins and calibration, with a fake embedder."""

from __future__ import annotations

import random

import numpy as np
import pytest
import sacrebleu

from align.embedders import Embedder, get_embedder
from align.lexical import SpanProfiles, char_profile, chrf
from align.scorers import EmbeddingScorer, HybridScorer, LexicalScorer, make_scorer
from translate.errors import InputError

WORDS = "der die das haus maison la le chat chien katze hund rot rouge blau bleu , . ( ) 1956 8848 m".split()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))


def test_chrf_equals_sacrebleu_sentence_chrf():
    rng = random.Random(1)
    metric = sacrebleu.CHRF()
    pairs = [(_sentence(rng), _sentence(rng)) for _ in range(300)] + [("", ""), ("a", ""), ("", "b"), ("ab", "a")]
    for hyp, ref in pairs:
        expected = metric.sentence_score(hyp, [ref]).score / 100
        assert chrf(char_profile(hyp), char_profile(ref)) == pytest.approx(expected, abs=1e-12), (hyp, ref)


def test_span_profiles_equal_the_profile_of_the_joined_text():
    # Short and empty sentences make n-grams that cross several sentence boundaries; the small vocabulary
    # repeats n-grams within and across sentences, so repeat indices must restart at each span's start.
    rng = random.Random(2)
    texts = [_sentence(rng) for _ in range(60)] + ["", "ab", "c", "der die"]
    rng.shuffle(texts)
    spans = SpanProfiles(texts)
    metric = sacrebleu.CHRF()
    for start in range(len(texts)):
        for length in range(1, min(5, len(texts) - start) + 1):
            joined = " ".join(texts[start:start + length])
            assert spans.get(start, length).same_as(char_profile(joined)), (start, length)
            other = texts[(start * 7) % len(texts)]
            expected = metric.sentence_score(joined, [other]).score / 100
            assert chrf(spans.profile(start, length), char_profile(other)) == pytest.approx(expected, abs=1e-12)
        spans.forget_before(start - 8)


class BagOfWords(Embedder):
    """A deterministic fake embedder: hashed bag of words; counts how many texts it really embedded."""

    name = "bow"

    def __init__(self) -> None:
        super().__init__()
        self.encoded = 0

    def _encode(self, texts):
        self.encoded += len(texts)
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for r, t in enumerate(texts):
            for w in t.lower().split():
                out[r, sum(map(ord, w)) % 64] += 1.0
            out[r, 63] += 0.1  # no zero vectors
        return out


def test_embedding_cache_reuses_vectors():
    emb = BagOfWords()
    a = emb.embed(["x y", "z", "x y"])
    assert emb.encoded == 2 and np.allclose(a[0], a[2])
    emb.embed(["z", "w"])
    assert emb.encoded == 3
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert emb.embed([]).shape[0] == 0


def test_unknown_embedders_are_input_errors():
    with pytest.raises(InputError):
        get_embedder("word2vec")
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(InputError, match="sentence-transformers"):
            get_embedder("st:sentence-transformers/LaBSE")


SRC = ["red house", "blue cat", "old dog", "green tree", "small boat"]
TGT = ["red house", "blue cat", "old dog", "green tree", "small boat"]


def test_embedding_margins_prefer_the_true_pair():
    ps = EmbeddingScorer(BagOfWords()).prepare(SRC, TGT)
    m = ps.matrix()
    assert m.shape == (5, 5) and ((m >= 0) & (m <= 1)).all()
    assert (m.argmax(axis=1) == np.arange(5)).all()
    one = np.ones(1, dtype=int)
    # A two-sentence span against the same two sentences beats it against a wrong pair.
    assert ps.beads(np.array([0]), 2 * one, np.array([0]), 2 * one)[0] > ps.beads(np.array([0]), 2 * one,
                                                                                   np.array([2]), 2 * one)[0]


def test_lexical_and_hybrid_need_line_aligned_translations():
    lex = LexicalScorer()
    with pytest.raises(InputError, match="translation"):
        lex.prepare(SRC, TGT)
    with pytest.raises(InputError, match="must match"):
        lex.prepare(SRC, TGT, SRC[:3])
    m = lex.matrix(SRC, TGT, SRC)
    assert (m.argmax(axis=1) == np.arange(5)).all()
    hyb = HybridScorer(EmbeddingScorer(BagOfWords()), LexicalScorer())
    h = hyb.matrix(SRC, TGT, SRC)
    assert (h.argmax(axis=1) == np.arange(5)).all()
    assert "hybrid" in hyb.signature().format() and "chrF" in hyb.signature().format()


def test_scorer_signatures_are_structured_and_versioned():
    from importlib.metadata import version

    emb = BagOfWords()
    hyb = HybridScorer(EmbeddingScorer(emb, spans="concat"), LexicalScorer(k=2), weight=0.7).signature()
    d = hyb.as_dict()
    assert d["kind"] == "hybrid" and d["weight"] == 0.7 and d["version"] == version("xling")
    assert d["embedding"]["spans"] == "concat" and d["lexical"]["k"] == 2 and "version" not in d["lexical"]
    long, short = hyb.format(), hyb.format(short=True)
    # The version is written once, for the whole nested signature, and the short form is the compact one.
    assert long.count("version:") == 1 and long.endswith(f"|version:{version('xling')}")
    assert short.count("|v:") == 1 and len(short) < len(long) and "w:0.7" in short
    assert EmbeddingScorer(emb).signature() == EmbeddingScorer(emb).signature()
    assert EmbeddingScorer(emb).signature() != EmbeddingScorer(emb, spans="concat").signature()


def test_make_scorer_falls_back_without_translations():
    emb = BagOfWords()
    assert isinstance(make_scorer("hybrid", emb, has_translations=False), EmbeddingScorer)
    assert isinstance(make_scorer("hybrid", emb, has_translations=True), HybridScorer)
    with pytest.raises(InputError):
        make_scorer("lexical", emb, has_translations=False)
    with pytest.raises(InputError):
        make_scorer("cosine", emb)


def test_kernels_compile_without_a_writable_cache(monkeypatch):
    # A read-only install and home give numba no cache location; it must compile in memory, not fail to import.
    import numba

    from align import lexical

    real = numba.njit

    def no_cache(*args, **kwargs):
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", no_cache)
    doubled = lexical._compiled(lambda x: 2 * x)
    assert doubled(21) == 42


def test_a_junk_line_does_not_inflate_the_lexical_margin_of_a_bead():
    # The junk line's best chrF anywhere is near 0; averaged per sentence it would halve the target side's
    # normaliser and make "sentence + junk" outscore the sentence alone. Weighted by characters it cannot.
    hyp = ["the committee approved the new budget for the coming year", "snow fell in the high valleys overnight",
           "the expedition reached the summit on the ninth of may"]
    tgt = [hyp[0], ".....", hyp[1], hyp[2]]
    ps = LexicalScorer().prepare(hyp, tgt, hyp)
    alone, glued = ps.margins(np.array([0, 0]), np.array([1, 1]), np.array([0, 0]), np.array([1, 2]))
    assert glued < alone
