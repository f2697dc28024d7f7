"""`make demo`: the seeds compared with their English reference twice, so a first run shows what xling is for.

1. As this machine runs it: with machine translation when model weights are here, else matched on multilingual
   embeddings of the original sentences (few matches across languages).
2. The same job with the reference translations of eval/data/refs standing in for machine translation: what a
   run with a good MT model gives. Its report and stdout say on every occasion that these are not MT output.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from translate.errors import XlingError
from xling.pipeline.results import CompareResult

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
REFERENCE = SEEDS / "002_ade6ea3ef36ce7e0.txt"
REFS_NOTE = "eval/data/refs: written with an LLM assistant and reviewed once, not produced by a machine translation model"
# Report folders under the demo's output folder, and the stand-in translations in --translations format.
OFFLINE_DIR, STAND_IN_DIR, STAND_IN_TEXTS = "as-run-here", "reference-translations", "reference-translations/english"


@dataclass(frozen=True)
class DemoRun:
    """One of the demo's two comparisons: what it shows, where its report is, and its result."""

    title: str
    label: str  # the sentence that heads its report and its part of the stdout summary
    report: Path
    result: CompareResult


def run_demo(outdir: str | Path, sources: str | Path = SEEDS, reference: str | Path = REFERENCE, *,
             progress: bool = True, log: Callable[[str], None] | None = None) -> list[DemoRun]:
    """Compare `sources` with `reference` as this machine can, then with the reference translations as stand-in MT;
    write each run's outputs under `outdir` and return both runs."""
    from eval.reference_mt import write_reference_translations
    from xling.pipeline.compare import compare
    from xling.pipeline.outputs import write_outputs

    out = Path(outdir)
    here = compare(sources, reference, progress=progress, log=log)
    here_label = _as_run_label(here)
    here.settings["label"] = here_label
    here_paths = write_outputs(here, out / OFFLINE_DIR)

    # The same prepared documents under the same names: only the English differs between the two runs.
    docs = [s.document for s in here.sources]
    write_reference_translations(out / STAND_IN_TEXTS, [d for d in docs if d.sentences])
    stand_in = compare(docs, here.reference, translations_dir=out / STAND_IN_TEXTS, use_mt=False,
                       progress=progress, log=log)
    for src in stand_in.sources:
        if src.translation_status == "given":
            src.translation_note = f"reference translation standing in for machine translation ({REFS_NOTE})"
    stand_in_label = (
        "Stand-in for machine translation: the English shown for every non-English source is a reference "
        f"translation ({REFS_NOTE}). This page shows what the comparison gives with good translations; it is not "
        "the output of xling's machine translation."
    )
    stand_in.settings["label"] = stand_in_label
    stand_in_paths = write_outputs(stand_in, out / STAND_IN_DIR)
    return [DemoRun("as run here", here_label, here_paths["report"], here),
            DemoRun("reference translations standing in for MT", stand_in_label, stand_in_paths["report"], stand_in)]


def _as_run_label(result: CompareResult) -> str:
    """What the first run is: machine translated, or matched without translations because weights are missing."""
    statuses = {s.translation_status for s in result.sources}
    if "unavailable" in statuses:
        return ("As run on this machine, without translation model weights: the non-English sources are matched "
                "on multilingual embeddings of their original sentences, so few of their claims are found.")
    models = ", ".join(sorted({str(m) for m in result.settings.get("models", {}).values() if m}))
    return f"As run on this machine, with machine translation ({models or 'no translation needed'})."


def summary_text(runs: Sequence[DemoRun]) -> str:
    """The stdout summary: which report shows what, its counts, and how real MT replaces the stand-in."""
    lines = [f"Demo: the sources compared with the reference {runs[0].result.reference.doc_id}, twice.", ""]
    for number, run in enumerate(runs, 1):
        result = run.result
        ref_total = len(result.reference.sentences)
        unsupported = set(result.unsupported_reference_indices())
        maybe = {m.reference_index for m in result.possible_matches} & unsupported
        lines += [f"{number}. {run.report}", f"   {run.label}"]
        lines += [f"   {r['source']} ({'+'.join(r['languages']) or r['lang']}): {r['matched']} of {r['sentences']} "
                  f"sentences matched (possible matches: {r['possible']})" for r in result.summary_rows()]
        lines += [f"   reference sentences stated by a source: {ref_total - len(unsupported)} of {ref_total} "
                  f"(possibly stated: {len(maybe)} more)", ""]
    missing = runs[0].result.translations_missing()
    if missing:
        pulls = sorted({f"{lang}-en" for s in missing for lang in s.document.languages() if lang != "en"})
        commands = " and ".join(f"`xling models pull {p}`" for p in pulls)
        lines.append(f"Real machine translation replaces the stand-in: run {commands} on a machine with network "
                     f"access (or copy its Hugging Face cache here), then `make demo` again; report 1 then uses the "
                     f"models. `xling compare --translations DIR` takes translations you already have.")
    else:
        lines.append("Report 1 uses real machine translation; report 2 shows the same job with the reference "
                     "translations, for comparison.")
    english = runs[-1].report.parent / Path(STAND_IN_TEXTS).name
    lines.append(f"The stand-in serves `xling find` too: xling find \"community with a shared future\" seeds/ "
                 f"--translations {english}/")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: `python -m xling.runs.demo -o out/`."""
    parser = argparse.ArgumentParser(prog="python -m xling.runs.demo", description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="out", help="folder for both runs' outputs [out]")
    parser.add_argument("--sources", default=str(SEEDS), help="source articles (default: the seeds)")
    parser.add_argument("--reference", default=str(REFERENCE), help="the English reference article")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    try:
        runs = run_demo(args.output, args.sources, args.reference, progress=not args.quiet)
    except XlingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(summary_text(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
