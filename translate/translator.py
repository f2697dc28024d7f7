"""The Translator: one model for one language pair, translating sentences in length-sorted batches.

One object per model with explicit batch calls, as CTranslate2's `Translator`, whatever backend runs it. Batches
are sorted by length so little compute goes to padding; a sentence too long for the model is split and its
pieces joined again, never truncated; translations go through the persistent cache, so a re-run translates
nothing twice."""

from __future__ import annotations

import sys
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from translate.backends import load_backend
from translate.batching import length_batches
from translate.cache import translate_with_cache
from translate.document import Document
from translate.errors import InputError
from translate.models import is_local_ref, resolve_model
from translate.registry import default_model, looks_like_pair, normalize_lang, opus_languages, pair_name, parse_pair
from translate.splitting import join_pieces, split_to_fit

# translate_stream holds this many batches of sentences at a time: enough to sort by length, bounded in memory.
STREAM_WINDOW_BATCHES = 8


class RandomModelWarning(UserWarning):
    """The loaded model is a random test fixture; its output is not a translation."""


class Translator:
    """Translate sentences from `source` into `target` with one model and backend.

    `model` is a hub id or a local folder (default: the registry's model for the pair). `max_length` bounds both
    an input (longer sentences are split at clause boundaries, never truncated) and an output, in tokens.
    `cache` is None or an object with the interface of translate.cache.TranslationCache
    (`get_many(model, options, texts) -> {index: translation}` and `put_many(model, options, pairs)`), keyed by
    `cache_model` and `decoding_options`. `progress` is False, True (a tqdm bar on stderr per call) or a tqdm-like
    object with `update(n)` that counts finished sentences across calls. `backend_options` go to the backend's
    loader as keyword arguments (e.g. a CTranslate2 quantization).
    """

    def __init__(self, source: str, target: str = "en", model: str | None = None, backend: str = "auto",
                 device: str = "auto", beam: int = 4, batch_size: int = 16, max_length: int = 512,
                 cache: Any = None, progress: Any = False, backend_options: dict | None = None) -> None:
        self.source, self.target = normalize_lang(source), normalize_lang(target)
        if self.source == self.target:
            raise InputError(f"source and target are both {self.source!r}; there is nothing to translate.")
        if beam < 1 or batch_size < 1 or max_length < 8:
            raise InputError("beam and batch size must be at least 1 and max length at least 8 tokens.")
        self.pair = pair_name(self.source, self.target)
        if model and looks_like_pair(model) and not is_local_ref(model):
            model = default_model(*parse_pair(model))  # "de-en" names the registry's model for that pair
        self.model_ref = model or default_model(self.source, self.target)
        named = opus_languages(self.model_ref)
        # Two-letter codes name one language; three letters are opus-mt groups (mul, gem, ira) that cover several.
        if named and any(len(code) == 2 and code != want for code, want in zip(named, (self.source, self.target))):
            raise InputError(
                f"model {self.model_ref} translates {named[0]}-{named[1]}, not {self.pair}; give a model for "
                f"{self.pair} (or leave out --model to use the registry's)."
            )
        self.resolved = resolve_model(self.model_ref, pair=self.pair)
        if self.resolved.is_fixture:
            warnings.warn(
                f"{self.resolved.path} is a RANDOM TEST MODEL (xling_random_fixture): its output is NOT a translation.",
                RandomModelWarning,
                stacklevel=2,
            )
        self.backend = load_backend(backend, self.resolved.path, self.resolved.kind, device,
                                    source=self.source, target=self.target, **(backend_options or {}))
        self.backend_name: str = self.backend.name
        self.beam, self.batch_size, self.max_length = beam, batch_size, max_length
        self.input_limit = min(self.backend.max_input_tokens, max_length)
        self.cache = cache
        self.progress = progress
        # Per-call progress state, set by translate() for _translate_distinct to report into.
        self._bar: Any = None
        self._done = 0
        self._multiplicity: Counter[str] = Counter()

    @property
    def model_id(self) -> str:
        """The model's hub id, or its absolute folder when it is local."""
        return self.resolved.model_id

    @property
    def model_name(self) -> str:
        """The model as shown to users (same as model_id)."""
        return self.model_id

    @property
    def is_fixture(self) -> bool:
        """Whether the model is a random test fixture whose output is not a translation."""
        return self.resolved.is_fixture

    @property
    def cache_model(self) -> str:
        """The model part of a cache key: id and version (revision and content fingerprint), so a model updated in
        place never returns stale entries."""
        return f"{self.model_id}@{self.resolved.version}"

    @property
    def decoding_options(self) -> dict:
        """Everything besides the model and the sentence that decides an output (the options part of a cache key).

        A backend adds its own settings (precision, say) through a `signature` dict attribute.
        """
        options = {"backend": self.backend_name, "source": self.source, "target": self.target,
                   "beam": self.beam, "max_length": self.max_length, "input_limit": self.input_limit}
        options.update(getattr(self.backend, "signature", {}) or {})
        return options

    def cache_key(self, text: str) -> tuple[str, str, str]:
        """The full cache key of a source sentence: (model@revision, canonical options, sha256 of the text)."""
        from translate.cache import options_key, source_hash

        return self.cache_model, options_key(self.decoding_options), source_hash(text)

    def translate(self, texts: Iterable[str]) -> list[str]:
        """Translate sentences; outputs come back in input order, one per input, and blank inputs give ""."""
        texts = list(texts)
        bar, own_bar = self._progress_bar(len(texts))
        try:
            wanted = [t for t in texts if t.strip()]
            self._done = 0
            self._multiplicity = Counter(wanted)
            self._bar = bar
            translated = iter(translate_with_cache(self.cache, self.cache_model, self.decoding_options, wanted,
                                                   self._translate_distinct))
            out = [next(translated) if t.strip() else "" for t in texts]
            if bar is not None:
                bar.update(len(texts) - self._done)  # blanks and cache hits
            return out
        finally:
            self._bar = None
            if own_bar:
                bar.close()

    def translate_stream(self, texts: Iterable[str], batch_size: int | None = None) -> Iterator[str]:
        """Translate an iterable lazily, a bounded window at a time, yielding outputs in input order."""
        window = (batch_size or self.batch_size) * STREAM_WINDOW_BATCHES
        source = iter(texts)
        while chunk := list(islice(source, window)):
            yield from self.translate(chunk)

    def translate_document(self, doc: Document) -> list[str]:
        """Translate a prepared document: exactly one string per sentence, in order."""
        out = self.translate(doc.texts())
        if len(out) != len(doc.sentences):
            raise AssertionError("translation count differs from sentence count")  # a bug, never user error
        return out

    def _translate_distinct(self, texts: list[str]) -> list[str]:
        """Translate distinct non-blank sentences: split over-long ones, batch pieces by length, rejoin."""
        counts = self.backend.count_tokens(texts)
        pieces: list[str] = []
        lengths: list[int] = []
        owner: list[int] = []  # sentence index of each piece
        for i, (text, n) in enumerate(zip(texts, counts)):
            parts = [text] if n <= self.input_limit else split_to_fit(text, self.backend.count_tokens, self.input_limit)
            sizes = [n] if len(parts) == 1 else self.backend.count_tokens(parts)
            pieces.extend(parts)
            lengths.extend(sizes)
            owner.extend([i] * len(parts))
        remaining = Counter(owner)
        results: list[str | None] = [None] * len(pieces)
        for batch in length_batches(lengths, self.batch_size):
            outputs = self.backend.translate_batch([pieces[j] for j in batch], beam=self.beam,
                                                   max_length=self.max_length)
            if len(outputs) != len(batch):
                raise AssertionError(f"backend {self.backend_name} returned {len(outputs)} outputs for {len(batch)}")
            for j, output in zip(batch, outputs):
                results[j] = output
                remaining[owner[j]] -= 1
                if remaining[owner[j]] == 0:
                    self._report(self._multiplicity[texts[owner[j]]])
        joined: list[list[str]] = [[] for _ in texts]
        for j, output in enumerate(results):
            joined[owner[j]].append(output or "")
        return [parts[0] if len(parts) == 1 else join_pieces(parts) for parts in joined]

    def _report(self, n: int) -> None:
        """Advance the progress bar by `n` finished sentences."""
        self._done += n
        if self._bar is not None:
            self._bar.update(n)

    def _progress_bar(self, total: int) -> tuple[Any, bool]:
        """The bar to advance during a call and whether this call owns (and closes) it."""
        if self.progress is True:
            from tqdm import tqdm

            return tqdm(total=total, unit="sent", desc=f"translating {self.pair}", file=sys.stderr), True
        if self.progress:
            return self.progress, False
        return None, False
