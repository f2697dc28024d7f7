"""The compare report: one self-contained HTML page (inline CSS, no script, nothing fetched from the network)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xling.pipeline.results import CompareResult, MatchRecord, SourceResult

# With more sources than this, each source's table starts folded (a <details> element, so no script is needed):
# a batch of hundreds of articles then opens on the summary and the navigation instead of a page miles long.
FOLD_ABOVE = 10

# The page loads nothing: no scripts, no fonts, no images except inline data, no forms, no frames.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

LANG_NAMES = {"de": "German", "en": "English", "fa": "Persian", "fr": "French", "es": "Spanish", "ru": "Russian",
              "ar": "Arabic", "zh": "Chinese", "tr": "Turkish", "it": "Italian"}

STATUS_TEXT = {
    "english": "source is English",
    "given": "translations given (--translations)",
    "mt": "machine translated",
    "fixture": "TEST FIXTURE output (not a translation)",
    "unavailable": "translation unavailable",
}

STYLE = """
:root { --line: #d8dce3; --muted: #5b6472; --ok: #e9f6ec; --only: #f6f6f6; --warn: #fff4d6; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif;
       margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 1500px; color: #1d2430; }
h1 { font-size: 1.45rem; margin: .4rem 0 .8rem; }
h2 { font-size: 1.2rem; margin: 2.2rem 0 .4rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1.02rem; margin: 1.2rem 0 .3rem; }
p.meta, .meta { color: var(--muted); font-size: .9rem; }
.notice { background: var(--warn); border: 1px solid #e3c46b; border-radius: 6px; padding: .6rem .9rem; }
.notice code { background: #fff; padding: 0 .25rem; border-radius: 3px; }
nav ul { margin: .3rem 0; padding-left: 1.2rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top; text-align: start; }
th { background: #eef1f5; font-weight: 600; }
table.summary { width: auto; }
table.summary td.num { text-align: end; font-variant-numeric: tabular-nums; }
table.pairs col.idx { width: 3.2rem; } table.pairs col.score { width: 4.6rem; }
table.pairs col.text { width: 31%; }
td.idx, td.score { color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
td.score { text-align: end; font-weight: 600; color: #1d2430; }
tr.matched td.ref { background: var(--ok); }
tr.only-source td { background: var(--only); }
td.ref.none { color: var(--muted); font-style: italic; }
td.trans.empty { color: var(--muted); font-style: italic; }
td.trans.fixture { color: #a33; }
.rid { color: var(--muted); font-size: .8rem; margin-inline-end: .3rem; }
[lang="fa"], [lang="ar"] { font-family: "Vazirmatn", "Noto Naskh Arabic", "Noto Sans Arabic", "DejaVu Sans", sans-serif;
                           font-size: 1.05em; line-height: 1.7; }
td.support.none { color: var(--muted); font-style: italic; }
.near { font-style: normal; font-size: .85rem; margin-top: .25rem; color: var(--muted); }
.srcname { font-weight: 600; }
ul.support { margin: 0; padding-inline-start: 1.1rem; }
ul.support li { margin: .15rem 0; }
ul.dropped li { margin: .2rem 0; }
.reason { color: var(--muted); font-size: .85rem; }
details.reason { display: inline; } details.reason[open] { display: block; margin-top: .3rem; }
details.pairs > summary { color: var(--muted); font-size: .9rem; cursor: pointer; margin: .3rem 0; }
.pill { display: inline-block; padding: 0 .45rem; border-radius: 999px; background: #eef1f5; font-size: .8rem; }
"""


def _e(text: object) -> str:
    """HTML-escape any text taken from articles, file names or models."""
    return html.escape(str(text), quote=True)


# Languages written right to left; their cells get dir="rtl".
RTL_LANGS = frozenset({"ar", "fa", "he", "ps", "ur", "yi", "dv", "ckb", "sd", "ug"})


def _dir(lang: str) -> str:
    if lang in RTL_LANGS:
        return "rtl"
    # An undetermined language may be either; let the browser take the direction from the first strong letter.
    return "auto" if lang in ("", "und", "xx") else "ltr"


def _text_cell(cls: str, text: str, lang: str) -> str:
    """A table cell holding article text in its language and direction."""
    return f'<td class="{cls}" lang="{_e(lang)}" dir="{_dir(lang)}">{_e(text)}</td>'


def _inline(text: str, lang: str) -> str:
    """Article text inside running English text: isolated so its direction cannot reorder its neighbours."""
    return f'<bdi lang="{_e(lang)}" dir="{_dir(lang)}">{_e(text)}</bdi>'


def _anchor(name: str) -> str:
    return "src-" + "".join(c if c.isalnum() else "-" for c in name)


def _lang_label(lang: str) -> str:
    return f"{LANG_NAMES.get(lang, lang)} ({lang})"


def render_report(result: CompareResult) -> str:
    """The whole report page for a compare result, as an HTML string."""
    ref = result.reference
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en" dir="ltr">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>xling compare: sources against {_e(ref.doc_id)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f'<h1>Claims compared against the reference <bdi>{_e(ref.doc_id)}</bdi></h1>',
        f'<p class="meta">Reference: {len(ref.sentences)} sentences, {_e(_lang_label(ref.lang))}. '
        f"Similarity: {_e(result.settings.get('similarity', ''))}. "
        f"Scores are the matcher's calibrated estimate that two sentences state the same claim (0 to 1).</p>",
        _notice_block(result),
        _summary_table(result),
    ]
    fold = len(result.sources) > FOLD_ABOVE
    parts.append(_nav(result, fold))
    parts.extend(_source_section(result, src, fold) for src in result.sources)
    parts.append(_reference_section(result))
    parts.append(_dropped_section(result))
    parts.append("</body></html>\n")
    return "\n".join(p for p in parts if p)


def _notice_block(result: CompareResult) -> str:
    missing = result.translations_missing()
    fixture = [s for s in result.sources if s.translation_status == "fixture"]
    items = []
    if missing:
        names = ", ".join(f"<bdi>{_e(s.name)}</bdi> ({_e(s.document.lang)})" for s in missing)
        pairs = sorted({f"{s.document.lang}-en" for s in missing})
        pulls = " or ".join(f"<code>xling models pull {_e(p)}</code>" for p in pairs)
        items.append(
            f'<div class="notice" id="translation-notice" role="status"><strong>Translations unavailable</strong> '
            f"for {names}. These sources were matched on multilingual embeddings of the original sentences; "
            f"their translation column is empty. To get translations, run {pulls} on a machine with network "
            f"access, or pass your own English translations with <code>--translations DIR</code> (one file per "
            f"source, named like it, one line per prepared sentence).</div>"
        )
    if fixture:
        names = ", ".join(f"<bdi>{_e(s.name)}</bdi>" for s in fixture)
        items.append(
            f'<div class="notice" id="fixture-notice"><strong>Test run:</strong> the text shown for {names} comes '
            f"from a random test-fixture model. It is not a translation.</div>"
        )
    return "\n".join(items)


def _summary_table(result: CompareResult) -> str:
    rows = []
    for src in result.sources:
        s = src.summary()
        rows.append(
            f'<tr><td><a href="#{_anchor(src.name)}"><bdi>{_e(src.name)}</bdi></a></td>'
            f"<td>{_e(_lang_label(s['lang']))}</td><td class=\"num\">{s['sentences']}</td>"
            f"<td class=\"num\">{s['matched']}</td><td class=\"num\">{s['only_in_source']}</td>"
            f"<td class=\"num\">{s['dropped']}</td><td>{_e(STATUS_TEXT.get(s['translation'], s['translation']))}</td></tr>"
        )
    unsupported = len(result.unsupported_reference_indices())
    return (
        '<table class="summary" id="summary"><thead><tr><th>Source</th><th>Language</th><th>Sentences</th>'
        "<th>Matched</th><th>Only in source</th><th>Dropped</th><th>Translation</th></tr></thead><tbody>"
        + "".join(rows)
        + f'</tbody></table>\n<p class="meta">{unsupported} of {len(result.reference.sentences)} reference '
        f"sentences are stated by no source.</p>"
    )


def _nav(result: CompareResult, fold: bool) -> str:
    # With many sources the summary table above already links each one; the list would only repeat it.
    links = "" if fold else "".join(
        f'<li><a href="#{_anchor(s.name)}"><bdi>{_e(s.name)}</bdi></a></li>' for s in result.sources
    )
    return (
        f"<nav><ul>{links}<li><a href=\"#by-reference\">By reference sentence</a></li>"
        f'<li><a href="#dropped">Dropped text</a></li></ul></nav>'
    )


def _source_section(result: CompareResult, src: SourceResult, fold: bool = False) -> str:
    doc = src.document
    ref_lang = result.reference.lang
    by_index: dict[int, list[MatchRecord]] = {}
    for m in src.matches:
        by_index.setdefault(m.source_index, []).append(m)
    rows = []
    for sent in doc.sentences:
        ms = by_index.get(sent.index, [])
        trans = src.translation_of(sent.index)
        if src.translation_status == "english":
            trans_cell = '<td class="trans empty">(source is English)</td>'
        elif trans is None:
            trans_cell = '<td class="trans empty"></td>'
        else:
            fixture = " fixture" if src.translation_status == "fixture" else ""
            trans_cell = f'<td class="trans{fixture}" lang="en" dir="ltr">{_e(trans)}</td>'
        orig_cell = _text_cell("orig", sent.text, doc.lang)
        idx = f'<td class="idx">{sent.index}</td>'
        if not ms:
            rows.append(
                f'<tr class="only-source" data-source-index="{sent.index}">{idx}{orig_cell}{trans_cell}'
                f'<td class="ref none">only in this source{_closest_reference(result, src, sent.index)}</td>'
                '<td class="score"></td></tr>'
            )
            continue
        span = f' rowspan="{len(ms)}"' if len(ms) > 1 else ""
        for k, m in enumerate(ms):
            ref_cell = (
                f'<td class="ref" lang="{_e(ref_lang)}" dir="{_dir(ref_lang)}">'
                f'<span class="rid">R{m.reference_index}</span>{_e(m.reference_text)}</td>'
            )
            score = f'<td class="score">{m.score:.2f}</td>'
            lead = (
                idx.replace("<td", f"<td{span}", 1)
                + orig_cell.replace("<td", f"<td{span}", 1)
                + trans_cell.replace("<td", f"<td{span}", 1)
                if k == 0
                else ""
            )
            rows.append(
                f'<tr class="matched" data-source-index="{sent.index}" data-reference-index="{m.reference_index}">'
                f"{lead}{ref_cell}{score}</tr>"
            )
    s = src.summary()
    if src.translation_status == "unavailable":
        # The full reason is long (cache paths, commands); the notice at the top already says what to do.
        note = (f'translation unavailable (see the notice above). <details class="reason"><summary>Why</summary>'
                f"{_e(src.translation_note)}</details>")
    else:
        note = _e(src.translation_note.rstrip(".")) + "."
    return (
        f'<section class="source" id="{_anchor(src.name)}" data-source="{_e(src.name)}">'
        f"<h2>Source <bdi>{_e(src.name)}</bdi> <span class=\"pill\">{_e(_lang_label(doc.lang))}</span></h2>"
        f'<div class="meta">{s["sentences"]} sentences, {s["matched"]} matched, {s["only_in_source"]} only in this '
        f"source. Matched by {_e(src.matching or 'the claim matcher')}. Translation: {note}</div>"
        f'<details class="pairs"{"" if fold else " open"}><summary>Sentences side by side</summary>'
        '<table class="pairs"><colgroup><col class="idx"><col class="text"><col class="text"><col class="text">'
        '<col class="score"></colgroup><thead><tr><th>#</th><th>Original</th><th>Translation (English)</th>'
        "<th>Reference sentence</th><th>Score</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></details></section>"
    )


def _closest_reference(result: CompareResult, src: SourceResult, index: int) -> str:
    """The reference sentence that came closest to an unmatched source sentence, with its score under the cut.

    Closest scores show three decimals: at two, a score just under a cut of 0.13 would read as 0.13."""
    near = src.nearest_reference(index)
    if near is None:
        return ""
    j, score = near
    ref = result.reference
    return (f'<div class="near">closest, below the cut: <span class="rid">R{j}</span>'
            f'{_inline(ref.sentences[j].text, ref.lang)} <span class="pill">{score:.3f}</span></div>')


def _reference_section(result: CompareResult) -> str:
    ref = result.reference
    langs = {s.name: s.document.lang for s in result.sources}
    rows = []
    for sent in ref.sentences:
        support = result.supporting(sent.index)
        if support:
            items = []
            for m in sorted(support, key=lambda m: (m.source, -m.score)):
                trans = f' <span class="meta">— {_inline(m.translation, "en")}</span>' if m.translation else ""
                items.append(
                    f'<li><bdi class="srcname">{_e(m.source)}</bdi> #{m.source_index} '
                    f'<span class="pill">{m.score:.2f}</span>: {_inline(m.source_text, langs.get(m.source, "und"))}'
                    f"{trans}</li>"
                )
            n_src = len({m.source for m in support})
            cell = f'<td class="support">{n_src} source{"s" if n_src > 1 else ""}<ul class="support">{"".join(items)}</ul></td>'
            cls = "supported"
        else:
            near = result.nearest_source(sent.index)
            closest = ""
            if near is not None:
                other, i, score = near
                closest = (f'<div class="near">closest, below the cut: <bdi class="srcname">{_e(other.name)}</bdi> '
                           f'#{i} <span class="pill">{score:.3f}</span>: '
                           f"{_inline(other.document.sentences[i].text, other.document.lang)}</div>")
            cell = f'<td class="support none">stated by no source{closest}</td>'
            cls = "unsupported"
        rows.append(
            f'<tr class="{cls}" data-reference-index="{sent.index}"><td class="idx">R{sent.index}</td>'
            f"{_text_cell('reftext', sent.text, ref.lang)}{cell}</tr>"
        )
    return (
        '<section id="by-reference"><h2>By reference sentence</h2>'
        '<p class="meta">Each sentence of the reference and the sources that state the same claim.</p>'
        '<table class="byref"><thead><tr><th>#</th><th>Reference sentence</th><th>Stated by</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></section>"
    )


def _dropped_section(result: CompareResult) -> str:
    docs = [result.reference, *(s.document for s in result.sources)]
    blocks = []
    for doc in docs:
        if not doc.dropped:
            continue
        items = "".join(
            f'<li><span class="reason">{_e(d.reason)}:</span> {_inline(d.text.strip(), doc.lang)}</li>'
            for d in doc.dropped
        )
        blocks.append(f'<h3><bdi>{_e(doc.doc_id)}</bdi></h3><ul class="dropped">{items}</ul>')
    body = "".join(blocks) or '<p class="meta">Nothing was dropped.</p>'
    return (
        '<section id="dropped"><h2>Dropped text</h2>'
        '<p class="meta">Boilerplate and repeated paragraphs removed before matching.</p>' + body + "</section>"
    )
