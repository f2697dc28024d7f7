"""A synthetic corpus for batch benchmarks, built at run time from local text and never stored in the repository.

Sources (German, French, Persian, English) and English references are cut from a few real articles: each one
is a random subset of an article's sentences, so many documents tell one story in different selections. Every
document carries the story it was cut from (`story` column), so a pairing can be checked: a source should pair
with the references of its story, and with none when no reference tells it.

Text comes from the seeds (000 and 003: China–Cuba; 001: Xi in Central Asia, no reference), the invented
articles in tests/data/decoys (English references on other stories, and extra German and English sources), and
the Text+Berg development article (../shared/bench/textberg-dev, GPL: read, never copied): windows of dev.de and
dev.fr lines, mountaineering prose that no reference tells. `python -m xling.batch.synthetic OUT` writes one.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from translate.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ("jsonl", "parquet")
CUBA_REFERENCE = "002_ade6ea3ef36ce7e0.txt"
# Source articles: file, language, story. A story is "told" when some reference tells it (see _REFERENCE_STORIES).
_SEED_SOURCES = (("000_2c29ad0641dc83f6.txt", "de", "china-cuba"), ("003_25baae2a21a7165f.txt", "fa", "china-cuba"),
                 ("001_2959add6671d93e8.txt", "de", "xi-central-asia"))
_DECOY_SOURCES = (("s_de_flut.txt", "de", "d07_flood"), ("s_en_flood.txt", "en", "d07_flood"),
                  ("s_en_launch.txt", "en", "d02_space_launch"), ("s_en_rates.txt", "en", "d08_rate_decision"),
                  ("s_en_final.txt", "en", "d06_football_final"), ("s_de_bahnstreik.txt", "de", "rail-strike"),
                  ("s_en_museum.txt", "en", "museum"))
# Share of sources cut from each kind of article; the rest are Text+Berg windows.
_MIX = {"seed": 0.12, "decoy": 0.13}
_KEEP = 0.7  # share of an article's sentences a document keeps
_MIN_SENTENCES = 3
_WINDOW = (8, 20)  # lines of a Text+Berg window


@dataclass(frozen=True)
class Article:
    """Sentences of one real article, its language and story."""

    name: str
    lang: str
    story: str
    sentences: list[str]


@dataclass
class SyntheticCorpus:
    """Where a synthetic corpus was written, and the story of every document."""

    sources: Path
    references: Path
    source_stories: dict[str, str] = field(default_factory=dict)
    reference_stories: dict[str, str] = field(default_factory=dict)

    def expected_pairs(self) -> dict[str, list[str]]:
        """Source id -> the ids of the references that tell its story (empty: it should pair with none)."""
        by_story: dict[str, list[str]] = {}
        for ref, story in self.reference_stories.items():
            by_story.setdefault(story, []).append(ref)
        return {src: by_story.get(story, []) for src, story in self.source_stories.items()}


def textberg_dir(explicit: str | Path | None = None) -> Path:
    """The Text+Berg folder: `explicit`, else $XLING_TEXTBERG, else ../shared/bench/textberg-dev beside the repo."""
    folder = Path(explicit or os.environ.get("XLING_TEXTBERG") or ROOT.parent / "shared" / "bench" / "textberg-dev")
    if not (folder / "dev.de").is_file() or not (folder / "dev.fr").is_file():
        raise InputError(f"Text+Berg dev.de and dev.fr not found in {folder}; set XLING_TEXTBERG to the "
                         f"textberg-dev folder.")
    return folder


def _textberg_lines(folder: Path, lang: str) -> list[str]:
    """The non-blank lines (one sentence each) of dev.LANG."""
    from translate.reading import read_text

    return [line.strip() for line in read_text(folder / f"dev.{lang}", article=False).splitlines() if line.strip()]


def _article(path: Path, lang: str, story: str) -> Article:
    """The prepared sentences of one article file (boilerplate and repeats dropped, as the pipeline does)."""
    from translate.prepare import load_document

    if not path.is_file():
        raise InputError(f"{path} not found; build the synthetic corpus from a source checkout of xling "
                         f"(or pass the folder that holds it).")
    return Article(path.name, lang, story, load_document(path, lang=lang).texts())


def _articles(seeds_dir: Path, decoys_dir: Path) -> tuple[list[Article], list[Article], list[Article]]:
    """(reference articles, seed source articles, decoy source articles)."""
    references = [_article(seeds_dir / CUBA_REFERENCE, "en", "china-cuba")]
    references += [_article(p, "en", p.stem) for p in sorted(decoys_dir.glob("d*.txt"))]
    seeds = [_article(seeds_dir / name, lang, story) for name, lang, story in _SEED_SOURCES]
    decoys = [_article(decoys_dir / "sources" / name, lang, story) for name, lang, story in _DECOY_SOURCES]
    return references, seeds, decoys


def _subset(rng: random.Random, sentences: Sequence[str]) -> list[str]:
    """A random selection of about _KEEP of the sentences, in their original order."""
    n = max(min(_MIN_SENTENCES, len(sentences)), round(len(sentences) * _KEEP))
    return [sentences[i] for i in sorted(rng.sample(range(len(sentences)), n))]


def _textberg_window(rng: random.Random, lines: Sequence[str]) -> list[str]:
    """A run of consecutive lines of a Text+Berg file."""
    size = rng.randint(*_WINDOW)
    start = rng.randrange(0, max(1, len(lines) - size))
    return list(lines[start:start + size])


def _row(doc_id: str, sentences: list[str], lang: str, story: str, rng: random.Random, with_lang: bool,
         with_group: bool) -> dict:
    """One corpus row: an article as paragraphs of one sentence each, with its metadata."""
    row = {"id": doc_id, "text": "\n".join(sentences) + "\n", "lang": lang if with_lang else None,
           "title": sentences[0][:80] if sentences else None,
           "date": (_dt.date(2024, 1, 1) + _dt.timedelta(days=rng.randrange(366))).isoformat(), "story": story}
    if with_group:
        row["group"] = story
    return row


def _write(path: Path, rows: list[dict], fmt: str) -> None:
    """Write rows as JSON Lines or Parquet, atomically."""
    from translate.atomic import atomic_open

    if fmt == "jsonl":
        with atomic_open(path, "w") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    with atomic_open(path, "wb") as fh:
        pq.write_table(pa.Table.from_pylist(rows), fh)


def build_corpus(out_dir: str | Path, n_sources: int = 2000, n_references: int = 50, seed: int = 0, *,
                 fmt: str = "jsonl", with_lang: bool = True, with_group: bool = False,
                 seeds_dir: str | Path | None = None, decoys_dir: str | Path | None = None,
                 textberg_folder: str | Path | None = None) -> SyntheticCorpus:
    """Write sources.FMT and references.FMT into `out_dir`: the same files for the same arguments.

    References are spread over the stories in turn (002's China–Cuba story first, then the decoys). `with_group`
    also writes each document's story as its `group`, which pairs without the similarity step.
    """
    if fmt not in FORMATS:
        raise InputError(f"Unknown corpus format {fmt!r}; use one of: {', '.join(FORMATS)}.")
    if n_sources < 1 or n_references < 1:
        raise InputError("A synthetic corpus needs at least one source and one reference.")
    seeds_dir = Path(seeds_dir) if seeds_dir else ROOT / "seeds"
    decoys_dir = Path(decoys_dir) if decoys_dir else ROOT / "tests" / "data" / "decoys"
    folder = textberg_dir(textberg_folder)
    references, seeds, decoys = _articles(seeds_dir, decoys_dir)
    tb = {lang: _textberg_lines(folder, lang) for lang in ("de", "fr")}
    rng = random.Random(seed)

    ref_rows = []
    for i in range(n_references):
        art = references[i % len(references)]
        ref_rows.append(_row(f"r{i:05d}", _subset(rng, art.sentences), "en", art.story, rng, with_lang, with_group))
    src_rows = []
    for i in range(n_sources):
        draw = rng.random()
        if draw < _MIX["seed"] + _MIX["decoy"]:
            art = rng.choice(seeds if draw < _MIX["seed"] else decoys)
            sentences, lang, story = _subset(rng, art.sentences), art.lang, art.story
        else:
            lang = rng.choice(("de", "fr"))
            sentences, story = _textberg_window(rng, tb[lang]), "textberg"
        src_rows.append(_row(f"s{i:06d}", sentences, lang, story, rng, with_lang, with_group))

    out = Path(out_dir)
    corpus = SyntheticCorpus(out / f"sources.{fmt}", out / f"references.{fmt}",
                             {r["id"]: r["story"] for r in src_rows}, {r["id"]: r["story"] for r in ref_rows})
    _write(corpus.sources, src_rows, fmt)
    _write(corpus.references, ref_rows, fmt)
    return corpus


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a synthetic corpus and print where, with its story counts."""
    parser = argparse.ArgumentParser(prog="python -m xling.batch.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder to write sources.FMT and references.FMT into")
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--references", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=FORMATS, default="jsonl")
    parser.add_argument("--group", action="store_true", help="write each document's story as its group")
    args = parser.parse_args(argv)
    try:
        corpus = build_corpus(args.out, args.sources, args.references, args.seed, fmt=args.format,
                              with_group=args.group)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    paired = sum(1 for refs in corpus.expected_pairs().values() if refs)
    print(f"{corpus.sources} ({len(corpus.source_stories)} sources, {paired} with a reference telling their story)")
    print(f"{corpus.references} ({len(corpus.reference_stories)} references, "
          f"{len(set(corpus.reference_stories.values()))} stories)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
