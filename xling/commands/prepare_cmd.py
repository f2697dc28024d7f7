"""`xling prepare`: show how a document is cleaned and split into sentences, and what was dropped and why."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from translate.document import Document
from xling.commands.params import quiet_option, source_lang_option


def _rows(doc: Document, show_dropped: bool) -> list[tuple[int, dict]]:
    """Sentences (and, when asked, dropped spans and runs in another language) as (offset, record) pairs, in
    document order; a run's record comes just before its first sentence."""
    rows: list[tuple[int, dict]] = []
    if show_dropped:
        rows += [(r.start, {"type": "language", **r.to_dict(), "summary": r.describe()})
                 for r in doc.other_language_runs()]
    rows += [(s.start, {"type": "sentence", **s.to_dict()}) for s in doc.sentences]
    if show_dropped:
        rows += [(d.start, {"type": "dropped", **d.to_dict()}) for d in doc.dropped]
    rows.sort(key=lambda r: r[0])
    return rows


def _render(docs: list[Document], fmt: str, show_dropped: bool) -> str:
    """The output text: one sentence per line (txt) or one JSON object per line (jsonl)."""
    out: list[str] = []
    for doc in docs:
        if fmt == "txt" and len(docs) > 1:
            out.append(f"# {doc.doc_id} ({doc.lang})")
        for _, row in _rows(doc, show_dropped):
            if fmt == "jsonl":
                out.append(json.dumps(row, ensure_ascii=False))
            elif row["type"] == "sentence":
                out.append(row["text"])
            elif row["type"] == "language":
                out.append(f"-- in another language: {row['summary']}")
            else:
                # Marked so a reader sees what was removed; whitespace folded to keep one record per line.
                out.append(f"-- dropped ({row['reason']}): {' '.join(row['text'].split())}")
    return "".join(line + "\n" for line in out)


def _language_note(doc: Document) -> str | None:
    """A line saying how many sentences are in languages other than the document's, or None if there are none."""
    others = {lang: n for lang, n in doc.languages().items() if lang != doc.lang}
    if not others:
        return None
    listed = ", ".join(f"{n} {lang}" for lang, n in others.items())
    return (f"{doc.doc_id}: {sum(others.values())} of {len(doc.sentences)} sentences in another language ({listed}), "
            "each translated by its own language's model; --show-dropped marks them")


@click.command("prepare")
@click.argument("source", metavar="FILE")
@source_lang_option("Language as an ISO 639-1 code (de, en, fa, ...) [default: detected per document].")
@click.option("--format", "fmt", type=click.Choice(["txt", "jsonl"]), default="txt", show_default=True,
              help="txt: one sentence per line; jsonl: one JSON object per sentence with offsets.")
@click.option("--show-dropped", is_flag=True, help="Also show removed boilerplate and repeats, with the reason.")
@click.option("--segmented", is_flag=True, help="The input already has one sentence per line; do not clean or split.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write here instead of standard output.")
@quiet_option
def prepare(source: str, source_lang: str | None, fmt: str, show_dropped: bool, segmented: bool, output: str | None,
            quiet: bool) -> None:
    """Clean FILE and split it into sentences (FILE may be a folder of .txt files, or - for stdin).

    \b
    Examples:
      xling prepare seeds/003_25baae2a21a7165f.txt --show-dropped
      xling prepare article.txt -s de --format jsonl -o article.jsonl
    """
    from translate.atomic import check_not_input, write_text_atomic
    from translate.prepare import empty_notice, load_document, load_documents, require_sentences

    if output:
        folder = Path(source)
        check_not_input([output], [source, *(folder.glob("*.txt") if source != "-" and folder.is_dir() else [])])
    docs = [load_document(source, lang=source_lang, segmented=True)] if segmented else load_documents(source, lang=source_lang)
    if not (show_dropped and any(doc.dropped for doc in docs)):  # else the dropped text is there to show
        require_sentences(docs, "show")
    for doc in docs:
        click.echo(empty_notice(doc) or f"{doc.doc_id}: {doc.lang}, {len(doc.sentences)} sentences, "
                   f"{len(doc.dropped)} dropped", err=True)
    text = _render(docs, fmt, show_dropped)
    for note in filter(None, map(_language_note, docs)):
        click.echo(note, err=True)
    if output:
        write_text_atomic(output, text)
    else:
        sys.stdout.write(text)
