"""Property tests for document preparation: nothing is lost, nothing is counted twice, offsets are exact.

Coverage, precisely: take the kept sentences and the dropped spans together, ordered by start offset. No two
spans overlap, and every character of the text that is not whitespace (str.isspace) lies inside exactly one
of them; each sentence's text is the normalised original slice it points to.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translate.cleaning import duplicate_key, split_paragraphs
from translate.normalize import normalize_text
from translate.prepare import prepare_text, segmented_document

FRAGMENTS = [
    "Im Mai nahm Rodríguez am V. Ministerforum teil.", "Das war z. B. am 25. November so.", "Dr. Müller kam.",
    'Er sagte, "zu leisten."', "„Wir kommen.“", "He said “We will go.”", "Then U.S. officials left.",
    "شی جین پینگ گفت:", "آیا این درست است؟", "«بیانیه مشترک»", "کتاب‌ها را خواند.", "علي كتاب ۲۵",
    "Verwandte Videos:", "Leave a Reply", "• 2022/11/25 15:52:04", "• GMT+08:00", "• /", "Archiviert unter:",
    "B.a b)a", "Share ", "Facebook | ", "dpa/", "[", "(", "*", "...", "?!", "“", "»", "—", "\u200c", "\u200e", "\ufeff", "\u00a0", "\t", "1.", "XVI.", "am", "der",
]
SEPARATORS = [" ", "  ", "\n", "\n\n", "\r\n", "\r", "\u2028", " \n ", ""]

pieces = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(SEPARATORS),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)
texts = st.lists(pieces, max_size=40).map("".join)
langs = st.sampled_from(["de", "en", "fa", "sv", "ja"])


def _spans(doc):
    spans = [(s.start, s.end, "sentence") for s in doc.sentences] + [(d.start, d.end, "dropped") for d in doc.dropped]
    return sorted(spans)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, langs)
def test_sentences_and_dropped_cover_every_visible_character_once(text, lang):
    doc = prepare_text(text, "t", lang=lang)
    spans = _spans(doc)
    for (a1, b1, _), (a2, b2, _) in zip(spans, spans[1:]):
        assert b1 <= a2, f"overlap {a1}:{b1} and {a2}:{b2}"
    covered = [0] * len(text)
    for a, b, _ in spans:
        assert 0 <= a < b <= len(text)
        for i in range(a, b):
            covered[i] += 1
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert covered[i] == 1, f"char {ch!r} at {i} covered {covered[i]} times"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, langs)
def test_sentence_text_is_the_normalised_slice(text, lang):
    doc = prepare_text(text, "t", lang=lang)
    assert [s.index for s in doc.sentences] == list(range(len(doc.sentences)))
    for s in doc.sentences:
        assert s.text == normalize_text(text[s.start:s.end], lang)
        assert s.text, "a kept sentence is never empty"
        assert text[s.start:s.end] == text[s.start:s.end].strip()
    for d in doc.dropped:
        assert text[d.start:d.end] == d.text and d.reason
    assert [s.paragraph for s in doc.sentences] == sorted(s.paragraph for s in doc.sentences)
    kept = {p.index: p.text for p in split_paragraphs(text) if p.index in {s.paragraph for s in doc.sentences}}
    keys = [k for k in (duplicate_key(normalize_text(t, lang)) for t in kept.values()) if k is not None]
    assert len(keys) == len(set(keys)), "a repeated paragraph was kept twice"


@settings(max_examples=300, deadline=None)
@given(texts, langs)
def test_normalisation_is_idempotent(text, lang):
    once = normalize_text(text, lang)
    assert normalize_text(once, lang) == once
    assert once == once.strip() and "  " not in once


@settings(max_examples=200, deadline=None)
@given(texts)
def test_segmented_input_has_one_sentence_per_line(text):
    doc = segmented_document(text, "t", lang="de")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()  # a final line break ends the last line; it does not start another
    assert doc.texts() == [normalize_text(line, "de") for line in lines]
    for s in doc.sentences:
        assert s.text == normalize_text(text[s.start:s.end], "de")
