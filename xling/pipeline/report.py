"""The compare report: one self-contained HTML page (inline CSS, no script, nothing fetched from the network).

Python turns a CompareResult into a plain view (the dataclasses below); the template
xling/pipeline/templates/report.html.j2 lays it out. The template is rendered with autoescape on, so no text from an
article, a file name or a model is ever written into the page unescaped, and nothing here escapes by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup, escape

from translate.langid import LANG_NAMES
from translate.prepare import UNDETERMINED
from xling.pipeline.results import UNAVAILABLE_NOTICE, score_text, unavailable_parts

if TYPE_CHECKING:
    from align.evidence import Evidence
    from align.pairing import Pairing
    from translate.document import Document, Sentence
    from xling.pipeline.results import CompareResult, SourceResult

# With more sources than this, each source's table starts folded (a <details> element, so no script is needed):
# a batch of hundreds of articles then opens on the summary and the navigation instead of a page miles long.
FOLD_ABOVE = 10


STATUS_TEXT = {
    "english": "source is English",
    "given": "translations given (--translations)",
    "mt": "machine translated",
    "fixture": "TEST FIXTURE output (not a translation)",
    "unavailable": "translation unavailable",
    "empty": "none: no sentences to translate",
}

# Other-language passages listed in a source's meta line; more are summed up as "…".
RUNS_SHOWN = 3

# Languages written right to left; their cells get dir="rtl".
RTL_LANGS = frozenset({"ar", "fa", "he", "ps", "ur", "yi", "dv", "ckb", "sd", "ug"})


@dataclass(frozen=True)
class Text:
    """Article text with the language and writing direction it is shown in, and the evidence marked in it."""

    text: str
    lang: str
    dir: str
    marks: tuple[tuple[int, int, str], ...] = ()  # (start, end, kind) of each shared name, number or word

    def segments(self) -> list[tuple[str, str]]:
        """The text cut at its marks: (part, kind), kind "" for unmarked text; the template escapes each part."""
        out: list[tuple[str, str]] = []
        at = 0
        # At one start the longest mark wins ("Xi Jinping" as a name for one pair over "Xi" for another).
        for start, end, kind in sorted(self.marks, key=lambda m: (m[0], -m[1])):
            if start < at:  # overlapping marks (one name found for two matches): the first one shows
                continue
            if start > at:
                out.append((self.text[at:start], ""))
            out.append((self.text[start:end], kind))
            at = end
        if at < len(self.text) or not out:
            out.append((self.text[at:], ""))
        return out


@dataclass(frozen=True)
class Near:
    """The closest counterpart of an unmatched sentence, below the cut (source is set for a source sentence)."""

    index: int
    text: Text
    score: float
    source: str = ""


@dataclass(frozen=True)
class MatchView:
    """One reference sentence matched (or, `possible`, possibly matched) by a source sentence, and why."""

    reference_index: int
    reference: Text
    score: float
    possible: bool = False
    evidence: str = ""  # "names: Cuba, China; numbers: 25", or "" when the two share none


@dataclass(frozen=True)
class SentenceRow:
    """A source sentence; it spans `rowspan` table rows, one per match (one row when it has none)."""

    index: int
    original: Text
    translation: Text | None
    matches: list[MatchView]
    closest: Near | None
    rowspan: int
    other_lang: str = ""  # the sentence's language when it is not the document's (a quoted passage)


@dataclass(frozen=True)
class SourceView:
    """A source's summary counts, its section's header and its sentence rows."""

    id: str
    name: str
    lang_label: str  # the summary's: "German (de)", or "German (de+fa)" for a German article quoting Persian
    lang_name: str  # the header's: the document's own language, "German (de)"
    also: str  # "also Persian: 4 sentences", or "" when every sentence is in the document's language
    runs: str  # where those are: "paragraph 4 (sentences 4-7): fa", up to RUNS_SHOWN runs
    sentences: int
    matched: int
    only_in_source: int
    dropped: int
    possible: int
    status: str
    matching: str
    note: str
    unavailable: bool
    english: bool
    fixture: bool
    rows: list[SentenceRow]
    # False when no sentence has a translation to show (offline, or an English source): the table then has no
    # translation column, and the meta line says once why.
    show_translation: bool = True


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
    possible: list[SupportView] = field(default_factory=list)  # source sentences that possibly state it


@dataclass(frozen=True)
class DroppedView:
    """What preparation removed from one document: (reason, text) pairs."""

    name: str
    items: list[tuple[str, Text]]


@dataclass(frozen=True)
class PairLink:
    """A reference a source is paired with (or came closest to), the pairing score and the pair's section id."""

    reference: str
    score: float | None  # None: paired by a group given in the corpus, not by similarity
    href: str = ""  # "" when the pair has no section on the page


