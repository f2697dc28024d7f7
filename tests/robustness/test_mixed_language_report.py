"""The report of a document that mixes languages: each sentence in its own direction, and the mix said in words.

Issue 13: a German article quoting a Persian paragraph was shown left to right as a whole, as German. The report
now lays each sentence out in its own language's direction, names the other-language passages in the source's
header, shows "de+fa" in the summaries, and labels a source without sentences "empty" instead of "English".
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from robust_helpers import SEED_DE, SEED_EN, SEED_FA, assert_ok, run_cli
from translate.cleaning import split_paragraphs
from translate.prepare import prepare_text, segmented_document
from translate.routing import group_by_language, translate_by_language

VOID = {"meta", "col", "br", "hr", "img", "link", "input"}


def _paragraphs(path, first: int, last: int) -> list[str]:
    return [p.text for p in split_paragraphs(path.read_text(encoding="utf-8"))][first:last]


DE = _paragraphs(SEED_DE, 1, 9)
FA = _paragraphs(SEED_FA, 2, 8)
EN = _paragraphs(SEED_EN, 2, 8)


class _Elements(HTMLParser):
    """Every element of a page with its attributes, its text, and the attributes of the table and row around it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict] = []
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        around = {outer: [e["attrs"] for e in self._open if e["tag"] == outer] for outer in ("table", "tr")}
        element = {"tag": tag, "attrs": dict(attrs), "text": "",
                   **{outer: found[-1] if found else {} for outer, found in around.items()}}
        self.found.append(element)
        self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def select(self, tag: str, cls: str | None = None) -> list[dict]:
        """The elements `tag` (with the class `cls` among theirs), in page order."""
        return [e for e in self.found
                if e["tag"] == tag and (cls is None or cls in e["attrs"].get("class", "").split())]

    def summary(self) -> list[list[str]]:
        """The rows of the first summary table, as the texts of their cells."""
        rows: dict[int, list[str]] = {}
        for cell in self.select("td"):
            if cell["table"].get("class") == "summary":
                rows.setdefault(id(cell["tr"]), []).append(cell["text"])
        return list(rows.values())


def _result(doc, ref, pairs: list[tuple[int, int]], near: dict[int, int]):
    """A CompareResult by hand: `doc` matches reference sentences as `pairs` say; reference sentence r's closest
    source sentence is near[r] (0 when not given); every translation is given."""
    from xling.pipeline.results import CompareResult, MatchRecord, SourceResult

    english = [f"English of {s.index}." for s in doc.sentences]
    src = SourceResult(doc, english, "given", "from files")
    src.matches = [MatchRecord(doc.doc_id, doc.lang, i, doc.sentences[i].text, english[i], ref.doc_id, j,
                               ref.sentences[j].text, 0.8) for i, j in pairs]
    src.nearest = [(0, 0.3)] * len(doc)
    src.nearest_for_reference = [(near.get(r, 0), 0.3) for r in range(len(ref))]
    return CompareResult(ref, [src])


@pytest.fixture(scope="module")
def german_quoting_persian():
    """A German article with a Persian paragraph (4), repeated at the end (so dropped), against an English reference
    that quotes the same Persian paragraph; the result and its rendered page."""
    from xling.pipeline.report import render_report

    doc = prepare_text("\n".join(DE[:4] + [FA[1]] + DE[4:] + [FA[1]]), "mixed.txt")
    ref = prepare_text("\n".join(EN[:3] + [FA[1]] + EN[3:]), "ref.txt")
    persian = [s.index for s in doc.sentences if s.lang == "fa"]
    ref_persian = [s.index for s in ref.sentences if s.lang == "fa"]
    # A Persian and a German sentence matched; a reference sentence stated by no source whose closest is Persian.
    result = _result(doc, ref, [(persian[0], 0), (0, 1)], near={2: persian[1]})
    return doc, ref, persian, ref_persian, result, _Elements(render_report(result))


def test_the_fixture_is_what_it_claims(german_quoting_persian):
    doc, ref, persian, ref_persian, _, _ = german_quoting_persian
    assert doc.lang == "de" and doc.languages() == {"de": len(doc) - len(persian), "fa": len(persian)}
    assert ref.lang == "en" and len(ref_persian) > 1 and len(persian) > 1
    assert [d.reason for d in doc.dropped] == ["duplicate of paragraph 4"]


def test_each_source_sentence_in_its_own_direction(german_quoting_persian):
    doc, _, persian, _, _, page = german_quoting_persian
    cells = {int(c["tr"]["data-source-index"]): c["attrs"] for c in page.select("td", "orig")}
    assert sorted(cells) == list(range(len(doc)))
    for i, attrs in cells.items():
        expected = ("fa", "rtl") if i in persian else ("de", "ltr")
        assert (attrs["lang"], attrs["dir"]) == expected, i
    # The translation column is English, left to right, whatever the original.
    assert {c["attrs"]["dir"] for c in page.select("td", "trans")} == {"ltr"}
    # The # cell of an other-language row names the language; the German rows show their number only.
    idx = {int(c["tr"]["data-source-index"]): c["text"] for c in page.select("td", "idx")
           if "data-source-index" in c["tr"]}
    assert {i: text for i, text in idx.items() if i in persian} == {i: f"{i} fa" for i in persian}
    assert all(text == str(i) for i, text in idx.items() if i not in persian)


