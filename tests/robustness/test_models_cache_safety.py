"""Models and caches that change, break or are shared: no stale translation, no false blame, no useless setting.

Covers issue 13's families "a model updated in place keeps its fingerprint", "three Translators loaded in three
threads fail", "-m naming a file", "a cache file with a foreign schema" and "--threads 10000", and the one lookup of
cache folders (issue 14).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import warnings
from pathlib import Path

import pytest

from robust_helpers import SEED_DE, assert_clean_error, assert_ok, run_cli
from test_threads import clean_env  # noqa: F401 - the thread variables and torch's pool restored after a test
from translate import fingerprint
from translate.errors import InputError, XlingError
from translate.models import resolve_model

SENTENCES = ["Der Minister reiste nach Peking.", "Xi traf Díaz-Canel in Havanna."]


@pytest.fixture
def model(tmp_path: Path, isolated: Path, tiny_marian_dir: Path) -> Path:
    """A private copy of the tiny random Marian model that a test may change in place."""
    path = tmp_path / "model"
    shutil.copytree(tiny_marian_dir, path)
    return path


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files read for hashing, in order; a fresh process memo, and every file old enough to be trusted."""
    seen: list[str] = []
    real = fingerprint._hash_file
    monkeypatch.setattr(fingerprint, "_hash_file", lambda path: seen.append(Path(path).name) or real(path))
    monkeypatch.setattr(fingerprint, "_seen", {})
    # The copies were made a moment ago; a real model is older than the window in which a digest is not trusted.
    monkeypatch.setattr(fingerprint, "RACY_WINDOW_NS", 0)
    return seen


def _rewrite_in_place(path: Path, offset: int, keep_mtime: bool = True) -> None:
    """Change bytes of a file in place (same size, same inode), then set its old atime and mtime back."""
    before = path.stat()
    with open(path, "r+b") as fh:
        fh.seek(offset)
        old = fh.read(16)
        fh.seek(offset)
        fh.write(bytes(b ^ 0xFF for b in old))
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_ino) == (before.st_size, before.st_ino)
    assert not keep_mtime or after.st_mtime_ns == before.st_mtime_ns


def _weights_offset(path: Path) -> int:
    """An offset inside the tensor data of a safetensors file (past its header)."""
    with open(path, "rb") as fh:
        header = int.from_bytes(fh.read(8), "little")
    return 8 + header + 64


# --- the model fingerprint: cache key and conversion key -----------------------------------------------------------


def test_unchanged_model_keeps_its_key_and_is_hashed_once(model, hashes, isolated):
    first = resolve_model(str(model))
    assert sorted(hashes) == sorted(p.name for p in fingerprint.output_files(model))
    assert "model.safetensors" in hashes and "generation_config.json" in hashes and "source.spm" in hashes
    hashes.clear()
    assert resolve_model(str(model)).version == first.version
    assert hashes == []  # remembered in this process
    fingerprint._seen.clear()  # as a new process would start
    assert resolve_model(str(model)).version == first.version
    assert hashes == [], "the memo file did not spare re-hashing"
    assert (isolated / "xling-cache" / fingerprint.MEMO_FILE).is_file()


