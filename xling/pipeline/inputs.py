"""Inputs of a comparison: source documents, the reference, and English translations the user already has."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from translate.document import Document
from translate.errors import InputError

Sources = str | Path | Document | Sequence[str | Path | Document]


def load_sources(sources: Sources) -> list[Document]:
    """Load paths and folders into prepared documents; documents pass through; a file named twice is one source."""
    from translate.prepare import load_documents

    items = [sources] if isinstance(sources, (str, Path, Document)) else list(sources)
    docs: list[Document] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Document):
            docs.append(item)
            continue
        if not Path(item).exists():
            raise InputError(f"No such file or folder: {item}")
        for doc in load_documents(item):
            key = str(Path(doc.path).resolve()) if doc.path else f"id:{doc.doc_id}"
            if key not in seen:
                seen.add(key)
                docs.append(doc)
    return docs


def load_reference(reference: str | Path | Document) -> Document:
    """The reference article, prepared; InputError when it is not a readable file or has no sentences."""
    from translate.prepare import load_document

    if isinstance(reference, Document):
        doc = reference
    elif not Path(reference).is_file():
        raise InputError(f"Reference file not found: {reference}")
    else:
        doc = load_document(reference)
    if not doc.sentences:
        raise InputError(f"The reference {doc.doc_id} has no sentences after preparation.")
    return doc


def same_file(doc: Document, reference: Document) -> bool:
    """True when `doc` was read from the reference's file (a folder of sources may contain the reference)."""
    if doc.path and reference.path:
        try:
            return Path(doc.path).resolve() == Path(reference.path).resolve()
        except OSError:
            return False
    return doc.doc_id == reference.doc_id and doc.text == reference.text


def read_translations(directory: str | Path, doc: Document) -> list[str] | None:
    """Read `directory/<doc_id>` (one English line per prepared sentence); None when the file is absent."""
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError(f"--translations must be a folder of translation files; {directory} is not a folder.")
    path = folder / doc.doc_id
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"Translation file {path} is not UTF-8 text.") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it does not start an empty one
    if len(lines) != len(doc.sentences):
        raise InputError(
            f"Translation file {path} has {len(lines)} lines but {doc.doc_id} has {len(doc.sentences)} prepared "
            f"sentences; it must hold one line per sentence as `xling translate` writes it."
        )
    return [line.rstrip("\r") for line in lines]