def test_reference_sentences_and_counterparts_in_their_own_direction(german_quoting_persian):
    _, ref, persian, ref_persian, _, page = german_quoting_persian
    reftext = {int(c["tr"]["data-reference-index"]): c["attrs"]["dir"] for c in page.select("td", "reftext")}
    assert reftext == {i: "rtl" if i in ref_persian else "ltr" for i in range(len(ref))}
    # By reference: the Persian supporting sentence is right to left, the German one left to right.
    rows = {int(c["tr"]["data-reference-index"]): c for c in page.select("td", "support")}
    support = {r: [b["attrs"]["dir"] for b in page.found if b["tag"] == "bdi" and "dir" in b["attrs"]
                   and b["tr"] is rows[r]["tr"]] for r in (0, 1)}
    assert support == {0: ["rtl", "ltr"], 1: ["ltr", "ltr"]}  # the sentence, then its English
    # The closest source sentence shown under an unsupported reference sentence is Persian, so right to left.
    near = [b for b in page.found if b["tag"] == "bdi" and b["tr"] is rows[2]["tr"] and "dir" in b["attrs"]]
    assert [(b["attrs"]["lang"], b["attrs"]["dir"]) for b in near] == [("fa", "rtl")]


def test_a_sources_closest_reference_sentence_in_its_own_direction():
    from xling.pipeline.report import render_report

    doc = prepare_text("\n".join(DE[:3]), "de.txt")
    ref = prepare_text("\n".join(EN[:3] + [FA[1]] + EN[3:]), "ref.txt")
    persian = next(s.index for s in ref.sentences if s.lang == "fa")
    result = _result(doc, ref, [], near={})
    result.sources[0].nearest = [(persian, 0.3), (0, 0.3)] + [(1, 0.3)] * (len(doc) - 2)
    page = _Elements(render_report(result))
    near = [b["attrs"] for b in page.found if b["tag"] == "bdi" and b["tr"].get("data-source-index") in ("0", "1")]
    assert [(a["lang"], a["dir"]) for a in near] == [("fa", "rtl"), ("en", "ltr")]


def test_persian_article_quoting_english_is_left_to_right_there():
    from xling.pipeline.report import render_report

    doc = prepare_text("\n".join(FA[:3] + [EN[1]] + FA[3:]), "fa.txt")
    english = {s.index for s in doc.sentences if s.lang == "en"}
    assert doc.lang == "fa" and english
    page = _Elements(render_report(_result(doc, prepare_text("\n".join(EN), "ref.txt", "en"), [], {})))
    dirs = {int(c["tr"]["data-source-index"]): c["attrs"]["dir"] for c in page.select("td", "orig")}
    assert dirs == {i: "ltr" if i in english else "rtl" for i in range(len(doc))}
    assert "also English: 3 sentences" in page.select("h2")[0]["text"]


def test_dropped_text_of_a_mixed_document_takes_its_direction_from_its_letters(german_quoting_persian):
    *_, page = german_quoting_persian
    dropped = [b["attrs"] for b in page.found if b["tag"] == "bdi" and b["attrs"].get("dir") and not b["tr"]]
    assert dropped == [{"lang": "de", "dir": "auto"}]


def test_dropped_text_of_a_one_language_document_keeps_its_direction():
    from xling.pipeline.report import render_report

    doc = prepare_text("\n".join(FA[:3] + [FA[0]]), "fa.txt")
    assert doc.dropped and doc.languages() == {"fa": len(doc)}
    page = _Elements(render_report(_result(doc, prepare_text("\n".join(EN), "ref.txt", "en"), [], {})))
    dropped = [b["attrs"] for b in page.found if b["tag"] == "bdi" and b["attrs"].get("dir") and not b["tr"]]
    assert dropped == [{"lang": "fa", "dir": "rtl"}]


def test_the_header_says_which_passages_are_in_another_language(german_quoting_persian):
    doc, _, persian, _, result, page = german_quoting_persian
    [run] = doc.other_language_runs()
    header = page.select("h2")[0]["text"]
    assert header == f"Source mixed.txt German (de) · also Persian: {len(persian)} sentences"
    meta = [d["text"] for d in page.select("div", "meta")][0]
    assert f"In another language: {run.describe()} (counted from 0" in meta
    assert page.summary()[0][:2] == ["mixed.txt", "German (de+fa)"]
    assert "Reference: 16 sentences, English (en+fa)." in page.select("p", "meta")[0]["text"]


