"""Bad and unusual input through the CLI and the library: a clear one-line error (exit 2 input, 1 runtime) or the
right result, never a traceback."""

from __future__ import annotations

import codecs
import os
import json
import shutil
import sqlite3
import struct
import zlib
from pathlib import Path

import pytest
from robust_helpers import SEED_DE, SEED_EN, SEED_FA, assert_clean_error, assert_ok, run_cli

from translate.errors import InputError
from translate.prepare import load_document

GERMAN = ("Am Freitag trafen sich die Innenminister Kubas und Chinas in Havanna. "
          "Sie vereinbarten eine engere Zusammenarbeit bei der Strafverfolgung.\n")
MIXED = ("Der Präsident sagte, dass the relationship between both countries is excellent, und جمهوری اسلامی ایران "
         "hat zugestimmt. Am 25. November 2022 trafen sich die Minister in Havanna zu Gesprächen.\n")
RTL = ("شی جین پینگ، رئیس جمهور چین، روز جمعه ۲۵ نوامبر 2022 با Miguel Díaz-Canel در پکن دیدار کرد. "
       "او گفت که روابط China و Cuba در ۶۰ سال گذشته قوی بوده است.\n")


def png_bytes() -> bytes:
    """A real 1x1 PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def write(folder: Path, name: str, data: str | bytes) -> Path:
    """Write `data` (text as UTF-8) to folder/name and return the path."""
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def jsonl(text: str) -> list[dict]:
    """Parse JSON Lines output."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def assert_covers(text: str, rows: list[dict]) -> None:
    """Sentences and dropped spans do not overlap and leave out only whitespace (nothing is lost)."""
    spans = sorted((r["start"], r["end"]) for r in rows)
    pos = 0
    for start, end in spans:
        assert start >= pos, f"overlapping spans at {start}"
        assert not text[pos:start].strip(), f"text lost at {pos}:{start}: {text[pos:start][:80]!r}"
        pos = end
    assert not text[pos:].strip(), "text lost at the end"


# --- empty and blank files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "  \n\t\r\n\u3000\u00a0 \n\n"], ids=["empty", "whitespace"])
def test_empty_and_blank_files_are_documents_without_sentences(tmp_path, isolated, content):
    path = write(tmp_path, "blank.txt", content)
    doc = load_document(path)
    assert doc.sentences == [] and doc.text == content
    # Nothing to show or translate: a clear error naming the file and why (test_empty_sources.py has the rest).
    assert_clean_error(run_cli("prepare", path, "--format", "jsonl"), 2, "blank.txt", "no sentences")
    out = tmp_path / "out" / "blank.txt"
    assert_clean_error(run_cli("translate", path, "-o", out, "-q"), 2, "blank.txt", "no sentences")
    assert not out.exists()


def test_blank_reference_is_an_input_error(tmp_path, isolated):
    ref = write(tmp_path, "ref.txt", "\n \n")
    assert_clean_error(run_cli("compare", SEED_DE, "-r", ref, "--no-mt", "--quiet"), 2, "ref.txt")


# --- not text ---------------------------------------------------------------------------------------------------


def test_png_is_refused_everywhere(tmp_path, isolated):
    png = write(tmp_path, "photo.txt", png_bytes())  # a misleading extension: the bytes decide
    assert_clean_error(run_cli("prepare", png), 2, "photo.txt", "PNG")
    assert_clean_error(run_cli("translate", png, "-o", tmp_path / "o.txt"), 2, "PNG")
    assert not (tmp_path / "o.txt").exists()
    assert_clean_error(run_cli("compare", png, "-r", SEED_EN, "--no-mt", "--quiet"), 2, "PNG")
    assert_clean_error(run_cli("compare", SEED_DE, "-r", png, "--no-mt", "--quiet"), 2, "PNG")
    with pytest.raises(InputError, match="PNG"):
        load_document(png)


def test_binary_on_stdin_is_refused(isolated):
    res = run_cli("prepare", "-", stdin=png_bytes())
    assert_clean_error(res, 2, "standard input", "PNG")


