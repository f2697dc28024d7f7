"""Routing a document's sentences to the model of each sentence's own language (a German article may quote Persian)."""

from __future__ import annotations

from collections.abc import Callable

from translate.document import Document
from translate.prepare import UNDETERMINED


def group_by_language(doc: Document, target: str) -> dict[str, list[int]]:
    """Sentence indices per language that needs translating into `target`, in order of first appearance.

    A blank sentence (an empty line of a segmented file) needs no model, so it is in no group.
    """
    groups: dict[str, list[int]] = {}
    for i, sentence in enumerate(doc.sentences):
        if sentence.lang not in (target, UNDETERMINED) and sentence.text.strip():
            groups.setdefault(sentence.lang, []).append(i)
    return groups


def translate_by_language(doc: Document, translate: Callable[[str, list[str]], list[str]],
                          target: str = "en") -> list[str]:
    """One output per sentence, in order: `translate(lang, texts)` once per language; the rest pass unchanged, and
    a blank sentence as ""."""
    out = [text if text.strip() else "" for text in doc.texts()]
    for lang, indices in group_by_language(doc, target).items():
        translated = translate(lang, [out[i] for i in indices])
        if len(translated) != len(indices):
            raise AssertionError(f"{len(translated)} translations for {len(indices)} sentences")  # a bug, not input
        for i, text in zip(indices, translated):
            out[i] = text
    return out
