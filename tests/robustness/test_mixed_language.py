"""A document that mixes languages: each paragraph gets its own language, and each sentence goes to its own model.

Issue 13: a German article quoting a Persian paragraph was labelled German as a whole, and its Persian sentences
went to the German model. Short paragraphs (a name, a title, a URL) are where language ID errs, so they keep the
document's language unless their script rules it out.
"""

from __future__ import annotations

import json

import pytest

from robust_helpers import ROOT, SEED_DE, SEED_EN, SEED_FA, assert_ok, run_cli
from translate.cleaning import split_paragraphs
from translate.normalize import normalize_text
from translate.prepare import load_document, prepare_text
from translate.routing import group_by_language, translate_by_language


def _paragraphs(path, first: int, last: int) -> list[str]:
    return [p.text for p in split_paragraphs(path.read_text(encoding="utf-8"))][first:last]


DE = _paragraphs(SEED_DE, 1, 9)  # eight German paragraphs of 130 to 340 characters
FA = _paragraphs(SEED_FA, 2, 8)
EN = _paragraphs(SEED_EN, 2, 8)


def _doc(paragraphs: list[str], **kw):
    return prepare_text("\n".join(paragraphs), "mixed.txt", **kw)


def _langs_by_paragraph(doc) -> dict[int, str]:
    out: dict[int, str] = {}
    for s in doc.sentences:
        assert out.setdefault(s.paragraph, s.lang) == s.lang, "one paragraph, one language"
    return out


@pytest.mark.parametrize("quote, lang", [(FA[1], "fa"), (EN[1], "en")], ids=["persian", "english"])
def test_german_article_quoting_a_paragraph(quote, lang):
    doc = _doc(DE[:4] + [quote] + DE[4:])
    assert doc.lang == "de"
    assert _langs_by_paragraph(doc) == {i: (lang if i == 4 else "de") for i in range(9)}
    quoted = [s for s in doc.sentences if s.paragraph == 4]
    assert len(quoted) > 1 and doc.languages() == {"de": len(doc) - len(quoted), lang: len(quoted)}
    [run] = doc.other_language_runs()
    assert (run.lang, run.first_paragraph, run.last_paragraph) == (lang, 4, 4)
    assert (run.first_sentence, run.last_sentence) == (quoted[0].index, quoted[-1].index)
    assert doc.text[run.start:run.end] == quote
    assert run.describe() == f"paragraph 4 (sentences {quoted[0].index}-{quoted[-1].index}): {lang}"


def test_quoted_persian_is_normalised_and_split_as_persian():
    raw = "شی جین پینگ گفت: روابط چين و كوبا نمونه ای برای همبستگی است. چین مایل است همكاری را گسترش دهد."
    assert "\u064a" in raw and "\u0643" in raw  # Arabic yeh and kaf, which Persian normalisation replaces
    doc = _doc(DE[:3] + [raw] + DE[3:])
    persian = [s for s in doc.sentences if s.lang == "fa"]
    assert len(persian) == 2
    for s in persian:
        assert s.text == normalize_text(doc.text[s.start:s.end], "fa") and "\u064a" not in s.text


def test_persian_article_quoting_an_english_paragraph():
    doc = _doc(FA[:3] + [EN[1]] + FA[3:])
    assert doc.lang == "fa"
    langs = _langs_by_paragraph(doc)
    assert langs[3] == "en" and set(langs.values()) == {"fa", "en"}
    assert [r.lang for r in doc.other_language_runs()] == ["en"]


def test_consecutive_quoted_paragraphs_form_one_run():
    doc = _doc(DE[:4] + FA[1:3] + DE[4:])
    [run] = doc.other_language_runs()
    assert (run.lang, run.first_paragraph, run.last_paragraph) == ("fa", 4, 5)
    assert run.describe().startswith("paragraphs 4-5 (sentences ")


@pytest.mark.parametrize("line", [
    "Breaking News",
    "https://www.globaltimes.cn/page/202211/1280538.shtml",
    "Global Times",
    "Wang Xiaohong, Lázaro Alberto Álvarez Casas, Bruno Rodríguez Parrilla",  # names lingua calls Spanish
    "Miguel Díaz-Canel Bermúdez, Presidente de la República de Cuba",
    "We will never give up.",  # a real English sentence, but too short to overrule the article
    "2022/11/25",
], ids=["title", "url", "name", "names", "spanish-title", "short-english", "date"])
def test_short_latin_line_in_a_german_article_stays_german(line):
    doc = _doc(DE[:4] + [line] + DE[4:])
    assert doc.lang == "de" and doc.languages() == {"de": len(doc)}
    assert doc.other_language_runs() == []


@pytest.mark.parametrize("line", ["CNN", "Made in China 2025", "https://www.irna.ir/news/84953265"])
def test_short_latin_line_in_a_persian_article_stays_persian(line):
    doc = _doc(FA[:3] + [line] + FA[3:])
    assert doc.lang == "fa" and doc.languages() == {"fa": len(doc)}


def test_short_persian_line_in_a_german_article_is_persian():
    """Arabic script rules German out however short the line is; lingua only chooses among fa, ar and ur."""
    doc = _doc(DE[:4] + ["«ما با کوبا هستیم»"] + DE[4:])
    assert _langs_by_paragraph(doc)[4] == "fa"


def test_short_line_takes_the_language_of_both_neighbours():
    doc = _doc(DE[:3] + [EN[0], "Thank you.", EN[1]] + DE[3:])
    assert [_langs_by_paragraph(doc)[i] for i in range(2, 7)] == ["de", "en", "en", "en", "de"]
    # Between an English and a German paragraph a short line has no agreeing neighbours: the article's language.
    doc = _doc(DE[:3] + [EN[0], "Thank you."] + DE[3:])
    assert _langs_by_paragraph(doc)[4] == "de"


