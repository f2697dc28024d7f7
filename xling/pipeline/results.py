"""The result model of a comparison: matches, unmatched claims on both sides, and the notices a reader needs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from translate.document import Document

if TYPE_CHECKING:
    from align.evidence import Evidence

# The one wording of the notice that sources are shown without translation: stderr, find and the report (which
# fills the same fields with markup) all use it.
UNAVAILABLE_NOTICE = (
    "Translations unavailable for {names}: these sources were matched on multilingual embeddings of the original "
    "sentences, and are shown without a translation. To get translations, run {pulls} on a machine with "
    "network access (or put the model in the Hugging Face cache), or pass your own English translations with "
    "{option} (one file per source, named like it, one line per prepared sentence)."
)

# Every score a reader sees (find's lines, compare's summary, the report) is printed with this many decimals, so
# a match and the cut it passed never look equal while one is below the other.
SCORE_DECIMALS = 3


def score_text(value: float) -> str:
    """A score as shown to readers: fixed decimals, the same everywhere."""
    return f"{value:.{SCORE_DECIMALS}f}"


@dataclass(frozen=True)
class MatchRecord:
    """One matched claim: a source sentence, its English translation (or None) and the reference sentence."""

    source: str
    source_lang: str
    source_index: int
    source_text: str
    translation: str | None
    reference: str  # the reference article's id: a batch job compares each source with several
    reference_index: int
    reference_text: str
    score: float
    # Why the two were paired (align.evidence.Evidence.to_dict): the names, numbers and, with a translation,
    # content words both share, written as in the reference, so a reader can filter on them.
    evidence: dict | None = None

    def to_dict(self) -> dict:
        """Plain-dict form, one line of matches.jsonl."""
        return asdict(self)


@dataclass
class SourceResult:
    """A prepared source, its translations and its matches against the reference."""

    document: Document
    translations: list[str] | None  # one English string per sentence, or None when unavailable
    translation_status: str  # "english" | "given" | "mt" | "fixture" | "unavailable"
    translation_note: str  # one human sentence: which model or file, or why there is none
    matches: list[MatchRecord] = field(default_factory=list)
    # The second tier: pairs scoring below the match threshold but at least the lower "possible" cut. They are
    # not matches (matched_indices ignores them) and are written apart, to possible_matches.jsonl.
    possible: list[MatchRecord] = field(default_factory=list)
    matching: str = ""  # how the matches were made: similarity and threshold
    # The matcher's signature for this source (what it actually used: a source without translation falls back to
    # embeddings), short form, so every result says how it was made.
    signature: str = ""
    # Per source sentence, its best-scoring reference sentence and that score, kept or not; per reference
    # sentence, its best-scoring sentence of this source. A claim left unmatched is shown with its closest
    # counterpart, so a reader can judge a near miss instead of trusting the cut blindly. Only the row and
    # column maxima are kept: a whole score matrix per source would grow with the square of article length.
    nearest: list[tuple[int, float]] = field(default_factory=list)
    nearest_for_reference: list[tuple[int, float]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The source's file name (its doc_id)."""
        return self.document.doc_id

    def matched_indices(self) -> set[int]:
        """Indices of the sentences with at least one counterpart in the reference."""
        return {m.source_index for m in self.matches}

    def unmatched_indices(self) -> list[int]:
        """Indices of the sentences stated only in this source, in document order."""
        hit = self.matched_indices()
        return [s.index for s in self.document.sentences if s.index not in hit]

    def nearest_reference(self, index: int) -> tuple[int, float] | None:
        """The reference sentence scoring highest with sentence `index` (kept or not) and its score."""
        return self.nearest[index] if index < len(self.nearest) else None

    def pair_evidence(self, source_index: int, reference_text: str) -> Evidence:
        """What sentence `source_index` and a reference sentence share, found in the text that was compared: its
        translation (an English source's own text), else its original. matches.jsonl and the report both use it."""
        from align.evidence import find_evidence

        compared = self.translations[source_index] if self.translations is not None else None
        return find_evidence(self.document.sentences[source_index].text if compared is None else compared,
                             reference_text, translated=compared is not None)

    def translation_of(self, index: int) -> str | None:
        """The English translation of sentence `index`, or None when there is none to show."""
        if self.translations is None or self.translation_status == "english":
            return None
        return self.translations[index]

    def summary(self) -> dict:
        """Counts for the summary table; `languages` counts sentences per language, the document's own first."""
        n = len(self.document.sentences)
        matched = len(self.matched_indices())
        return {
            "source": self.name,
            "lang": self.document.lang,
            "languages": self.document.languages(),
            "sentences": n,
            "matched": matched,
            "only_in_source": n - matched,
            "matches": len(self.matches),
            "possible": len(self.possible),
            "dropped": len(self.document.dropped),
            "translation": self.translation_status,
        }


