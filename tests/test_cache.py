"""The persistent translation cache: keys, hits and misses, concurrent writers, corruption, and `xling cache`."""

from __future__ import annotations

import json
import logging
import multiprocessing as mp

import pytest
from click.testing import CliRunner

from translate.cache import (
    TranslationCache,
    default_cache_path,
    options_key,
    source_hash,
    translate_with_cache,
)

OPTS = {"backend": "ct2", "compute_type": "int8", "beam": 4, "max_new_tokens": 256, "src": "de", "tgt": "en"}


@pytest.fixture()
def store(tmp_path):
    with TranslationCache(tmp_path / "t.sqlite") as c:
        yield c


class CountingBackend:
    """A stand-in translator that records every sentence it is asked to translate."""

    def __init__(self):
        self.seen: list[str] = []
        self.calls = 0

    def __call__(self, texts: list[str]) -> list[str]:
        self.calls += 1
        self.seen.extend(texts)
        return [t.upper() for t in texts]


def test_default_path_follows_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("XLING_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "xling" / "translations.sqlite"
    monkeypatch.setenv("XLING_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_path() == tmp_path / "mine" / "translations.sqlite"


def test_hit_and_miss(store):
    assert store.get_many("m@1", OPTS, ["a", "b"]) == {}
    store.put_many("m@1", OPTS, [("a", "A")])
    assert store.get_many("m@1", OPTS, ["b", "a", "a"]) == {1: "A", 2: "A"}


def test_model_revision_and_options_change_the_key(store):
    store.put_many("m@1", OPTS, [("a", "A")])
    assert store.get_many("m@2", OPTS, ["a"]) == {}
    assert store.get_many("other@1", OPTS, ["a"]) == {}
    for change in ({"beam": 1}, {"compute_type": "float32"}, {"max_new_tokens": 64}, {"tgt": "fr"}):
        assert store.get_many("m@1", {**OPTS, **change}, ["a"]) == {}, change
    # Key order of the options dict does not matter.
    assert store.get_many("m@1", dict(reversed(list(OPTS.items()))), ["a"]) == {0: "A"}
    assert options_key({"a": 1, "b": 2}) == options_key({"b": 2, "a": 1})


def test_rows_hold_hashes_not_source_text(store):
    store.put_many("m@1", OPTS, [("geheimer Satz", "secret sentence")])
    rows = store._conn.execute("SELECT source, target FROM translations").fetchall()
    assert rows == [(source_hash("geheimer Satz"), "secret sentence")]


def test_rerun_translates_nothing_twice(store):
    texts = ["eins", "zwei", "eins", "drei"]
    backend = CountingBackend()
    first = translate_with_cache(store, "m@1", OPTS, texts, backend)
    assert first == ["EINS", "ZWEI", "EINS", "DREI"]
    assert sorted(backend.seen) == ["drei", "eins", "zwei"]  # the repeated sentence went to the model once
    second = translate_with_cache(store, "m@1", OPTS, texts + ["vier"], backend)
    assert second == first + ["VIER"]
    assert backend.seen[3:] == ["vier"] and backend.calls == 2
    translate_with_cache(store, "m@1", OPTS, texts, backend)
    assert backend.calls == 2  # everything was cached: the backend was not called at all


def test_no_cache_still_deduplicates():
    backend = CountingBackend()
    assert translate_with_cache(None, "m@1", OPTS, ["x", "x"], backend) == ["X", "X"]
    assert backend.seen == ["x"]


def _writer(path: str, worker: int, n: int) -> None:
    """Write n entries one transaction at a time, as a long translation run does."""
    with TranslationCache(path) as c:
        for i in range(n):
            c.put_many("m@1", OPTS, [(f"w{worker}-{i}", f"t{worker}-{i}")])
            c.get_many("m@1", OPTS, [f"w{1 - worker}-{i}"])


def test_two_processes_write_at_once(tmp_path):
    path = tmp_path / "shared.sqlite"
    TranslationCache(path).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), w, 150)) for w in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    with TranslationCache(path) as c:
        assert c.stats()["entries"] == 300
        got = c.get_many("m@1", OPTS, [f"w{w}-{i}" for w in (0, 1) for i in range(150)])
        assert len(got) == 300 and got[0] == "t0-0" and got[299] == "t1-149"
        assert c._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_corrupted_database_is_moved_aside_with_a_warning(tmp_path, caplog):
    path = tmp_path / "t.sqlite"
    path.write_bytes(b"this is not an SQLite database, just junk " * 200)
    with caplog.at_level(logging.WARNING, logger="translate.cache"):
        with TranslationCache(path) as c:
            assert c.get_many("m@1", OPTS, ["a"]) == {}
            c.put_many("m@1", OPTS, [("a", "A")])
            assert c.get_many("m@1", OPTS, ["a"]) == {0: "A"}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "corrupted" in warnings[0] and "\n" not in warnings[0]
    aside = list(tmp_path.glob("t.sqlite.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")


def test_damaged_pages_are_detected(tmp_path, caplog):
    path = tmp_path / "t.sqlite"
    with TranslationCache(path) as c:
        c.put_many("m@1", OPTS, [(f"s{i}", "x" * 200) for i in range(300)])
        c._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 2: page * 2 + 512] = b"\xff" * 512  # scribble over a B-tree page, keep the header valid
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="translate.cache"):
        with TranslationCache(path) as c:
            assert c.stats()["entries"] == 0
    assert any("corrupted" in r.getMessage() for r in caplog.records)


