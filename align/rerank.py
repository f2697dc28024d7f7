"""An optional second stage of claim matching: a cross-encoder rescoring the matcher's candidate pairs.

The claim matcher scores every (source sentence, reference sentence) pair from features that see each sentence
apart (chrF, TF-IDF, embeddings). A cross-encoder reads both sentences together, which is stronger and far
slower, so it only rescores each source sentence's `top_k` best candidates. Sentence-transformers publishes its
cross-encoders as transformers sequence-classification models, so AutoTokenizer and
AutoModelForSequenceClassification load them without the sentence-transformers package. A model with one output
(MS MARCO rerankers) gives a probability by the sigmoid of its logit; one with several labels by the softmax
of the last label (the "relevant" / "entailment" class of two-label rerankers).

Its scores are the model's own probabilities, not calibrated on any gold of xling: their quality cannot be
measured on this machine (no weights can be downloaded here), which the README says.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from translate.errors import InputError, ModelNotFoundError, first_line

# Candidates per source sentence rescored by the cross-encoder; pairs outside them score 0 after reranking.
DEFAULT_TOP_K = 5
# The match threshold on the cross-encoder's probability when the user gives none: its own decision point.
RERANK_THRESHOLD = 0.5
_BATCH = 32
_FILES = ["config.json", "*.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "tokenizer*",
          "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt", "sentencepiece.bpe.model", "spm.model"]


def cross_encoder_folder(ref: str) -> Path:
    """The folder of a cross-encoder: a local folder, the hub cache, or a download when the network allows.

    Raises ModelNotFoundError with one sentence saying what is missing and how to get it.
    """
    from translate.models import cache_repo_dir, cached_snapshot, is_local_ref, offline_mode

    if is_local_ref(ref):
        path = Path(ref).expanduser().resolve()
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(f"The reranker folder {path} holds no config.json; give a folder holding a "
                                     f"cross-encoder (config.json, weights and tokenizer files) or a hub id.")
        return path
    path = cached_snapshot(ref)
    if path is not None:
        return path
    hint = (f"on a machine with network access run `huggingface-cli download {ref}` (it fills "
            f"{cache_repo_dir(ref)}), then copy that cache here or pass --reranker with a local folder.")
    if offline_mode():
        raise ModelNotFoundError(f"The reranker {ref} is not in the local Hugging Face cache and HF_HUB_OFFLINE=1 "
                                 f"switches downloads off: {hint}")
    from huggingface_hub import snapshot_download

    from translate.paths import hub_cache_dir

    try:
        return Path(snapshot_download(ref, cache_dir=hub_cache_dir(), allow_patterns=_FILES, etag_timeout=10))
    except Exception as exc:  # network, authentication, missing repository: all mean "not obtainable here"
        raise ModelNotFoundError(f"The reranker {ref} could not be downloaded ({type(exc).__name__}: "
                                 f"{first_line(exc)}): {hint}") from None


class CrossEncoder:
    """A sequence-classification model scoring (query, passage) pairs, as sentence-transformers' CrossEncoder."""

    def __init__(self, model: str, max_length: int = 256) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from translate.models import is_random_fixture

        path = cross_encoder_folder(model)
        self.name = model
        self.is_fixture = is_random_fixture(path)
        self.max_length = max_length
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(path)
            self._model = AutoModelForSequenceClassification.from_pretrained(path)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelNotFoundError(f"The reranker at {path} cannot be loaded as a cross-encoder "
                                     f"({type(exc).__name__}: {first_line(exc)}).") from None
        self._model.eval()

    def signature(self) -> str:
        """The reranker as named in a result's signature; a random test model says so."""
        return f"{self.name}{' (TEST FIXTURE)' if self.is_fixture else ''}"

    def score(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The model's probability that each (query, passage) pair is relevant, in [0, 1]."""
        import torch

        out = np.zeros(len(pairs))
        with torch.inference_mode():
            for start in range(0, len(pairs), _BATCH):
                batch = pairs[start:start + _BATCH]
                enc = self._tokenizer([a for a, _ in batch], [b for _, b in batch], padding=True, truncation=True,
                                      max_length=self.max_length, return_tensors="pt")
                logits = self._model(**enc).logits.float()
                probs = torch.sigmoid(logits[:, 0]) if logits.shape[1] == 1 else torch.softmax(logits, -1)[:, -1]
                out[start:start + len(batch)] = probs.numpy()
        return out


def rerank(scores: np.ndarray, encoder: CrossEncoder, source: Sequence[str], reference: Sequence[str],
           top_k: int = DEFAULT_TOP_K) -> np.ndarray:
    """The score matrix after reranking: each source sentence's `top_k` best pairs by `scores`, rescored by the
    cross-encoder (source sentence as query, reference sentence as passage); every other pair 0."""
    if top_k < 1:
        raise InputError(f"The reranker's candidates per sentence must be at least 1, not {top_k}.")
    out = np.zeros_like(scores, dtype=float)
    if scores.size == 0:
        return out
    k = min(top_k, scores.shape[1])
    # argsort of the negated scores, stable, so equal scores keep reference order and runs are reproducible.
    cols = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(scores.shape[0]), k)
    cols = cols.ravel()
    out[rows, cols] = encoder.score([(source[i], reference[j]) for i, j in zip(rows, cols)])
    return out
