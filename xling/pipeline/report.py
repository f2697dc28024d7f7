"""The compare report: one self-contained HTML page (inline CSS, no script, nothing fetched from the network).

Python turns a CompareResult into a plain view (the dataclasses below); the template
xling/pipeline/templates/report.html.j2 lays it out. The template is rendered with autoescape on, so no text from an
article, a file name or a model is ever written into the page unescaped, and nothing here escapes by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import jinja2

if TYPE_CHECKING:
    from xling.pipeline.results import CompareResult, SourceResult

# With more sources than this, each source's table starts folded (a <details> element, so no script is needed):
# a batch of hundreds of articles then opens on the summary and the navigation instead of a page miles long.
FOLD_ABOVE = 10

LANG_NAMES = {"de": "German", "en": "English", "fa": "Persian", "fr": "French", "es": "Spanish", "ru": "Russian",
              "ar": "Arabic", "zh": "Chinese", "tr": "Turkish", "it": "Italian"}

STATUS_TEXT = {
    "english": "source is English",
    "given": "translations given (--translations)",
    "mt": "machine translated",
    "fixture": "TEST FIXTURE output (not a translation)",
    "unavailable": "translation unavailable",
}

# Languages written right to left; their cells get dir="rtl".
RTL_LANGS = frozenset({"ar", "fa", "he", "ps", "ur", "yi", "dv", "ckb", "sd", "ug"})


@dataclass(frozen=True)
class Text:
    """Article text with the language and writing direction it is shown in."""

    text: str
    lang: str
    dir: str


@dataclass(frozen=True)
class Near:
    """The closest counterpart of an unmatched sentence, below the cut (source is set for a source sentence)."""

    index: int
    text: Text
    score: float
    source: str = ""


@dataclass(frozen=True)
class MatchView:
    """One reference sentence matched by a source sentence."""

    reference_index: int
    reference: Text
    score: float


@dataclass(frozen=True)
class SentenceRow:
    """A source sentence; it spans `rowspan` table rows, one per match (one row when it has none)."""

    index: int
    original: Text
    translation: Text | None
    matches: list[MatchView]
    closest: Near | None
    rowspan: int


@dataclass(frozen=True)
class SourceView:
    """A source's summary counts, its section's header and its sentence rows."""

    id: str
    name: str
    lang_label: str
    sentences: int
    matched: int
    only_in_source: int
    dropped: int
    status: str
    matching: str
    note: str
    unavailable: bool
    english: bool
    fixture: bool
    rows: list[SentenceRow]


@dataclass(frozen=True)
class SupportView:
    """A source sentence stating a reference sentence's claim."""

    source: str
    source_index: int
    score: float
    text: Text
    translation: Text | None


@dataclass(frozen=True)
class ReferenceRow:
    """A reference sentence, the source sentences that state it, or the closest one when none does."""

    index: int
    text: Text
    support: list[SupportView]
    n_sources: int
    closest: Near | None


@dataclass(frozen=True)
class DroppedView:
    """What preparation removed from one document: (reason, text) pairs."""

    name: str
    items: list[tuple[str, Text]]


def render_report(result: CompareResult) -> str:
    """The whole report page for a compare result, as an HTML string."""
    return _template().render(report_view(result))


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("xling.pipeline", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt field fails the render instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2")


def report_view(result: CompareResult) -> dict:
    """The plain data the report template lays out: every text, count and id on the page, nothing escaped."""
    ref = result.reference
    missing = result.translations_missing()
    langs = {s.name: s.document.lang for s in result.sources}
    return {
        "reference": {"name": ref.doc_id, "sentences": len(ref.sentences), "lang_label": _lang_label(ref.lang)},
        "similarity": str(result.settings.get("similarity", "")),
        "missing": [(s.name, s.document.lang) for s in missing],
        "pulls": sorted({f"{s.document.lang}-en" for s in missing}),
        "fixture_names": [s.name for s in result.sources if s.translation_status == "fixture"],
        "sources": [_source_view(result, src, id_) for src, id_ in
                    zip(result.sources, source_ids([s.name for s in result.sources]), strict=True)],
        "unsupported": len(result.unsupported_reference_indices()),
        "fold": len(result.sources) > FOLD_ABOVE,
        "by_reference": [_reference_row(result, sent.index, langs) for sent in ref.sentences],
        "dropped": [DroppedView(doc.doc_id, [(d.reason, _text(d.text.strip(), doc.lang)) for d in doc.dropped])
                    for doc in (ref, *(s.document for s in result.sources)) if doc.dropped],
    }


def source_ids(names: Sequence[str]) -> list[str]:
    """The HTML id of each source's section, in order; the summary and the navigation link to them."""
    return ["src-" + "".join(c if c.isalnum() else "-" for c in name) for name in names]


def _dir(lang: str) -> str:
    if lang in RTL_LANGS:
        return "rtl"
    # An undetermined language may be either; let the browser take the direction from the first strong letter.
    return "auto" if lang in ("", "und", "xx") else "ltr"


def _text(text: str, lang: str) -> Text:
    return Text(text, lang, _dir(lang))


def _lang_label(lang: str) -> str:
    return f"{LANG_NAMES.get(lang, lang)} ({lang})"


def _source_view(result: CompareResult, src: SourceResult, id_: str) -> SourceView:
    doc = src.document
    ref = result.reference
    by_index: dict[int, list[MatchView]] = {}
    for m in src.matches:
        by_index.setdefault(m.source_index, []).append(
            MatchView(m.reference_index, _text(m.reference_text, ref.lang), m.score))
    rows = []
    for sent in doc.sentences:
        matches = by_index.get(sent.index, [])
        trans = src.translation_of(sent.index)
        near = None if matches else src.nearest_reference(sent.index)
        closest = None if near is None else Near(near[0], _text(ref.sentences[near[0]].text, ref.lang), near[1])
        rows.append(SentenceRow(sent.index, _text(sent.text, doc.lang), None if trans is None else _text(trans, "en"),
                                matches, closest, max(len(matches), 1)))
    s = src.summary()
    unavailable = src.translation_status == "unavailable"
    return SourceView(
        id=id_, name=src.name, lang_label=_lang_label(doc.lang), sentences=s["sentences"], matched=s["matched"],
        only_in_source=s["only_in_source"], dropped=s["dropped"],
        status=STATUS_TEXT.get(s["translation"], s["translation"]),
        matching=src.matching or "the claim matcher",
        # An unavailable translation's note is the long reason (cache paths, commands), shown folded.
        note=src.translation_note if unavailable else src.translation_note.rstrip(".") + ".",
        unavailable=unavailable, english=src.translation_status == "english",
        fixture=src.translation_status == "fixture", rows=rows,
    )


def _reference_row(result: CompareResult, index: int, langs: dict[str, str]) -> ReferenceRow:
    ref = result.reference
    support = [
        SupportView(m.source, m.source_index, m.score, _text(m.source_text, langs.get(m.source, "und")),
                    _text(m.translation, "en") if m.translation else None)
        for m in sorted(result.supporting(index), key=lambda m: (m.source, -m.score))
    ]
    closest = None
    if not support:
        near = result.nearest_source(index)
        if near is not None:
            other, i, score = near
            closest = Near(i, _text(other.document.sentences[i].text, other.document.lang), score, other.name)
    return ReferenceRow(index, _text(ref.sentences[index].text, ref.lang), support,
                        len({s.source for s in support}), closest)
