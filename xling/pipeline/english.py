"""The translation stage of the pipelines: English for a source, from the user's files or a model, or honestly none."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from translate.document import Document
from translate.errors import XlingError
from translate.pool import TranslatorPool
from translate.prepare import empty_notice
from xling.pipeline.inputs import read_translations

# Set to 1 only in tests: lets a pipeline run a model flagged as a random test fixture (its output is labelled so).
ALLOW_FIXTURE_ENV = "XLING_ALLOW_FIXTURE_MODELS"


class FixtureModelRefused(XlingError):
    """A random test-fixture model was offered for real translation."""


@dataclass(frozen=True)
class English:
    """A source's English: one string per sentence (or None), where it came from, and one sentence saying so."""

    texts: list[str] | None
    status: str  # "english" | "given" | "mt" | "fixture" | "unavailable" | "empty"
    note: str


def fixture_allowed() -> bool:
    """True when the environment explicitly allows random test-fixture models (tests only)."""
    return os.environ.get(ALLOW_FIXTURE_ENV, "") not in ("", "0", "false", "no")


def english_for(doc: Document, pool: TranslatorPool, translations_dir: str | Path | None = None,
                use_mt: bool = True) -> English:
    """English for one source: the user's file, else machine translation, else none with the reason why.

    A model the user named must load; only a registry default may be missing, and then the source goes on
    without translation (matched on multilingual embeddings) instead of stopping the run.
    """
    if not doc.sentences:  # not "english": nothing was read in any language
        return English([], "empty", empty_notice(doc) or "")
    if not pool.languages_needed(doc):
        why = "source is English" if doc.lang == pool.target else "nothing to translate (no words in any language)"
        return English(doc.texts(), "english", why)
    lacking = ""
    if translations_dir is not None:
        given = read_translations(translations_dir, doc)
        if given is not None:
            return English(given, "given", f"from {Path(translations_dir) / doc.doc_id}")
        lacking = f"{Path(translations_dir) / doc.doc_id} does not exist; "
    if not use_mt:
        return English(None, "unavailable", lacking + "machine translation switched off (--no-mt)")
    translators = []
    for lang in pool.languages_needed(doc):
        try:
            translators.append(pool.translator(lang))
        except XlingError as exc:
            if pool.named(lang):
                raise
            # The short form (what is missing) when there is one: the run's notice already says what to do.
            return English(None, "unavailable", lacking + (getattr(exc, "summary", None) or str(exc)))
    names = ", ".join(str(tr.model_name) for tr in translators)
    if any(tr.is_fixture for tr in translators):
        if not fixture_allowed():
            raise FixtureModelRefused(
                f"Model {names} is a random test fixture, not a translation model; xling refuses it "
                f"(set {ALLOW_FIXTURE_ENV}=1 only in tests)."
            )
        return English(pool.translate_document(doc), "fixture",
                       f"TEST FIXTURE model {names}: random output, not a translation")
    return English(pool.translate_document(doc), "mt", f"machine translation by {names}")