@dataclass
class CompareResult:
    """Everything `xling compare` found: per-source matches, unmatched claims on both sides, dropped text."""

    reference: Document
    sources: list[SourceResult]
    notices: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    @property
    def matches(self) -> list[MatchRecord]:
        """All matches, source by source, in source sentence order."""
        return [m for s in self.sources for m in s.matches]

    @property
    def possible_matches(self) -> list[MatchRecord]:
        """All possible matches (the second tier, below the match threshold), source by source."""
        return [m for s in self.sources for m in s.possible]

    @property
    def unmatched(self) -> list[dict]:
        """Source sentences without a counterpart, then reference sentences no source supports."""
        rows: list[dict] = []
        for src in self.sources:
            for i in src.unmatched_indices():
                near = src.nearest_reference(i)
                rows.append({
                    "kind": "only_in_source",
                    "source": src.name,
                    "source_lang": src.document.lang,
                    "source_index": i,
                    "source_text": src.document.sentences[i].text,
                    "translation": src.translation_of(i),
                    "reference": self.reference.doc_id,
                    "nearest_reference_index": near[0] if near else None,
                    "nearest_reference_text": self.reference.sentences[near[0]].text if near else None,
                    "nearest_score": near[1] if near else None,
                })
        for i in self.unsupported_reference_indices():
            near = self.nearest_source(i)
            rows.append({
                "kind": "reference_unsupported",
                "reference": self.reference.doc_id,
                "reference_index": i,
                "reference_text": self.reference.sentences[i].text,
                "nearest_source": near[0].name if near else None,
                "nearest_source_index": near[1] if near else None,
                "nearest_source_text": near[0].document.sentences[near[1]].text if near else None,
                "nearest_score": near[2] if near else None,
            })
        return rows

    def nearest_source(self, reference_index: int) -> tuple[SourceResult, int, float] | None:
        """The source sentence, over all sources, scoring highest with reference sentence `reference_index`."""
        best = None
        for src in self.sources:
            if reference_index < len(src.nearest_for_reference):
                i, score = src.nearest_for_reference[reference_index]
                if best is None or score > best[2]:
                    best = (src, i, score)
        return best

    @property
    def dropped(self) -> list[dict]:
        """What preparation removed from every document (boilerplate, duplicates), reference first."""
        return [d.to_dict() for doc in [self.reference, *(s.document for s in self.sources)] for d in doc.dropped]

    def supporting(self, reference_index: int) -> list[MatchRecord]:
        """The matches, from all sources, whose reference side is sentence `reference_index`."""
        return [m for m in self.matches if m.reference_index == reference_index]

    def unsupported_reference_indices(self) -> list[int]:
        """Reference sentences that no source states."""
        hit = {m.reference_index for m in self.matches}
        return [s.index for s in self.reference.sentences if s.index not in hit]

    def translations_missing(self) -> list[SourceResult]:
        """Non-English sources shown without a translation."""
        return [s for s in self.sources if s.translation_status == "unavailable"]

    def to_jsonl(self) -> str:
        """The matches as JSON Lines, exactly as written to matches.jsonl."""
        return jsonl_text(m.to_dict() for m in self.matches)

    def possible_jsonl(self) -> str:
        """The possible matches as JSON Lines, exactly as written to possible_matches.jsonl."""
        return jsonl_text(m.to_dict() for m in self.possible_matches)

    def unmatched_jsonl(self) -> str:
        """The unmatched claims as JSON Lines, exactly as written to unmatched.jsonl."""
        return jsonl_text(self.unmatched)

    def summary_rows(self) -> list[dict]:
        """One dict of counts per source."""
        return [s.summary() for s in self.sources]


def jsonl_text(rows: Iterable[dict]) -> str:
    """Rows as JSON Lines text: one object per line, UTF-8 kept as is."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def unavailable_parts(docs: Iterable[Document]) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, languages such as "de+fa") of each document, and the model pairs they need, for the notice."""
    from translate.prepare import UNDETERMINED

    docs = list(docs)
    names = [(d.doc_id, "+".join(d.languages()) or d.lang) for d in docs]
    # A German article quoting Persian needs both models; English and letterless sentences need none.
    pulls = sorted({f"{lang}-en" for d in docs for lang in d.languages() if lang not in ("en", UNDETERMINED)})
    return names, pulls


def translations_unavailable(docs: Iterable[Document]) -> str:
    """The notice, as plain text, that `docs` are shown without translation, and how to get translations."""
    names, pulls = unavailable_parts(docs)
    return UNAVAILABLE_NOTICE.format(names=", ".join(f"{n} ({langs})" for n, langs in names),
                                     pulls=" or ".join(f"`xling models pull {p}`" for p in pulls),
                                     option="`--translations DIR`")
