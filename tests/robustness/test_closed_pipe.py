"""A reader that closes stdout early (`xling ... | head -2`) ends the command quietly, as coreutils do (issue 16)."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from robust_helpers import SEED_DE, XLING

CLOSED_PIPE = {0, 128 + signal.SIGPIPE}  # done before it noticed, or stopped as `yes | head` stops


def many_sentences(n: int) -> str:
    """`n` distinct sentences, one paragraph each (repeated paragraphs would be dropped as boilerplate)."""
    return "".join(f"The minister met delegation number {i} in Havana on day {i} of the visit.\n\n" for i in range(n))


def read_then_close(args: list[str], lines: int, env: dict | None = None) -> tuple[int, str]:
    """Run the real `xling ARGS`, read `lines` lines of its stdout, close the pipe; (exit status, stderr)."""
    proc = subprocess.Popen([str(XLING), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    for _ in range(lines):
        assert proc.stdout.readline(), "the command ended before writing the lines the reader waited for"
    proc.stdout.close()
    try:
        _, err = proc.communicate(timeout=180)
    finally:
        proc.kill()
    rc = proc.returncode
    return (128 - rc if rc < 0 else rc), err.decode("utf-8", "replace")  # killed by signal N: report 128+N


@pytest.fixture(scope="module")
def big_files(tmp_path_factory):
    """A long article and hypothesis/reference files long enough to overflow a pipe's buffer (64 KiB)."""
    folder = tmp_path_factory.mktemp("pipe")
    article = folder / "long.txt"
    article.write_text(many_sentences(3000), encoding="utf-8")
    hyp, ref = folder / "hyp.txt", folder / "ref.txt"
    hyp.write_text("".join(f"the cat sat on mat {i}\n" for i in range(4500)), encoding="utf-8")
    ref.write_text("".join(f"the cat sat on the mat {i}\n" for i in range(4500)), encoding="utf-8")
    return {"article": article, "hyp": hyp, "ref": ref}


@pytest.mark.slow
@pytest.mark.parametrize("command, lines", [("prepare", 0), ("prepare", 3), ("prepare-jsonl", 2),
                                            ("eval-translation-sentences", 1)])
def test_a_closed_stdout_ends_the_command_quietly(big_files, command, lines, isolated):
    args = {
        "prepare": ["prepare", big_files["article"], "-s", "en"],
        "prepare-jsonl": ["prepare", big_files["article"], "-s", "en", "--format", "jsonl"],
        "eval-translation-sentences": ["eval", "translation", big_files["hyp"], big_files["ref"], "--sentences",
                                       "--metric", "chrf"],
    }[command]
    rc, err = read_then_close([str(a) for a in args], lines)
    assert rc in CLOSED_PIPE, (rc, err)
    assert "Traceback" not in err and "Error" not in err and "Broken pipe" not in err, err


@pytest.fixture(scope="module")
def find_env(tmp_path_factory):
    """A short article (quick to embed) in a folder of its own, and an empty cache."""
    folder = tmp_path_factory.mktemp("find")
    (folder / SEED_DE.name).write_text(SEED_DE.read_text(encoding="utf-8")[:800], encoding="utf-8")
    env = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(folder / "hf-home"), "XLING_CACHE_DIR": str(folder / "cache")}
    return folder, env


@pytest.mark.slow
def test_find_piped_into_head_ends_quietly(find_env):
    # Closed before the first line: every write meets the closed pipe (with lines read first, the whole listing
    # may already sit in the pipe's buffer and the run ends 0 without noticing, which the tests above allow).
    folder, env = find_env
    rc, err = read_then_close(["find", "Cuba", str(folder), "--threshold", "0", "--top", "30", "-q"], 0, env)
    assert rc in CLOSED_PIPE, (rc, err)
    assert "Traceback" not in err and "Error" not in err and "Broken pipe" not in err, err
