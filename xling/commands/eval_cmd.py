"""`xling eval`: score translations, alignments and claim matches, and compare two run records."""

from __future__ import annotations

import json
from pathlib import Path

import click

from xling.commands.params import SCORE, Group, quiet_option

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _echo_json(data: object) -> None:
    """Print `data` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group("eval", cls=Group)
def eval_group() -> None:
    """Evaluate translations (sacrebleu), alignments and claim matches; compare run records."""


@eval_group.command("translation")
@click.argument("hyp", type=_FILE)
@click.argument("refs", nargs=-1, required=True, type=_FILE, metavar="REF...")
@click.option("--compare", "-c", "others", multiple=True, type=_FILE, metavar="HYP2",
              help="Another system's output: run sacrebleu's paired bootstrap test against HYP (repeatable).")
@click.option("--metric", "metrics", multiple=True, type=click.Choice(["bleu", "chrf", "ter"]),
              help="Metrics to compute (repeatable; default: bleu, chrf (chrF++), ter).")
@click.option("--sentences", is_flag=True, help="Also print sentence-level scores of HYP.")
@click.option("--tokenize", default=None, type=click.Choice(["13a", "intl", "char", "zh", "none"]),
              help="BLEU tokeniser as in sacrebleu [default: 13a].")
@click.option("--lowercase", is_flag=True, help="Case-insensitive BLEU and chrF.")
@click.option("--bootstrap", "n_samples", default=1000, show_default=True, type=click.IntRange(1),
              help="Resamples of the paired bootstrap test.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def translation_cmd(hyp, refs, others, metrics, sentences, tokenize, lowercase, n_samples, as_json) -> None:
    """Score HYP against one or more references REF (one segment per line): BLEU, chrF++ and TER.

    \b
    Every score is printed with its sacrebleu signature, e.g.
      xling eval translation out.en.txt ref.en.txt
      xling eval translation sys1.txt ref.txt --compare sys2.txt   # paired bootstrap, sys1 is the baseline
    """
    from eval.translation_metrics import TranslationScorer, check_lengths, format_paired, read_lines

    scorer = TranslationScorer(metrics or ("bleu", "chrf", "ter"), tokenize=tokenize, lowercase=lowercase)
    hyps = read_lines(hyp)
    ref_lines = [read_lines(r) for r in refs]
    check_lengths(hyps, ref_lines, names=[str(hyp), *map(str, refs)])
    out: dict = {}
    if others:
        systems = [(str(hyp), hyps)] + [(str(o), read_lines(o)) for o in others]
        out["paired_bootstrap"] = scorer.paired_bootstrap(systems, ref_lines, n_samples=n_samples)
    else:
        out["corpus"] = scorer.corpus_score(hyps, ref_lines)
    if sentences:
        out["sentences"] = scorer.sentence_scores(hyps, ref_lines)
    if as_json:
        data = {k: [x.to_dict() for x in v] for k, v in out.items() if k != "sentences"}
        if sentences:
            data["sentences"] = {"signatures": out["sentences"].signatures, "scores": out["sentences"].rows}
        _echo_json(data)
        return
    if "corpus" in out:
        click.echo("\n".join(s.format() for s in out["corpus"]))
    if "paired_bootstrap" in out:
        click.echo(format_paired(out["paired_bootstrap"]))
    if sentences:
        sent = out["sentences"]
        names = list(sent.signatures)
        click.echo("\nline  " + "  ".join(f"{n:>8}" for n in names))
        for i, row in enumerate(sent.rows, 1):
            click.echo(f"{i:>4}  " + "  ".join(f"{row[n]:8.1f}" for n in names))
        click.echo("\n".join(f"{n}|{sig}" for n, sig in sent.signatures.items()))


@eval_group.command("align")
@click.argument("pred", type=_FILE)
@click.argument("gold", type=_FILE)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def align_cmd(pred, gold, as_json) -> None:
    """Strict and lax precision, recall and F1 of the alignment PRED against GOLD (ladder files)."""
    from eval.align_metrics import align_scores, read_ladder
    from eval.claims_metrics import format_prf_table

    scores = align_scores(read_ladder(pred), read_ladder(gold))
    if as_json:
        _echo_json(scores)
        return
    click.echo(format_prf_table([("strict", scores["strict"]), ("lax", scores["lax"])], counts=()))


@eval_group.command("claims")
@click.argument("matches", type=_FILE)
@click.argument("gold", type=_FILE)
@click.option("--reference", "-r", required=True, type=_FILE,
              help="The reference article the matches were made against (to check the gold is not stale).")
@click.option("--sources", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of the source articles the gold names [default: the reference's folder].")
@click.option("--candidates", type=_FILE, default=None,
              help="JSONL of ALL scored candidate pairs, below the threshold too (fields as MATCHES), for --plot "
                   "[default: rescored with the default claim matcher].")
@click.option("--translations", "translations_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="With --plot and no --candidates: the --translations DIR the matches were made with.")
@click.option("--threshold", type=SCORE, default=None,
              help="The matcher's threshold, marked on the plot [default: the matcher's own].")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a PNG: score distributions of gold and other pairs, and P/R against the threshold.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@quiet_option
def claims_cmd(matches, gold, reference, sources, candidates, translations_dir, threshold, plot_path, as_json,
               quiet) -> None:
    """Precision, recall and F1 of the claim matches in MATCHES (matches.jsonl of `xling compare`) against GOLD.

    \b
    The gold has one JSON line per true pair (see the README, "Claim-matching gold"):
      {"source": FILE, "source_span": TEXT, "reference_span": TEXT, "note": WHY}
    Example:
      xling eval claims out/matches.jsonl tests/data/claims_gold.jsonl -r seeds/002_ade6ea3ef36ce7e0.txt
    """
    from eval.claims_metrics import check_gold, claims_scores, format_prf_table, read_gold, read_matches
    from xling.runs.eval_claims import plot_candidates, prepared_sentences, recompute_candidates

    gold_pairs = read_gold(gold)
    folder = sources or reference.parent
    names = sorted({g.source for g in gold_pairs})
    if plot_path is not None:
        from translate.atomic import check_not_input

        check_not_input([plot_path], [matches, gold, reference, *([candidates] if candidates else []),
                                      *(folder / n for n in names)])
    source_sentences, reference_sentences = prepared_sentences(folder, names, reference)
    check_gold(gold_pairs, source_sentences, reference_sentences)
    predicted = read_matches(matches)
    scores = claims_scores(predicted, gold_pairs, sources=sorted({p.source for p in predicted}))
    if plot_path is not None:
        possible = None  # the lower cut is the matcher's: known only when xling rescores the pairs itself
        if candidates is not None:
            pairs = read_matches(candidates)
        else:
            # Every source the matches or the gold name, rescored as `xling compare` scores them by default.
            rescored = recompute_candidates(folder, sorted({p.source for p in predicted} | set(names)), reference,
                                            translations_dir, threshold)
            pairs, threshold = rescored["candidates"], threshold if threshold is not None else rescored["threshold"]
            possible = rescored["possible_threshold"]
        plot_candidates(pairs, gold_pairs, plot_path, threshold=threshold, possible=possible)
    if as_json:
        _echo_json(scores)
    else:
        rows = [("all (micro)", scores)] + list(scores["per_source"].items())
        click.echo(format_prf_table(rows))
    if plot_path is not None:
        click.echo(f"plot written to {plot_path}", err=True)


@eval_group.command("compare")
@click.argument("record_a", type=_FILE)
@click.argument("record_b", type=_FILE)
@click.option("--changed", is_flag=True, help="Show only rows whose values differ.")
def compare_cmd(record_a, record_b, changed) -> None:
    """Two run records (results/*.json) side by side: metrics, settings and versions, with B - A for numbers."""
    from eval.record_diff import format_comparison, load_pair

    a, b = load_pair(str(record_a), str(record_b))
    click.echo(format_comparison(a, b, record_a.name, record_b.name, changed_only=changed))
