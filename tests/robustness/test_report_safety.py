"""The HTML report with hostile article text: everything is escaped, and the page loads nothing from anywhere.

(tests/test_report_browser.py runs a report in headless Chromium and checks that an article's <script> does not
execute; this file checks the markup itself, without a browser, on every field that carries user text.)
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from robust_helpers import assert_ok, run_cli

from translate.prepare import prepare_text

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror="alert(2)">',
    "</td></tr></table><iframe src=\"https://evil.example/\"></iframe>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<style>@import url(https://evil.example/y.css);</style>",
    "<a href=\"javascript:alert(3)\">klick</a>",
    "<svg onload=alert(4)>",
    "<base href=https://evil.example/>",
    "<meta http-equiv=refresh content=\"0;url=https://evil.example\">",
]
# The tags a report is built from; anything else in the page came from article text.
REPORT_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "div", "strong", "code",
               "table", "thead", "tbody", "tr", "th", "td", "a", "nav", "ul", "li", "section", "span", "bdi",
               "colgroup", "col", "em", "br", "small", "details", "summary", "abbr", "caption", "footer", "header", "mark"}


class _Page(HTMLParser):
    """Collects tags, attributes, style text and visible text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def parse(html: str) -> _Page:
    """Parse a page."""
    page = _Page()
    page.feed(html)
    page.close()
    return page


def assert_loads_nothing(html: str) -> _Page:
    """No script, no external (or any) fetched resource, no event handler, CSP that forbids fetching."""
    page = parse(html)
    names = {tag for tag, _ in page.tags}
    assert names <= REPORT_TAGS, f"unexpected tags: {names - REPORT_TAGS}"
    for tag, attrs in page.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for attr in ("src", "srcset", "data", "action", "formaction", "poster", "background"):
            assert attr not in attrs or attrs[attr].startswith("data:"), (tag, attrs)
        if "href" in attrs:
            assert attrs["href"].startswith("#"), (tag, attrs)  # in-page links only
        assert "url(" not in attrs.get("style", ""), (tag, attrs)
    for css in page.styles:
        assert "@import" not in css and not re.search(r"url\(\s*['\"]?(https?:)?//", css), css
    csp = [a.get("content", "") for t, a in page.tags
           if t == "meta" and a.get("http-equiv", "").lower() == "content-security-policy"]
    assert len(csp) == 1 and "default-src 'none'" in csp[0] and "script-src" not in csp[0], csp
    return page


def _hostile_result():
    """A CompareResult whose every user-controlled field carries markup."""
    from xling.pipeline.results import CompareResult, MatchRecord, SourceResult

    evil_sentence = "Die Beziehungen sind gut " + " ".join(HOSTILE) + " und eng."
    de = prepare_text(f"{evil_sentence}\n\nKuba und China trafen sich.\n\nVerwandte Videos:\n", "<b>de</b>.txt", "de")
    fa = prepare_text("شی جین پینگ با Miguel Díaz-Canel در ۲۵ نوامبر 2022 دیدار کرد. <script>alert(5)</script>\n",
                      'fa"onmouseover="x.txt', "fa")
    ref = prepare_text("Cuba and China met. <script>alert(6)</script> They agreed.\n", "<i>ref</i>.txt", "en")
    de_src = SourceResult(de, [f"translation {h}" for h in HOSTILE[: len(de.sentences)]], "mt",
                          "machine translation by <script>alert(7)</script>")
    de_src.matches = [MatchRecord(de.doc_id, "de", 0, de.sentences[0].text, de_src.translations[0], ref.doc_id, 0,
                                  ref.sentences[0].text, 0.9)]
    fa_src = SourceResult(fa, None, "unavailable", "weights missing <img src=x onerror=alert(8)>")
    last = ref.sentences[-1]
    fa_src.matches = [MatchRecord(fa.doc_id, "fa", 0, fa.sentences[0].text, None, ref.doc_id, last.index, last.text, 0.7)]
    settings = {"similarity": "<script>alert(9)</script>"}
    return CompareResult(ref, [de_src, fa_src], ["<script>alert(10)</script>"], settings)


def test_report_escapes_markup_in_every_field():
    from xling.pipeline.report import render_report

    result = _hostile_result()
    html = render_report(result)
    page = assert_loads_nothing(html)
    text = "".join(page.text)
    for snippet in HOSTILE:
        assert snippet in text, f"{snippet!r} was not shown as text"
    for k in (1, 5, 6):
        assert f"<script>alert({k})</script>" in text
    assert "<b>de</b>.txt" in text and "<i>ref</i>.txt" in text
    # Right-to-left sentences are marked as such, with the Latin words and digits inside them kept.
    rtl = [a for t, a in page.tags if a.get("dir") == "rtl"]
    assert rtl and all(a.get("lang") == "fa" for a in rtl)
    assert "Miguel Díaz-Canel" in text and "2022" in text


def test_report_of_a_real_compare_run(tmp_path, isolated):
    pytest.importorskip("align.claims", reason="the claim matcher is not built yet")
    src = tmp_path / "sources"
    src.mkdir()
    (src / "de.txt").write_text(
        "Kuba und China vertiefen ihre Zusammenarbeit <script>alert(1)</script> bei der Sicherheit.\n\n"
        "Der Minister sagte, dass the relationship is excellent, und 60 Jahre alt.\n", encoding="utf-8")
    (src / "fa.txt").write_text("شی جین پینگ با Miguel Díaz-Canel در ۲۵ نوامبر 2022 در پکن دیدار کرد.\n",
                                encoding="utf-8")
    (src / "empty.txt").write_text("\n")
    ref = tmp_path / "ref.txt"
    ref.write_text("Cuba and China deepen their security cooperation. Xi met Díaz-Canel in Beijing.\n")
    out = tmp_path / "out"
    res = run_cli("compare", src, "-r", ref, "--no-mt", "--quiet", "-o", out)
    assert_ok(res)
    page = assert_loads_nothing((out / "report.html").read_text(encoding="utf-8"))
    assert "<script>alert(1)</script>" in "".join(page.text)
    assert any(a.get("dir") == "rtl" for _, a in page.tags)
