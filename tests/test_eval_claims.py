"""Claim-matching scorer on hand-made cases, gold freshness on the seeds, and the reference translations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.claims_metrics import (
    GoldPair,
    PredictedPair,
    check_gold,
    claims_scores,
    gold_hits,
    read_gold,
    read_matches,
    stale_spans,
    threshold_curve,
)
from eval.reference_mt import reference_translations, write_reference_translations
from translate.document import Document, Sentence
from translate.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "claims_gold.jsonl"
REFERENCE = "002_ade6ea3ef36ce7e0.txt"

GOLD_PAIRS = [
    GoldPair("a.txt", "Kuba und China", "Cuba and China are friends"),
    GoldPair("a.txt", "Solarenergie", "solar power"),
    GoldPair("b.txt", "کوبا قاطعانه", "one-China principle"),
]


def _pred(source: str, src: str, ref: str, score: float | None = None) -> PredictedPair:
    return PredictedPair(source, src, ref, score)


def test_scores_hand_made() -> None:
    pred = [
        _pred("a.txt", "Kuba und China sind Freunde.", "Cuba and China are friends, Xi said."),  # hits gold 0
        _pred("a.txt", "Kuba und China sind Freunde.", "Something else entirely."),  # wrong reference
        _pred("a.txt", "Solarenergie hilft.", "China donates solar power plants."),  # hits gold 1
        _pred("b.txt", "Solarenergie hilft.", "China donates solar power plants."),  # right text, wrong file
    ]
    s = claims_scores(pred, GOLD_PAIRS)
    assert (s["predicted"], s["correct"], s["gold"], s["found"]) == (4, 2, 3, 2)
    assert s["precision"] == pytest.approx(0.5)
    assert s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert s["per_source"]["a.txt"]["precision"] == pytest.approx(2 / 3)
    assert s["per_source"]["a.txt"]["recall"] == pytest.approx(1.0)
    assert s["per_source"]["b.txt"]["predicted"] == 1 and s["per_source"]["b.txt"]["recall"] == 0.0


def test_duplicates_count_once_and_one_prediction_can_hit_two_gold_lines() -> None:
    gold = [GoldPair("a.txt", "Kuba", "Cuba"), GoldPair("a.txt", "China", "China")]
    pred = [_pred("a.txt", "Kuba und China", "Cuba and China")] * 3
    s = claims_scores(pred, gold)
    assert (s["predicted"], s["correct"], s["found"]) == (1, 1, 2)
    assert s["precision"] == 1.0 and s["recall"] == 1.0


def test_empty_predictions_score_zero() -> None:
    s = claims_scores([], GOLD_PAIRS)
    assert s["precision"] == 0.0 and s["recall"] == 0.0 and s["f1"] == 0.0 and s["gold"] == 3


def test_matching_normalises_persian_letters_and_spaces() -> None:
    # Arabic yeh (U+064A) and kaf (U+0643) in the prediction, Persian ones in the gold; doubled spaces.
    gold = [GoldPair("b.txt", "کوبا  قاطعانه", "one-China   principle")]
    arabic_letters = "\u0643وبا قاطعانه بر اصل چين واحد"
    assert gold_hits([_pred("b.txt", arabic_letters, "Cuba upholds the one-China principle")], gold) == [{0}]


def test_stale_gold_is_reported() -> None:
    sources = {"a.txt": ["Kuba und China sind Freunde.", "Solarenergie hilft."], "b.txt": ["کوبا قاطعانه است."]}
    reference = ["Cuba and China are friends.", "It gives solar power.", "The one-China principle."]
    assert stale_spans(GOLD_PAIRS, sources, reference) == []
    check_gold(GOLD_PAIRS, sources, reference)
    broken = [GoldPair("a.txt", "Kuba und Russland", "solar power"), GoldPair("c.txt", "x", "solar power")]
    problems = stale_spans(broken, sources, reference)
    assert len(problems) == 2 and "Kuba und Russland" in problems[0] and "c.txt" in problems[1]
    with pytest.raises(InputError, match="stale.*and 1 more"):
        check_gold(broken, sources, reference)
    with pytest.raises(InputError, match="reference span"):
        check_gold([GoldPair("a.txt", "Kuba", "no such sentence")], sources, reference)


def test_threshold_curve_is_monotone_in_kept_pairs() -> None:
    cands = [
        _pred("a.txt", "Kuba und China", "Cuba and China are friends", 0.9),
        _pred("a.txt", "Solarenergie", "solar power", 0.5),
        _pred("a.txt", "Kuba und China", "unrelated", 0.7),
        _pred("a.txt", "Solarenergie", "unrelated", 0.1),
    ]
    curve = threshold_curve(cands, GOLD_PAIRS, [0.0, 0.6, 0.8, 1.0])
    assert [c["predicted"] for c in curve] == [4, 2, 1, 0]
    assert [c["found"] for c in curve] == [2, 1, 1, 0]
    assert curve[2]["precision"] == 1.0 and curve[0]["precision"] == 0.5


def test_read_gold_and_matches_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"source": "a.txt", "source_span": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl:1 lacks .*reference_span"):
        read_gold(bad)
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        read_gold(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="no pairs"):
        read_gold(empty)
    matches = tmp_path / "m.jsonl"
    row = {"source": "seeds/a.txt", "source_text": "s", "reference_text": "r", "score": 0.5, "source_index": 0}
    matches.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert read_matches(matches) == [PredictedPair("a.txt", "s", "r", 0.5)]  # paths reduced to file names


def _seed_docs(seeds_dir: Path) -> dict[str, Document]:
    from translate.prepare import load_document

    return {p.name: load_document(p) for p in sorted(seeds_dir.glob("*.txt"))}


def test_gold_is_fresh_for_the_seeds(seeds_dir: Path) -> None:
    docs = _seed_docs(seeds_dir)
    gold = read_gold(GOLD)
    sources = {name: d.texts() for name, d in docs.items() if name != REFERENCE}
    assert stale_spans(gold, sources, docs[REFERENCE].texts()) == []


def test_reference_translations_cover_the_seeds(seeds_dir: Path, tmp_path: Path) -> None:
    docs = _seed_docs(seeds_dir)
    paths = write_reference_translations(tmp_path, list(docs.values()))
    assert sorted(p.name for p in paths) == sorted(n for n in docs if n != REFERENCE)
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        doc = docs[path.name]
        assert len(lines) == len(doc.sentences) and all(lines)
        assert lines == reference_translations(doc)
    # The Persian seed's translations are English, not copies of the source.
    fa = (tmp_path / "003_25baae2a21a7165f.txt").read_text(encoding="utf-8")
    assert "Díaz-Canel" in fa and "\u06a9" not in fa


def test_reference_translations_fail_loudly_on_segmentation_change(tmp_path: Path) -> None:
    sentence = Sentence("000_2c29ad0641dc83f6.txt", 0, 0, 0, 10, "Ein Satz, den es nie gab.", "de")
    doc = Document("000_2c29ad0641dc83f6.txt", "de", "Ein Satz, den es nie gab.", [sentence])
    with pytest.raises(InputError, match="no reference translation"):
        write_reference_translations(tmp_path / "out", [doc])
    assert not list((tmp_path / "out").glob("*"))  # nothing half-written
    other = Document("999_unknown.txt", "de", "x", [Sentence("999_unknown.txt", 0, 0, 0, 1, "x", "de")])
    with pytest.raises(InputError, match="No reference translations for 999_unknown.txt"):
        write_reference_translations(tmp_path / "out", [other])


def test_reference_mt_command_writes_a_translations_folder(tmp_path: Path, capsys) -> None:
    from eval.reference_mt import main

    assert main([str(tmp_path / "tr")]) == 0
    names = sorted(p.name for p in (tmp_path / "tr").iterdir())
    assert names == ["000_2c29ad0641dc83f6.txt", "001_2959add6671d93e8.txt", "003_25baae2a21a7165f.txt"]
    assert capsys.readouterr().out.count("\n") == 3
