"""The batch engine: the same outputs in one process and on a local Ray instance, pairing, resume and lost workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DECOYS = ROOT / "tests" / "data" / "decoys"
REFERENCE = SEEDS / "002_ade6ea3ef36ce7e0.txt"
COMPARED = ("pairs.jsonl", "matches.jsonl", "unmatched.jsonl")

# Each run embeds the seeds and decoys, and three tests start Ray: the slowest file of the suite.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def job(tiny_marian_dir, tmp_path_factory):
    """A corpus job's inputs: the seeds as sources, 002 plus the decoys as references, a fixture model for German."""
    from xling.batch.engine import JobSettings
    from xling.pipeline.english import ALLOW_FIXTURE_ENV

    os.environ[ALLOW_FIXTURE_ENV] = "1"  # module-wide: Ray workers inherit the driver's environment at start
    refs = [str(REFERENCE), *sorted(str(p) for p in DECOYS.glob("*.txt"))]
    settings = JobSettings(models=(f"de={tiny_marian_dir}",))
    yield {"sources": [str(SEEDS)], "references": refs, "settings": settings}
    os.environ.pop(ALLOW_FIXTURE_ENV, None)


@pytest.fixture(scope="module")
def local_out(job, tmp_path_factory):
    """The job run by the in-process engine, written to a folder."""
    from xling.batch.engine import run_corpus

    out = tmp_path_factory.mktemp("local")
    result = run_corpus(job["sources"], job["references"], out, settings=job["settings"], progress=False,
                        log=lambda _m: None)
    return out, result


@pytest.fixture(scope="module")
def ray_session():
    """One local Ray instance for the module (2 CPUs, no dashboard), shut down after."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


def _lines(folder: Path, name: str) -> list[str]:
    return (folder / name).read_text(encoding="utf-8").splitlines()


def _assert_same_rows(folder: Path, expected: Path, name: str) -> None:
    """The same rows in the same order; scores equal to 1e-5, since a resumed or distributed job embeds texts in
    other batches, whose padding moves a float32 embedding in its last bits."""
    got = [json.loads(line) for line in _lines(folder, name)]
    want = [json.loads(line) for line in _lines(expected, name)]
    assert len(got) == len(want), name
    for row, exp in zip(got, want):
        assert row.keys() == exp.keys(), name
        for key, value in exp.items():
            if isinstance(value, float):
                assert row[key] == pytest.approx(value, abs=1e-5), (name, key, exp)
            else:
                assert row[key] == value, (name, key, exp)


def test_seed_stories_pair_with_their_reference_and_the_kazakh_story_with_none(local_out):
    _, result = local_out
    paired = {(p.source_id, p.reference_id) for p in result.pairings if p.paired}
    assert paired == {("000_2c29ad0641dc83f6.txt", REFERENCE.name), ("003_25baae2a21a7165f.txt", REFERENCE.name)}
    assert result.unpaired == ["001_2959add6671d93e8.txt"]
    # Every source is scored against every reference, paired or not, and the reference is not a source.
    assert len(result.pairings) == 3 * (1 + len(list(DECOYS.glob("*.txt"))))


def test_outputs_name_their_reference_and_the_report_opens_on_the_pairs(local_out):
    out, result = local_out
    matches = [json.loads(line) for line in _lines(out, "matches.jsonl")]
    assert matches and {m["reference"] for m in matches} == {REFERENCE.name}
    unmatched = [json.loads(line) for line in _lines(out, "unmatched.jsonl")]
    assert all("reference" in row for row in unmatched)
    statuses = {s.name: s.translation_status for c in result.comparisons for s in c.sources}
    assert statuses == {"000_2c29ad0641dc83f6.txt": "fixture", "003_25baae2a21a7165f.txt": "unavailable"}
    assert (out / "report.html").is_file() and not list(out.glob(".xl-*"))


def test_parquet_outputs_hold_the_same_rows(job, local_out, tmp_path):
    import pyarrow.parquet as pq

    from xling.batch.engine import run_corpus

    out, _ = local_out
    run_corpus(job["sources"], job["references"], tmp_path, settings=job["settings"], formats=("parquet",),
               progress=False, log=lambda _m: None)
    table = pq.read_table(tmp_path / "pairs.parquet").to_pylist()
    assert table == [json.loads(line) for line in _lines(out, "pairs.jsonl")]


def test_ray_engine_writes_the_same_outputs(job, local_out, ray_session, tmp_path):
    from xling.batch.engine import run_corpus

    out, _ = local_out
    run_corpus(job["sources"], job["references"], tmp_path, engine="ray", settings=job["settings"],
               progress=False, log=lambda _m: None)
    for name in COMPARED:
        _assert_same_rows(tmp_path, out, name)


def test_a_lost_ray_worker_loses_and_duplicates_nothing(job, local_out, ray_session, tmp_path, monkeypatch):
    from xling.batch.engine import run_corpus
    from xling.pipeline.stages import CRASH_ONCE_ENV

    out, _ = local_out
    marker = tmp_path / "crashed"
    # The actor's process dies abruptly the first time a stage runs; Ray Data restarts it and retries the batch.
    ray_session.shutdown()
    monkeypatch.setenv(CRASH_ONCE_ENV, str(marker))
    ray_session.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        run_corpus(job["sources"], job["references"], tmp_path / "out", engine="ray", settings=job["settings"],
                   progress=False, log=lambda _m: None)
    finally:
        ray_session.shutdown()
        monkeypatch.delenv(CRASH_ONCE_ENV)
        ray_session.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    assert marker.exists()  # a worker really died
    for name in COMPARED:
        _assert_same_rows(tmp_path / "out", out, name)


def test_a_killed_job_resumes_with_only_the_unfinished_sources(job, local_out, tmp_path):
    from xling.batch.engine import KILL_AFTER_ENV

    out, _ = local_out
    target = tmp_path / "out"
    args = [sys.executable, "-m", "xling.cli", "compare", *job["sources"]]
    for ref in job["references"]:
        args += ["-r", ref]
    args += ["-m", job["settings"].models[0], "-o", str(target), "--quiet"]
    env = {**os.environ, KILL_AFTER_ENV: "1"}
    first = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == -signal.SIGKILL, first.stderr
    state = sorted((target / ".xling-batch").glob("*.json"))
    assert len(state) == 1 and not (target / "matches.jsonl").exists()
    before = {p: p.stat().st_mtime_ns for p in state}
    env.pop(KILL_AFTER_ENV)
    second = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert "resuming: 1 of 3 sources already done" in second.stderr
    assert {p: p.stat().st_mtime_ns for p in state} == before  # the finished source was not written again
    for name in COMPARED:
        _assert_same_rows(target, out, name)