def test_latin1_file_is_refused_with_a_conversion_hint(tmp_path, isolated):
    path = write(tmp_path, "latin1.txt", GERMAN.replace("Innenminister", "Innenminister größerer").encode("latin-1"))
    line = assert_clean_error(run_cli("prepare", path), 2, "latin1.txt", "UTF-8")
    assert "iconv" in line


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
                         ids=["utf16le", "utf16be"])
def test_utf16_with_bom_reads_like_utf8(tmp_path, isolated, bom, codec):
    utf8 = write(tmp_path, "a.txt", MIXED + "\n" + GERMAN)
    utf16 = write(tmp_path, "b.txt", bom + (MIXED + "\n" + GERMAN).encode(codec))
    a, b = run_cli("prepare", utf8, "--format", "jsonl"), run_cli("prepare", utf16, "--format", "jsonl")
    assert_ok(a)
    assert_ok(b)
    assert [r["text"] for r in jsonl(a.stdout)] == [r["text"] for r in jsonl(b.stdout)]
    assert len(jsonl(b.stdout)) == 4


def test_utf16_without_bom_is_refused(tmp_path, isolated):
    path = write(tmp_path, "nobom.txt", GERMAN.encode("utf-16-le"))
    assert_clean_error(run_cli("prepare", path), 2, "nobom.txt", "UTF-16")


# --- size and shape ---------------------------------------------------------------------------------------------


def test_large_article_is_prepared_without_loss(tmp_path, isolated, seeds_dir):
    import random

    sentences = [s.text for name in ("000_2c29ad0641dc83f6.txt", "001_2959add6671d93e8.txt")
                 for s in load_document(seeds_dir / name).sentences]
    rng = random.Random(5)
    paragraphs, size, n = [], 0, 0
    # 256 KiB: four times the head that read_text scans for NUL bytes, several hundred paragraphs and over a thousand
    # sentences. No code path depends on size beyond that and preparation time grows linearly with it, so a larger
    # file would test only the clock.
    while size < 256 * 1024:
        # Numbered so that no paragraph repeats: every one has to be segmented, none is dropped as a duplicate.
        para = " ".join(rng.sample(sentences, 4)) + f" Das ist Absatz {n}."
        paragraphs.append(para)
        size += len(para.encode("utf-8")) + 2
        n += 1
    text = "\n\n".join(paragraphs)
    path = write(tmp_path, "big.txt", text)
    out = tmp_path / "big.jsonl"
    res = run_cli("prepare", path, "-s", "de", "--format", "jsonl", "--show-dropped", "-o", out)
    assert_ok(res)
    rows = jsonl(out.read_text(encoding="utf-8"))
    kept = [r for r in rows if r["type"] == "sentence"]
    assert len(kept) > 4 * n and f"{len(kept)} sentences" in res.stderr
    assert [r["index"] for r in kept] == list(range(len(kept)))
    assert_covers(text, rows)


def test_3000_character_sentence_without_punctuation(tmp_path, isolated, tiny_marian_dir):
    words = "die regierung und der minister haben heute in havanna über eine zusammenarbeit gesprochen".split()
    text = " ".join(words[i % len(words)] for i in range(600))[:3000].rsplit(" ", 1)[0]
    assert len(text) > 2900
    path = write(tmp_path, "long.txt", text + "\n")
    res = run_cli("prepare", path, "-s", "de", "--format", "jsonl")
    assert_ok(res)
    rows = jsonl(res.stdout)
    assert_covers(text, rows)
    assert " ".join(r["text"] for r in rows) == text
    # Translation splits the over-long input to fit the model and joins the pieces: still one line.
    out = tmp_path / "long.en.txt"
    res = run_cli("translate", path, "-s", "de", "-m", tiny_marian_dir, "--beam", "1", "--max-length", "48",
                  "--no-cache", "-q", "-o", out)
    assert_ok(res)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(rows) and all(line.strip() for line in lines)


