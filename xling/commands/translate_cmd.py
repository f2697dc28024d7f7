"""`xling translate` (documents into English) and `xling models` (list, pull and locate translation models)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import click

from translate.errors import InputError, XlingError
from xling.commands.params import Group, quiet_option, source_lang_option

BACKENDS = ["auto", "hf", "ct2"]


def _announce(tr, warned: list[str]) -> None:
    """Say which model and backend a newly loaded translator uses, and any warning it raised (a random model)."""
    for message in warned:
        click.echo(f"WARNING: {message}", err=True)
    click.echo(f"backend: {tr.backend_name}", err=True)
    click.echo(f"model: {tr.model_id} ({tr.pair}, revision {tr.resolved.revision})", err=True)


# A document whose output name the file system rejects fails alone; a full or read-only disk stops the job.
_DOCUMENT_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL, errno.EFBIG})


def _document_files(folder: Path) -> list[Path]:
    """The *.txt files of a folder job, in name order; InputError if there are none."""
    files = sorted(f for f in folder.glob("*.txt") if f.is_file())
    if not files:
        raise InputError(f"{folder} holds no .txt files; put one UTF-8 text file per article in it.")
    return files


def _check_outputs(input_path: str, files: list, output: str | None, outdir: Path | None, fmt: str) -> None:
    """InputError before anything is written when an output would be, or resolve to, one of the inputs."""
    from translate.atomic import check_not_input
    from translate.outputs import output_name

    if not output:
        return
    if outdir is None:
        check_not_input([output], files)
        return
    check_not_input([outdir], [input_path])  # DIR -o DIR, by any spelling or link
    # FILE -o ITS_OWN_FOLDER, or an output in OUTDIR that is a hard link to an input.
    check_not_input([outdir / output_name(Path(f).name, fmt) for f in files], files, follow_links=False)


def _document_failure(exc: Exception) -> str | None:
    """One line saying why a document failed on its own, or None when the failure concerns the whole job."""
    from translate.errors import first_line

    if isinstance(exc, OSError):
        if exc.errno not in _DOCUMENT_ERRNOS:
            return None
        return f"cannot write {exc.filename}: {exc.strerror}" if exc.filename else str(exc.strerror or exc)
    return first_line(exc)


@click.command()
@click.argument("input_path", metavar="FILE|DIR|-")
@source_lang_option("Source language (ISO 639-1, e.g. de, fa) [default: detected per document].")
@click.option("-t", "--target-lang", default="en", show_default=True, help="Target language.")
@click.option("-m", "--model", default=None,
              help="Hub id (Helsinki-NLP/opus-mt-de-en), local model folder, or pair (de-en) [default: the registry's model for the pair].")
@click.option("--backend", type=click.Choice(BACKENDS), default="auto", show_default=True,
              help="hf = transformers/PyTorch, ct2 = CTranslate2; auto picks the fastest available.")
@click.option("--beam", type=click.IntRange(1, 64), default=4, show_default=True, help="Beam size.")
@click.option("--batch-size", type=click.IntRange(1), default=16, show_default=True, help="Sentences per model call.")
@click.option("--max-length", type=click.IntRange(8, 4096), default=512, show_default=True,
              help="Most tokens of one input or output; longer sentences are split at clause boundaries, never cut.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True, help="Where the model runs.")
@click.option("--format", "fmt", type=click.Choice(["txt", "jsonl", "tsv"]), default="txt", show_default=True,
              help="txt: one translation per prepared sentence per line (what `xling compare --translations` reads); "
                   "jsonl: doc_id, index, source, translation, offsets; tsv: source<TAB>translation.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the persistent translation cache.")
@click.option("-o", "--output", default=None, type=click.Path(),
              help="Output file (FILE input; default stdout) or folder (DIR input; required).")
@quiet_option
def translate(input_path, source_lang, target_lang, model, backend, beam, batch_size, max_length, device, fmt,
              no_cache, output, quiet):
    """Translate a document, a folder of *.txt documents, or stdin (-) into English (or -t), sentence by sentence.

    Each document is prepared first (boilerplate and repeated paragraphs dropped, split into sentences) and
    every prepared sentence gets exactly one translation, in order. The source language is detected per
    document unless -s is given; documents already in the target language are passed through unchanged (with a
    note), so a folder's output always has one file per document.

    A folder (or a file with -o naming an existing folder) writes OUTDIR/<file name> per document (<stem>.jsonl / .tsv for those formats).
    It resumes: documents whose output already exists are skipped, and every output is written to a temporary
    file and renamed, so an interrupted run never leaves half a file. A document that fails (unreadable, not
    text, a name the file system rejects) is reported and the others are done; the run then exits with 1.
    No output may be an input: -o naming the input file or folder (by any path, link or hard link) is refused.

    Model weights come from --model, or the registry's model for the pair in the Hugging Face cache
    ($HF_HOME); fetch them with `xling models pull de-en` on a machine with network access.

    \b
    Examples:
      xling translate seeds/000_2c29ad0641dc83f6.txt
      xling translate seeds/ -o out/translations/ --format txt
      cat article.txt | xling translate - -s fa --format jsonl
    """
    import time

    from translate.atomic import stale_temps, write_text_atomic
    from translate.langid import resolve_language
    from translate.outputs import output_name, render
    from translate.pool import TranslatorPool
    from translate.prepare import empty_notice, load_document, require_sentences
    from translate.progress import progress_bar, progress_note

    started = time.time()
    debug = bool(click.get_current_context().find_root().params.get("debug"))

    is_dir = input_path != "-" and Path(input_path).is_dir()
    if input_path != "-" and not Path(input_path).exists():
        raise InputError(f"{input_path} does not exist; give a text file, a folder of .txt files, or - for stdin.")
    if is_dir and not output:
        raise InputError("translating a folder needs -o OUTDIR for the per-document outputs.")
    if is_dir and Path(output).exists() and not Path(output).is_dir():
        raise InputError(f"-o {output} is a file; translating a folder needs -o OUTDIR, a folder for the outputs.")
    if source_lang:
        source_lang = resolve_language(source_lang)  # once, rather than as a failure of every document
    # An existing folder given as -o for a single file receives <name> like a folder run would write.
    outdir = Path(output) if is_dir or (output and Path(output).is_dir()) else None
    files = _document_files(Path(input_path)) if is_dir else [input_path]
    _check_outputs(input_path, files, output, outdir, fmt)
    # In a folder job one bad document is reported and the others are done; the exit code says some failed.
    failed: list[str] = []

    def _failed(name: str, exc: Exception) -> None:
        why = _document_failure(exc)
        if not is_dir or why is None or debug:
            raise exc
        click.echo(f"{name}: not translated: {why}", err=True)
        failed.append(name)

    docs = []
    for f in files:
        try:
            docs.append(load_document(f, lang=source_lang))
        except Exception as exc:  # noqa: BLE001 - reported per document by _failed, or raised there
            _failed(Path(f).name, exc)
    if docs:
        require_sentences(docs, "translate")
    for line in filter(None, map(empty_notice, docs)):
        click.echo(line, err=True)  # its output is still written (empty), so a folder keeps one file per document
    todo = docs
    if outdir is not None:
        outdir.mkdir(parents=True, exist_ok=True)
        # Temporary files of an earlier, killed run (never a finished output); newer ones are a live run's.
        for stale in stale_temps(outdir, started, names=[output_name(d.doc_id, fmt) for d in docs]):
            stale.unlink(missing_ok=True)
        done = [d for d in docs if os.path.isfile(outdir / output_name(d.doc_id, fmt))]
        if done:
            click.echo(f"skipping {len(done)} of {len(docs)} documents already translated in {outdir} "
                       "(delete their outputs to redo them)", err=True)
        todo = [d for d in docs if d not in done]

    bar, written = None, 0
    pool = TranslatorPool(target_lang, model=model, use_cache=not no_cache, on_load=_announce, backend=backend,
                          device=device, beam=beam, batch_size=batch_size, max_length=max_length)
    with pool:
        try:
            # Models load before the bar appears, so a missing-weights message is not printed under an empty bar.
            for lang in dict.fromkeys(lang for d in todo for lang in pool.languages_needed(d)):
                progress_note(f"loading the {lang}-{target_lang} translation model ...")
                pool.translator(lang)
            if not quiet:
                bar = progress_bar(sum(len(d) for d in todo if pool.languages_needed(d)), "translating", unit="sent")
                pool.report_to(bar)
            for doc in todo:
                try:
                    if not pool.languages_needed(doc):
                        if doc.sentences:  # a document without any had its notice above
                            click.echo(f"{doc.doc_id}: language {doc.lang!r}, {len(doc)} sentences written "
                                       "unchanged (nothing to translate)", err=True)
                        translations = doc.texts()
                    else:
                        translations = pool.translate_document(doc)
                    text = render(doc, translations, fmt)
                    if outdir is not None:
                        # A file xling owns in the output folder: a link planted there is replaced, not followed.
                        write_text_atomic(outdir / output_name(doc.doc_id, fmt), text, follow_links=False)
                        written += 1
                    elif output:
                        write_text_atomic(Path(output), text)
                    else:
                        click.echo(text, nl=False)
                except Exception as exc:  # noqa: BLE001 - reported per document by _failed, or raised there
                    _failed(doc.doc_id, exc)
        finally:
            if bar is not None:
                bar.close()

    if outdir is not None:
        click.echo(f"wrote {written} translations to {outdir}", err=True)
    if failed:
        shown = ", ".join(failed[:5]) + (f" and {len(failed) - 5} more" if len(failed) > 5 else "")
        raise XlingError(f"{len(failed)} of {len(files)} documents failed: {shown} (see the lines above); "
                         "the others were translated.")


def _model_for(ref: str | None, model: str | None) -> tuple[str, str | None]:
    """(hub id or folder, pair or None) from a PAIR argument or a --model option."""
    from translate.registry import default_model, looks_like_pair, pair_name, parse_pair

    if bool(ref) == bool(model):
        raise InputError("give either a language pair (like de-en) or --model ID, not both and not neither.")
    if model:
        return model, None
    if not looks_like_pair(ref):
        return ref, None  # a hub id or folder given without --model
    source, target = parse_pair(ref)
    return default_model(source, target), pair_name(source, target)


@click.group(cls=Group)
def models() -> None:
    """List, download and locate translation models (kept in the Hugging Face cache, $HF_HOME)."""


@models.command("list")
def list_models() -> None:
    """Show the language pairs with a default model, and whether its weights are present locally.

    Columns: pair (SRC-TGT as `xling models pull` takes it), model (its hub id), weights ("present" when a
    complete copy is in the Hugging Face cache, $HF_HOME/hub or $HF_HUB_CACHE), path (that copy).
    Pairs not listed are translated by NLLB (row *-*).
    """
    from translate.models import cached_snapshot, missing_files
    from translate.registry import NLLB_CODES, NLLB_MODEL, registered_pairs

    rows = []
    for spec in registered_pairs():
        path = cached_snapshot(spec.model)
        present = "present" if path is not None and not missing_files(path) else "not downloaded"
        rows.append((spec.name, spec.model, present, str(path) if path else ""))
    path = cached_snapshot(NLLB_MODEL)
    rows.append(("*-*", NLLB_MODEL, "present" if path and not missing_files(path) else "not downloaded",
                 str(path) if path else ""))
    widths = [max(len(r[i]) for r in rows + [("pair", "model", "weights", "")]) for i in range(3)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(("pair", "model", "weights"), widths)) + "  path")
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[3])
    click.echo(f"*-*: any other pair of the {len(NLLB_CODES)} languages xling maps to NLLB codes, e.g. ru-en, ar-en, en-fr.")


@models.command("pull")
@click.argument("pair", required=False, metavar="[PAIR]")
@click.option("-m", "--model", default=None, help="A hub id to download instead of a pair's default model.")
def pull(pair: str | None, model: str | None) -> None:
    """Download a model into the Hugging Face cache (needs network; safetensors weights when available).

    \b
    Examples:
      xling models pull de-en
      xling models pull --model facebook/nllb-200-distilled-600M
    """
    from translate.models import cached_snapshot, is_local_ref, missing_files, pull_model

    model_id, pair_id = _model_for(pair, model)
    if is_local_ref(model_id):
        raise InputError(f"{model_id} is a local folder; there is nothing to download.")
    path = cached_snapshot(model_id)
    if path is not None and not missing_files(path):
        click.echo(f"{model_id} is already in the cache", err=True)
    else:
        click.echo(f"downloading {model_id} ...", err=True)
        path = pull_model(model_id, pair=pair_id)
    click.echo(str(path))


@models.command("path")
@click.argument("ref", metavar="PAIR|ID|DIR")
def path(ref: str) -> None:
    """Print where a model's weights are, or where `xling models pull` would put them.

    PAIR (de-en) stands for the registry's model for that pair; ID is a hub id; DIR a local model folder.
    The cache is $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.

    \b
    Examples:
      xling models path de-en
      xling models path facebook/nllb-200-distilled-600M
    """
    from translate.models import cache_repo_dir, cached_snapshot, is_local_ref

    model_id, _ = _model_for(ref, None)
    if is_local_ref(model_id):
        click.echo(str(Path(model_id).expanduser().resolve()))
        return
    found = cached_snapshot(model_id)
    if found is None:
        click.echo(f"{model_id} is not downloaded; `xling models pull` puts it in:", err=True)
        click.echo(str(cache_repo_dir(model_id)))
    else:
        click.echo(str(found))


__all__ = ["translate", "models"]
