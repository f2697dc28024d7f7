"""Writing translations of prepared documents: txt (one line per sentence), jsonl and tsv."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from translate.document import Document

FORMATS = ("txt", "jsonl", "tsv")
_BREAKS = re.compile(r"[\t\r\n\u2028\u2029\x85\x0b\x0c]+")


def one_line(text: str) -> str:
    """The text with tabs and line breaks turned into spaces, so one sentence stays one line (or one field)."""
    return _BREAKS.sub(" ", text).strip()


def output_name(doc_id: str, fmt: str) -> str:
    """The file name of a document's translation: the document's own name for txt, its stem plus .jsonl/.tsv else."""
    return doc_id if fmt == "txt" else f"{Path(doc_id).stem}.{fmt}"


def render(doc: Document, translations: Sequence[str], fmt: str) -> str:
    """A document's translations in `fmt`: txt lines, jsonl records (with offsets) or source<TAB>translation rows."""
    if len(translations) != len(doc.sentences):
        raise ValueError(f"{doc.doc_id}: {len(translations)} translations for {len(doc.sentences)} sentences")
    if fmt == "txt":
        # `xling compare --translations` reads this: line i is the translation of prepared sentence i.
        return "".join(one_line(t) + "\n" for t in translations)
    if fmt == "tsv":
        return "".join(f"{one_line(s.text)}\t{one_line(t)}\n" for s, t in zip(doc.sentences, translations))
    if fmt == "jsonl":
        return "".join(
            json.dumps({"doc_id": s.doc_id, "index": s.index, "lang": s.lang, "source": s.text,
                        "translation": one_line(t), "offsets": [s.start, s.end]}, ensure_ascii=False) + "\n"
            for s, t in zip(doc.sentences, translations)
        )
    raise ValueError(f"unknown output format {fmt!r}")
