"""The report marks each pair's evidence, shows possible matches apart, and drops an empty translation column."""

from __future__ import annotations

from html.parser import HTMLParser

from translate.prepare import prepare_text


class _Page(HTMLParser):
    """Each <mark>'s class and text, the classes of source-table rows, the header cells and td classes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.marks: list[tuple[str, str]] = []
        self.rows: list[str] = []
        self.headers: list[str] = []
        self.cells: list[str] = []
        self._mark: str | None = None
        self._th = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "mark":
            self._mark = attrs["class"]
            self.marks.append((attrs["class"], ""))
        elif tag == "tr" and "data-source-index" in attrs:
            self.rows.append(attrs["class"])
        elif tag == "th":
            self._th = True
            self.headers.append("")
        elif tag == "td":
            self.cells.append(attrs.get("class", ""))

    def handle_endtag(self, tag):
        if tag == "mark":
            self._mark = None
        elif tag == "th":
            self._th = False

    def handle_data(self, data):
        if self._mark is not None:
            self.marks[-1] = (self._mark, self.marks[-1][1] + data)
        if self._th:
            self.headers[-1] += data


REF = "Xi Jinping met <b>Cuba</b>'s president on 25 November. They agreed on trade. Nothing else.\n"


def _result(translations, status):
    from xling.pipeline.results import CompareResult, MatchRecord, SourceResult

    ref = prepare_text(REF, "ref.txt", "en")
    fa = prepare_text("شی جین پینگ در ۲۵ نوامبر با رئیس جمهور کوبا <script>x()</script> دیدار کرد.\n"
                      "دو طرف درباره تجارت توافق کردند.\n", "fa.txt", "fa")
    src = SourceResult(fa, translations, status, "from files" if translations else "no model")
    trans = translations[0] if translations else None
    src.matches = [MatchRecord("fa.txt", "fa", 0, fa.sentences[0].text, trans, "ref.txt", 0, ref.sentences[0].text,
                               0.8)]
    src.possible = [MatchRecord("fa.txt", "fa", 1, fa.sentences[1].text, None, "ref.txt", 1, ref.sentences[1].text,
                                0.07)]
    return CompareResult(ref, [src])


def _page(result) -> tuple[_Page, str]:
    from xling.pipeline.report import render_report

    html = render_report(result)
    page = _Page()
    page.feed(html)
    return page, html


def test_offline_pair_marks_names_and_numbers_in_original_and_reference():
    _, html = _page(_result(None, "unavailable"))
    page = _Page()
    page.feed(html[:html.index('id="by-reference"')])  # the source table; the by-reference view is checked below
    marks = [(cls.split()[-1], text) for cls, text in page.marks if text not in ("names", "numbers", "words")]
    # The source's original (preparation made its Persian digits ASCII) and the reference are both marked.
    assert marks == [("ev-name", "شی جین پینگ"), ("ev-number", "25"), ("ev-name", "کوبا"),
                     ("ev-name", "Xi Jinping"), ("ev-name", "Cuba"), ("ev-number", "25")]
    assert "shared names: Xi Jinping, Cuba; numbers: 25" in html
    # Markup in article text stays text, marked or not.
    assert "<script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html
    assert "&lt;b&gt;<mark" in html and "<b>" not in html


def test_offline_source_has_no_translation_column():
    page, _ = _page(_result(None, "unavailable"))
    assert "Translation (English)" not in page.headers
    assert not any(c.startswith("trans") for c in page.cells)


def test_with_translations_the_column_is_there_and_marked():
    page, _ = _page(_result(["Xi Jinping met the Cuban president on 25 November.", "They agreed on trade."], "given"))
    assert "Translation (English)" in page.headers
    assert [c for c in page.cells if c.startswith("trans")] == ["trans", "trans"]
    assert ("ev ev-number", "25") in page.marks and ("ev ev-name", "Xi Jinping") in page.marks
    assert ("ev ev-word", "trade") in page.marks  # the possible pair's shared word, through its translation


def test_possible_matches_are_shown_apart_and_not_counted_as_matched():
    page, html = _page(_result(None, "unavailable"))
    assert page.rows == ["matched", "possible"]
    assert html.count('<span class="pill tier">possible match</span>') == 1
    summary = html[html.index('id="summary"'):html.index("</table>", html.index('id="summary"'))]
    # Sentences 2, matched 1, possible 1, only in source 1.
    assert '<td class="num">2</td><td class="num">1</td><td class="num">1</td><td class="num">1</td>' in summary
    # By reference sentence: R1 is stated by no source, but possibly by fa.txt #1 (shown instead of the closest).
    by_ref = html[html.index('id="by-reference"'):]
    row = by_ref[by_ref.index('data-reference-index="1"'):by_ref.index("</tr>", by_ref.index('data-reference-index="1"'))]
    assert "stated by no source" in row and '<ul class="support possible">' in row and "closest, below" not in row
    # R0 is stated by fa.txt #0: the names and the number are marked there too, in both sentences.
    row = by_ref[by_ref.index('data-reference-index="0"'):by_ref.index("</tr>", by_ref.index('data-reference-index="0"'))]
    assert row.count('<mark class="ev ev-name">') == 4 and row.count('<mark class="ev ev-number">25</mark>') == 2


def test_records_carry_their_evidence_for_matches_jsonl():
    import json

    from align.claims import ClaimMatch
    from xling.pipeline.compare import _record

    result = _result(None, "unavailable")
    src, ref = result.sources[0], result.reference
    rec = _record(src.document, src, "ref.txt",
                  ClaimMatch(0, 0, 0.8, src.document.sentences[0].text, ref.sentences[0].text))
    row = json.loads(json.dumps(rec.to_dict(), ensure_ascii=False))  # as a line of matches.jsonl
    assert row["evidence"] == {"basis": "original", "names": ["Xi Jinping", "Cuba"], "numbers": ["25"], "words": []}


def test_overlapping_marks_keep_the_longest_and_every_character_once():
    from xling.pipeline.report import Text

    t = Text("Xi Jinping met <Cuba>", "en", "ltr", ((0, 2, "word"), (0, 10, "name"), (3, 10, "word"), (16, 20, "name")))
    assert t.segments() == [("Xi Jinping", "name"), (" met <", ""), ("Cuba", "name"), (">", "")]
    assert "".join(part for part, _ in t.segments()) == t.text
    assert Text("", "en", "ltr").segments() == [("", "")]
