"""Document pairing: which English reference articles report the same story as a source article.

Each document becomes a *profile*: the multilingual embeddings of its original sentences (no translation
needed, so a source is paired before any model weights are loaded). A (source, reference) pair scores by its
best few sentence matches in both directions: for every source sentence its most similar reference sentence,
the mean of the `TOP_MATCHES` highest of those, and the same from the reference side; the score is the mean of
the two. Articles on one story share a few near-paraphrased claims; articles that only share a topic ("China's
diplomacy") share vocabulary but not claims, so their best matches stay lower.

A pair's score depends on the two documents alone, not on the rest of the reference pool: it means the same
with one reference or ten thousand, when many references cover one story, and when sources stream in shards
(scores normalised against the pool, as CSLS does, shifted with the pool's size and composition). The cut
(`PAIRING_CUTS`) is the maximum-margin threshold between the true and false pairs of the seeds against English
decoy articles (`calibrate_cut`). Sentences in one language share surface forms, which lifts every e5 cosine
between them, so a source in its reference's language has its own cut, calibrated the same way on English
articles; the README gives the figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from align.embedders import DEFAULT_EMBEDDER, Embedder, get_embedder
from translate.document import Document
from translate.errors import InputError

TOP_MATCHES = 3
# calibrate_cut() on e5 "query:" embeddings, tests/test_pairing.py recomputes both. Cross-lingual: the seeds 000,
# 001 and 003 against 002 and the decoys in tests/data/decoys, midway between the highest false pair (001 with 002)
# and the lowest true pair (003 with 002). Same language: 002 and the decoys against each other and four English
# second reports of decoy stories, midway between 002 with the generic China round-up and the lowest true pair.
PAIRING_CUTS = {"cross-lingual": 0.868, "same-language": 0.902}
# One cut for every pair, for callers that pass `cut=`; `cut=None` (the default) applies the per-language cuts.
PAIRING_CUT = PAIRING_CUTS["cross-lingual"]


@dataclass(frozen=True)
class DocumentProfile:
    """What pairing needs of a document: its id, language and the unit-length embedding of each sentence."""

    doc_id: str
    lang: str
    vectors: np.ndarray  # (sentences, dim) float32, rows L2-normalised

    def __len__(self) -> int:
        return int(self.vectors.shape[0])


@dataclass(frozen=True)
class Pairing:
    """One (source, reference) pair with its score and whether it reaches the cut.

    `score` is None when the pair was decided by a shared `group` given in the corpus, not by similarity.
    """

    source_id: str
    reference_id: str
    score: float | None
    paired: bool

    def to_dict(self) -> dict:
        """Plain-dict form, one line of pairs.jsonl."""
        return asdict(self)


def pairing_cut(source_lang: str, reference_lang: str) -> float:
    """The calibrated cut for a source in `source_lang` against a reference in `reference_lang`."""
    return PAIRING_CUTS["same-language" if source_lang == reference_lang else "cross-lingual"]


def profile_vectors(doc_id: str, lang: str, vectors: np.ndarray) -> DocumentProfile:
    """A profile from sentence embeddings computed elsewhere (an embedding stage, a cache)."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2:
        raise InputError(f"The embeddings of {doc_id} must form a (sentences, dim) matrix; got shape {array.shape}.")
    return DocumentProfile(doc_id, lang, array)


def profile_document(doc: Document, embedder: str | Embedder = DEFAULT_EMBEDDER) -> DocumentProfile:
    """The profile of a prepared document, embedding its original sentences."""
    # The symmetric ("query:") mode is the one claim matching uses, so an engine embeds each sentence once.
    return profile_vectors(doc.doc_id, doc.lang, get_embedder(embedder).embed_query(doc.texts()))


def profile_documents(docs: Iterable[Document], embedder: str | Embedder = DEFAULT_EMBEDDER) -> list[DocumentProfile]:
    """Profiles of several documents, embedded in one call so the embedder batches across documents."""
    docs = list(docs)
    vectors = get_embedder(embedder).embed_query([t for d in docs for t in d.texts()])
    out, start = [], 0
    for d in docs:
        out.append(profile_vectors(d.doc_id, d.lang, vectors[start:start + len(d.sentences)]))
        start += len(d.sentences)
    return out


def _top_mean(values: np.ndarray, k: int) -> float:
    """Mean of the k largest values (all of them when there are fewer)."""
    if len(values) <= k:
        return float(values.mean())
    return float(np.partition(values, len(values) - k)[-k:].mean())