def test_many_runs_are_cut_short():
    from xling.pipeline.report import render_report

    paragraphs = [p for i, de in enumerate(DE) for p in ([de, FA[i // 2]] if i % 2 else [de])]
    doc = prepare_text("\n".join(paragraphs), "many.txt")
    runs = doc.other_language_runs()
    assert doc.lang == "de" and len(runs) == 4
    page = _Elements(render_report(_result(doc, prepare_text("\n".join(EN), "ref.txt", "en"), [], {})))
    meta = page.select("div", "meta")[0]["text"]
    shown = "; ".join(r.describe() for r in runs[:3])
    assert f"In another language: {shown}; … (counted" in meta and runs[3].describe() not in meta


def test_a_one_language_source_says_nothing_more():
    from xling.pipeline.report import render_report

    doc = prepare_text("\n".join(DE[:3]), "de.txt")
    html = render_report(_result(doc, prepare_text("\n".join(EN), "ref.txt", "en"), [], {}))
    page = _Elements(html)
    assert page.select("h2")[0]["text"] == "Source de.txt German (de)"
    assert "another language" not in html and 'class="pill">de' not in html
    assert page.summary()[0][:2] == ["de.txt", "German (de)"]


def test_summary_counts_languages(german_quoting_persian):
    from xling.commands.compare_cmd import format_summary

    doc, _, persian, _, result, _ = german_quoting_persian
    [row] = result.summary_rows()
    assert row["lang"] == "de" and row["languages"] == {"de": len(doc) - len(persian), "fa": len(persian)}
    lines = format_summary([row], result).splitlines()
    assert lines[0].split()[:2] == ["source", "lang"]
    assert lines[2].split()[:3] == ["mixed.txt", "de+fa", str(len(doc))]
    assert lines[3].split()[:3] == ["ref.txt", "(reference)", "en+fa"]


def test_an_empty_source_is_empty_not_english(isolated):
    from translate.pool import TranslatorPool
    from xling.pipeline.english import english_for
    from xling.pipeline.report import render_report
    from xling.pipeline.results import CompareResult, SourceResult

    empty = prepare_text("", "empty.txt")
    with TranslatorPool("en") as pool:
        english = english_for(empty, pool)
    # The note is the one wording every command's notice uses (translate.prepare.empty_notice).
    assert (english.status, english.texts) == ("empty", [])
    assert english.note == "empty.txt: no sentences after preparation (empty input)"
    src = SourceResult(empty, english.texts, english.status, english.note)
    assert src.summary()["translation"] == "empty" and src.summary()["languages"] == {}
    html = render_report(CompareResult(prepare_text("\n".join(EN), "ref.txt", "en"), [src]))
    [row] = _Elements(html).summary()
    assert row[-1] == "none: no sentences to translate" and "English" not in row[1]
    assert "Translation:\n empty.txt: no sentences after preparation (empty input).</div>" in html
    assert "No sentences to show." in html and "Sentences side by side" not in html


def test_compare_cli_says_mixed_and_empty(isolated):
    (isolated / "mixed.txt").write_text("\n".join(DE[:4] + [FA[1]] + DE[4:]), encoding="utf-8")
    (isolated / "empty.txt").write_text("", encoding="utf-8")
    (isolated / "ref.txt").write_text("\n".join(EN), encoding="utf-8")
    out = isolated / "out"
    result = run_cli("compare", isolated / "mixed.txt", isolated / "empty.txt", "-r", isolated / "ref.txt",
                     "--no-mt", "--quiet", "-o", out)
    assert_ok(result)
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:]}
    assert rows["mixed.txt"][1] == "de+fa" and rows["empty.txt"][-1] == "empty"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert re.search(r"German \(de\) · also Persian: \d+ sentences</span>", html)
    assert "none: no sentences to translate" in html
    assert "empty.txt: no sentences after preparation (empty file)." in html
    # Without translations, the notice names the mixed source's languages and both models it needs.
    assert "<bdi>mixed.txt</bdi> (de+fa)" in html
    assert "<code>xling models pull de-en</code> or <code>xling models pull fa-en</code>" in html


def test_blank_sentences_need_no_model():
    doc = segmented_document("Guten Tag.\n\n   \nWie geht es dir heute?\n", "s.txt", "de")
    assert [s.text for s in doc.sentences] == ["Guten Tag.", "", "", "Wie geht es dir heute?"]
    assert group_by_language(doc, "en") == {"de": [0, 3]}
    asked: list[tuple[str, list[str]]] = []

    def fake(lang: str, texts: list[str]) -> list[str]:
        asked.append((lang, texts))
        return [f"<{t}>" for t in texts]

    assert translate_by_language(doc, fake) == ["<Guten Tag.>", "", "", "<Wie geht es dir heute?>"]
    assert asked == [("de", ["Guten Tag.", "Wie geht es dir heute?"])]
    blank = segmented_document("\n\n", "blank.txt", "de")
    assert len(blank) == 2 and group_by_language(blank, "en") == {}
