"""What a batch job found over a corpus: every pairing, and per reference the comparison of its paired sources."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from align.pairing import Pairing
from translate.atomic import write_file_set
from translate.document import Document
from xling.pipeline.results import CompareResult, MatchRecord, jsonl_text

FORMATS = ("jsonl", "parquet")
OUTPUT_TABLES = ("pairs", "matches", "possible_matches", "unmatched", "dropped")  # each written as NAME.jsonl and/or NAME.parquet


@dataclass
class CorpusResult:
    """Pairings of sources with references, and one CompareResult per reference that has paired sources."""

    references: list[Document]
    pairings: list[Pairing]
    comparisons: list[CompareResult]  # in reference order; a source paired with two references is in both
    sources: list[str]  # every source id, in input order
    notices: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    @property
    def unpaired(self) -> list[str]:
        """Ids of the sources paired with no reference (their story is reported by none of the references)."""
        paired = {p.source_id for p in self.pairings if p.paired}
        return [s for s in self.sources if s not in paired]

    @property
    def matches(self) -> list[MatchRecord]:
        """Every match, reference by reference, source by source."""
        return [m for c in self.comparisons for m in c.matches]

    @property
    def possible_matches(self) -> list[MatchRecord]:
        """Every possible match (the second tier), reference by reference, source by source."""
        return [m for c in self.comparisons for m in c.possible_matches]

    @property
    def unmatched(self) -> list[dict]:
        """Unmatched claims of every comparison (each row names its reference)."""
        return [row for c in self.comparisons for row in c.unmatched]

    @property
    def dropped(self) -> list[dict]:
        """What preparation removed from every document, each document once."""
        seen: set[str] = set()
        rows = []
        for c in self.comparisons:
            for doc in [c.reference, *(s.document for s in c.sources)]:
                if doc.doc_id not in seen:
                    seen.add(doc.doc_id)
                    rows.extend(d.to_dict() for d in doc.dropped)
        return rows

    def tables(self) -> dict[str, list[dict]]:
        """The row sets written as pairs, matches, possible_matches, unmatched and dropped."""
        rows = {"pairs": [p.to_dict() for p in self.pairings], "matches": [m.to_dict() for m in self.matches],
                "possible_matches": [m.to_dict() for m in self.possible_matches],
                "unmatched": self.unmatched, "dropped": self.dropped}
        return {name: rows[name] for name in OUTPUT_TABLES}


def write_corpus_outputs(result: CorpusResult, outdir: str | Path,
                         formats: tuple[str, ...] = ("jsonl",)) -> dict[str, Path]:
    """Write pairs, matches, possible_matches, unmatched, dropped (JSON Lines and/or Parquet) and report.html together into `outdir`."""
    from xling.pipeline.report import render_corpus_report  # jinja2 and the template only when writing

    files: dict[str, str | bytes] = {}
    for name, rows in result.tables().items():
        if "jsonl" in formats:
            files[f"{name}.jsonl"] = jsonl_text(rows)
        if "parquet" in formats:
            files[f"{name}.parquet"] = _parquet_bytes(rows)
    files["report.html"] = render_corpus_report(result.comparisons, result.pairings, result.unpaired)
    return write_file_set(outdir, files)


def _parquet_bytes(rows: list[dict]) -> bytes:
    """Rows as a Parquet file (an empty table keeps no columns: there is nothing to type them by)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    return buffer.getvalue()
