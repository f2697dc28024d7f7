"""The corpus report: an index of pairs, one part per reference, ids unique across the page, links that resolve."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_report_browser import CHROMEDRIVER, CHROMIUM, browser  # noqa: F401 - the headless Chromium fixture

from align.pairing import Pairing
from translate.prepare import prepare_text

REF1, REF2 = "ref1.txt", "ref2.txt"
# de.txt is paired with both references (once by a given group), fa.txt with ref1 only; lonely.txt with none.
PAIRINGS = [
    Pairing("de.txt", REF1, 0.912, True), Pairing("de.txt", REF2, None, True),
    Pairing("lonely.txt", REF1, 0.4, False), Pairing("lonely.txt", REF2, 0.8123, False),
    Pairing("fa.txt", REF1, 0.9, True), Pairing("fa.txt", REF2, 0.3, False),
]
UNPAIRED = ["lonely.txt"]


def _comparison(ref_name: str, ref_text: str, sources: list[tuple[str, str, str]]):
    """A hand-made CompareResult: each source's first sentence matches the reference's first sentence."""
    from xling.pipeline.results import CompareResult, MatchRecord, SourceResult

    ref = prepare_text(ref_text, ref_name, "en")
    results = []
    for name, lang, text in sources:
        doc = prepare_text(text, name, lang)
        src = SourceResult(doc, None, "unavailable", "weights missing")
        src.matches = [MatchRecord(name, lang, 0, doc.sentences[0].text, None, ref_name, 0, ref.sentences[0].text,
                                   0.9)]
        results.append(src)
    return CompareResult(ref, results)


DE = ("de.txt", "de", "Kuba und China trafen sich. Sie einigten sich.\n\nVerwandte Videos:\n")
FA = ("fa.txt", "fa", "کوبا و چین دیدار کردند. چیز دیگری نیست.\n")


def _two_references():
    return [_comparison(REF1, "Cuba and China met. They agreed.\n", [DE, FA]),
            _comparison(REF2, "China and Cuba held talks. Nothing else.\n", [DE])]


class _Page(HTMLParser):
    """Every id (with its tag, attributes and enclosing reference part), every in-page link, the index rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.ids: list[str] = []
        self.elements: dict[str, tuple[str, dict, str | None]] = {}
        self.links: list[str] = []
        self.index_rows: list[dict] = []  # attributes, cell texts, links of each row of the index table
        self.tables: list[str | None] = []
        self._parts: list[str | None] = []  # data-reference of each open <section>, None for other sections
        self._in_index = False
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag == "section":
            self._parts.append(attrs.get("data-reference"))
        if tag == "table":
            self.tables.append(attrs.get("id"))
            self._in_index = attrs.get("id") == "pairs-index"
        if "id" in attrs:
            self.ids.append(attrs["id"])
            part = next((p for p in reversed(self._parts) if p), None)
            self.elements[attrs["id"]] = (tag, attrs, part)
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self.links.append(attrs["href"][1:])
        if self._in_index:
            if tag == "tr" and "data-source" in attrs:
                self.index_rows.append({"attrs": attrs, "cells": [], "links": []})
            elif tag == "td" and self.index_rows:
                self.index_rows[-1]["cells"].append("")
                self._in_cell = True
            elif tag == "a" and self.index_rows:
                self.index_rows[-1]["links"].append(attrs["href"][1:])

    def handle_endtag(self, tag):
        if tag == "section":
            self._parts.pop()
        if tag == "table":
            self._in_index = False
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data):
        if self._in_index and self._in_cell:
            self.index_rows[-1]["cells"][-1] += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def test_one_reference_and_no_unpaired_source_is_the_compare_report():
    from xling.pipeline.report import render_corpus_report, render_report

    one = _two_references()[0]
    pairings = [p for p in PAIRINGS if p.source_id != "lonely.txt"]
    assert render_corpus_report([one], pairings, []) == render_report(one)


def test_index_lists_every_source_with_its_pairs_and_marks_the_unpaired_one():
    from xling.pipeline.report import render_corpus_report

    html = render_corpus_report(_two_references(), PAIRINGS, UNPAIRED)
    page = _parse(html)
    assert page.tables[0] == "pairs-index"  # the page opens on the index
    assert "3 sources, 2 references, 3 pairs, 1 source paired with no reference." in html
    # One row per pair, sources in the order they first appear in the pairings.
    assert [r["attrs"]["data-source"] for r in page.index_rows] == ["de.txt", "de.txt", "lonely.txt", "fa.txt"]
    de1, de2, lonely, fa = page.index_rows
    assert de1["cells"] == ["de.txt", "German (de)", REF1, "0.912"] and de1["attrs"]["class"] == "paired"
    assert de2["cells"] == [REF2, "given group"]  # the source and language cells span both of its rows
    assert fa["cells"] == ["fa.txt", "Persian (fa)", REF1, "0.900"]
    # The unpaired source says so, shows its closest reference and best score, and links nowhere.
    assert lonely["attrs"]["class"] == "unpaired"
    assert lonely["cells"] == ["lonely.txt", "", f"no reference reports this storyclosest: {REF2}", "0.812"]
    assert lonely["links"] == []