@pytest.mark.parametrize("change", [
    "weights-rewritten-same-size-mtime-restored",
    "weights-copied-over",
    "weights-replaced-by-rename",
    "tokenizer-swapped",
    "vocab-edited",
    "generation-config-changed",
    "special-tokens-map-added",
])
def test_any_file_that_changes_the_output_changes_the_key(model, hashes, change, tmp_path):
    before = resolve_model(str(model)).version
    weights = model / "model.safetensors"
    if change == "weights-rewritten-same-size-mtime-restored":
        # Only ctime tells: a write always moves it, and no call sets it back.
        _rewrite_in_place(weights, _weights_offset(weights))
    elif change == "weights-copied-over":
        new = tmp_path / "new.safetensors"
        shutil.copyfile(weights, new)
        _rewrite_in_place(new, _weights_offset(new))
        shutil.copy2(new, weights)  # as `cp -p`: same inode, same size, the new file's mtime
    elif change == "weights-replaced-by-rename":
        new = model / "incoming.part"
        shutil.copyfile(weights, new)
        _rewrite_in_place(new, _weights_offset(new))
        os.replace(new, weights)
    elif change == "tokenizer-swapped":
        from translate.fixtures import _train_spm

        lines = SEED_DE.read_text(encoding="utf-8").splitlines()
        (model / "source.spm").write_bytes(_train_spm(lines, 300, "bpe"))  # another valid tokenizer
    elif change == "vocab-edited":
        vocab = json.loads((model / "vocab.json").read_text(encoding="utf-8"))
        first, second = list(vocab)[5:7]
        vocab[first], vocab[second] = vocab[second], vocab[first]
        (model / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    elif change == "generation-config-changed":
        config = json.loads((model / "generation_config.json").read_text(encoding="utf-8"))
        config["num_beams"] = 7
        (model / "generation_config.json").write_text(json.dumps(config), encoding="utf-8")
    else:
        (model / "special_tokens_map.json").write_text('{"unk_token": "<unk>"}', encoding="utf-8")
    hashes.clear()
    after = resolve_model(str(model))
    assert after.version != before and after.revision == after.version
    assert len(hashes) <= 2, "unchanged files were hashed again"


def test_files_that_never_reach_a_translation_do_not_change_the_key(model, hashes):
    before = resolve_model(str(model)).version
    (model / "README.md").write_text("# a model card\n", encoding="utf-8")
    (model / "tf_model.h5").write_bytes(b"\0" * 1024)
    (model / ".gitattributes").write_text("*.bin filter=lfs\n", encoding="utf-8")
    assert resolve_model(str(model)).version == before


def test_a_file_changed_just_before_hashing_is_hashed_again(model, hashes, monkeypatch):
    # Within the file system's timestamp tick a second write can leave size, mtime and ctime all unchanged; a
    # digest taken that soon after a change is therefore not trusted on the next call.
    monkeypatch.setattr(fingerprint, "RACY_WINDOW_NS", 3600 * 10**9)
    resolve_model(str(model))
    hashes.clear()
    resolve_model(str(model))
    assert "model.safetensors" in hashes


@pytest.mark.parametrize("memo", ["folder-is-a-file", "memo-is-garbage", "memo-is-a-folder"])
def test_an_unusable_memo_costs_rehashing_not_the_run(model, hashes, isolated, monkeypatch, memo):
    cache_dir = isolated / "xling-cache"
    if memo == "folder-is-a-file":
        isolated.joinpath("blocker").write_text("x")
        monkeypatch.setenv("XLING_CACHE_DIR", str(isolated / "blocker" / "sub"))
    elif memo == "memo-is-garbage":
        cache_dir.mkdir()
        (cache_dir / fingerprint.MEMO_FILE).write_text('{"version": 1, "files": {"x": [1, "a"]}} trailing')
    else:
        (cache_dir / fingerprint.MEMO_FILE).mkdir(parents=True)
    first = resolve_model(str(model)).version
    fingerprint._seen.clear()
    hashes.clear()
    assert resolve_model(str(model)).version == first
    if memo == "memo-is-garbage":
        assert hashes == []  # the garbage was replaced by a good memo
    else:
        assert "model.safetensors" in hashes  # nothing could be remembered between processes: hashed again


def test_translation_cache_serves_nothing_stale_after_an_update(model, hashes, tmp_path):
    from translate.cache import TranslationCache
    from translate.translator import RandomModelWarning, Translator

    calls: list[str] = []

    def run() -> tuple[str, list[str]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RandomModelWarning)
            with TranslationCache(tmp_path / "t.sqlite") as store:
                tr = Translator("de", "en", model=str(model), backend="hf", beam=1, max_length=32, cache=store)
                inner = tr.backend.translate_batch
                tr.backend.translate_batch = lambda texts, **kw: calls.extend(texts) or inner(texts, **kw)
                return tr.cache_model, tr.translate(SENTENCES)

    key, first = run()
    calls.clear()
    assert run() == (key, first) and calls == []  # unchanged: served from the cache
    _rewrite_in_place(model / "model.safetensors", _weights_offset(model / "model.safetensors"))
    new_key, _ = run()
    assert new_key != key and sorted(calls) == sorted(SENTENCES)  # updated: translated again, not served stale


def test_ct2_converts_again_after_an_update_and_not_before(model, hashes, tmp_path, monkeypatch):
    pytest.importorskip("ctranslate2")
    import ctranslate2.converters

    from translate.ct2_backend import converted_model, model_identity

    root = tmp_path / "ct2"
    first = converted_model(model, "float32", root)
    real = ctranslate2.converters.TransformersConverter
    conversions: list[str] = []

    class Counting(real):
        def convert(self, output_dir, **kwargs):
            conversions.append(output_dir)
            return super().convert(output_dir, **kwargs)

    monkeypatch.setattr("ctranslate2.converters.TransformersConverter", Counting)
    assert converted_model(model, "float32", root) == first and conversions == []
    # The conversion key is the translation cache's key: one fingerprint for both.
    assert model_identity(model)[1] == resolve_model(str(model)).version
    config = json.loads((model / "generation_config.json").read_text(encoding="utf-8"))
    config["max_length"] = 17
    (model / "generation_config.json").write_text(json.dumps(config), encoding="utf-8")
    second = converted_model(model, "float32", root)
    assert second != first and len(conversions) == 1 and (second / "model.bin").is_file()


# --- loading from threads ----------------------------------------------------------------------------------------


def test_three_translators_loaded_in_three_threads_at_once(tiny_marian_dir, isolated, monkeypatch):
    from transformers import MarianMTModel

    from translate.translator import RandomModelWarning, Translator

    warnings.simplefilter("ignore", RandomModelWarning)
    serial = Translator("de", "en", model=str(tiny_marian_dir), backend="hf", beam=1, max_length=32)
    expected = serial.translate(SENTENCES)

    # Make the three loads meet inside from_pretrained, where transformers swaps process-wide state: without a
    # lock they overlap there every time; with one the first waits out the timeout alone and the rest pass.
    meet = threading.Barrier(3)
    real = MarianMTModel.from_pretrained.__func__

    def meeting(cls, *args, **kwargs):
        try:
            meet.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(MarianMTModel, "from_pretrained", classmethod(meeting))
    results: dict[int, object] = {}

    def load(i: int) -> None:
        try:
            tr = Translator("de", "en", model=str(tiny_marian_dir), backend="hf", beam=1, max_length=32)
            results[i] = tr.translate(SENTENCES)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=load, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {0: expected, 1: expected, 2: expected}
    # And the process is left sound: a later load works too.
    monkeypatch.undo()
    assert Translator("de", "en", model=str(tiny_marian_dir), backend="hf", beam=1,
                      max_length=32).translate(SENTENCES) == expected


def test_a_load_failure_with_intact_files_does_not_blame_them(tiny_marian_dir, isolated, monkeypatch):
    from transformers import MarianMTModel

    from translate.translator import RandomModelWarning, Translator

    warnings.simplefilter("ignore", RandomModelWarning)

    def broken(*args, **kwargs):
        raise NotImplementedError("Cannot copy out of meta tensor; no data! Please use torch.nn.Module.to_empty()")

    monkeypatch.setattr(MarianMTModel, "from_pretrained", broken)
    with pytest.raises(XlingError) as info:
        Translator("de", "en", model=str(tiny_marian_dir), backend="hf")
    message = str(info.value)
    assert "look intact" in message and "meta" in message
    assert "damaged" not in message and "download it again" not in message


@pytest.mark.parametrize("damage", ["truncated", "tail-appended"])
def test_a_load_failure_with_damaged_files_names_the_file(model, damage):
    from translate.translator import Translator

    weights = model / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) - 100] if damage == "truncated" else data + b"\0" * 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            Translator("de", "en", model=str(model), backend="hf").translate(SENTENCES)
        except XlingError as exc:
            assert "model.safetensors" in str(exc) and "damaged" in str(exc)
        else:  # safetensors may load a file with bytes appended; then nothing was blamed either
            assert damage == "tail-appended"