@dataclass(frozen=True)
class IndexRow:
    """A source in the index of pairs: its language, the references it is paired with, or its nearest miss."""

    source: str
    lang_label: str  # "" when no comparison holds the source, so its language is not known here
    pairs: list[PairLink]
    unpaired: bool
    closest: PairLink | None  # for a source with no pair: its highest-scoring pairing, below the cut


def render_report(result: CompareResult) -> str:
    """The whole report page for a compare result, as an HTML string."""
    return _template("report.html.j2").render(view=report_view(result))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("xling.pipeline", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt field fails the render instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["score"] = score_text
    return env


def _template(name: str) -> jinja2.Template:
    return _environment().get_template(name)  # the environment caches compiled templates


def _unavailable_html(docs: list[Document]) -> Markup:
    """The 'translations unavailable' notice in its one wording (results.UNAVAILABLE_NOTICE), with markup."""
    names, pulls = unavailable_parts(docs)
    return Markup(escape(UNAVAILABLE_NOTICE)).format(
        names=Markup(", ").join(Markup("<bdi>{}</bdi> ({})").format(n, langs) for n, langs in names),
        pulls=Markup(" or ").join(Markup("<code>xling models pull {}</code>").format(p) for p in pulls),
        option=Markup("<code>--translations DIR</code>"))


def report_view(result: CompareResult, id_prefix: str = "") -> dict:
    """The plain data the report template lays out: every text, count and id on the page, nothing escaped.

    Every id of the page part starts with `id_prefix`, so one page can hold the parts of several references.
    """
    ref = result.reference
    missing = result.translations_missing()
    docs = {s.name: s.document for s in result.sources}
    return {
        "id_prefix": id_prefix,
        "reference": {"name": ref.doc_id, "sentences": len(ref.sentences),
                      "lang_label": _lang_label(ref.lang, "+".join(ref.languages()))},
        "similarity": str(result.settings.get("similarity", "")),
        "reranker": str(result.settings.get("reranker") or ""),
        # What this run is, when its caller says (make demo labels its run with stand-in translations so).
        "label": str(result.settings.get("label") or ""),
        "unavailable_notice": _unavailable_html([s.document for s in missing]) if missing else "",
        "fixture_names": [s.name for s in result.sources if s.translation_status == "fixture"],
        "sources": [_source_view(result, src, id_prefix + id_) for src, id_ in
                    zip(result.sources, source_ids([s.name for s in result.sources]), strict=True)],
        "unsupported": len(result.unsupported_reference_indices()),
        "fold": len(result.sources) > FOLD_ABOVE,
        "by_reference": [_reference_row(result, sent.index, docs) for sent in ref.sentences],
        "dropped": _dropped_views([ref, *(s.document for s in result.sources)]),
    }


def render_corpus_report(comparisons: list[CompareResult], pairings: list[Pairing], unpaired: list[str]) -> str:
    """One report page for a batch job: an index of pairs, then each reference's comparison, then dropped text.

    With one comparison and no unpaired source it is the one-reference page, byte for byte.
    """
    if len(comparisons) == 1 and not unpaired:
        return render_report(comparisons[0])
    return _template("corpus.html.j2").render(corpus_view(comparisons, pairings, unpaired))


def corpus_view(comparisons: list[CompareResult], pairings: list[Pairing], unpaired: list[str]) -> dict:
    """The plain data of the corpus page: the index of pairs, one report_view per reference, dropped text."""
    # "r1-", "r2-": a number then "-" cannot be a prefix of another part's prefix, so ids stay unique on the page.
    parts = [report_view(c, id_prefix=f"r{k}-") for k, c in enumerate(comparisons, 1)]
    scores = {(p.source_id, p.reference_id): p.score for p in pairings}
    sections: dict[str, list[PairLink]] = {}
    langs: dict[str, str] = {}
    for comparison, part in zip(comparisons, parts, strict=True):
        ref_id = comparison.reference.doc_id
        for src, view in zip(comparison.sources, part["sources"], strict=True):
            sections.setdefault(src.name, []).append(PairLink(ref_id, scores.get((src.name, ref_id)), view.id))
            langs.setdefault(src.name, view.lang_label)
    best: dict[str, Pairing] = {}
    for p in pairings:
        if p.score is not None and (p.source_id not in best or p.score > best[p.source_id].score):
            best[p.source_id] = p
    order = list(dict.fromkeys([*(p.source_id for p in pairings), *sections, *unpaired]))
    alone = set(unpaired)
    rows = []
    for source in order:
        near = best.get(source) if source not in sections else None
        rows.append(IndexRow(source, langs.get(source, ""), sections.get(source, []), source in alone,
                             None if near is None else PairLink(near.reference_id, near.score)))
    references = dict.fromkeys([*(p.reference_id for p in pairings), *(c.reference.doc_id for c in comparisons)])
    docs = {d.doc_id: d for c in comparisons for d in (c.reference, *(s.document for s in c.sources))}
    return {
        "index": rows,
        "counts": {"sources": len(order), "references": len(references), "compared": len(comparisons),
                   "pairs": sum(len(links) for links in sections.values()), "unpaired": len(alone)},
        "parts": parts,
        "dropped": _dropped_views(docs.values()),
    }


def source_ids(names: Sequence[str]) -> list[str]:
    """The HTML id of each source's section, in order, all different; the summary and the navigation link to them.

    An id is "src-" and the name with every character that is not a letter or digit made "-" (cut to 80), so
    "a b.txt", "a-b.txt" and "a_b.txt" share one slug, as may names that differ only in case or after the cut.
    Those get a suffix from a hash of the whole name, which does not depend on the other sources.
    """
    import hashlib

    slugs = ["src-" + "".join(c if c.isalnum() else "-" for c in name)[:80] for name in names]
    counts: dict[str, int] = {}
    for slug in slugs:
        counts[slug.casefold()] = counts.get(slug.casefold(), 0) + 1
    ids: list[str] = []
    taken: set[str] = set()
    for name, slug in zip(names, slugs, strict=True):
        id_ = slug
        if counts[slug.casefold()] > 1:
            id_ = f"{slug}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
        n = 1
        while id_.casefold() in taken:  # the same name twice, or a suffixed id that is another name's slug
            n += 1
            id_ = f"{slug}-{n}"
        taken.add(id_.casefold())
        ids.append(id_)
    return ids


def _dropped_views(docs: Iterable[Document]) -> list[DroppedView]:
    return [DroppedView(doc.doc_id, [(d.reason, _dropped_text(doc, d.text.strip())) for d in doc.dropped])
            for doc in docs if doc.dropped]


def _dropped_text(doc: Document, text: str) -> Text:
    # A dropped span has no sentence, so no language of its own; in a document that mixes languages it may be
    # the quoted passage, so the browser takes its direction from its first strong letter.
    if len(doc.languages()) > 1:
        return Text(text, doc.lang, "auto")
    return _text(text, doc.lang)


def _dir(lang: str) -> str:
    if lang in RTL_LANGS:
        return "rtl"
    # An undetermined language may be either; let the browser take the direction from the first strong letter.
    return "auto" if lang in ("", "und", "xx") else "ltr"


def _text(text: str, lang: str, marks: Iterable[tuple[int, int, str]] = ()) -> Text:
    return Text(text, lang, _dir(lang), tuple(marks))


def _evidence_line(ev: Evidence) -> str:
    """ "names: Cuba, China; numbers: 25" for the report, or "" when the two sentences share none."""
    parts = [(label, forms) for label, forms in (("names", ev.names), ("numbers", ev.numbers), ("words", ev.words))
             if forms]
    return "; ".join(f"{label}: {', '.join(forms)}" for label, forms in parts)


def _sentence_text(sent: Sentence) -> Text:
    """A sentence in its own language, which may not be its document's (a German article quoting Persian)."""
    return _text(sent.text, sent.lang)


def _lang_label(lang: str, codes: str = "") -> str:
    """A language's label, "German (de)"; `codes` "de+fa" makes it "German (de+fa)", German quoting Persian."""
    name = "undetermined" if lang == UNDETERMINED else LANG_NAMES.get(lang, lang)  # a text without letters
    return f"{name} ({codes or lang})"


def _other_languages(doc: Document) -> tuple[str, str]:
    """("also Persian: 4 sentences", "paragraph 4 (sentences 4-7): fa") for a document quoting other languages."""
    others = [(lang, n) for lang, n in doc.languages().items() if lang != doc.lang]
    if not others:
        return "", ""
    also = "also " + ", ".join(f"{LANG_NAMES.get(lang, lang)}: {n} sentence{'s' if n > 1 else ''}"
                               for lang, n in others)
    runs = [r.describe() for r in doc.other_language_runs()]
    return also, "; ".join(runs[:RUNS_SHOWN]) + ("; …" if len(runs) > RUNS_SHOWN else "")


def _source_view(result: CompareResult, src: SourceResult, id_: str) -> SourceView:
    doc = src.document
    ref = result.reference
    by_index: dict[int, list[MatchView]] = {}
    # Evidence marks in each source sentence's compared text (the translation, or the original without one),
    # gathered over all of its pairs.
    source_marks: dict[int, list[tuple[int, int, str]]] = {}
    for m, possible in [*((m, False) for m in src.matches), *((m, True) for m in src.possible)]:
        ev = src.pair_evidence(m.source_index, m.reference_text)
        source_marks.setdefault(m.source_index, []).extend(ev.source_spans)
        ref_text = _text(m.reference_text, _lang_of(ref, m.reference_index, ref.lang), ev.reference_spans)
        by_index.setdefault(m.source_index, []).append(
            MatchView(m.reference_index, ref_text, m.score, possible, _evidence_line(ev)))
    rows = []
    for sent in doc.sentences:
        matches = by_index.get(sent.index, [])
        trans = src.translation_of(sent.index)
        marks = tuple(source_marks.get(sent.index, ()))
        near = None if matches else src.nearest_reference(sent.index)
        closest = None if near is None else Near(near[0], _sentence_text(ref.sentences[near[0]]), near[1])
        # The marks lie in the text that was compared: the translation when there is one to show; the original
        # when there is none, or when the source is English (its original is what was compared).
        original = _text(sent.text, sent.lang, () if trans is not None else marks)
        rows.append(SentenceRow(sent.index, original, None if trans is None else _text(trans, "en", marks),
                                matches, closest, max(len(matches), 1), "" if sent.lang == doc.lang else sent.lang))
    s = src.summary()
    unavailable = src.translation_status == "unavailable"
    also, runs = _other_languages(doc)
    return SourceView(
        id=id_, name=src.name, lang_label=_lang_label(doc.lang, "+".join(s["languages"])),
        lang_name=_lang_label(doc.lang), also=also, runs=runs, sentences=s["sentences"], matched=s["matched"],
        only_in_source=s["only_in_source"], dropped=s["dropped"], possible=len(src.possible),
        status=STATUS_TEXT.get(s["translation"], s["translation"]),
        matching=src.matching or "the claim matcher",
        # An unavailable translation's note is the long reason (cache paths, commands), shown folded.
        note=src.translation_note if unavailable else src.translation_note.rstrip(".") + ".",
        unavailable=unavailable, english=src.translation_status == "english",
        fixture=src.translation_status == "fixture", rows=rows,
        show_translation=any(row.translation is not None for row in rows),
    )


def _lang_of(doc: Document | None, index: int, default: str) -> str:
    """The language of sentence `index` of `doc`; `default` when the document or the sentence is not there."""
    if doc is None or not 0 <= index < len(doc.sentences):
        return default
    return doc.sentences[index].lang


def _reference_row(result: CompareResult, index: int, docs: dict[str, Document]) -> ReferenceRow:
    ref = result.reference
    sources = {s.name: s for s in result.sources}
    ref_marks: list[tuple[int, int, str]] = []

    def views(records) -> list[SupportView]:
        out = []
        for m in sorted(records, key=lambda m: (m.source, -m.score)):
            src = sources.get(m.source)
            ev = src.pair_evidence(m.source_index, m.reference_text) if src is not None else None
            marks = ev.source_spans if ev is not None else ()
            ref_marks.extend(ev.reference_spans if ev is not None else ())
            # The marks lie in the compared text: the translation when one is shown, else the original.
            original = _text(m.source_text, _lang_of(docs.get(m.source), m.source_index, m.source_lang),
                             () if m.translation else marks)
            out.append(SupportView(m.source, m.source_index, m.score, original,
                                   _text(m.translation, "en", marks) if m.translation else None))
        return out

    support = views(result.supporting(index))
    possible = views(m for m in result.possible_matches if m.reference_index == index)
    closest = None
    if not support:
        near = result.nearest_source(index)
        if near is not None:
            other, i, score = near
            closest = Near(i, _sentence_text(other.document.sentences[i]), score, other.name)
    sent = ref.sentences[index]
    return ReferenceRow(index, _text(sent.text, sent.lang, ref_marks), support,
                        len({s.source for s in support}), closest, possible)
