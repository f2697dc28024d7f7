"""Writing a comparison's outputs: matches.jsonl, possible_matches.jsonl, unmatched.jsonl, dropped.jsonl and
report.html, as one set."""

from __future__ import annotations

from pathlib import Path

from translate.atomic import write_file_set
from xling.pipeline.results import CompareResult, jsonl_text
from xling.pipeline.report import render_report


def write_outputs(result: CompareResult, outdir: str | Path) -> dict[str, Path]:
    """Write matches.jsonl, possible_matches.jsonl, unmatched.jsonl, dropped.jsonl and report.html into `outdir`.

    Returns their paths. The five change together or not at all (translate.atomic.write_file_set): a failed or killed run leaves the
    previous set whole, and a link planted in `outdir` is replaced, never written through.
    """
    names = {"matches": "matches.jsonl", "possible_matches": "possible_matches.jsonl", "unmatched": "unmatched.jsonl",
             "dropped": "dropped.jsonl", "report": "report.html"}
    texts = [result.to_jsonl(), result.possible_jsonl(), result.unmatched_jsonl(), jsonl_text(result.dropped),
             render_report(result)]
    paths = write_file_set(outdir, dict(zip(names.values(), texts)))
    return {key: paths[name] for key, name in names.items()}
