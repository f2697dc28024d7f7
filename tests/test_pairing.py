"""Document pairing: which English references report a source's story (align/pairing.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from align.pairing import (
    PAIRING_CUTS,
    DocumentProfile,
    Pairing,
    calibrate_cut,
    pair_by_group,
    pair_documents,
    pair_profiles,
    paired_references,
    pairing_cut,
    profile_documents,
    profile_vectors,
    score_pair,
)
from translate.errors import InputError
from translate.prepare import load_document, load_documents

DECOYS = Path(__file__).parent / "data" / "decoys"
CUBA_REF = "002_ade6ea3ef36ce7e0.txt"
GERMAN_CUBA, GERMAN_KAZAKHSTAN, PERSIAN_CUBA = "000_2c29ad0641dc83f6.txt", "001_2959add6671d93e8.txt", \
    "003_25baae2a21a7165f.txt"


# English second reports of decoy stories (calibrate the same-language cut) and the story each reports.
ENGLISH_SECOND_REPORTS = {"s_en_final.txt": "d06_football_final.txt", "s_en_flood.txt": "d07_flood.txt",
                          "s_en_launch.txt": "d02_space_launch.txt", "s_en_rates.txt": "d08_rate_decision.txt"}


@pytest.fixture(scope="module")
def profiles(seeds_dir):
    """Profiles of the three seed sources, the extra sources, and the references (002 and the decoys)."""
    sources = [load_document(seeds_dir / n) for n in (GERMAN_CUBA, GERMAN_KAZAKHSTAN, PERSIAN_CUBA)]
    extra = load_documents(DECOYS / "sources")
    references = [load_document(seeds_dir / CUBA_REF)] + load_documents(DECOYS)
    return profile_documents(sources), profile_documents(extra), profile_documents(references)


def test_decoys_are_many_other_stories():
    decoys = sorted(DECOYS.glob("*.txt"))
    assert 8 <= len(decoys) <= 12
    for path in decoys:
        text = path.read_text(encoding="utf-8")
        assert "Cuba" not in text and "Kazakhstan" not in text and "Uzbekistan" not in text, path.name
        assert 6 <= len(load_document(path).sentences) <= 16, path.name


def test_seeds_pair_with_the_cuba_reference_and_the_kazakhstan_story_with_none(profiles):
    sources, _, references = profiles
    paired = paired_references(pair_profiles(sources, references))
    assert paired == {GERMAN_CUBA: [CUBA_REF], GERMAN_KAZAKHSTAN: [], PERSIAN_CUBA: [CUBA_REF]}


def test_every_pair_is_recorded_with_its_score(profiles):
    sources, _, references = profiles
    pairs = pair_profiles(sources, references)
    assert len(pairs) == len(sources) * len(references)
    assert [(p.source_id, p.reference_id) for p in pairs[:2]] == [(GERMAN_CUBA, CUBA_REF),
                                                                   (GERMAN_CUBA, references[1].doc_id)]
    assert all(isinstance(p.score, float) and p.paired == (p.score >= PAIRING_CUTS["cross-lingual"]) for p in pairs)
    assert pairs[0].to_dict() == {"source_id": GERMAN_CUBA, "reference_id": CUBA_REF, "score": pairs[0].score,
                                  "paired": True}


def _check_calibration(pairs, is_true, cut):
    """The cut is calibrate_cut() of these pairs (to the third decimal) and leaves a margin on both sides."""
    true = [p.score for p, t in zip(pairs, is_true) if t]
    false = [p.score for p, t in zip(pairs, is_true) if not t]
    assert calibrate_cut(true, false) == pytest.approx(cut, abs=0.003)
    assert min(true) - cut > 0.01 and cut - max(false) > 0.01
    return len(true), len(false)


def test_the_cross_lingual_cut_is_the_calibrated_midpoint(profiles):
    """The cut is calibrate_cut() on the seeds and decoys, not a number picked to pass this file."""
    sources, _, references = profiles
    pairs = pair_profiles(sources, references)
    is_true = [p.reference_id == CUBA_REF and p.source_id != GERMAN_KAZAKHSTAN for p in pairs]
    assert _check_calibration(pairs, is_true, PAIRING_CUTS["cross-lingual"]) == (2, 3 * len(references) - 2)


def test_the_same_language_cut_is_the_calibrated_midpoint(profiles):
    """English against English: the references against each other (all false) and four second reports."""
    _, extra, references = profiles
    second = [p for p in extra if p.doc_id in ENGLISH_SECOND_REPORTS]
    pairs = [p for p in pair_profiles(references + second, references) if p.source_id != p.reference_id]
    is_true = [ENGLISH_SECOND_REPORTS.get(p.source_id) == p.reference_id for p in pairs]
    assert _check_calibration(pairs, is_true, PAIRING_CUTS["same-language"])[0] == 4
    assert pairing_cut("en", "en") == PAIRING_CUTS["same-language"]
    assert pairing_cut("de", "en") == PAIRING_CUTS["cross-lingual"]


def test_extra_sources_pair_with_their_story_or_none(profiles):
    """German articles (held out from calibration) on a decoy story and on none; English ones likewise."""
    _, extra, references = profiles
    paired = paired_references(pair_profiles(extra, references))
    assert paired == {"s_de_bahnstreik.txt": [], "s_de_flut.txt": ["d07_flood.txt"], "s_en_museum.txt": [],
                      **{name: [story] for name, story in ENGLISH_SECOND_REPORTS.items()}}


def test_a_score_does_not_depend_on_the_other_references(profiles):
    sources, _, references = profiles
    alone = pair_profiles(sources, references[:1])
    pooled = {(p.source_id, p.reference_id): p.score for p in pair_profiles(sources, references)}
    assert [p.score for p in alone] == [pooled[(p.source_id, p.reference_id)] for p in alone]
    assert score_pair(sources[0], references[0]) == pytest.approx(alone[0].score, abs=1e-6)


def test_a_reference_given_as_a_source_pairs_with_itself_only(profiles):
    _, _, references = profiles
    pairs = pair_profiles(references, references)
    assert all(p.score == pytest.approx(1.0, abs=1e-4) for p in pairs if p.source_id == p.reference_id)
    assert paired_references(pairs) == {r.doc_id: [r.doc_id] for r in references}


def test_pair_documents_embeds_and_pairs(seeds_dir):
    pairs = pair_documents([load_document(seeds_dir / PERSIAN_CUBA)], [load_document(seeds_dir / CUBA_REF)])
    assert [(p.source_id, p.reference_id, p.paired) for p in pairs] == [(PERSIAN_CUBA, CUBA_REF, True)]


# ----- the arithmetic, on hand-made unit vectors (no model)


def _unit(*rows):
    m = np.asarray(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_score_is_the_mean_of_the_best_matches_in_both_directions():
    src = profile_vectors("s", "de", _unit([1, 0, 0], [0, 1, 0]))
    ref = profile_vectors("r", "en", _unit([1, 0, 0], [1, 1, 0], [0, 0, 1]))
    # forward: best per source sentence 1.0 and 0.707; backward: per reference sentence 1.0, 0.707, 0.0.
    # top-3 means: forward (1 + .707) / 2, backward (1 + .707 + 0) / 3.
    expected = ((1 + 2 ** -0.5) / 2 + (1 + 2 ** -0.5) / 3) / 2
    assert score_pair(src, ref) == pytest.approx(expected, abs=1e-6)
    assert score_pair(src, ref, k=1) == pytest.approx(1.0)


def test_a_source_below_the_cut_for_every_reference_is_paired_with_none():
    src = profile_vectors("s", "de", _unit([1, 0, 0]))
    refs = [profile_vectors("a", "en", _unit([0, 1, 0])), profile_vectors("b", "en", _unit([1, 1, 1]))]
    pairs = pair_profiles([src], refs, cut=0.9)
    assert [p.paired for p in pairs] == [False, False]
    assert paired_references(pairs) == {"s": []}


def test_empty_documents_score_zero_and_keep_their_place():
    empty = DocumentProfile("e", "en", np.zeros((0, 3), dtype=np.float32))
    full = profile_vectors("f", "en", _unit([1, 0, 0]))
    pairs = pair_profiles([full, empty], [empty, full])
    assert [(p.source_id, p.reference_id, p.score, p.paired) for p in pairs] == [
        ("f", "e", 0.0, False), ("f", "f", 1.0, True), ("e", "e", 0.0, False), ("e", "f", 0.0, False)]


def test_mismatched_profiles_are_refused():
    with pytest.raises(InputError, match="different model"):
        pair_profiles([profile_vectors("s", "de", _unit([1, 0]))], [profile_vectors("r", "en", _unit([1, 0, 0]))])
    with pytest.raises(InputError, match="share an id"):
        pair_profiles([], [profile_vectors("r", "en", _unit([1, 0])), profile_vectors("r", "en", _unit([0, 1]))])
    with pytest.raises(InputError, match="matrix"):
        profile_vectors("v", "en", np.zeros(3))
    with pytest.raises(InputError, match="at least 1"):
        pair_profiles([], [], k=0)


def test_calibrate_cut_refuses_overlapping_scores():
    assert calibrate_cut([0.9, 0.8], [0.5, 0.6]) == pytest.approx(0.7)
    with pytest.raises(InputError, match="No cut separates"):
        calibrate_cut([0.5], [0.6])


def test_pair_by_group_pairs_within_a_group_only():
    pairs = pair_by_group({"s1": "a", "s2": "b", "s3": None}, {"r1": "a", "r2": "a", "r3": None})
    assert pairs == [Pairing("s1", "r1", None, True), Pairing("s1", "r2", None, True)]
