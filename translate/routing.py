"""Routing a document's sentences to the model of each sentence's own language (a German article may quote Persian)."""

from __future__ import annotations

from collections.abc import Callable

from translate.document import Document
from translate.prepare import UNDETERMINED


def group_by_language(doc: Document, target: str) -> dict[str, list[int]]:
    """Sentence indices per language that needs translating into `target`, in order of first appearance."""
    groups: dict[str, list[int]] = {}
    for i, sentence in enumerate(doc.sentences):
        if sentence.lang not in (target, UNDETERMINED):
            groups.setdefault(sentence.lang, []).append(i)
    return groups


def translate_by_language(doc: Document, translate: Callable[[str, list[str]], list[str]],
                          target: str = "en") -> list[str]:
    """One output per sentence, in order: `translate(lang, texts)` once per language; the rest pass unchanged."""
    out = doc.texts()
    for lang, indices in group_by_language(doc, target).items():
        translated = translate(lang, [out[i] for i in indices])
        if len(translated) != len(indices):
            raise AssertionError(f"{len(translated)} translations for {len(indices)} sentences")  # a bug, not input
        for i, text in zip(indices, translated):
            out[i] = text
    return out