def test_ids_are_unique_and_every_link_resolves():
    from xling.pipeline.report import render_corpus_report

    page = _parse(render_corpus_report(_two_references(), PAIRINGS, UNPAIRED))
    assert len(page.ids) == len(set(page.ids)), sorted(i for i in page.ids if page.ids.count(i) > 1)
    assert page.links and set(page.links) <= set(page.ids)
    # Each index link opens the section of that source within that reference's part.
    for row in page.index_rows:
        for href, reference in zip(row["links"], [c for c in row["cells"] if c.startswith("ref")], strict=True):
            tag, attrs, part = page.elements[href]
            assert (tag, attrs["data-source"], part) == ("section", row["attrs"]["data-source"], reference)
    # de.txt has a section under each reference: two sections, two ids.
    assert sum(1 for tag, attrs, _ in page.elements.values() if attrs.get("data-source") == "de.txt") == 2


def test_dropped_text_is_listed_once_per_document():
    from xling.pipeline.report import render_corpus_report

    html = render_corpus_report(_two_references(), PAIRINGS, UNPAIRED)
    dropped = html[html.index('<section id="dropped">'):]
    assert dropped.count("<h3><bdi>de.txt</bdi></h3>") == 1 and "Verwandte Videos:" in dropped
    assert html.count("Verwandte Videos:") == 1


def test_each_reference_folds_its_own_many_sources():
    from xling.pipeline.report import FOLD_ABOVE, render_corpus_report

    many = _comparison(REF1, "Cuba and China met.\n", [(f"s{k}.txt", "de", "Kuba und China trafen sich.\n")
                                                      for k in range(FOLD_ABOVE + 1)])
    few = _two_references()[1]
    pairings = [Pairing(s.name, REF1, 0.9, True) for s in many.sources] + [Pairing("de.txt", REF2, 0.9, True)]
    html = render_corpus_report([many, few], pairings, [])
    first, second = html.split('<section class="reference"')[1:]
    assert first.count('<details class="pairs">') == FOLD_ABOVE + 1 and "<details class=\"pairs\" open>" not in first
    assert second.count('<details class="pairs" open>') == 1


def test_markup_in_names_is_text():
    from xling.pipeline.report import render_corpus_report

    evil_ref, evil_src, evil_lone = "<script>alert(1)</script>.txt", '"><img src=x onerror=alert(2)>.txt', "<b>x</b>"
    comparisons = [_comparison(evil_ref, "Cuba and China met.\n", [(evil_src, "de", "Kuba und China trafen sich.\n")]),
                   _two_references()[1]]
    pairings = [Pairing(evil_src, evil_ref, 0.9, True), Pairing("de.txt", REF2, 0.9, True),
                Pairing(evil_lone, evil_ref, 0.5, False)]
    page = _parse(render_corpus_report(comparisons, pairings, [evil_lone]))
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert [r["cells"][0] for r in page.index_rows] == [evil_src, "de.txt", evil_lone]
    assert page.index_rows[2]["cells"][2] == f"no reference reports this storyclosest: {evil_ref}"
    assert set(page.links) <= set(page.ids)


@pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                    reason="needs Debian chromium and chromedriver (make browser)")
def test_browser_opens_on_the_index_and_its_links_resolve(browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    from xling.pipeline.report import render_corpus_report

    path = tmp_path / "corpus.html"
    path.write_text(render_corpus_report(_two_references(), PAIRINGS, UNPAIRED), encoding="utf-8")
    browser.get(Path(path).as_uri())
    first = browser.find_element(By.TAG_NAME, "table")
    assert first.get_attribute("id") == "pairs-index" and first.is_displayed()
    links = first.find_elements(By.CSS_SELECTOR, "a[href^='#']")
    assert len(links) == 3
    for link in links:
        target = link.get_attribute("href").split("#", 1)[1]
        section = browser.find_element(By.ID, target)  # raises if the link leads nowhere
        link.click()
        assert browser.execute_script("return location.hash") == f"#{target}"
        assert section.is_displayed()
    assert "no reference reports this story" in first.find_element(By.CSS_SELECTOR, "tr.unpaired").text
    assert not browser.find_elements(By.TAG_NAME, "script")
