"""No command destroys a user's file: outputs are never inputs, links in output folders are replaced rather than
followed, compare's four outputs change together (even across kill -9), temporary names stay short, and one bad
document does not stop a folder job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from robust_helpers import ROOT, SEED_DE, SEED_EN, assert_clean_error, assert_ok, leftover_temps, run_cli

from translate.atomic import FILE_SET_STEPS, PAUSE_ENV, finish_file_set, stale_temps, write_file_set, write_text_atomic
from translate.prepare import load_document

ENGLISH = SEED_EN.read_text(encoding="utf-8")


def _snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder` (hidden ones too): name -> content, or a marker for links and folders."""
    seen = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        seen[rel] = f"-> {os.readlink(p)}" if p.is_symlink() else "<dir>" if p.is_dir() else p.read_bytes().decode()
    return seen


# ---------------------------------------------------------------------------------------------------------------
# 1. No output may be, or resolve to, an input


def _file_case(tmp_path: Path, variant: str) -> tuple[list[str], Path]:
    """(translate arguments, the input file) for one spelling of "the output is the input"."""
    src = tmp_path / "a.txt"
    src.write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    if variant == "same":
        return ["a.txt", "-o", "a.txt"], src
    if variant == "dot":
        return ["a.txt", "-o", "./a.txt"], src
    if variant == "dotdot":
        return ["a.txt", "-o", "sub/../a.txt"], src
    if variant == "absolute":
        return ["a.txt", "-o", str(src)], src
    if variant == "symlink-out":
        (tmp_path / "link.txt").symlink_to("a.txt")
        return ["a.txt", "-o", "link.txt"], src
    if variant == "hardlink-out":
        os.link(src, tmp_path / "hard.txt")
        return ["a.txt", "-o", "hard.txt"], src
    if variant == "symlink-in":
        (tmp_path / "link.txt").symlink_to("a.txt")
        return ["link.txt", "-o", "a.txt"], src
    if variant == "own-folder":
        return ["a.txt", "-o", "./"], src
    if variant == "linked-folder":
        (tmp_path / "here").symlink_to(".")
        return ["a.txt", "-o", "here/"], src
    raise AssertionError(variant)


@pytest.mark.parametrize("variant", ["same", "dot", "dotdot", "absolute", "symlink-out", "hardlink-out",
                                     "symlink-in", "own-folder", "linked-folder"])
def test_translate_refuses_an_output_that_is_its_input(tmp_path, isolated, monkeypatch, variant):
    args, src = _file_case(tmp_path, variant)
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    line = assert_clean_error(run_cli("translate", *args, "-t", "en", "-q"), 2, "is the input")
    assert args[0] in line and args[-1].rstrip("/").removeprefix("./") in line  # both paths are named
    assert _snapshot(tmp_path) == before  # nothing written, nothing created


@pytest.mark.parametrize("out", ["src", "src/", "./src", "ABS", "link", "src/sub/.."])
@pytest.mark.parametrize("fmt", ["txt", "jsonl"])
def test_translate_refuses_a_folder_job_into_its_own_folder(tmp_path, isolated, monkeypatch, out, fmt):
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "a.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "link").symlink_to("src")
    monkeypatch.chdir(tmp_path)
    out = str(tmp_path / "src") if out == "ABS" else out
    before = _snapshot(tmp_path)
    assert_clean_error(run_cli("translate", "src", "-o", out, "--format", fmt, "-q"), 2, "is the input", "folder")
    assert _snapshot(tmp_path) == before


