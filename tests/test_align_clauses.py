"""Clause units: boundaries, short pieces glued, numbers kept whole, max pooling over units."""

from __future__ import annotations

import numpy as np

from align.clauses import clauses, max_pool, units


def test_compound_sentence_splits_into_claims():
    text = ("Cuba firmly adheres to the one-China principle and supports the Belt and Road Initiative; "
            "it is willing to strengthen coordination with China.")
    parts = clauses(text)
    assert parts[0] == "Cuba firmly adheres to the one-China principle"
    assert any(p.startswith("it is willing") for p in parts)
    assert " ".join(parts).replace(";", "").split() == text.replace(";", "").split()


def test_short_pieces_and_numbers_stay_whole():
    assert clauses("He paid 1,000 dollars for it.") == ["He paid 1,000 dollars for it."]
    assert clauses("Yes, he said so.") == ["Yes he said so."]
    assert clauses("Nothing to split here") == ["Nothing to split here"]
    persian = "کوبا قاطعانه بر اصل چین واحد پایبند است، و از ابتکار توسعه جهانی حمایت می کند."
    assert len(clauses(persian)) == 2


def test_units_and_max_pool():
    flat, owner = units(["a b c, d e f g", "x y z"])
    assert flat == ["a b c, d e f g", "a b c", "d e f g", "x y z"] and owner.tolist() == [0, 0, 0, 1]
    sim = np.array([[0.1, 0.2], [0.9, 0.0], [0.3, 0.4], [0.5, 0.6]])  # 4 source units x 2 target units
    pooled = max_pool(sim, owner, np.array([0, 1]), 2, 2)
    assert pooled.tolist() == [[0.9, 0.4], [0.5, 0.6]]


def test_hybrid_matches_one_claim_of_a_compound_sentence():
    from align.claims import ClaimMatcher

    ref = ["Cuba firmly upholds the one-China principle, Diaz-Canel said.",
           "The weather in Havana was sunny on Monday.",
           "Latin America is in the US' geopolitical reach."]
    trans = ["The minister arrived on Friday, visited a factory and praised the workers; "
             "he also said that Cuba firmly adheres to the one-China principle.",
             "The train to Munich was two hours late."]
    matcher = ClaimMatcher(similarity="hybrid")
    whole = matcher.clause_similarity(trans, ref)
    assert whole.shape == (2, 3) and whole[0].argmax() == 0
    # The clause, not the whole compound sentence, carries the similarity.
    assert whole[0, 0] > float((matcher._embed(trans[:1]) @ matcher._embed(ref[:1]).T)[0, 0])