# --- -m naming a file ----------------------------------------------------------------------------------------------


def test_model_option_naming_a_file_inside_a_model_folder(model, tmp_path):
    out = tmp_path / "o.txt"
    line = assert_clean_error(run_cli("translate", SEED_DE, "-m", model / "model.safetensors", "-q", "-o", out), 2,
                              "is a file, not a model folder", "config.json")
    assert f"its folder {model}" in line and "does not exist" not in line
    assert not out.exists()


def test_model_option_naming_a_stray_file(tmp_path, isolated):
    stray = tmp_path / "opus-mt-de-en.tar"
    stray.write_bytes(b"\0" * 10)
    line = assert_clean_error(run_cli("translate", SEED_DE, "-m", stray, "-q"), 2, "is a file, not a model folder")
    assert "its folder" not in line and "tokenizer" in line
    # A path that does not exist at all is still said to be missing.
    assert_clean_error(run_cli("translate", SEED_DE, "-m", tmp_path / "nothing", "-q"), 1, "does not exist")


def test_ct2_backend_given_a_file(model):
    pytest.importorskip("ctranslate2")
    from translate.ct2_backend import CT2Backend

    with pytest.raises(InputError, match="is a file, not a model folder"):
        CT2Backend(model / "config.json", "marian", device="cpu")