def test_other_commands_refuse_an_output_that_is_an_input(tmp_path, isolated, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "b.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "d.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "b-link.txt").symlink_to("b.txt")
    gold = tmp_path / "gold.jsonl"
    gold.write_bytes((ROOT / "tests" / "data" / "claims_gold.jsonl").read_bytes())
    (tmp_path / "matches.jsonl").write_text("")
    before = _snapshot(tmp_path)
    cases = [
        (["prepare", "a.txt", "-o", "./a.txt"], "a.txt"),
        (["prepare", "docs", "-o", "docs/d.txt"], "d.txt"),  # one of the folder's documents
        (["align", "a.txt", "b.txt", "-o", "b-link.txt"], "b-link.txt"),  # a link to the reference
        (["align", "a.txt", "b.txt", "--source-translation", "b.txt", "-o", str(tmp_path / "b.txt")], "b.txt"),
        (["eval", "claims", "matches.jsonl", "gold.jsonl", "-r", str(SEED_EN), "--plot", "gold.jsonl"], "gold"),
    ]
    for args, needle in cases:
        assert_clean_error(run_cli(*args), 2, "is the input", needle)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("out", ["sources", "sources/", "sources-link", "reference-folder", "translations",
                                 "output-is-a-source-file"])
def test_compare_refuses_an_output_folder_holding_its_inputs(tmp_path, isolated, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    for folder in ("sources", "refs", "translations", "out"):
        (tmp_path / folder).mkdir()
    (tmp_path / "sources" / "de.txt").write_text(SEED_DE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "refs" / "ref.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "sources-link").symlink_to("sources")
    # A source given by name that sits where an output would go (out/report.html).
    (tmp_path / "out" / "report.html").write_text(ENGLISH, encoding="utf-8")
    sources = ["sources", "out/report.html"] if out == "output-is-a-source-file" else ["sources"]
    target = {"reference-folder": "refs", "output-is-a-source-file": "out"}.get(out, out)
    before = _snapshot(tmp_path)
    res = run_cli("compare", *sources, "-r", "refs/ref.txt", "--translations", "translations", "--no-mt", "--quiet",
                  "-o", target)
    assert_clean_error(res, 2, "is the input")
    assert _snapshot(tmp_path) == before


def test_inputs_that_are_not_outputs_are_fine(tmp_path, isolated, monkeypatch):
    """The check refuses only real overlaps: a sibling file, a sub-folder of the input folder, stdin."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text(ENGLISH, encoding="utf-8")
    assert_ok(run_cli("translate", "src", "-q", "-o", "src/english"))
    assert_ok(run_cli("translate", "src/a.txt", "-q", "-o", "src/a.en.txt"))
    assert_ok(run_cli("translate", "src/a.txt", "-q", "--format", "jsonl", "-o", "src/"))  # a.jsonl beside a.txt
    assert_ok(run_cli("translate", "-", "-s", "en", "-q", "-o", "src/stdin.txt", stdin=ENGLISH))
    assert (tmp_path / "src" / "a.txt").read_text(encoding="utf-8") == ENGLISH
    assert sorted(p.name for p in (tmp_path / "src" / "english").iterdir()) == ["a.txt"]


# ---------------------------------------------------------------------------------------------------------------
# 2. Never write through a link found in an output folder


def test_file_set_replaces_links_and_fifos_it_finds_and_never_writes_through_them(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").symlink_to("../precious.txt")
    (out / "matches.jsonl").symlink_to("/dev/null")
    (out / "dropped.jsonl").symlink_to("../elsewhere")  # dangling: following it would create ../elsewhere
    os.mkfifo(out / "unmatched.jsonl")  # writing into it would block forever
    files = {"matches.jsonl": "m\n", "unmatched.jsonl": "u\n", "dropped.jsonl": "d\n", "report.html": "<p>"}
    write_file_set(out, files)
    assert precious.read_text() == "precious" and not (tmp_path / "elsewhere").exists()
    assert _snapshot(out) == files  # four regular files, nothing else


def _compare_inputs(tmp_path: Path) -> tuple[Path, Path]:
    """(a folder with one short German source, an English reference) for a quick `compare --no-mt`."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "de.txt").write_text("Kuba und China vertiefen ihre Zusammenarbeit. Die Minister trafen sich.\n")
    ref = tmp_path / "ref.txt"
    ref.write_text("Cuba and China deepen their cooperation. The ministers met in Havana.\n")
    return src, ref


def test_compare_does_not_write_through_a_link_planted_in_its_output_folder(tmp_path, isolated):
    src, ref = _compare_inputs(tmp_path)
    precious = tmp_path / "precious.txt"
    precious.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").symlink_to("../precious.txt")
    assert_ok(run_cli("compare", src, "-r", ref, "--no-mt", "--quiet", "-o", out))
    assert precious.read_text() == "precious"
    assert not (out / "report.html").is_symlink() and "<html" in (out / "report.html").read_text(encoding="utf-8")
    assert sorted(os.listdir(out)) == ["dropped.jsonl", "matches.jsonl", "possible_matches.jsonl", "report.html",
                                       "unmatched.jsonl"]


def test_translate_folder_job_replaces_a_planted_link_instead_of_following_it(tmp_path, isolated):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(ENGLISH, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    # A dangling link: it is not a finished output, so the document is translated, into the folder.
    (out / "a.txt").symlink_to("../outside.txt")
    assert_ok(run_cli("translate", src, "-q", "-o", out))
    assert not (tmp_path / "outside.txt").exists()
    assert not (out / "a.txt").is_symlink() and (out / "a.txt").read_text(encoding="utf-8").strip()
    # FILE -o FOLDER writes FOLDER/<name>: a file xling owns there, so the same rule holds.
    (out / "a.txt").unlink()
    (out / "a.txt").symlink_to("../outside.txt")
    assert_ok(run_cli("translate", src / "a.txt", "-q", "-o", out))
    assert not (tmp_path / "outside.txt").exists() and not (out / "a.txt").is_symlink()


def test_a_link_the_user_names_with_o_is_still_followed(tmp_path, isolated):
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to("real.txt")
    assert_ok(run_cli("prepare", SEED_EN, "-o", link))
    assert link.is_symlink() and len(target.read_text(encoding="utf-8").splitlines()) > 10


# ---------------------------------------------------------------------------------------------------------------
# 3. The four compare outputs change together or not at all

OLD = {"matches.jsonl": "old m\n", "unmatched.jsonl": "old u\n", "dropped.jsonl": "old d\n", "report.html": "old r"}
NEW = {"matches.jsonl": "new m\n", "unmatched.jsonl": "new u\n", "dropped.jsonl": "new d\n", "report.html": "new r"}
_COMMIT = FILE_SET_STEPS.index("journal")
KILL_STEPS = [s for s in FILE_SET_STEPS if s != "renamed:K"] + [f"renamed:{k}" for k in range(1, len(NEW) + 1)]


def _start_paused(out: Path, step: str, files: dict[str, str]) -> subprocess.Popen:
    """A process writing `files` into `out` that stops at `step` (the test hook) and waits to be signalled."""
    code = ("import json, sys; from translate.atomic import write_file_set; "
            "write_file_set(sys.argv[1], json.loads(sys.argv[2]))")
    # A shell without job control starts its background jobs (`make test &`, some CI runners) with SIGINT ignored,
    # which Python then keeps: give the child the default, so the Ctrl-C test sends a real Ctrl-C (as test_interrupt).
    proc = subprocess.Popen([sys.executable, "-c", code, str(out), json.dumps(files)], cwd=ROOT,
                            env={**os.environ, PAUSE_ENV: step}, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    line = proc.stderr.readline()
    assert line.strip() == f"paused at {step}", line + proc.stderr.read()
    return proc


@pytest.mark.parametrize("step", KILL_STEPS)
def test_file_set_killed_at_each_step_is_whole_after_the_next_run(tmp_path, step):
    out = tmp_path / "out"
    write_file_set(out, OLD)
    proc = _start_paused(out, step, NEW)
    proc.kill()
    proc.wait(timeout=30)
    committed = step not in FILE_SET_STEPS[:_COMMIT]
    finish_file_set(out)  # what the next write does first
    assert _snapshot(out) == (NEW if committed else OLD)
    # And the next write itself: the third set whole, no staging folder, journal or temporary file left.
    third = {name: f"third {name}\n" for name in NEW}
    write_file_set(out, third)
    assert _snapshot(out) == third


def test_a_write_after_a_kill_finishes_or_discards_it_without_a_separate_call(tmp_path):
    out = tmp_path / "out"
    write_file_set(out, OLD)
    proc = _start_paused(out, "renamed:2", NEW)
    proc.kill()
    proc.wait(timeout=30)
    mixed = _snapshot(out)
    assert mixed["matches.jsonl"] == NEW["matches.jsonl"] and mixed["report.html"] == OLD["report.html"]
    assert ".xl-commit" in mixed  # the journal that lets the next run finish the set
    write_file_set(out, {"matches.jsonl": "only one\n"})
    assert _snapshot(out) == {**NEW, "matches.jsonl": "only one\n"}


def test_a_second_writer_waits_for_the_first_and_never_deletes_its_staging(tmp_path):
    import threading

    out = tmp_path / "out"
    write_file_set(out, OLD)
    proc = _start_paused(out, "staged", NEW)  # holds the folder's lock with a complete, uncommitted stage
    third = {name: f"third {name}\n" for name in NEW}
    writer = threading.Thread(target=write_file_set, args=(out, third))
    writer.start()
    writer.join(timeout=2)
    assert writer.is_alive(), "the second writer did not wait for the first"
    assert (out / ".xl-stage").is_dir() and _snapshot(out)["report.html"] == OLD["report.html"]
    proc.kill()  # the lock goes with the process; the waiting writer discards the uncommitted stage
    proc.wait(timeout=30)
    writer.join(timeout=60)
    assert not writer.is_alive() and _snapshot(out) == third


def test_ctrl_c_during_the_renames_finishes_them_before_unwinding(tmp_path):
    out = tmp_path / "out"
    write_file_set(out, OLD)
    proc = _start_paused(out, "renamed:2", NEW)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) != 0
    assert _snapshot(out) == NEW  # whole at once, without waiting for a next run


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_compare_killed_between_its_renames_leaves_one_whole_set(tmp_path, isolated, sig):
    """The real binary, signalled after two of its four renames: SIGTERM finishes the set at once; after
    SIGKILL the next compare does."""
    src, ref = _compare_inputs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    for name, text in OLD.items():
        (out / name).write_text(text)
    xling = Path(sys.executable).with_name("xling")
    proc = subprocess.Popen([str(xling), "compare", str(src), "-r", str(ref), "--no-mt", "--quiet", "-o", str(out)],
                            env={**os.environ, PAUSE_ENV: "renamed:2"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if line.strip() == "paused at renamed:2":
            break
    else:
        raise AssertionError(f"compare never reached the renames (exit {proc.wait()})")
    proc.send_signal(sig)
    rc = proc.wait(timeout=60)
    if sig == signal.SIGTERM:
        assert rc == 143 and "Terminated" in proc.stderr.read()
    else:
        assert_ok(run_cli("compare", src, "-r", ref, "--no-mt", "--quiet", "-o", out))
    after = _snapshot(out)
    # No journal, staging folder or temporary file; the new run adds possible_matches.jsonl to the old four.
    assert sorted(after) == sorted([*OLD, "possible_matches.jsonl"])
    assert all(after[name] != OLD[name] for name in OLD)  # every one of the four is from a new run
    assert "<html" in after["report.html"]


def test_a_failed_set_write_keeps_the_old_set_and_refuses_a_folder_in_the_way(tmp_path):
    out = tmp_path / "out"
    write_file_set(out, OLD)
    (out / "report.html").unlink()
    (out / "report.html").mkdir()
    with pytest.raises(Exception, match="folder"):
        write_file_set(out, NEW)
    assert _snapshot(out) == {**{k: v for k, v in OLD.items() if k != "report.html"}, "report.html": "<dir>"}


# ---------------------------------------------------------------------------------------------------------------
# 4. Short temporary names; one bad document does not stop a folder job


def test_temporary_names_fit_wherever_the_final_name_fits(tmp_path):
    name = "x" * 251 + ".txt"  # 255 bytes, the most ext4 and tmpfs allow
    write_text_atomic(tmp_path / name, "fits\n")
    write_text_atomic(tmp_path / name, "replaced\n", follow_links=False)
    assert (tmp_path / name).read_text() == "replaced\n" and not leftover_temps(tmp_path)


def test_stale_temporary_files_of_a_killed_run_are_found_with_the_short_names(tmp_path):
    old, live, foreign = tmp_path / ".xl-k1ll3dab.tmp", tmp_path / ".xl-bu5y00ab.tmp", tmp_path / ".notes.tmp"
    for p in (old, live, foreign):
        p.write_text("x")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    os.utime(foreign, (time.time() - 3600, time.time() - 3600))
    os.utime(live, (time.time() + 30, time.time() + 30))  # a run writing this folder right now
    assert stale_temps(tmp_path, time.time(), names=["a.txt"]) == [old]


def test_folder_job_with_a_name_of_255_bytes(tmp_path, isolated):
    src = tmp_path / "src"
    src.mkdir()
    long_txt = "x" * 251 + ".txt"
    for name in (long_txt, "b.txt"):
        (src / name).write_text(ENGLISH, encoding="utf-8")
    assert_ok(run_cli("translate", src, "-q", "-o", tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([long_txt, "b.txt"])
    # As jsonl the output name is two bytes longer than the file system allows: that document alone fails.
    res = run_cli("translate", src, "-q", "--format", "jsonl", "-o", tmp_path / "json")
    line = assert_clean_error(res, 1, "1 of 2 documents failed")
    assert "File name too long" in res.stderr and long_txt in line
    assert [p.name for p in (tmp_path / "json").iterdir()] == ["b.jsonl"]


def test_folder_job_reports_bad_documents_and_does_the_others(tmp_path, isolated):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("a.txt", "e.txt"):
        (src / name).write_text(ENGLISH, encoding="utf-8")
    (src / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (src / "c.txt").write_bytes("Gr\xfc\xdfe aus K\xf6ln, sagte der Minister.\n".encode("latin-1"))
    (src / "d.txt").write_text("<!doctype html><html><body>x</body></html>\n")
    res = run_cli("translate", src, "-q", "-o", tmp_path / "out")
    assert_clean_error(res, 1, "3 of 5 documents failed", "b.txt", "c.txt", "d.txt")
    reported = [line for line in res.stderr.splitlines() if ": not translated: " in line]
    assert [line.split(":")[0] for line in reported] == ["b.txt", "c.txt", "d.txt"]
    assert "PNG" in reported[0] and "UTF-8" in reported[1] and "HTML" in reported[2]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt", "e.txt"]
    # The re-run skips what is done and reports the same three again.
    res = run_cli("translate", src, "-q", "-o", tmp_path / "out")
    assert_clean_error(res, 1, "3 of 5 documents failed")
    assert "skipping 2 of 2 documents already translated" in res.stderr


def test_folder_job_goes_on_after_one_document_fails_to_translate(tmp_path, isolated, tiny_marian_dir, monkeypatch):
    import translate.pool
    from translate.errors import XlingError

    src = tmp_path / "src"
    src.mkdir()
    german = [s.text for s in load_document(SEED_DE).sentences]
    for i, name in enumerate(("a.txt", "b.txt", "c.txt")):
        (src / name).write_text("\n\n".join(german[i * 3:i * 3 + 3]) + "\n", encoding="utf-8")
    real = translate.pool.TranslatorPool.translate_document

    def flaky(self, doc):
        if doc.doc_id == "b.txt":
            raise XlingError("the model produced no output for sentence 3")
        return real(self, doc)

    monkeypatch.setattr(translate.pool.TranslatorPool, "translate_document", flaky)
    res = run_cli("translate", src, "-s", "de", "-m", tiny_marian_dir, "-q", "-o", tmp_path / "out")
    assert_clean_error(res, 1, "1 of 3 documents failed", "b.txt")
    assert "b.txt: not translated: the model produced no output" in res.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt", "c.txt"]
