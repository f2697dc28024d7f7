"""Inputs of a comparison: source documents, the reference, and English translations the user already has."""

from __future__ import annotations

import math
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from translate.document import Document
from translate.errors import InputError

Sources = str | Path | Document | Sequence[str | Path | Document]


def load_sources(sources: Sources) -> list[Document]:
    """Load paths and folders into prepared documents, each under a unique name (see `with_unique_names`);
    documents pass through; a file named twice is one source."""
    return with_unique_names(_load_all(sources))


def load_inputs(sources: Sources, references: Sequence[str | Path | Document],
                log: Callable[[str], None] | None = None) -> tuple[list[Document], list[Document]]:
    """The references (checked by `check_reference`) and the sources, every one under a name unique among all
    of them. A source that is a reference's own file, or a copy of its text, is left out, since comparing the
    reference with itself would only report every claim as matched; a copy is named through `log` (stderr when
    None)."""
    refs = [load_reference(r) for r in references]
    say = log or (lambda msg: print(msg, file=sys.stderr))
    ref_keys: dict[str, Document] = {}
    for ref in refs:
        ref_keys.setdefault(content_key(ref), ref)  # the first of two identical references names the copy
    docs = []
    for doc in _load_all(sources):
        if any(same_file(doc, r) for r in refs):
            continue  # the reference's own file inside the sources folder: leaving it out needs no word
        copy_of = ref_keys.get(content_key(doc)) if doc.sentences else None
        if copy_of is not None:
            say(copy_notice(str(doc.path or doc.doc_id), copy_of.doc_id))
            continue
        docs.append(doc)
    named = with_unique_names([*refs, *docs])
    return named[:len(refs)], named[len(refs):]


def copy_notice(source: str, reference: str) -> str:
    """The one line that says a source was skipped as a copy of a reference (compare and corpus jobs alike)."""
    return f"Skipped {source}: it holds the same text as the reference {reference}, so it is not compared with itself."


def text_key(text: str) -> str:
    """Raw text with normalisation applied and every run of white space made one space: equal for copies that
    differ only in line endings or spacing (a corpus job's check, before its documents are prepared)."""
    from translate.normalize import normalize_text

    return normalize_text(text)


def content_key(doc: Document) -> str:
    """A document's prepared text with normalisation applied and every run of white space made one space, so
    that a change of line breaks that moves a sentence boundary still gives the same key: equal for a copy of a
    reference whatever its file's name, line endings or spacing."""
    from translate.normalize import normalize_text

    return " ".join(normalize_text(s.text, doc.lang) for s in doc.sentences)


def with_unique_names(docs: Sequence[Document]) -> list[Document]:
    """The documents renamed so that no two share a doc_id, which every output shows as the source's name.

    A file keeps its plain name when no other document has it; otherwise it is named by the shortest end of its
    path that tells it apart (a/x.txt and b/x.txt, deeper when needed). A document without a path keeps its
    doc_id, and two of them with one doc_id are an InputError.
    """
    from translate.prepare import _unicode_name

    parts = [Path(os.path.abspath(d.path)).parts[1:] if d.path else () for d in docs]
    depth = [1] * len(docs)

    def name(i: int) -> str:
        if depth[i] == 1 or not parts[i]:
            return docs[i].doc_id
        return _unicode_name("/".join(parts[i][-depth[i]:]))

    while True:
        groups: dict[str, list[int]] = {}
        for i in range(len(docs)):
            groups.setdefault(name(i), []).append(i)
        clashes = [group for group in groups.values() if len(group) > 1]
        if not clashes:
            break
        for group in clashes:
            deeper = [i for i in group if depth[i] < len(parts[i])]
            if not deeper:
                raise InputError(f"Two sources are both named {name(group[0])}; give each document its own doc_id.")
            for i in deeper:
                depth[i] += 1
    return [renamed(d, name(i)) for i, d in enumerate(docs)]


def renamed(doc: Document, name: str) -> Document:
    """`doc` under the doc_id `name`, its sentences and dropped spans too (the same object when unchanged)."""
    if name == doc.doc_id:
        return doc
    return replace(doc, doc_id=name, sentences=[replace(s, doc_id=name) for s in doc.sentences],
                   dropped=[replace(d, doc_id=name) for d in doc.dropped])


def _load_all(sources: Sources) -> list[Document]:
    """Paths and folders loaded into prepared documents under their file names; a file named twice is read once."""
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
    """The reference article, prepared and checked by `check_reference`; InputError when it is not a readable file."""
    from translate.prepare import load_document

    if isinstance(reference, Document):
        doc = reference
    elif not Path(reference).is_file():
        raise InputError(f"Reference file not found: {reference}")
    else:
        doc = load_document(reference)
    return check_reference(doc)


def check_reference(doc: Document) -> Document:
    """`doc` when it can be a reference: it has sentences and is English; else InputError saying what to give.

    Sources are translated into English and matched against the reference, so a German reference would be
    compared, English against German, without a word of warning. A quoted foreign paragraph does not matter:
    the document's language is the one most of its text is in.
    """
    from translate.prepare import UNDETERMINED, empty_notice

    if not doc.sentences:
        raise InputError(f"The reference {empty_notice(doc)}; xling needs an English reference article to compare "
                         "sources against.")
    if doc.lang == UNDETERMINED:
        raise InputError(f"The reference {doc.doc_id} has no letters in any language, so it cannot be the English "
                         "article xling compares sources against; give the English article with -r.")
    if doc.lang != "en":
        from translate.langid import LANG_NAMES

        label = f"{LANG_NAMES[doc.lang]} ({doc.lang})" if doc.lang in LANG_NAMES else f"in language {doc.lang}"
        path = doc.path or doc.doc_id
        english = shlex.quote(str(Path(path).with_name(Path(path).stem + ".en.txt")))
        raise InputError(f"The reference {doc.doc_id} is {label}; xling compares sources against an English "
                         f"reference: give the English article with -r, or translate this one first "
                         f"(`xling translate {shlex.quote(path)} -o {english}`) and give that.")
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
    """Read `directory/<doc_id>` (one English line per prepared sentence); None when the file is absent.

    A source named by a path (a/x.txt, when two sources are called x.txt) has its translation at that path under
    `directory`.
    """
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