class _ReferenceBank:
    """All reference sentences stacked once, so one matrix product scores a source against every reference."""

    def __init__(self, references: Sequence[DocumentProfile]) -> None:
        self.references = [r for r in references if len(r)]
        self.empty = [r for r in references if not len(r)]
        bounds = np.cumsum([0] + [len(r) for r in self.references])
        self.starts, self.ends = bounds[:-1], bounds[1:]
        dims = {r.vectors.shape[1] for r in self.references}
        if len(dims) > 1:
            raise InputError(f"Reference profiles mix embedding sizes {sorted(dims)}; embed them with one model.")
        self.matrix = (np.concatenate([r.vectors for r in self.references]) if self.references
                       else np.zeros((0, 0), dtype=np.float32))

    def scores(self, source: DocumentProfile, k: int) -> list[float]:
        """The pair score of `source` with every non-empty reference, in order."""
        n = len(self.references)
        if not len(source) or not n:
            return [0.0] * n
        if source.vectors.shape[1] != self.matrix.shape[1]:
            raise InputError(f"{source.doc_id} was embedded with a different model from the references "
                             f"({source.vectors.shape[1]} vs {self.matrix.shape[1]} dimensions).")
        sim = source.vectors @ self.matrix.T  # (source sentences, all reference sentences)
        forward = np.maximum.reduceat(sim, self.starts, axis=1)  # best sentence of each reference, per source sentence
        backward = sim.max(axis=0)  # best source sentence, per reference sentence
        return [(_top_mean(forward[:, j], k) + _top_mean(backward[a:b], k)) / 2
                for j, (a, b) in enumerate(zip(self.starts, self.ends))]


def score_pair(source: DocumentProfile, reference: DocumentProfile, k: int = TOP_MATCHES) -> float:
    """The pairing score of two profiles: mean of the top-k best sentence matches, averaged over both directions."""
    if not len(source) or not len(reference):
        return 0.0
    return _ReferenceBank([reference]).scores(source, k)[0]


def pair_profiles(sources: Iterable[DocumentProfile], references: Sequence[DocumentProfile],
                  cut: float | None = None, k: int = TOP_MATCHES) -> list[Pairing]:
    """Every (source, reference) pairing with its score, sources in order and references in order within each.

    `cut` None takes the calibrated cut for the two documents' languages (`pairing_cut`). A source that reaches
    the cut with no reference is paired with none (all its rows say paired=False).
    """
    if k < 1:
        raise InputError(f"The number of best matches must be at least 1; got {k}.")
    bank = _ReferenceBank(references)
    order = {r.doc_id: i for i, r in enumerate(references)}
    langs = {r.doc_id: r.lang for r in references}
    if len(order) != len(references):
        raise InputError("Two references share an id; every reference needs its own id.")
    out: list[Pairing] = []
    for src in sources:
        scored = dict(zip((r.doc_id for r in bank.references), bank.scores(src, k)))
        scored.update({r.doc_id: 0.0 for r in bank.empty})  # a reference with no sentences reports nothing
        for ref_id in sorted(scored, key=order.__getitem__):
            score = scored[ref_id]
            need = cut if cut is not None else pairing_cut(src.lang, langs[ref_id])
            out.append(Pairing(src.doc_id, ref_id, round(score, 6), score >= need))
    return out


def pair_documents(sources: Iterable[Document], references: Sequence[Document],
                   embedder: str | Embedder = DEFAULT_EMBEDDER, cut: float | None = None) -> list[Pairing]:
    """Pair prepared source documents with prepared English references (profiles built here, in one pass)."""
    ref_profiles = profile_documents(references, embedder)
    return pair_profiles(profile_documents(sources, embedder), ref_profiles, cut=cut)


def pair_by_group(sources: Mapping[str, str | None], references: Mapping[str, str | None]) -> list[Pairing]:
    """Pairings from groups given in a corpus (id -> group): a source pairs with every reference of its group.

    A source or reference without a group pairs with nothing here; the caller scores those by similarity.
    """
    return [Pairing(src, ref, None, True)
            for src, group in sources.items() if group is not None
            for ref, ref_group in references.items() if ref_group == group]


def paired_references(pairings: Iterable[Pairing]) -> dict[str, list[str]]:
    """Source id -> the ids of the references it is paired with (an empty list: paired with none)."""
    out: dict[str, list[str]] = {}
    for p in pairings:
        out.setdefault(p.source_id, [])
        if p.paired:
            out[p.source_id].append(p.reference_id)
    return out


def calibrate_cut(true_scores: Sequence[float], false_scores: Sequence[float]) -> float:
    """The maximum-margin cut: midway between the highest false pair and the lowest true pair.

    InputError when the two overlap, since then no cut separates them and a different score is needed.
    """
    if not len(true_scores) or not len(false_scores):
        raise InputError("Calibrating the pairing cut needs at least one true and one false pair.")
    low, high = min(true_scores), max(false_scores)
    if low <= high:
        raise InputError(f"No cut separates the pairs: a true pair scores {low:.3f} but a false one {high:.3f}.")
    return (low + high) / 2
