"""Interrupted work: Ctrl-C, then SIGTERM, in the middle of `xling translate DIR -o OUT`, then a re-run that resumes.

Real processes, because only they show what a signal does: the exit status, the message, and the files left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from robust_helpers import ROOT, XLING, leftover_temps, run_xling

from translate.prepare import load_document

N_DOCS = 7


def _make_sources(folder: Path) -> list[Path]:
    """Small German documents with distinct sentences; the last is a copy of the first under another name."""
    sentences = [s.text for name in ("000_2c29ad0641dc83f6.txt", "001_2959add6671d93e8.txt")
                 for s in load_document(ROOT / "seeds" / name).sentences if 20 < len(s.text) < 140]
    folder.mkdir()
    paths = []
    for d in range(N_DOCS - 1):
        chosen = [f"{sentences[(d * 4 + k) % len(sentences)]} (Teil {d}.{k}.)" for k in range(4)]
        paths.append(folder / f"doc{d}.txt")
        paths[-1].write_text("\n\n".join(chosen) + "\n", encoding="utf-8")
    paths.append(folder / "doc9_copy.txt")
    paths[-1].write_text(paths[0].read_text(encoding="utf-8"), encoding="utf-8")
    return paths


def _interrupt(args: list, env: dict, out: Path, sig: int, logs: Path) -> tuple[int, str]:
    """Start `xling ARGS`, send `sig` as soon as it finishes one more output; return (exit status, stderr)."""
    before = set(out.glob("*.txt")) if out.exists() else set()
    with open(logs / "stdout", "w") as so, open(logs / "stderr", "w") as se:
        # A shell that runs the suite in the background (`make test &`, some CI runners) ignores SIGINT, and
        # the child would inherit that; Ctrl-C at a terminal reaches xling with the default handler.
        proc = subprocess.Popen([str(XLING), *map(str, args)], stdout=so, stderr=se, env={**os.environ, **env},
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 180
        while proc.poll() is None and not (set(out.glob("*.txt")) - before) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be interrupted: " + (logs / "stderr").read_text()
        proc.send_signal(sig)
        rc = proc.wait(timeout=60)
    return rc, (logs / "stderr").read_text()


def test_ctrl_c_and_kill_during_a_batch_then_resume(tmp_path, tiny_marian_dir):
    sources = _make_sources(tmp_path / "src")
    out = tmp_path / "out"
    env = {
        "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf-home"), "XLING_CACHE_DIR": str(tmp_path / "cache"),
        # One intra-op thread: on shared cores a tiny model otherwise spends its time in thread contention.
        "OMP_NUM_THREADS": "1",
    }
    args = ["translate", tmp_path / "src", "-o", out, "-m", tiny_marian_dir, "--batch-size", "2", "-q"]
    expected = {p.name: len(load_document(p).sentences) for p in sources}

    for sig, code, word in [(signal.SIGINT, 130, "Interrupted"), (signal.SIGTERM, 143, "Terminated")]:
        rc, stderr = _interrupt(args, env, out, sig, tmp_path)
        assert rc == code, stderr
        assert "Traceback" not in stderr and word in stderr, stderr
        assert not leftover_temps(out), "a half-written file was left behind"
        for p in out.iterdir():
            assert len(p.read_text(encoding="utf-8").splitlines()) == expected[p.name], f"{p.name} is partial"
    finished = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert 2 <= len(finished) < N_DOCS, finished

    # What a killed run (SIGKILL, power loss) leaves: a temporary file beside an output. Resume must discard it.
    stale = out / ".xl-x1y2z3ab.tmp"
    stale.write_text("half a translat")

    res = run_xling(*args, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"skipping {len(finished)} of {N_DOCS}" in res.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(expected), "a document was lost or written twice"
    assert not leftover_temps(out)
    for name, count in expected.items():
        lines = (out / name).read_text(encoding="utf-8").splitlines()
        assert len(lines) == count and all(line.strip() for line in lines), name
    for name, mtime in finished.items():
        assert (out / name).stat().st_mtime_ns == mtime, f"{name} was translated again"
    # The same document under two names, one done before the interrupt (or not), gets the same translation.
    assert (out / "doc0.txt").read_bytes() == (out / "doc9_copy.txt").read_bytes()
