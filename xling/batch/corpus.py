"""Corpus input: articles as text files, folders of them, JSON Lines or Parquet tables, read as one record type.

A table has one article a row: `id` and `text` (required), `lang`, `title`, `date` and `group` (optional); other
columns are ignored. `iter_corpus` streams records (a Parquet file in row batches, a JSONL file line by line), so
a corpus larger than memory can be read; only the set of ids seen is kept, to refuse a duplicate.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from translate.document import Document
from translate.errors import InputError
from translate.reading import STDIN, read_text

REQUIRED = ("id", "text")
OPTIONAL = ("lang", "title", "date", "group")
TABLE_SUFFIXES = (".jsonl", ".parquet")
CORPUS_SUFFIXES = (".txt", *TABLE_SUFFIXES)
_PARQUET_BATCH = 1024  # rows decoded at a time: bounded memory on corpora of any size


@dataclass(frozen=True)
class CorpusRecord:
    """One article of a corpus: a unique id, its raw text and what the corpus says about it."""

    id: str
    text: str
    lang: str | None = None
    title: str | None = None
    date: str | None = None
    group: str | None = None
    path: str | None = None  # the text file it was read from; None for a row of a table


def file_id(path: str | Path) -> str:
    """The id of an article read from a text file: its file name ("stdin" for standard input)."""
    from translate.prepare import _unicode_name

    return "stdin" if str(path) == STDIN else _unicode_name(Path(path).name)


def to_document(record: CorpusRecord) -> Document:
    """The record as a prepared Document (cleaned and split into sentences) whose doc_id is the record's id."""
    from translate.prepare import prepare_text

    try:
        doc = prepare_text(record.text, record.id, record.lang)
    except InputError as exc:
        raise InputError(f"{record.id}: {exc}") from None
    doc.path = record.path
    return doc


def read_corpus(paths: str | Path | Iterable[str | Path]) -> list[CorpusRecord]:
    """Every record of the given files and folders, in order; see `iter_corpus`."""
    return list(iter_corpus(paths))


def iter_corpus(paths: str | Path | Iterable[str | Path]) -> Iterator[CorpusRecord]:
    """Stream the records of text files, folders, JSON Lines and Parquet files; InputError on a duplicate id.

    A folder contributes its *.txt, *.jsonl and *.parquet files in name order; "-" reads one article from stdin.
    """
    seen: dict[str, str] = {}
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    for item in items:
        for path in _expand(item):
            for record, where in _records(path):
                if record.id in seen:
                    raise InputError(f"Duplicate id {record.id!r} ({seen[record.id]} and {where}); every article "
                                     f"needs its own id.")
                seen[record.id] = where
                yield record


def _expand(item: str | Path) -> list[Path | str]:
    """A folder's corpus files in name order, or the item itself."""
    if str(item) == STDIN:
        return [STDIN]
    p = Path(item)
    if not p.is_dir():
        return [p]
    files = sorted(f for f in p.iterdir() if f.suffix.lower() in CORPUS_SUFFIXES and f.is_file())
    if not files:
        raise InputError(f"{p} holds no .txt, .jsonl or .parquet files; put one UTF-8 text file per article in it, "
                         f"or a table with 'id' and 'text' columns.")
    return files


def _records(path: Path | str) -> Iterator[tuple[CorpusRecord, str]]:
    """The records of one file with where each was found (for error messages)."""
    suffix = Path(path).suffix.lower() if path != STDIN else ""
    if suffix == ".jsonl":
        yield from _jsonl_records(Path(path))
    elif suffix == ".parquet":
        yield from _parquet_records(Path(path))
    elif suffix == ".json":
        raise InputError(f"{path} is a JSON file; give a corpus as JSON Lines (.jsonl): one object a line with "
                         f"'id' and 'text'.")
    else:
        yield CorpusRecord(id=file_id(path), text=read_text(path), path=None if path == STDIN else str(path)), \
            str(path)


def _text_value(value: object, column: str, where: str) -> str | None:
    """An optional column's value as a string (numbers and dates written out), or None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise InputError(f"{where}: '{column}' must be a string, not {type(value).__name__}.")


def _record(row: Mapping, where: str) -> CorpusRecord:
    """A record from one table row, checked; `where` names the file and line or row."""
    for column in REQUIRED:
        if column not in row:
            raise InputError(f"{where} has no '{column}'; every article needs 'id' and 'text'.")
    raw_id = row["id"]
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)) or str(raw_id).strip() == "":
        raise InputError(f"{where}: 'id' must be a non-empty string or whole number, not {raw_id!r}.")
    text = row["text"]
    if not isinstance(text, str):
        raise InputError(f"{where} (id {raw_id!r}): 'text' must be a string, not {type(text).__name__}.")
    values = {c: _text_value(row.get(c), c, where) for c in OPTIONAL}
    return CorpusRecord(id=str(raw_id), text=text, **values)


def _jsonl_records(path: Path) -> Iterator[tuple[CorpusRecord, str]]:
    """Records of a JSON Lines file, one object a line; blank lines are skipped."""
    try:
        fh = open(path, encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    with fh:
        number = 0
        try:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{where} is not valid JSON ({exc.msg} at column {exc.colno}); a .jsonl "
                                     f"corpus holds one JSON object a line.") from None
                if not isinstance(row, dict):
                    raise InputError(f"{where} is a JSON {type(row).__name__}, not an object with 'id' and 'text'.")
                yield _record(row, where), where
        except UnicodeDecodeError:
            raise InputError(f"{path} is not valid UTF-8 (after line {number}); re-save it as UTF-8.") from None


def _parquet_records(path: Path) -> Iterator[tuple[CorpusRecord, str]]:
    """Records of a Parquet file, decoded a row batch at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def unreadable(exc: Exception) -> InputError:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return InputError(f"{path} is not a readable Parquet file ({reason}).")

    try:
        table = pq.ParquetFile(path)
        schema = table.schema_arrow
    except FileNotFoundError:
        raise InputError(f"{path} does not exist; check the path.") from None
    except (OSError, pa.ArrowException) as exc:
        raise unreadable(exc) from None
    names = schema.names
    for column in REQUIRED:
        if column not in names:
            raise InputError(f"{path} has no '{column}' column; a corpus needs 'id' and 'text' columns "
                             f"(it has: {', '.join(names) or 'none'}).")
    text_type = schema.field("text").type
    string_types = (pa.types.is_string, pa.types.is_large_string, getattr(pa.types, "is_string_view", None))
    if not any(check(text_type) for check in string_types if check):
        raise InputError(f"{path}: column 'text' holds {text_type}, not strings.")
    columns = [c for c in (*REQUIRED, *OPTIONAL) if c in names]
    row = 0
    try:
        for batch in table.iter_batches(batch_size=_PARQUET_BATCH, columns=columns):
            for values in batch.to_pylist():
                row += 1
                where = f"{path} row {row}"
                yield _record(values, where), where
    except (OSError, pa.ArrowException) as exc:
        raise unreadable(exc) from None