def test_paragraph_mixing_languages_is_one_document(tmp_path, isolated, tiny_marian_dir):
    path = write(tmp_path, "mixed.txt", MIXED)
    res = run_cli("prepare", path, "--format", "jsonl")
    assert_ok(res)
    rows = jsonl(res.stdout)
    assert {r["lang"] for r in rows} == {"de"}
    assert_covers(MIXED, rows)
    assert any("جمهوری اسلامی ایران" in r["text"] and "the relationship" in r["text"] for r in rows)
    out = tmp_path / "mixed.en.txt"
    res = run_cli("translate", path, "-m", tiny_marian_dir, "--beam", "1", "--max-length", "32", "--no-cache",
                  "-q", "-o", out)
    assert_ok(res)
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(rows)


def test_right_to_left_text_with_latin_words_and_digits(tmp_path, isolated):
    path = write(tmp_path, "rtl.txt", RTL)
    res = run_cli("prepare", path, "--format", "jsonl")
    assert_ok(res)
    rows = jsonl(res.stdout)
    assert len(rows) == 2 and {r["lang"] for r in rows} == {"fa"}
    assert_covers(RTL, rows)
    first = rows[0]["text"]
    assert "Miguel Díaz-Canel" in first and "2022" in first and "شی جین پینگ" in first
    # Persian digits are read as numbers (normalised to ASCII), and the span still points at the original.
    assert "25" in first and "۲۵" in RTL[rows[0]["start"]:rows[0]["end"]]


# --- paths ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["prepare", "{missing}"],
    ["translate", "{missing}"],
    ["translate", "{missing}", "-o", "{tmp}/out"],
    ["compare", "{missing}", "-r", str(SEED_EN), "--no-mt"],
    ["compare", str(SEED_DE), "-r", "{missing}", "--no-mt"],
], ids=["prepare", "translate", "translate-o", "compare-source", "compare-reference"])
def test_missing_path_is_an_input_error(tmp_path, isolated, command):
    missing = tmp_path / "no-such-article.txt"
    args = [a.format(missing=missing, tmp=tmp_path) for a in command]
    assert_clean_error(run_cli(*args), 2, "no-such-article.txt")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [
    ["prepare", "{dir}"],
    ["translate", "{dir}", "-o", "{tmp}/out"],
    ["compare", "{dir}", "-r", str(SEED_EN), "--no-mt"],
], ids=["prepare", "translate", "compare"])
def test_folder_without_text_files_is_an_input_error(tmp_path, isolated, command):
    folder = tmp_path / "articles"
    folder.mkdir()
    write(folder, "photo.png", png_bytes())
    (folder / "notes.md").write_text("# not an article\n")
    args = [a.format(dir=folder, tmp=tmp_path) for a in command]
    assert_clean_error(run_cli(*args), 2, "articles")


# --- languages --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["prepare", str(SEED_DE), "-s", "xx"],
    ["prepare", str(SEED_DE), "-s", "Klingon"],
    ["translate", str(SEED_DE), "-s", "xx"],
    ["translate", str(SEED_DE), "-t", "qq"],
], ids=["prepare-xx", "prepare-name", "translate-source", "translate-target"])
def test_unknown_language_code_is_an_input_error(isolated, command):
    bad = command[-1]
    assert_clean_error(run_cli(*command), 2, bad)


@pytest.mark.parametrize("command,needle", [
    (["translate", str(SEED_DE), "-s", "de", "-t", "kl"], "kl"),  # a real ISO code that no model covers
    (["translate", str(SEED_DE), "-s", "tlh", "-t", "en"], "tlh"),
    (["models", "path", "de-de"], "de-de"),
    (["models", "pull", "fa-fa"], "fa-fa"),
    (["translate", str(SEED_FA), "-m", "Helsinki-NLP/opus-mt-de-en"], "translates de-en, not fa-en"),
    (["translate", str(SEED_DE), "-t", "fr", "-m", "Helsinki-NLP/opus-mt-de-en"], "not de-fr"),
], ids=["no-model-for-target", "no-such-source", "same-language-path", "same-language-pull", "model-for-another-source",
        "model-for-another-target"])
def test_unsupported_language_pair_is_an_input_error(isolated, command, needle):
    assert_clean_error(run_cli(*command), 2, needle)


