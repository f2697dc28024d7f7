"""Human-quality reference translations of the non-English seeds, and their use as stand-in machine translation.

`eval/data/refs/<seed file stem>.tsv` (e.g. `000_2c29ad0641dc83f6.tsv`) holds `source sentence<TAB>English` lines keyed by the prepared source
sentence, so a change in segmentation shows up as a sentence without a reference instead of shifted lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from eval.claims_metrics import normalize as _key
from translate.atomic import write_text_atomic
from translate.document import Document
from translate.errors import InputError

REFS_DIR = Path(__file__).resolve().parent / "data" / "refs"


def _read_table(path: Path) -> dict[str, str]:
    """Parse one refs TSV into {normalised source sentence: English}; InputError on a malformed line."""
    table: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise InputError(f"{path}:{number} must be 'source sentence<TAB>English translation'.")
        table[_key(parts[0])] = parts[1].strip()
    return table


def reference_table(doc_id: str, refs_dir: str | Path = REFS_DIR) -> dict[str, str]:
    """The reference translations for one seed file, keyed by normalised source sentence."""
    path = Path(refs_dir) / f"{Path(doc_id).stem}.tsv"
    if not path.is_file():
        raise InputError(f"No reference translations for {doc_id} (expected {path}).")
    return _read_table(path)


def reference_translations(doc: Document, refs_dir: str | Path = REFS_DIR) -> list[str]:
    """One English reference per prepared sentence of `doc`; InputError names the first sentence without one."""
    table = reference_table(doc.doc_id, refs_dir)
    missing = [s for s in doc.sentences if _key(s.text) not in table]
    if missing:
        raise InputError(
            f"{len(missing)} prepared sentence(s) of {doc.doc_id} have no reference translation "
            f"(segmentation changed?), first: {missing[0].text[:80]!r}."
        )
    return [table[_key(s.text)] for s in doc.sentences]


def write_reference_translations(
    outdir: str | Path, docs: Sequence[Document], refs_dir: str | Path = REFS_DIR
) -> list[Path]:
    """Write each non-English doc's references as `outdir/<doc_id>`, one line per prepared sentence (--translations format)."""
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    # Everything is looked up before anything is written, so a stale table leaves no partial folder behind.
    texts = {doc.doc_id: reference_translations(doc, refs_dir) for doc in docs if doc.lang != "en"}
    return [write_text_atomic(folder / doc_id, "".join(line + "\n" for line in lines)) for doc_id, lines in texts.items()]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m eval.reference_mt OUTDIR [FILES...]`: write the seeds' references as a --translations folder."""
    import argparse
    import sys

    from translate.prepare import load_document

    parser = argparse.ArgumentParser(prog="python -m eval.reference_mt", description=main.__doc__)
    parser.add_argument("outdir")
    parser.add_argument("files", nargs="*", help="source articles (default: the seeds)")
    args = parser.parse_args(argv)
    files = args.files or sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
    try:
        paths = write_reference_translations(args.outdir, [load_document(f) for f in files])
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
