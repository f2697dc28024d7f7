"""Document preparation on the seed articles: reading, language ID, cleaning, segmentation, offsets, the CLI."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from translate import InputError, detect_language, load_document, load_documents, normalize_text, prepare_text
from translate.reading import read_text
from translate.segment import split_sentences

S000 = "000_2c29ad0641dc83f6.txt"
S001 = "001_2959add6671d93e8.txt"
S002 = "002_ade6ea3ef36ce7e0.txt"
S003 = "003_25baae2a21a7165f.txt"
LANGS = {S000: "de", S001: "de", S002: "en", S003: "fa"}


@pytest.fixture(scope="module")
def docs(seeds_dir: Path):
    return {name: load_document(seeds_dir / name) for name in LANGS}


def reasons(doc) -> dict[str, str]:
    return {d.text.strip(): d.reason for d in doc.dropped}


# --- language -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LANGS))
def test_seed_language_detected(seeds_dir, name):
    assert detect_language((seeds_dir / name).read_text(encoding="utf-8")) == LANGS[name]


def test_lang_argument_overrides_and_is_checked():
    doc = prepare_text("Hallo Welt. Das ist ein Test.", "x", lang="DE-at")
    assert doc.lang == "de" and {s.lang for s in doc.sentences} == {"de"}
    with pytest.raises(InputError, match="ISO 639-1"):
        prepare_text("Hallo Welt.", "x", lang="klingon")
    from translate.langid import resolve_language

    assert [resolve_language(c) for c in ("deu_Latn", "pes_Arab", "German", "fas")] == ["de", "fa", "de", "fa"]


_DE_LONG = ("Die Regierung in Peking hat am Montag angekündigt, dass sie die Zusammenarbeit mit Kuba in vielen "
            "Bereichen weiter ausbauen will, und sie nannte dabei vor allem die öffentliche Sicherheit.")
_EN_LONG = ("China and Cuba will deepen their cooperation in security and law enforcement, the ministers said on "
            "Friday in Beijing, according to a statement released by the official news agency.")
_FA_LONG = ("روابط چین و کوبا نمونه ای برای همبستگی و همکاری کشورهای سوسیالیستی و کمک صادقانه کشورهای در حال رشد "
            "به یکدیگر است و دو طرف بر گسترش همکاری تاکید کردند.")


def test_paragraph_languages_decides_long_paragraphs_and_lets_short_ones_inherit():
    from translate.langid import paragraph_languages

    assert paragraph_languages([_DE_LONG, _EN_LONG, _DE_LONG]) == ("de", ["de", "en", "de"])
    # Short: a title, a URL, a number inherit; the Persian line is in another script, which rules German out.
    short = ["Global Times", "https://example.com/a/1", "2022", "«ما با کوبا هستیم»"]
    assert paragraph_languages([_DE_LONG, *short, _DE_LONG]) == ("de", ["de", "de", "de", "de", "fa", "de"])
    assert paragraph_languages([_FA_LONG, "CNN", _FA_LONG]) == ("fa", ["fa", "fa", "fa"])
    # Only short lines: the text as a whole decides, as detect_language did before paragraphs had languages.
    assert paragraph_languages(["Hallo Welt.", "Das ist ein Test."]) == ("de", ["de", "de"])


def test_text_mostly_in_an_undetectable_script_asks_for_lang():
    """A Greek article quoting an English paragraph is not English: most of its letters are in no known script."""
    greek = ("Η συνάντηση μεταξύ των υπουργών Εσωτερικών της Κούβας και της Κίνας πραγματοποιήθηκε την περασμένη "
             "Παρασκευή στο Πεκίνο, στο πλαίσιο των προσπαθειών της Αβάνας για υποστήριξη στους τομείς της ασφάλειας.")
    with pytest.raises(InputError, match="el.txt.*--source-lang"):
        prepare_text("\n".join([greek, greek + " Ναι.", _EN_LONG]), "el.txt")
    doc = prepare_text("\n".join([greek, _EN_LONG]), "el.txt", lang="el")
    assert doc.languages() == {"el": len(doc)}


def test_document_languages_and_runs():
    doc = prepare_text("\n".join([_DE_LONG, _FA_LONG, _EN_LONG, _DE_LONG + " Ja."]), "m")
    assert doc.lang == "de" and list(doc.languages().items()) == [("de", 3), ("en", 1), ("fa", 1)]  # own first
    assert [r.describe() for r in doc.other_language_runs()] == ["paragraph 1 (sentence 1): fa",
                                                                "paragraph 2 (sentence 2): en"]


# --- cleaning -------------------------------------------------------------------------------------------------


def test_boilerplate_dropped_with_reasons(docs):
    assert reasons(docs[S000]) == {
        "Verwandte Videos:": "boilerplate: related videos",
        "Archiviert unter:": "boilerplate: archive label",
    }
    r002 = reasons(docs[S002])
    assert r002["Leave a Reply"] == "boilerplate: comment box"
    assert r002["No comments yet. Why don’t you start the discussion?"] == "boilerplate: comment box"
    assert r002["Your email address will not be published. Required fields are marked *"] == "boilerplate: comment box"
    assert r002["China Cuba File photo"] == "boilerplate: photo caption"
    assert reasons(docs[S003]) == {
        "2022/11/25 15:52:04": "boilerplate: timestamp",
        "• 2022/11/25 15:52:04": "boilerplate: timestamp",
        "• GMT+08:00": "boilerplate: time zone",
        "• /": "boilerplate: no words",
    }
    for doc in docs.values():
        kept = " ".join(doc.texts())
        for noise in ("Verwandte Videos", "Archiviert unter", "Leave a Reply", "GMT+08:00", "15:52:04", "File photo"):
            assert noise not in kept


def test_repeated_body_of_001_dropped(docs, seeds_dir):
    doc = docs[S001]
    lines = (seeds_dir / S001).read_text(encoding="utf-8").splitlines()
    first_copy = lines[:11]
    assert lines[11:] == lines[1:11]  # the seed really repeats lines 2-11
    assert [s.paragraph for s in doc.sentences] == list(range(11))
    assert " ".join(doc.texts()) == " ".join(normalize_text(line) for line in first_copy)
    dup = [d for d in doc.dropped if d.reason.startswith("duplicate")]
    assert [d.reason for d in dup] == [f"duplicate of paragraph {i}" for i in range(1, 11)]


def test_repeated_title_of_002_dropped(docs):
    doc = docs[S002]
    title = "Xi says China willing to work with Cuba in building socialism"
    assert doc.texts().count(title) == 1
    assert reasons(doc)[title] == "duplicate of paragraph 0"


@pytest.mark.parametrize(
    "line, reason",
    [
        ("Published: Nov 25, 2022 10:43 PM", "timestamp"),
        ("Freitag, 25. November 2022 um 15:52 Uhr (MEZ)", "timestamp"),
        ("2022-11-25T15:52:04Z", "timestamp"),
        ("۱۴۰۱/۰۹/۰۴ ۱۵:۵۲", "timestamp"),
        ("vor 2 Stunden", "relative time"),
        ("By Yang Sheng and Liu Xin | Published: Nov 25, 2022 10:43 PM", "byline"),
        ("Von Andreas Müller", "byline"),
        ("Foto: dpa", "photo caption"),
        ("dpa/AFP", "photo caption"),
        ("Tags: China, Kuba", "archive label"),
        ("Share | Tweet | E-Mail", "share buttons"),
        ("© 2022 Global Times", "copyright"),
        ("Lesen Sie auch: Xi in Moskau", "read more"),
        ("3 Comments", "comment box"),
        ("Schreibe einen Kommentar", "comment box"),
        ("***", "no words"),
    ],
)
def test_boilerplate_rules(line, reason):
    from translate.cleaning import boilerplate_rule

    assert boilerplate_rule(line) == f"boilerplate: {reason}"


@pytest.mark.parametrize(
    "line",
    [
        "By train to Beijing", "By 2030, China will grow.", "Von Peking aus reiste er weiter.",
        "Am 25. November 2022 trafen sich beide.", "Themen: Die Regierung hat die Zusammenarbeit vertieft.",
        "Reuters reported that Xi left.", "He took a photo", "Copyright law changed.",
        "Newsletter der Regierung kritisiert Peking scharf.", "Häufig gestellte Fragen zur Zusammenarbeit",
    ],
)
def test_content_is_not_boilerplate(line):
    from translate.cleaning import boilerplate_rule

    assert boilerplate_rule(line) is None


def test_boilerplate_rules_do_not_backtrack_exponentially():
    from translate.cleaning import boilerplate_rule

    # With "\\s*[|]?\\s*" between repeated items this took 2^60 steps; each separator now matches one way only.
    assert boilerplate_rule("Share " * 60 + "now.") is None
    assert boilerplate_rule("dpa " * 90 + "meldet.") is None
    assert boilerplate_rule("Share " * 60) == "boilerplate: share buttons"


def test_real_sentences_mentioning_boilerplate_words_are_kept():
    text = "Er veröffentlichte ein Foto. Reporters leave a reply to the minister every day.\nHe took a photo."
    doc = prepare_text(text, "t", lang="en")
    assert doc.dropped == [] and len(doc.sentences) == 3


# --- segmentation ---------------------------------------------------------------------------------------------


def test_german_ordinal_does_not_split(docs):
    texts = docs[S000].texts()
    hit = [t for t in texts if "am V. Ministerforum" in t]
    assert hit and hit[0].startswith("Im Mai nahm Rodríguez") and hit[0].endswith("(CELAC) teil.")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Die Sitzung fand am 1. Januar statt. Der 2. Weltkrieg endete 1945.",
         ["Die Sitzung fand am 1. Januar statt.", "Der 2. Weltkrieg endete 1945."]),
        ("Das war z. B. am 25. November so. Dr. Müller kam.", ["Das war z. B. am 25. November so.", "Dr. Müller kam."]),
        ('Er sagte, "zu leisten." Álvarez „äußerte den Willen“, schließt sie.',
         ['Er sagte, "zu leisten."', "Álvarez „äußerte den Willen“, schließt sie."]),
        ("Er sagte: „Wir kommen.“ Dann ging er.", ["Er sagte: „Wir kommen.“", "Dann ging er."]),
        ("Laut Art. 5 Abs. 2 GG ist das so. Am 3. Oktober feiert man.",
         ["Laut Art. 5 Abs. 2 GG ist das so.", "Am 3. Oktober feiert man."]),
        ("„Kommt ihr?“ fragte sie. Er zählte bis 3. Dann kam sie.",
         ["„Kommt ihr?“ fragte sie.", "Er zählte bis 3. Dann kam sie."]),
    ],
)
def test_german_rules(text, expected):
    assert [text[a:b] for a, b in split_sentences(text, "de")] == expected


def test_english_quotes():
    text = "He said “We will go.” Then U.S. officials left. Mr. Smith agreed."
    assert [text[a:b] for a, b in split_sentences(text, "en")] == [
        "He said “We will go.”", "Then U.S. officials left.", "Mr. Smith agreed."]


def test_persian_punctuation(docs):
    doc = docs[S003]
    texts = doc.texts()
    assert texts[0] == "دیدار و گفتگوی رؤسای جمهور چین و کوبا"
    # The quoted title «…» stays inside its sentence; a colon does not end a sentence.
    assert any("«بیانیه مشترک" in t and t.endswith("منتشر کردند.") for t in texts)
    assert any(t.startswith("شی جین پینگ گفت: شما نخستین رهبر") for t in texts)
    assert all(t.endswith((".", "؟", "!")) for t in texts[1:])
    q = "آیا این درست است؟ کوبا اولین کشور است."
    assert [q[a:b] for a, b in split_sentences(q, "fa")] == ["آیا این درست است؟", "کوبا اولین کشور است."]
    # A quotation that ends a sentence ends it here too (pysbd alone keeps the next sentence attached).
    q = "وزیر گفت: «ما آماده همکاری هستیم.» سپس جلسه به پایان رسید."
    assert [q[a:b] for a, b in split_sentences(q, "fa")] == ["وزیر گفت: «ما آماده همکاری هستیم.»",
                                                            "سپس جلسه به پایان رسید."]
    # ...but not where the text goes on in lowercase after the quote.
    q = "« C'est fini. » a-t-il dit. Puis il est parti."
    assert [q[a:b] for a, b in split_sentences(q, "fr")] == ["« C'est fini. » a-t-il dit.", "Puis il est parti."]


def test_seed_sentence_counts(docs):
    assert {k: len(v) for k, v in docs.items()} == {S000: 32, S001: 11, S002: 30, S003: 13}


def test_pysbd_crash_falls_back_to_punctuation_rules():
    text = "Wir sahen B.a b)a. Dann gingen wir."  # "B.a b)a" makes pysbd's German rules compile a broken regex
    assert [text[a:b] for a, b in split_sentences(text, "de")] == ["Wir sahen B.a b)a.", "Dann gingen wir."]


def test_very_long_paragraph_is_cut_in_chunks_without_losing_sentences():
    # Over 5,000 characters the paragraph is pre-cut for pysbd; boundaries must not lose or merge sentences.
    sents = [f"Am {i % 28 + 1}. Mai sprach Dr. Wang im {i}. Ausschuss über z. B. Kuba." for i in range(1500)]
    text = " ".join(sents)
    assert len(text) > 80000
    assert [text[a:b] for a, b in split_sentences(text, "de")] == sents


def test_many_periods_stay_one_sentence_and_finish():
    # Each period is a possible abbreviation to pysbd (a regex pass per period); chunking keeps this linear.
    text = "x. " * 20000
    assert split_sentences(text, "de") == [(0, len(text) - 1)]


def test_long_unpunctuated_sentence_is_one_sentence():
    text = " ".join(["wort"] * 700)
    assert split_sentences(text, "de") == [(0, len(text))]


# --- offsets and normalisation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LANGS))
def test_offsets_point_into_original(docs, name):
    doc = docs[name]
    assert [s.index for s in doc.sentences] == list(range(len(doc.sentences)))
    for s in doc.sentences:
        assert normalize_text(doc.text[s.start:s.end], doc.lang) == s.text
        assert s.text and s.lang == LANGS[name]
    for d in doc.dropped:
        assert doc.text[d.start:d.end] == d.text


def test_persian_normalisation():
    raw = "علي كتاب ۲۵ و ٣٫٥ \u200c\u200cمی\u200c\u200cخواهم\u200c  پس  از"
    assert normalize_text(raw, "fa") == "علی کتاب 25 و 3.5 می\u200cخواهم پس از"
    assert normalize_text("علي", "ar") == "علي"  # Arabic keeps its own yeh


def test_offsets_survive_normalisation():
    text = "علي  گفت: كتاب ۲۵ صفحه است.\nدومی هم هست."
    doc = prepare_text(text, "t", lang="fa")
    assert doc.texts() == ["علی گفت: کتاب 25 صفحه است.", "دومی هم هست."]
    assert text[doc.sentences[0].start:doc.sentences[0].end].startswith("علي  گفت")


# --- reading --------------------------------------------------------------------------------------------------

SAMPLE = "Grüße aus Köln. Das ist ein Test.\n"


@pytest.mark.parametrize(
    "payload",
    [
        SAMPLE.encode("utf-8"),
        codecs.BOM_UTF8 + SAMPLE.encode("utf-8"),
        codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom"],
)
def test_encodings_decode(tmp_path, payload):
    path = tmp_path / "a.txt"
    path.write_bytes(payload)
    assert read_text(path) == SAMPLE
    doc = load_document(path)
    assert doc.texts() == ["Grüße aus Köln.", "Das ist ein Test."] and doc.lang == "de"


def test_latin1_is_refused(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(SAMPLE.encode("latin-1"))
    with pytest.raises(InputError, match=r"latin\.txt is not valid UTF-8.*iconv"):
        read_text(path)


def test_png_is_refused(tmp_path):
    path = tmp_path / "pic.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40))
    with pytest.raises(InputError, match="PNG image"):
        load_document(path)


def test_html_page_is_refused(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("\n<!DOCTYPE html><html><body><p>Xi traf Díaz-Canel.</p></body></html>", encoding="utf-8")
    with pytest.raises(InputError, match="HTML page"):
        read_text(path)


def test_nul_bytes_are_refused(tmp_path):
    path = tmp_path / "bin.txt"
    path.write_bytes(b"abc\x00def")
    with pytest.raises(InputError, match="NUL"):
        read_text(path)


def test_missing_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_document(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="no .txt files"):
        load_documents(tmp_path)
    with pytest.raises(InputError, match="folder"):
        load_document(tmp_path)


def test_load_documents_folder_sorted(seeds_dir):
    docs = load_documents(seeds_dir)
    assert [d.doc_id for d in docs] == sorted(LANGS)
    assert [d.lang for d in docs] == [LANGS[n] for n in sorted(LANGS)]


def test_segmented_input_keeps_line_numbers(tmp_path):
    path = tmp_path / "seg.txt"
    path.write_text("Erster Satz. Noch einer.\n\n  Dritter Satz\nVerwandte Videos:\n", encoding="utf-8")
    doc = load_document(path, lang="de", segmented=True)
    assert doc.texts() == ["Erster Satz. Noch einer.", "", "Dritter Satz", "Verwandte Videos:"]
    assert [s.index for s in doc.sentences] == [0, 1, 2, 3] and doc.dropped == []
    assert doc.text[doc.sentences[2].start:doc.sentences[2].end] == "Dritter Satz"


def test_crlf_and_menus_stay_separate_lines():
    doc = prepare_text("Politik\r\nWirtschaft\r\nKultur\r\n", "m", lang="de")
    assert doc.texts() == ["Politik", "Wirtschaft", "Kultur"]
    assert [s.paragraph for s in doc.sentences] == [0, 1, 2]


def test_undetectable_language_names_the_document():
    with pytest.raises(InputError, match="greek.txt.*--source-lang"):
        prepare_text("Καλημέρα κόσμε. Πώς είσαι σήμερα;", "greek.txt")
    assert prepare_text("2022 ...", "n").lang == "und"


def test_hard_wrapped_paragraph_is_joined():
    text = ("Die Regierung in Peking hat am Montag angekündigt, dass sie die\n"
            "Zusammenarbeit mit Kuba in vielen Bereichen weiter ausbauen will, und\n"
            "sie nannte dabei vor allem die Sicherheit. Das sagte ein Sprecher.\n")
    doc = prepare_text(text + "\r\n  \r\n" + text, "w", lang="de")
    assert [s.paragraph for s in doc.sentences] == [0, 0]  # the copy after the blank line is its own paragraph
    assert doc.sentences[0].text.endswith("vor allem die Sicherheit.")
    assert [d.reason for d in doc.dropped] == ["duplicate of paragraph 0"]


# --- CLI ------------------------------------------------------------------------------------------------------


def test_cli_prepare_shows_dropped(seeds_dir, tmp_path):
    from xling.cli import main

    out = tmp_path / "o.jsonl"
    res = CliRunner().invoke(main, ["prepare", str(seeds_dir / S003), "--format", "jsonl", "--show-dropped",
                                    "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sum(r["type"] == "sentence" for r in rows) == 13
    assert [r["reason"] for r in rows if r["type"] == "dropped"][-1] == "boilerplate: no words"
    res = CliRunner().invoke(main, ["prepare", str(seeds_dir / S000), "--show-dropped"])
    assert "-- dropped (boilerplate: related videos): Verwandte Videos:" in res.output


def test_cli_prepare_errors(tmp_path):
    from xling.cli import main

    res = CliRunner().invoke(main, ["prepare", str(tmp_path / "missing.txt")])
    assert res.exit_code == 2 and "does not exist" in res.output
    res = CliRunner().invoke(main, ["prepare", "-", "--source-lang", "zz9"], input="Hallo.")
    assert res.exit_code == 2 and "ISO 639-1" in res.output
