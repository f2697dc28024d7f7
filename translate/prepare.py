"""Document preparation: read, identify the language, drop boilerplate and repeats, split into sentences."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from translate.cleaning import Paragraph, boilerplate_rule, duplicate_key, split_paragraphs
from translate.document import Document, Dropped, Sentence
from translate.errors import InputError
from translate.langid import paragraph_languages, resolve_language
from translate.normalize import normalize_text
from translate.progress import progress_bar
from translate.reading import STDIN, read_text
from translate.segment import split_sentences

# A text this long (about 3 s of preparation on a quiet core, far more on a busy one) shows a progress bar.
PROGRESS_FROM_CHARS = 200_000
UNDETERMINED = "und"  # ISO 639-2 "undetermined": a text with no letters at all has no language to find
_WORDLIKE = re.compile(r"[^\W\d_]")
_LINE_BREAK = re.compile(r"\r\n|\n|\r")


def _pick_languages(paragraphs: list[str], lang: str | None, doc_id: str,
                    progress: Any) -> tuple[str, list[str]]:
    """The document's language and each paragraph's: the user's for all if given (checked), else detected.

    "und" for a text with no letters at all, which has no language to find. `progress` (a tqdm-like bar) is
    advanced once per paragraph.
    """
    if lang:
        language = resolve_language(lang)
        progress.update(len(paragraphs))
        return language, [language] * len(paragraphs)
    if not any(_WORDLIKE.search(p) for p in paragraphs):
        progress.update(len(paragraphs))
        return UNDETERMINED, [UNDETERMINED] * len(paragraphs)
    return paragraph_languages(paragraphs, doc_id, progress=progress)


def prepare_text(text: str, doc_id: str, lang: str | None = None, *, progress: bool | None = None) -> Document:
    """Clean and segment a decoded text into a Document whose offsets point into `text`.

    Each sentence carries its paragraph's language; the document's is the one most of its text is in.
    `progress`: a bar on stderr (True), none (False), or one for texts of PROGRESS_FROM_CHARS or more (None).
    """
    dropped: list[Dropped] = []
    content: list[Paragraph] = []
    for para in split_paragraphs(text):
        reason = boilerplate_rule(para.text)
        if reason:
            dropped.append(Dropped(doc_id, para.start, para.end, para.text, reason))
        else:
            content.append(para)
    show = progress if progress is not None else len(text) >= PROGRESS_FROM_CHARS
    # Each paragraph twice: language ID reads it, then it is split (most of the time, pysbd).
    with progress_bar(2 * len(content), f"preparing {doc_id}", unit="para", enabled=show, leave=False) as bar:
        return _prepare(text, doc_id, lang, dropped, content, bar)


def _prepare(text: str, doc_id: str, lang: str | None, dropped: list[Dropped], content: list[Paragraph],
             bar: Any) -> Document:
    """prepare_text's work after boilerplate is dropped: language ID, repeats dropped, sentences split."""
    language, languages = _pick_languages([p.text for p in content], lang, doc_id, bar)
    seen: dict[str, int] = {}
    sentences: list[Sentence] = []
    for para, para_lang in zip(content, languages):
        bar.update(1)
        key = duplicate_key(normalize_text(para.text, para_lang))
        if key is not None and key in seen:
            dropped.append(Dropped(doc_id, para.start, para.end, para.text, f"duplicate of paragraph {seen[key]}"))
            continue
        if key is not None:
            seen[key] = para.index
        for start, end in split_sentences(para.text, para_lang):
            a, b = para.start + start, para.start + end
            sentences.append(
                Sentence(doc_id, len(sentences), para.index, a, b, normalize_text(text[a:b], para_lang), para_lang)
            )
    dropped.sort(key=lambda d: d.start)
    return Document(doc_id=doc_id, lang=language, text=text, sentences=sentences, dropped=dropped)


