"""Many-to-many claim matching between comparable documents (not monotonic, not one-to-one).

Every (source sentence, reference sentence) pair gets a calibrated score: an estimate of the probability
that the two state the same claim. Raw similarities are first standardised within the document pair
(so they mean the same for any embedder or language pair): the z-score of the pair among all pairs, plus
its z-scores within its source row and its reference column (a pair that stands out from both sentences'
other candidates). A logistic regression over these features, fit on the seed gold (tests/data/
claims_gold.jsonl, via `python -m eval.calibrate_claims`), maps them to [0, 1]. Pairs at or above the
threshold are kept; a sentence with no pair above it gets no match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from align.embedders import DEFAULT_EMBEDDER, Embedder, get_embedder
from align.lexical import ProfileCache, chrf
from align.scorers import SIMILARITIES, _check_translations, _sigmoid
from translate.document import Document
from translate.errors import InputError

# Logistic weights per similarity: (feature weights..., intercept); features per measure are
# [z within the document pair, z within row + z within column]. Fit by eval/calibrate_claims.py.
CALIBRATION: dict[str, tuple[float, ...]] = {
    "embedding": (0.5, 0.18, -4.94),
    "lexical": (1.13, 0.23, -5.78),
    "hybrid": (0.31, -0.11, 1.06, 0.25, -5.78),
}
# The cut maximising leave-one-source-out F1 on the seeds (ties: in-sample F1); see eval/calibrate_claims.py.
# Scores are probabilities and true pairs are rare (16 of ~2,200 seed pairs), hence cuts well below 0.5.
DEFAULT_THRESHOLDS: dict[str, float] = {"embedding": 0.07, "lexical": 0.3, "hybrid": 0.17}


@dataclass(frozen=True)
class ClaimMatch:
    """A source sentence and a reference sentence judged to state the same claim."""

    source_index: int
    reference_index: int
    score: float
    source_text: str
    reference_text: str
    translation: str | None = None

    def to_dict(self) -> dict:
        """Plain-dict form for JSON output."""
        return {"source_index": self.source_index, "reference_index": self.reference_index,
                "score": round(self.score, 4), "source_text": self.source_text,
                "reference_text": self.reference_text, "translation": self.translation}


def _texts(doc: Document | Sequence[str]) -> list[str]:
    """Sentence texts of a Document or a list of strings."""
    return doc.texts() if isinstance(doc, Document) else list(doc)


def _standardise(x: np.ndarray, axis: int | None) -> np.ndarray:
    """z-scores along an axis (all entries when None); constant slices give zeros."""
    mean = x.mean(axis=axis, keepdims=axis is not None)
    std = x.std(axis=axis, keepdims=axis is not None)
    return (x - mean) / np.where(std == 0, 1.0, std)


def standardised_features(sim: np.ndarray) -> list[np.ndarray]:
    """[z over all pairs, z within row + z within column] of a similarity matrix."""
    return [_standardise(sim, None), _standardise(sim, 1) + _standardise(sim, 0)]


class ClaimMatcher:
    """Finds, for each source sentence, the reference sentences that state the same claim."""

    def __init__(self, similarity: str = "hybrid", embedder: str | Embedder = DEFAULT_EMBEDDER,
                 threshold: float | None = None) -> None:
        if similarity not in SIMILARITIES:
            raise InputError(f"Unknown similarity {similarity!r}; use one of {', '.join(SIMILARITIES)}.")
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise InputError(f"The claim threshold is a calibrated score in [0, 1]; got {threshold}.")
        self.similarity = similarity
        self._embedder_spec = embedder
        self._embedder: Embedder | None = None
        self._threshold = threshold
        self._profiles = ProfileCache()

    @property
    def threshold(self) -> float:
        """The threshold in use: the one given, else the calibrated default of the similarity."""
        return self._threshold if self._threshold is not None else DEFAULT_THRESHOLDS[self.similarity]

    def effective_similarity(self, has_translations: bool) -> str:
        """The similarity actually used: without translations everything falls back to embeddings."""
        return self.similarity if has_translations else "embedding"

    def threshold_for(self, has_translations: bool) -> float:
        """The threshold applied for a source with or without translations."""
        if self._threshold is not None:
            return self._threshold
        return DEFAULT_THRESHOLDS[self.effective_similarity(has_translations)]

    def signature(self) -> str:
        """Similarity, embedder, calibration and threshold."""
        emb = self._embedder_spec if isinstance(self._embedder_spec, str) else self._embedder_spec.signature()
        cal = ",".join(map(str, CALIBRATION[self.similarity]))
        return f"claims:{self.similarity}|emb:{emb}|cal:{cal}|thr:{self.threshold}"

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Embeddings via the shared (cached) embedder, created on first use."""
        if self._embedder is None:
            self._embedder = get_embedder(self._embedder_spec)
        return self._embedder.embed(texts)

    def features(self, src: list[str], ref: list[str], translations: list[str] | None, similarity: str
                 ) -> list[np.ndarray]:
        """The standardised feature matrices of the similarity, in CALIBRATION order."""
        feats: list[np.ndarray] = []
        if similarity in ("embedding", "hybrid"):
            feats += standardised_features(self._embed(src) @ self._embed(ref).T)
        if similarity in ("lexical", "hybrid"):
            assert translations is not None
            refs = [self._profiles.get(t) for t in ref]
            chrf_sim = np.array([[chrf(self._profiles.get(h), r) for r in refs] for h in translations])
            feats += standardised_features(chrf_sim)
        return feats

    def candidate_scores(self, source_doc: Document | Sequence[str], reference_doc: Document | Sequence[str],
                         source_translations: Sequence[str] | None = None) -> np.ndarray:
        """Calibrated scores in [0, 1] of every (source, reference) pair, kept or not (for threshold sweeps)."""
        src, ref = _texts(source_doc), _texts(reference_doc)
        _check_translations(src, source_translations)
        if not src or not ref:
            return np.zeros((len(src), len(ref)))
        translations = list(source_translations) if source_translations is not None else None
        similarity = self.effective_similarity(translations is not None)
        feats = self.features(src, ref, translations, similarity)
        weights = CALIBRATION[similarity]
        logit = np.full((len(src), len(ref)), weights[-1])
        for w, f in zip(weights[:-1], feats):
            logit = logit + w * f
        return _sigmoid(logit)

    def match(self, source_doc: Document | Sequence[str], reference_doc: Document | Sequence[str],
              source_translations: Sequence[str] | None = None) -> list[ClaimMatch]:
        """Pairs whose calibrated score reaches the threshold, by source sentence then falling score."""
        src, ref = _texts(source_doc), _texts(reference_doc)
        scores = self.candidate_scores(src, ref, source_translations)
        cut = self.threshold_for(source_translations is not None)
        out = []
        for i, j in zip(*np.nonzero(scores >= cut)):
            out.append(ClaimMatch(int(i), int(j), float(scores[i, j]), src[i], ref[j],
                                  source_translations[i] if source_translations is not None else None))
        out.sort(key=lambda m: (m.source_index, -m.score, m.reference_index))
        return out
