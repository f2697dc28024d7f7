"""The translators of one run: one per source language, loaded on first use, sharing one cache."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from translate.document import Document
from translate.errors import XlingError
from translate.registry import models_by_language
from translate.routing import group_by_language, translate_by_language


class TranslatorPool:
    """One Translator per source language into `target`, one shared translation cache, and the failures to load.

    A run over a folder meets several languages, and every command that needs English (translate, compare, find,
    the batch engine) would otherwise keep its own dict of translators and its own cache handle. Use it as a
    context manager so the cache is closed. A language whose model failed to load is not tried again: the
    failure is remembered and raised again for the next document in that language.
    """

    def __init__(self, target: str = "en", models: str | Sequence[str] | None = None, *, model: str | None = None,
                 use_cache: bool = True, on_load: Callable[[Any, list[str]], None] | None = None,
                 **options: Any) -> None:
        self.target = target
        # `models`: MODEL / LANG=MODEL specs, a bare opus-mt model serving only its own language (compare, find).
        # `model`: one model for every language, which must then fit each (translate -m); a mismatch is an error.
        self.specs = [models] if isinstance(models, str) else list(models or [])
        self.model = model
        self.options = options  # Translator keyword arguments: backend, device, beam, batch_size, max_length...
        self.on_load = on_load  # called with (translator, warning messages) after each load
        self._use_cache = use_cache
        self._cache: Any = None
        self._cache_opened = False
        self._loaded: dict[str, Any] = {}
        self._failed: dict[str, XlingError] = {}
        self._progress: Any = False

    def __enter__(self) -> TranslatorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the translation cache (translators hold no other resource that needs closing)."""
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    @property
    def cache(self) -> Any:
        """The persistent translation cache, opened on first use; None when switched off or unusable."""
        if self._use_cache and not self._cache_opened:
            self._cache_opened = True
            try:
                from translate.cache import TranslationCache

                self._cache = TranslationCache()
            except (OSError, XlingError):
                self._cache = None  # a read-only home costs the reuse of translations, never the run
        return self._cache

    def model_for(self, lang: str) -> str | None:
        """The model named for `lang` (by `model`, or the specs LANG=MODEL or a bare MODEL); None: the registry's."""
        return self.model or models_by_language(self.specs, [lang]).get(lang)

    def named(self, lang: str) -> bool:
        """Whether the user named the model for `lang` (such a model must load; a registry default may be missing)."""
        return self.model_for(lang) is not None

    def failure(self, lang: str) -> XlingError | None:
        """The error that loading `lang`'s translator raised, if it failed."""
        return self._failed.get(lang)

    def report_to(self, progress: Any) -> None:
        """Send every translator's progress (loaded now or later) to one bar."""
        self._progress = progress
        for tr in self._loaded.values():
            tr.progress = progress

    def translator(self, lang: str) -> Any:
        """The translator from `lang` into the target, loaded the first time; raises the load error every time."""
        if lang in self._failed:
            raise self._failed[lang]
        if lang not in self._loaded:
            from translate.translator import RandomModelWarning, Translator

            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", RandomModelWarning)
                    tr = Translator(source=lang, target=self.target, model=self.model_for(lang), cache=self.cache,
                                    progress=self._progress, **self.options)
            except XlingError as exc:
                self._failed[lang] = exc
                raise
            self._loaded[lang] = tr
            if self.on_load is not None:
                self.on_load(tr, [str(w.message) for w in caught if issubclass(w.category, RandomModelWarning)])
        return self._loaded[lang]

    def languages_needed(self, doc: Document) -> list[str]:
        """The languages of `doc`'s sentences that need a model, in order of first appearance."""
        return list(group_by_language(doc, self.target))

    def translate_document(self, doc: Document) -> list[str]:
        """One translation per sentence, each sentence by the model of its own language; target-language ones pass."""
        return translate_by_language(doc, lambda lang, texts: self.translator(lang).translate(texts),
                                     target=self.target)
