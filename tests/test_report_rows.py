"""The report's source table: a sentence with several matches spans their rows, one row per match."""

from __future__ import annotations

from html.parser import HTMLParser

from translate.prepare import prepare_text


class _Rows(HTMLParser):
    """The <tr> elements of the source tables: each row's attributes and its cells' attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[dict, list[dict]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-source-index" in attrs:
            self.rows.append((attrs, []))
        elif tag == "td" and self.rows:
            self.rows[-1][1].append(attrs)

    def handle_endtag(self, tag):
        if tag == "tbody":  # the by-reference table comes after; its rows are not collected
            self.rows.append(({}, []))


def test_a_sentence_with_two_matches_spans_two_rows():
    from xling.pipeline.results import CompareResult, MatchRecord, SourceResult
    from xling.pipeline.report import render_report

    ref = prepare_text("Cuba and China met. They agreed. Nothing else.\n", "ref.txt", "en")
    fa = prepare_text("کوبا و چین دیدار کردند. چیز دیگری نیست.\n", "fa.txt", "fa")
    src = SourceResult(fa, ["Cuba and China met.", "Nothing else."], "given", "from files")
    src.matches = [MatchRecord("fa.txt", "fa", 0, fa.sentences[0].text, "Cuba and China met.", "ref.txt", j,
                               ref.sentences[j].text, score) for j, score in ((0, 0.9), (1, 0.4))]
    parser = _Rows()
    parser.feed(render_report(CompareResult(ref, [src])))
    rows = [r for r in parser.rows if r[0]]
    assert [r[0]["class"] for r in rows] == ["matched", "matched", "only-source"]
    (first, first_cells), (second, second_cells), (_, last_cells) = rows
    assert first["data-reference-index"] == "0" and second["data-reference-index"] == "1"
    # The first row carries the sentence's index, original and translation cells, spanning both rows ...
    assert [c["class"] for c in first_cells] == ["idx", "orig", "trans", "ref", "score"]
    assert [c.get("rowspan") for c in first_cells] == ["2", "2", "2", None, None]
    assert first_cells[1]["dir"] == "rtl" and first_cells[2]["dir"] == "ltr"
    # ... the second only its reference sentence and score, and a single-row sentence spans nothing.
    assert [c["class"] for c in second_cells] == ["ref", "score"]
    assert [c["class"] for c in last_cells] == ["idx", "orig", "trans", "ref none", "score"]
    assert not any("rowspan" in c for c in last_cells)
