"""Claim matcher basics: calibrated scores, thresholds, many-to-many matches, fallbacks and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from align.claims import CALIBRATION, ClaimMatcher, tfidf_cosine
from translate.errors import InputError

REF = [
    "China and Cuba signed a trade agreement on sugar exports.",
    "The weather in Havana was sunny on Monday.",
    "Cuba firmly upholds the one-China principle.",
    "The football match ended in a draw.",
]
SRC = [  # German: the first restates reference 0, the second reference 2, the third nothing
    "China und Kuba unterzeichneten ein Handelsabkommen über Zuckerexporte.",
    "Kuba hält entschieden am Ein-China-Prinzip fest.",
    "Der Zug nach München hatte zwei Stunden Verspätung.",
]
TRANS = [
    "China and Cuba signed a trade agreement on sugar exports.",
    "Cuba firmly adheres to the one-China principle.",
    "The train to Munich was two hours late.",
]


@pytest.fixture(scope="module")
def matcher() -> ClaimMatcher:
    return ClaimMatcher(similarity="hybrid", threshold=0.5)


def test_scores_are_calibrated_probabilities(matcher):
    scores = matcher.candidate_scores(SRC, REF, source_translations=TRANS)
    assert scores.shape == (3, 4)
    assert ((scores >= 0) & (scores <= 1)).all()
    # Each restated claim scores highest in its row.
    assert scores[0].argmax() == 0 and scores[1].argmax() == 2


def test_match_keeps_pairs_above_threshold_only(matcher):
    matches = matcher.match(SRC, REF, source_translations=TRANS)
    kept = {(m.source_index, m.reference_index) for m in matches}
    assert kept <= {(i, j) for i, j in zip(*np.nonzero(matcher.candidate_scores(SRC, REF, TRANS) >= 0.5))}
    for m in matches:
        assert m.score >= 0.5 and m.translation == TRANS[m.source_index] and m.reference_text == REF[m.reference_index]
    strict = ClaimMatcher(similarity="hybrid", threshold=1.0).match(SRC, REF, source_translations=TRANS)
    assert strict == []


def test_without_translations_falls_back_to_embeddings():
    m = ClaimMatcher(similarity="hybrid")
    scores = m.candidate_scores(SRC, REF)
    assert scores.shape == (3, 4)
    assert m.threshold_for(False) == m.threshold_for(has_translations=False)
    assert all(x.translation is None for x in m.match(SRC, REF))


def test_bad_inputs():
    with pytest.raises(InputError, match="must match"):
        ClaimMatcher(similarity="lexical").match(SRC, REF, source_translations=TRANS[:2])
    with pytest.raises(InputError):
        ClaimMatcher(similarity="nope")
    with pytest.raises(InputError):
        ClaimMatcher(threshold=1.5)
    m = ClaimMatcher(similarity="embedding")
    assert m.match([], REF) == [] and m.match(SRC, []) == []
    assert m.candidate_scores(SRC[:1], REF[:1]).shape == (1, 1)


def test_tfidf_cosine_weighs_rare_shared_words_more():
    # Each source sentence shares one word with one reference sentence: "Havana" is in two of the six
    # sentences, "China" in four. Without IDF both pairs would score 0.5.
    src = ["HAVANA alpha", "China beta"]
    ref = ["Havana gamma", "China delta", "China epsilon", "China zeta", ""]
    sim = tfidf_cosine(src, ref)
    assert sim.shape == (2, 5)
    assert sim[0, 0] > sim[1, 1] > 0.0
    assert sim[0, 1] == 0.0 and (sim[:, 4] == 0.0).all()  # nothing shared, and an empty sentence
    assert np.isclose(tfidf_cosine(["a b b"], ["B a b"])[0, 0], 1.0)
    assert tfidf_cosine([], ref).shape == (0, 5)


def test_signature_reports_the_similarity_actually_used():
    import json
    from importlib.metadata import version

    from align.claims import DEFAULT_THRESHOLDS

    m = ClaimMatcher(similarity="hybrid")
    used = m.signature(has_translations=True).as_dict()
    assert used["similarity"] == "hybrid" and "requested" not in used
    assert used["calibration"] == list(CALIBRATION["hybrid"]) and used["threshold"] == DEFAULT_THRESHOLDS["hybrid"]
    # A source without translations is scored with embeddings: the signature says so, with that setting's numbers.
    fallback = m.signature(has_translations=False)
    d = fallback.as_dict()
    assert d["similarity"] == "embedding" and d["requested"] == "hybrid"
    assert d["calibration"] == list(CALIBRATION["embedding"]) and d["threshold"] == m.threshold_for(False)
    assert d["version"] == version("xling") and json.loads(json.dumps(d)) == d
    assert fallback.format(short=True).startswith("claims|sim:embedding|req:hybrid|")
    assert fallback != m.signature(has_translations=True)
    # chrF and TF-IDF use no embedder, so the lexical signature names none; a given threshold is the one reported.
    lexical = ClaimMatcher(similarity="lexical", threshold=0.3).signature().as_dict()
    assert "embedder" not in lexical and lexical["threshold"] == 0.3


def test_possible_matches_lie_between_the_lower_cut_and_the_threshold(monkeypatch):
    import align.claims as claims

    monkeypatch.setitem(claims.POSSIBLE_THRESHOLDS, "lexical", 0.2)
    scores = np.array([[0.6, 0.3], [0.1, 0.5], [0.2, 0.19]])
    m = ClaimMatcher(similarity="lexical", threshold=0.5)
    src, ref, english = list("abc"), list("xy"), ["A", "B", "C"]  # lexical scores need translations
    assert [(p.source_index, p.reference_index) for p in m.select(scores, src, ref, english)] == [(0, 0), (1, 1)]
    assert [(p.source_index, p.reference_index) for p in m.select_possible(scores, src, ref, english)] == [(0, 1), (2, 0)]
    assert m.signature().as_dict()["possible"] == 0.2
    # A threshold given below the lower cut leaves no second tier: a possible match never outranks a match.
    low = ClaimMatcher(similarity="lexical", threshold=0.15)
    assert low.possible_threshold_for(True) == 0.15 and low.select_possible(scores, src, ref, english) == []