def segmented_document(text: str, doc_id: str, lang: str | None = None) -> Document:
    """A Document from pre-segmented text: line i is sentence i (empty lines included), nothing is dropped."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _LINE_BREAK.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    # Each line is a paragraph of its own, with its own language.
    with progress_bar(len(spans), f"preparing {doc_id}", unit="line", enabled=len(text) >= PROGRESS_FROM_CHARS,
                      leave=False) as bar:
        language, languages = _pick_languages([text[a:b].strip() for a, b in spans], lang, doc_id, bar)
    sentences = []
    for i, ((a, b), line_lang) in enumerate(zip(spans, languages)):
        line = text[a:b]
        # Offsets skip surrounding blanks like prepare_text does; an empty line keeps a zero-width span.
        lead = len(line) - len(line.lstrip())
        a2, b2 = (a + lead, a + len(line.rstrip())) if line.strip() else (a, a)
        sentences.append(Sentence(doc_id, i, i, a2, b2, normalize_text(text[a2:b2], line_lang), line_lang))
    return Document(doc_id=doc_id, lang=language, text=text, sentences=sentences, dropped=[])


def _unicode_name(name: str) -> str:
    """A file name as encodable text: bytes that are not UTF-8 (held by Python as surrogates) are written as \\xNN.

    A doc_id goes into JSON, HTML and output file names; a Latin-1 name b"caf\\xe9.txt" becomes "caf\\xe9.txt".
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


def load_document(
    path: str | Path, lang: str | None = None, doc_id: str | None = None, segmented: bool = False
) -> Document:
    """Read and prepare one file ("-" for stdin); segmented=True reads one sentence per line without cleaning."""
    text = read_text(path)
    name = doc_id or ("stdin" if str(path) == STDIN else _unicode_name(Path(path).name))
    doc = segmented_document(text, name, lang) if segmented else prepare_text(text, name, lang)
    doc.path = None if str(path) == STDIN else str(path)
    return doc


def load_documents(path_or_dir: str | Path, lang: str | None = None) -> list[Document]:
    """Prepare one file, or every *.txt file of a folder in name order; InputError if the folder has none."""
    p = Path(path_or_dir)
    if str(path_or_dir) != STDIN and p.is_dir():
        files = sorted(f for f in p.glob("*.txt") if f.is_file())
        if not files:
            raise InputError(f"{p} holds no .txt files; put one UTF-8 text file per article in it.")
        return [load_document(f, lang=lang) for f in files]
    return [load_document(path_or_dir, lang=lang)]


def empty_reason(doc: Document) -> str | None:
    """Why `doc` has no sentences after preparation ("empty file", "all 3 paragraphs dropped as boilerplate"), or
    None when it has some: the one wording every command's notice uses (`empty_notice`, `require_sentences`)."""
    if doc.sentences:
        return None
    if not doc.text:
        return "empty file" if doc.path else "empty input"
    if not doc.text.strip():
        return "only whitespace"
    if doc.dropped:
        n = len(doc.dropped)
        every = "the only paragraph" if n == 1 else f"all {n} paragraphs"
        repeats = sum(d.reason.startswith("duplicate") for d in doc.dropped)
        if not repeats:
            return f"{every} dropped as boilerplate"
        return f"{every} dropped: {n - repeats} as boilerplate, {repeats} as repeats"
    return "no sentence found in its text"


def empty_notice(doc: Document) -> str | None:
    """The one-line notice for a document without sentences: "x.txt: no sentences after preparation (why)"."""
    reason = empty_reason(doc)
    if reason is None:
        return None
    see = "; `xling prepare --show-dropped` shows them" if doc.dropped else ""
    return f"{doc.doc_id}: no sentences after preparation ({reason}{see})"


def require_sentences(docs: list[Document], task: str) -> None:
    """InputError when no document of `docs` has a sentence: there is nothing to `task` ("translate", "compare")."""
    if any(doc.sentences for doc in docs):
        return
    if len(docs) == 1:
        raise InputError(f"{empty_notice(docs[0])}; nothing to {task}.")
    named = ", ".join(f"{doc.doc_id} ({empty_reason(doc)})" for doc in docs[:5])
    more = f" and {len(docs) - 5} more" if len(docs) > 5 else ""
    raise InputError(f"No sentences after preparation in any of the {len(docs)} documents: {named}{more}; "
                     f"nothing to {task}.")