# --- a cache file with a foreign schema ----------------------------------------------------------------------------


def _foreign(path: Path, kind: str) -> bytes:
    """An SQLite file xling did not make at `path`; returns its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    if kind == "other-tables":
        conn.execute("CREATE TABLE notes (id INTEGER, body TEXT)")
        conn.execute("INSERT INTO notes VALUES (1, 'keep me')")
    else:
        conn.execute("CREATE TABLE translations (id INTEGER, text TEXT)")
        conn.execute("INSERT INTO translations VALUES (1, 'keep me')")
    conn.commit()
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["other-tables", "other-columns"])
def test_foreign_cache_file_is_named_left_alone_and_fixed_by_clear(tmp_path, isolated, tiny_marian_dir, caplog,
                                                                   kind):
    cache_file = isolated / "xling-cache" / "translations.sqlite"
    original = _foreign(cache_file, kind)
    src = tmp_path / "de.txt"
    src.write_text("Der Minister reiste nach Peking. Xi traf Díaz-Canel.\n", encoding="utf-8")
    out = tmp_path / "de.en.txt"
    translate = ("translate", src, "-m", tiny_marian_dir, "--beam", "1", "--max-length", "32", "-q", "-o", out)

    # A run goes on without the cache, says once why and what fixes it, and leaves the file as it was.
    assert_ok(run_cli(*translate))
    assert out.read_text(encoding="utf-8").strip()
    said = [r.getMessage() for r in caplog.records if "not an xling cache" in r.getMessage()]
    assert len(said) == 1 and "xling cache clear" in said[0] and "\n" not in said[0]
    assert cache_file.read_bytes() == original
    assert not Path(f"{cache_file}-wal").exists()

    # stats reports it (no crash, no traceback), in text and in JSON.
    res = run_cli("cache", "stats")
    assert_ok(res)
    assert "problem:" in res.stdout and "not an xling cache" in res.stdout and "xling cache clear" in res.stdout
    figures = json.loads(run_cli("cache", "stats", "--json").stdout)
    assert figures["entries"] == 0 and "not an xling cache" in figures["problem"]
    assert cache_file.read_bytes() == original

    # clear moves it aside, keeping it whole, and leaves a working cache.
    res = run_cli("cache", "clear")
    assert_ok(res)
    aside = [p for p in cache_file.parent.iterdir() if ".foreign-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == original
    assert str(aside[0]) in res.stderr and "not an xling cache" in res.stderr
    caplog.clear()
    assert_ok(run_cli(*translate))
    assert not [r for r in caplog.records if "not an xling cache" in r.getMessage()]
    figures = json.loads(run_cli("cache", "stats", "--json").stdout)
    assert figures["entries"] > 0 and "problem" not in figures


def test_library_clear_of_a_foreign_cache_says_how(tmp_path):
    from translate.cache import ForeignCacheError, TranslationCache

    path = tmp_path / "mine.sqlite"
    original = _foreign(path, "other-columns")
    with TranslationCache(path, warn_foreign=False) as store:
        assert store.get_many("m", {}, ["a"]) == {} and store.put_many("m", {}, [("a", "A")]) == 0
        with pytest.raises(ForeignCacheError, match=rf"Nothing was cleared.*xling cache clear --path {path}"):
            store.clear()
    assert path.read_bytes() == original  # the rows of somebody else's table are not deleted


# --- --threads beyond the cores --------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["option", "environment"])
def test_thread_count_above_the_cores_is_lowered_with_a_warning(clean_env, caplog, given):
    import torch

    from translate import threads

    cores = threads.available_cores()
    threads._warned.clear()
    if given == "option":
        res = run_cli("--threads", "10000", "cache", "stats", "--help")
    else:
        clean_env.setenv("XLING_THREADS", "10000")
        res = run_cli("cache", "stats", "--help")
    assert_ok(res)
    assert os.environ["XLING_THREADS"] == os.environ["OMP_NUM_THREADS"] == str(cores)
    assert torch.get_num_threads() == cores
    said = [r.getMessage() for r in caplog.records if "10000" in r.getMessage()]
    name = "--threads" if given == "option" else "XLING_THREADS"
    assert len(said) == 1 and name in said[0] and f"using {cores}" in said[0]


def test_thread_variable_read_by_the_engines_is_clamped_too(clean_env, caplog):
    from translate import threads

    threads._warned.clear()
    clean_env.setenv("XLING_THREADS", "512")
    assert threads.thread_count() == threads.available_cores()
    assert threads.thread_count() == threads.available_cores()
    assert len([r for r in caplog.records if "512" in r.getMessage()]) == 1  # said once, not per engine
    caplog.clear()
    clean_env.setenv("XLING_THREADS", "1")
    assert threads.thread_count() == 1 and not caplog.records


# --- one lookup per cache folder -----------------------------------------------------------------------------------


def test_every_cache_folder_has_one_lookup(monkeypatch, tmp_path):
    from translate import cache, ct2_backend, models, paths

    assert cache.default_cache_dir is paths.default_cache_dir
    assert models.hub_cache_dir is paths.hub_cache_dir
    assert ct2_backend.ct2_cache_root is paths.ct2_cache_root
    for name in ("XLING_CACHE_DIR", "HF_HOME", "HF_HUB_CACHE", "XLING_CT2_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.default_cache_dir() == tmp_path / "xdg" / "xling"
    assert paths.hub_cache_dir() == tmp_path / "xdg" / "huggingface" / "hub"
    assert paths.ct2_cache_root() == tmp_path / "xdg" / "huggingface" / "xling-ct2"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert paths.hub_cache_dir() == tmp_path / "hf" / "hub" and paths.ct2_cache_root() == tmp_path / "hf" / "xling-ct2"
    assert fingerprint._memo_path() == tmp_path / "xdg" / "xling" / fingerprint.MEMO_FILE