def test_short_persian_line_takes_the_persian_of_the_document():
    """A short Arabic-script line goes with the Persian elsewhere in the article, not lingua's guess alone."""
    doc = _doc(DE[:2] + [FA[1]] + DE[2:5] + ["سلام"] + DE[5:])
    assert _langs_by_paragraph(doc)[6] == "fa"


def test_main_language_is_the_one_with_most_text():
    doc = _doc(DE[:2] + FA)
    assert doc.lang == "fa"
    assert _langs_by_paragraph(doc) == {i: ("de" if i < 2 else "fa") for i in range(8)}


@pytest.mark.parametrize("seed", sorted((ROOT / "seeds").glob("*.txt")), ids=lambda p: p.name[:3])
def test_seeds_stay_in_one_language(seed):
    doc = load_document(seed)
    assert doc.languages() == {doc.lang: len(doc)} and doc.other_language_runs() == []


def test_all_german_article_is_german_throughout():
    doc = _doc(DE)
    assert doc.lang == "de" and {s.lang for s in doc.sentences} == {"de"}


def test_user_language_overrides_every_paragraph():
    doc = _doc(DE[:4] + [FA[1], EN[1]] + DE[4:], lang="de")
    assert doc.languages() == {"de": len(doc)}


def test_repeated_quote_is_dropped_once_as_a_duplicate():
    doc = _doc(DE[:2] + [FA[1]] + DE[2:4] + [FA[1]])
    assert [d.reason for d in doc.dropped] == ["duplicate of paragraph 2"]
    assert len(doc.other_language_runs()) == 1


def test_segmented_lines_get_their_own_language(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(DE[:3] + [FA[1]] + DE[3:5]) + "\n", encoding="utf-8")
    doc = load_document(path, segmented=True)
    assert doc.lang == "de" and [s.lang for s in doc.sentences] == ["de"] * 3 + ["fa"] + ["de"] * 2


# --- routing ----------------------------------------------------------------------------------------------------


class RecordingTranslator:
    """A stand-in translate_fn: records each call and tags every text with its language."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, lang: str, texts: list[str]) -> list[str]:
        self.calls.append((lang, list(texts)))
        return [f"[{lang}] {t}" for t in texts]


def test_each_language_goes_to_its_own_translator_once():
    doc = _doc(DE[:2] + [FA[1]] + DE[2:4] + [EN[1]] + DE[4:6] + [FA[2]])
    fake = RecordingTranslator()
    out = translate_by_language(doc, fake, target="en")
    assert [lang for lang, _ in fake.calls] == ["de", "fa"]  # once per language, in order of first appearance
    for lang, texts in fake.calls:
        assert texts == [s.text for s in doc.sentences if s.lang == lang]
    assert len(out) == len(doc)
    for s, o in zip(doc.sentences, out):
        assert o == (s.text if s.lang == "en" else f"[{s.lang}] {s.text}")  # English passes through, in place
    assert list(group_by_language(doc, "en")) == ["de", "fa"]
    assert {lang: len(ix) for lang, ix in group_by_language(doc, "en").items()} == {
        lang: n for lang, n in doc.languages().items() if lang != "en"}


def test_a_monolingual_document_makes_one_call_and_english_none():
    fake = RecordingTranslator()
    doc = load_document(SEED_DE)
    assert translate_by_language(doc, fake) == [f"[de] {t}" for t in doc.texts()] and len(fake.calls) == 1
    en = load_document(SEED_EN)
    assert translate_by_language(en, fake) == en.texts() and len(fake.calls) == 1


def test_a_translator_returning_the_wrong_count_is_caught():
    doc = _doc(DE[:2] + [FA[1]])
    with pytest.raises(AssertionError):
        translate_by_language(doc, lambda lang, texts: texts[:-1])


def test_the_pool_asks_for_every_language_of_a_mixed_document():
    from translate.pool import TranslatorPool

    doc = _doc(DE[:2] + [FA[1]] + [EN[1]] + DE[2:4])
    with TranslatorPool("en", use_cache=False) as pool:
        assert pool.languages_needed(doc) == ["de", "fa"]


# --- saying so --------------------------------------------------------------------------------------------------


def test_prepare_shows_the_quoted_paragraph_and_its_language(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text("\n".join(DE[:4] + [FA[1]] + DE[4:]) + "\n", encoding="utf-8")
    doc = load_document(path)
    quoted = [s for s in doc.sentences if s.lang == "fa"]
    marker = f"-- in another language: paragraph 4 (sentences {quoted[0].index}-{quoted[-1].index}): fa"

    res = run_cli("prepare", path, "--show-dropped")
    assert_ok(res)
    lines = res.stdout.splitlines()
    assert lines[lines.index(marker) + 1] == quoted[0].text
    assert f"{len(quoted)} of {len(doc)} sentences in another language ({len(quoted)} fa)" in res.stderr
    assert marker not in run_cli("prepare", path).stdout  # the plain listing stays one sentence per line

    res = run_cli("prepare", path, "--show-dropped", "--format", "jsonl")
    assert_ok(res)
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    [run] = [r for r in rows if r["type"] == "language"]
    assert (run["lang"], run["first_paragraph"], run["first_sentence"]) == ("fa", 4, quoted[0].index)
    assert rows[rows.index(run) + 1]["index"] == quoted[0].index
    assert [r["lang"] for r in rows if r["type"] == "sentence"] == [s.lang for s in doc.sentences]


def test_prepare_says_nothing_of_languages_for_a_monolingual_article():
    res = run_cli("prepare", SEED_FA, "--show-dropped")
    assert_ok(res)
    assert "another language" not in res.stdout + res.stderr
