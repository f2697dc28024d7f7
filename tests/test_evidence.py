"""Evidence on a pair: the names, numbers and words two sentences share, and where they stand in each."""

from __future__ import annotations

import pytest

from align.evidence import find_evidence, same_name, skeleton


@pytest.mark.parametrize("a, b", [
    ("شی جین پینگ", "Xi Jinping"),  # three Persian words for two English ones
    ("کوبا", "Cuba"), ("Kuba", "Cuba"),
    ("دیاز-کانل", "Díaz-Canel"),
    ("میگل", "Miguel"), ("کاسترو", "Castro"), ("چین", "China"), ("آمریکای", "America"),  # the ezafe "-ye" off
])
def test_one_name_across_scripts_and_spellings(a, b):
    assert same_name(a, b) and skeleton(a) == skeleton(b)


# Each of these was taken for a name on the seeds before vowels and ch/j/sh were told apart.
@pytest.mark.parametrize("a, b", [
    ("جین", "China"),  # Jin (of Xi Jinping), not China (چین)
    ("گفت", "COVID"), ("بین", "Pan"), ("برد", "Party"), ("توسعه", "Diaz"),  # said, between, took, development
    ("Juni", "China"), ("Diese", "Diaz"), ("Rolle", "Raul"),
])
def test_words_that_only_share_consonants_are_not_one_name(a, b):
    assert not same_name(a, b)


def test_different_names_have_different_skeletons():
    assert len({skeleton(n) for n in ("Cuba", "China", "Castro", "Miguel", "Havana")}) == 5


def _marked(text, spans, kind):
    return [text[s:e] for s, e, k in spans if k == kind]


def test_without_translation_persian_names_and_digits_are_found_in_the_original():
    src = "پیش از ظهر جمعه ۲۵ نوامبر، شی جین پینگ با رئیس جمهور کوبا دیدار کرد."
    ref = "On 25 November Xi Jinping met the President of Cuba."
    ev = find_evidence(src, ref, translated=False)
    assert ev.basis == "original"
    assert ev.names == ("Xi Jinping", "Cuba") and ev.numbers == ("25",) and ev.words == ()
    assert _marked(src, ev.source_spans, "name") == ["شی جین پینگ", "کوبا"]
    assert _marked(src, ev.source_spans, "number") == ["۲۵"]
    assert _marked(ref, ev.reference_spans, "name") == ["Xi Jinping", "Cuba"]


def test_without_translation_a_german_original_offers_capitalised_words_only():
    ev = find_evidence("Die Regierung von Kuba sprach mit China über 1.000 Tonnen.",
                       "Cuba spoke with China about 1,000 tonnes; the government agreed.", translated=False)
    assert set(ev.names) == {"Cuba", "China"} and ev.numbers == ("1,000",)
    assert ev.words == ()  # a German "Regierung" is not compared with "government" word by word


def test_with_translation_words_names_and_numbers_are_shared_as_written():
    hyp = "Xi Jinping met Miguel Díaz-Canel on 25 November and supports cooperation."
    ref = "Chinese President Xi Jinping told Miguel Diaz-Canel that China supported cooperation since 2022."
    ev = find_evidence(hyp, ref, translated=True)
    assert ev.to_dict() == {"basis": "translation", "names": ["Xi Jinping", "Miguel Diaz-Canel"], "numbers": [],
                            "words": ["supported", "cooperation"]}
    assert _marked(hyp, ev.source_spans, "word") == ["supports", "cooperation"]
    assert _marked(hyp, ev.source_spans, "name") == ["Xi Jinping", "Miguel Díaz-Canel"]


def test_function_words_and_one_letter_names_are_no_evidence():
    # "Xi" alone has a one-consonant skeleton; "the", "and" carry no claim.
    ev = find_evidence("Xi and the others", "Xi and the team", translated=False)
    assert not ev and ev.to_dict()["names"] == []
    assert not find_evidence("the and of", "the and of", translated=True)
    assert find_evidence("Xi spoke at the UN.", "The UN heard Xi.", translated=True).names == ("UN", "Xi")
