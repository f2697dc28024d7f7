"""Failed output writes (disk full, file too large, odd targets): one-line error, exit 1, no half-written file,
and an earlier complete output left as it was."""

from __future__ import annotations

import errno
import os
import resource
import stat
import subprocess
import threading
import types

import pytest
from robust_helpers import SEED_DE, SEED_EN, XLING, assert_clean_error, assert_ok, leftover_temps, run_cli, run_xling

import translate.atomic


class _FillingDisk:
    """A file object that accepts `room` bytes, writes part of the next chunk, then fails with ENOSPC."""

    def __init__(self, real, room: int) -> None:
        self._real, self._room = real, room

    def write(self, data):
        if len(data) > self._room:
            self._real.write(data[: self._room])
            self._real.flush()  # the partial bytes really reach the temporary file
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._real.write(data)

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._real.close()


@pytest.fixture
def full_disk(monkeypatch):
    """Make translate.atomic's writes fail: `full_disk(room, after=k)` lets k files through, then fills the disk."""
    state = {"room": 0, "after": 0}

    def fdopen(fd, *args, **kwargs):
        real = os.fdopen(fd, *args, **kwargs)
        if state["after"] > 0:
            state["after"] -= 1
            return real
        return _FillingDisk(real, state["room"])

    # A stand-in for the os module seen only by translate.atomic, so nothing else in the process is affected.
    fake_os = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")})
    fake_os.fdopen = fdopen
    monkeypatch.setattr(translate.atomic, "os", fake_os)

    def configure(room: int = 100, after: int = 0) -> None:
        state.update(room=room, after=after)

    return configure


def test_prepare_on_a_full_disk_keeps_the_old_output(tmp_path, isolated, full_disk):
    out = tmp_path / "sentences.txt"
    out.write_text("the previous, complete output\n")
    full_disk(room=200)
    assert_clean_error(run_cli("prepare", SEED_DE, "-o", out), 1, "No space left on device")
    assert out.read_text() == "the previous, complete output\n"
    assert not leftover_temps(tmp_path)


def test_translate_file_on_a_full_disk(tmp_path, isolated, full_disk):
    out = tmp_path / "en" / "article.txt"
    full_disk(room=50)
    # An English article passes through without a model; the write is what fails.
    assert_clean_error(run_cli("translate", SEED_EN, "-t", "en", "-q", "-o", out), 1, "No space left on device")
    assert not out.exists() and not leftover_temps(tmp_path)


def test_translate_folder_on_a_full_disk_keeps_finished_documents(tmp_path, isolated, full_disk):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (src / name).write_text(SEED_EN.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    full_disk(room=300, after=1)  # a.txt is written, then the disk fills up during b.txt
    assert_clean_error(run_cli("translate", src, "-o", out, "-q"), 1, "No space left on device")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]
    assert out.joinpath("a.txt").read_text(encoding="utf-8") == run_cli("translate", src / "a.txt", "-q").stdout
    assert not leftover_temps(tmp_path)


def test_compare_on_a_full_disk_leaves_only_whole_files(tmp_path, isolated, full_disk):
    pytest.importorskip("align.claims", reason="the claim matcher is not built yet")
    src = tmp_path / "src"
    src.mkdir()
    (src / "de.txt").write_text("Kuba und China vertiefen ihre Zusammenarbeit. Die Minister trafen sich.\n")
    ref = tmp_path / "ref.txt"
    ref.write_text("Cuba and China deepen their cooperation. The ministers met in Havana.\n")
    out = tmp_path / "out"
    out.mkdir()
    previous = {name: f'{{"run": "previous", "file": "{name}"}}\n' for name in ("matches.jsonl", "unmatched.jsonl")}
    for name, text in previous.items():
        (out / name).write_text(text, encoding="utf-8")
    full_disk(room=10, after=2)
    res = run_cli("compare", src, "-r", ref, "--no-mt", "--quiet", "-o", out)
    assert_clean_error(res, 1, "No space left on device")
    assert not leftover_temps(tmp_path)
    # The disk filled up on the third of four files: none is renamed, so the previous run stays whole.
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == previous