def test_clear(store):
    store.put_many("m@1", OPTS, [("a", "A"), ("b", "B")])
    store.put_many("n@1", OPTS, [("a", "A")])
    assert store.clear("n@1") == 1
    assert store.stats()["models"] == {"m@1": 2}
    assert store.clear() == 2
    assert store.stats()["entries"] == 0


def test_cli_stats_and_clear(tmp_path, monkeypatch):
    from xling.cli import main

    monkeypatch.setenv("XLING_CACHE_DIR", str(tmp_path))
    with TranslationCache() as c:
        c.put_many("Helsinki-NLP--opus-mt-de-en@abc", OPTS, [("a", "A"), ("b", "B")])
        c.put_many("facebook--nllb@def", OPTS, [("a", "A")])
    runner = CliRunner()
    res = runner.invoke(main, ["cache", "stats"])
    assert res.exit_code == 0, res.output
    assert "entries: 3" in res.output and "Helsinki-NLP--opus-mt-de-en@abc" in res.output
    assert str(tmp_path / "translations.sqlite") in res.output
    res = runner.invoke(main, ["cache", "stats", "--json"])
    figures = json.loads(res.output)
    assert figures["models"] == {"Helsinki-NLP--opus-mt-de-en@abc": 2, "facebook--nllb@def": 1}
    assert figures["bytes"] > 0
    res = runner.invoke(main, ["cache", "clear", "--model", "facebook--nllb@def"])
    assert res.exit_code == 0 and "deleted 1 cached entry" in res.output
    res = runner.invoke(main, ["cache", "clear"])
    assert res.exit_code == 0 and "deleted 2 cached entries" in res.output
    with TranslationCache() as c:
        assert c.stats()["entries"] == 0


def test_unopenable_cache_is_a_one_line_error(tmp_path, monkeypatch):
    from xling.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XLING_CACHE_DIR", str(blocker / "sub"))  # a folder inside a file cannot exist
    res = CliRunner().invoke(main, ["cache", "stats"])
    assert res.exit_code == 1
    assert "Error: Cannot create the xling cache folder" in res.output
    assert "Traceback" not in res.output



def test_rerun_of_a_translator_calls_the_model_for_nothing(tiny_marian_dir, tmp_path):
    import warnings

    from translate.translator import RandomModelWarning, Translator

    sentences = ["Der Minister reiste nach Peking.", "Xi traf Díaz-Canel.", "Der Minister reiste nach Peking."]
    calls: list[list[str]] = []

    def run(beam: int) -> list[str]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RandomModelWarning)
            with TranslationCache(tmp_path / "t.sqlite") as store:  # a fresh process would open it like this
                tr = Translator("de", "en", model=str(tiny_marian_dir), backend="hf", beam=beam, cache=store)
                inner = tr.backend.translate_batch
                tr.backend.translate_batch = lambda texts, **kw: calls.append(list(texts)) or inner(texts, **kw)
                return tr.translate(sentences)

    first = run(beam=1)
    assert sorted(t for batch in calls for t in batch) == sorted(set(sentences))
    calls.clear()
    assert run(beam=1) == first and calls == []  # the re-run was served entirely from the cache
    run(beam=2)  # another decoding option is another key
    assert sorted(t for batch in calls for t in batch) == sorted(set(sentences))