def test_supported_pair_without_weights_says_how_to_get_them(tmp_path, isolated):
    out = tmp_path / "o.txt"
    line = assert_clean_error(run_cli("translate", SEED_DE, "-s", "de", "-t", "eo", "-q", "-o", out), 1,
                              "not available")
    assert "xling models pull" in line
    assert not out.exists()


# --- models -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("remove", ["model.safetensors", "source.spm", "vocab.json", "config.json"])
def test_model_folder_with_a_missing_file(tmp_path, isolated, tiny_marian_dir, remove):
    model = tmp_path / "model"
    shutil.copytree(tiny_marian_dir, model)
    (model / remove).unlink()
    out = tmp_path / "o.txt"
    assert_clean_error(run_cli("translate", SEED_DE, "-m", model, "-q", "-o", out), 1, remove.split(".")[0])
    assert not out.exists()


@pytest.mark.parametrize("backend", ["auto", "ct2"])
@pytest.mark.parametrize("damage", ["truncated-weights", "garbage-weights", "bad-config", "bad-tokenizer"])
def test_model_folder_with_damaged_files(tmp_path, isolated, tiny_marian_dir, damage, backend):
    model = tmp_path / "model"
    shutil.copytree(tiny_marian_dir, model)
    if damage == "truncated-weights":
        data = (model / "model.safetensors").read_bytes()
        (model / "model.safetensors").write_bytes(data[: len(data) // 2])
    elif damage == "garbage-weights":
        (model / "model.safetensors").write_bytes(b"\x00" * 4096)
    elif damage == "bad-config":
        (model / "config.json").write_text("{not json")
    else:
        (model / "source.spm").write_bytes(b"not a sentencepiece model")
    out = tmp_path / "o.txt"
    res = run_cli("translate", SEED_DE, "-m", model, "-q", "--backend", backend, "-o", out)
    code = 2 if damage == "bad-config" else 1  # an unreadable config.json is named like any unreadable input
    assert_clean_error(res, code, str(model))
    assert not out.exists()


# --- the translation cache --------------------------------------------------------------------------------------


def test_corrupted_cache_database_is_moved_aside(tmp_path, isolated, tiny_marian_dir, caplog):
    cache_dir = isolated / "xling-cache"
    cache_dir.mkdir()
    garbage = b"SQLite format 3\x00" + bytes(range(256)) * 16  # a header, then nonsense
    (cache_dir / "translations.sqlite").write_bytes(garbage)
    path = write(tmp_path, "de.txt", GERMAN)
    out = tmp_path / "de.en.txt"
    res = run_cli("translate", path, "-m", tiny_marian_dir, "--beam", "1", "--max-length", "32", "-q", "-o", out)
    assert_ok(res)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    # One warning (through logging: a real process prints it on stderr), and the run goes on with a fresh cache.
    warnings = [r.getMessage() for r in caplog.records if "corrupt" in r.getMessage()]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    aside = [p for p in cache_dir.iterdir() if ".corrupt-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].read_bytes() == garbage  # kept for inspection, not deleted
    res = run_cli("cache", "stats", "--json")
    assert_ok(res)
    assert json.loads(res.stdout)["entries"] == 2


def test_cache_stats_on_a_corrupted_file(tmp_path, isolated):
    bad = write(tmp_path, "cache.sqlite", b"this is not a database" * 10)
    res = run_cli("cache", "stats", "--path", bad)
    assert_ok(res)
    assert "entries: 0" in res.stdout


def test_cache_path_that_is_a_folder(tmp_path, isolated):
    folder = tmp_path / "cache.sqlite"
    folder.mkdir()
    assert_clean_error(run_cli("cache", "stats", "--path", folder), 2, "cache.sqlite")


def test_file_name_that_is_not_utf8(tmp_path, isolated):
    folder = tmp_path / "articles"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/caf\xe9.txt"  # a Latin-1 name, as old archives and Windows shares produce
    with open(raw, "w", encoding="utf-8") as fh:
        fh.write(GERMAN)
    res = run_cli("prepare", folder, "--format", "jsonl")
    assert_ok(res)
    assert {r["doc_id"] for r in jsonl(res.stdout)} == {"caf\\xe9.txt"}
    out = tmp_path / "out"
    res = run_cli("translate", folder, "-s", "de", "-t", "de", "-q", "-o", out)  # passes through: no model needed
    assert_ok(res)
    assert [p.name for p in out.iterdir()] == ["caf\\xe9.txt"]


# --- evaluation and search commands ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["png-hypothesis", "latin1-reference", "line-mismatch", "bad-ladder",
                                  "latin1-ladder", "latin1-matches", "bad-record", "record-without-metrics", "empty-claim", "missing-source"])
def test_eval_and_find_refuse_bad_files(tmp_path, isolated, case):
    hyp = write(tmp_path, "hyp.txt", "one line\n")
    if case == "png-hypothesis":
        args, needle = ["eval", "translation", write(tmp_path, "h.txt", png_bytes()), hyp], "h.txt"
    elif case == "latin1-reference":
        args, needle = ["eval", "translation", hyp, write(tmp_path, "r.txt", "Gr\xfc\xdfe\n".encode("latin-1"))], "r.txt"
    elif case == "line-mismatch":
        args, needle = ["eval", "translation", write(tmp_path, "h3.txt", "a\nb\nc\n"), hyp], "h3.txt"
    elif case == "bad-ladder":
        ladder = write(tmp_path, "pred.txt", "[0]:[0]\ngarbage\n")
        args, needle = ["eval", "align", ladder, ladder], "line 2"
    elif case == "latin1-ladder":
        ladder = write(tmp_path, "gold.txt", "[0]:[0]\n# caf\xe9\n".encode("latin-1"))
        args, needle = ["eval", "align", ladder, ladder], "gold.txt"
    elif case == "latin1-matches":
        matches = write(tmp_path, "m.jsonl", '{"source": "caf\xe9"}\n'.encode("latin-1"))
        args, needle = ["eval", "claims", matches, matches, "-r", SEED_EN], "m.jsonl"
    elif case == "bad-record":
        record = write(tmp_path, "a.json", "{not json")
        args, needle = ["eval", "compare", record, record], "a.json"
    elif case == "record-without-metrics":
        record = write(tmp_path, "b.json", "[1, 2]")
        args, needle = ["eval", "compare", record, record], "b.json"
    elif case == "empty-claim":
        args, needle = ["find", "  ", SEED_EN], "empty"
    else:
        args, needle = ["find", "Kuba", tmp_path / "nowhere.txt"], "nowhere.txt"
    assert_clean_error(run_cli(*args), 2, needle)


@pytest.mark.parametrize("damage", ["too-few-lines", "binary"])
def test_compare_with_bad_translation_files(tmp_path, isolated, damage):
    pytest.importorskip("align.claims", reason="the claim matcher is not built yet")
    src = tmp_path / "src"
    src.mkdir()
    write(src, "de.txt", GERMAN)
    given = tmp_path / "translations"
    given.mkdir()
    write(given, "de.txt", "only one line\n" if damage == "too-few-lines" else png_bytes())
    out = tmp_path / "out"
    res = run_cli("compare", src, "-r", SEED_EN, "--translations", given, "--quiet", "-o", out)
    assert_clean_error(res, 2, "de.txt")
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("case", ["png", "translation-lines", "unknown-lang", "threshold", "embedder",
                                  "lexical-without-translation"])
def test_align_refuses_bad_input(tmp_path, isolated, case):
    pytest.importorskip("xling.commands.align_cmd", reason="xling align is not built yet")
    args = [SEED_DE, SEED_EN]
    needle = {"png": "PNG", "translation-lines": "t.txt", "unknown-lang": "xx", "threshold": "threshold",
              "embedder": "foo", "lexical-without-translation": "--source-translation"}[case]
    if case == "png":
        args = [write(tmp_path, "a.png", png_bytes()), SEED_EN]
    elif case == "translation-lines":
        args += ["--source-translation", write(tmp_path, "t.txt", "one\ntwo\n")]
    elif case == "unknown-lang":
        args += ["--source-lang", "xx"]
    elif case == "threshold":
        args += ["--mode", "claims", "--threshold", "7"]
    elif case == "embedder":
        args += ["--embedder", "foo"]
    else:
        args += ["--similarity", "lexical"]
    out = tmp_path / "out.ladder"
    assert_clean_error(run_cli("align", *args, "-o", out), 2, needle)
    assert not out.exists()


@pytest.mark.parametrize("side", ["source", "reference"])
def test_align_with_an_empty_side_skips_every_sentence(tmp_path, isolated, side):
    pytest.importorskip("xling.commands.align_cmd", reason="xling align is not built yet")
    empty = write(tmp_path, "empty.txt", "\n")
    args = [empty, SEED_EN] if side == "source" else [SEED_EN, empty]
    res = run_cli("align", *args, "--format", "ladder")
    assert_ok(res)
    n = len(load_document(SEED_EN).sentences)
    assert len(res.stdout.splitlines()) == n  # one 1-0 or 0-1 bead per sentence of the non-empty side


class _FullDatabase:
    """A SQLite connection whose writes fail as on a full disk (reads work)."""

    def __init__(self, real) -> None:
        self._real = real

    def executemany(self, sql, *args):
        raise sqlite3.OperationalError("database or disk is full")

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        return self._real.__enter__()

    def __exit__(self, *exc):
        return self._real.__exit__(*exc)


def test_cache_that_cannot_be_written_does_not_stop_translation(tmp_path, isolated, tiny_marian_dir, monkeypatch,
                                                                 caplog):
    from translate.cache import TranslationCache

    connect = TranslationCache._connect
    monkeypatch.setattr(TranslationCache, "_connect", lambda self: _FullDatabase(connect(self)))
    path = write(tmp_path, "de.txt", GERMAN)
    out = tmp_path / "de.en.txt"
    res = run_cli("translate", path, "-m", tiny_marian_dir, "--beam", "1", "--max-length", "16", "-q", "-o", out)
    assert_ok(res)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert [r for r in caplog.records if "continuing without it" in r.getMessage()]


class _LockedDatabase(_FullDatabase):
    """A SQLite connection held by another process past the busy timeout: every statement fails."""

    def execute(self, sql, *args):
        raise sqlite3.OperationalError("database is locked")


@pytest.mark.parametrize("command", [["cache", "stats"], ["cache", "clear"]])
def test_cache_command_on_a_locked_database(isolated, monkeypatch, command):
    from translate.cache import TranslationCache

    connect = TranslationCache._connect
    monkeypatch.setattr(TranslationCache, "_connect", lambda self: _LockedDatabase(connect(self)))
    assert_clean_error(run_cli(*command), 1, "translations.sqlite", "locked")


# --- the Python API raises the library's errors, never a bare exception from a dependency ---------------------


@pytest.mark.filterwarnings("ignore::translate.translator.RandomModelWarning")
def test_python_api_raises_xling_errors(tmp_path, isolated, tiny_marian_dir):
    from translate.errors import ModelNotFoundError, XlingError
    from translate.prepare import load_documents, prepare_text
    from translate.translator import Translator

    with pytest.raises(InputError, match="does not exist"):
        load_document(tmp_path / "missing.txt")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no .txt files"):
        load_documents(empty)
    with pytest.raises(InputError, match="xx"):
        prepare_text(GERMAN, "t", lang="xx")
    with pytest.raises(InputError):
        Translator("de", "de", model=str(tiny_marian_dir))
    with pytest.raises(InputError):
        Translator("tlh", "en", model=str(tiny_marian_dir))
    with pytest.raises(ModelNotFoundError):
        Translator("de", "en", model=str(tmp_path / "no-model"))
    with pytest.raises(ModelNotFoundError):
        Translator("de", "en")  # the registry's model, not downloaded here
    broken = tmp_path / "broken"
    shutil.copytree(tiny_marian_dir, broken)
    (broken / "model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(XlingError, match="damaged"):
        Translator("de", "en", model=str(broken), backend="hf")
    doc = prepare_text(MIXED + "\n" + RTL, "mixed.txt")
    assert doc.sentences and all(s.text for s in doc.sentences)