def test_output_that_is_a_folder_or_under_a_file(tmp_path, isolated):
    folder = tmp_path / "out"
    folder.mkdir()
    assert_clean_error(run_cli("prepare", SEED_EN, "-o", folder), 2, "out")
    # translate FILE -o FOLDER writes FOLDER/<file name>, as cp does.
    assert_ok(run_cli("translate", SEED_EN, "-t", "en", "-q", "-o", folder))
    assert [p.name for p in folder.iterdir()] == [SEED_EN.name]
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert_clean_error(run_cli("translate", SEED_EN, "-t", "en", "-q", "-o", blocker / "out.txt"), 2, "file.txt")
    assert blocker.read_text() == "x" and not leftover_temps(tmp_path)


def test_output_into_a_named_pipe_is_written_in_place(tmp_path, isolated):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    res = run_cli("prepare", SEED_DE, "-o", fifo)
    reader.join(timeout=30)
    assert_ok(res)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the pipe was replaced by a regular file"
    assert got and len(got[0].splitlines()) == 32


def test_file_size_limit_in_a_real_process(tmp_path):
    out = tmp_path / "sentences.jsonl"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # Python ignores SIGXFSZ: writes fail with EFBIG

    res = run_xling("prepare", SEED_DE, "--format", "jsonl", "-o", out, preexec_fn=limit)
    assert_clean_error(res, 1, "File too large")
    assert not out.exists() and not leftover_temps(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_standard_output_on_a_full_device(tmp_path):
    with open("/dev/full", "w") as full:
        res = subprocess.run([str(XLING), "prepare", str(SEED_DE)], stdout=full, stderr=subprocess.PIPE, text=True,
                             timeout=120)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr and "Exception ignored" not in res.stderr, res.stderr
    assert [line for line in res.stderr.splitlines() if line.startswith("Error:")] == \
        ["Error: No space left on device"], res.stderr


def test_folder_output_that_is_a_file_is_an_input_error(tmp_path, isolated):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(SEED_EN.read_text(encoding="utf-8"), encoding="utf-8")
    target = tmp_path / "out.txt"
    target.write_text("keep me")
    assert_clean_error(run_cli("translate", src, "-o", target, "-q"), 2, "out.txt", "folder")
    assert target.read_text() == "keep me"


def test_atomic_writer_semantics(tmp_path):
    from translate.atomic import atomic_open, write_text_atomic
    from translate.errors import InputError

    target = tmp_path / "result.txt"
    target.write_text("old and complete\n")
    target.chmod(0o640)
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("new but ")
            raise RuntimeError("the producer failed half-way")
    assert target.read_text() == "old and complete\n" and not leftover_temps(tmp_path)
    write_text_atomic(target, "new\n")
    assert target.read_text() == "new\n" and stat.S_IMODE(target.stat().st_mode) == 0o640  # permissions kept
    fresh = write_text_atomic(tmp_path / "sub" / "fresh.txt", "x")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~_umask()  # as open() would create it, not 0600
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_text_atomic(link, "through the link\n")
    assert link.is_symlink() and target.read_text() == "through the link\n"
    with pytest.raises(InputError, match="folder"):
        write_text_atomic(tmp_path, "x")


def _umask() -> int:
    """The process umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_resume_removes_old_temporary_files_but_not_those_of_a_running_job(tmp_path, isolated):
    import time

    src = tmp_path / "src"
    src.mkdir()
    for name in ("a.txt", "b.txt"):
        (src / name).write_text(SEED_EN.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    killed = out / ".a.txt.k1ll3d.tmp"  # left by a run killed an hour ago
    killed.write_text("half")
    os.utime(killed, (time.time() - 3600, time.time() - 3600))
    running = out / ".b.txt.bu5y00.tmp"  # another run is writing b.txt right now
    running.write_text("being written")
    os.utime(running, (time.time() + 30, time.time() + 30))
    assert_ok(run_cli("translate", src, "-o", out, "-q"))
    assert not killed.exists() and running.exists()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["a.txt", "b.txt"]
