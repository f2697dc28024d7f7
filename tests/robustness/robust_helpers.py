"""Helpers for the robustness suite: run the CLI in-process or as a real process, and judge how it failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

# The installed console script of the interpreter running the tests (.venv/bin/xling).
XLING = Path(sys.executable).with_name("xling")
ROOT = Path(__file__).resolve().parents[2]
SEED_DE = ROOT / "seeds" / "000_2c29ad0641dc83f6.txt"
SEED_EN = ROOT / "seeds" / "002_ade6ea3ef36ce7e0.txt"
SEED_FA = ROOT / "seeds" / "003_25baae2a21a7165f.txt"


def run_cli(*args: object, stdin: str | bytes | None = None) -> Result:
    """Invoke `xling ARGS` in this process (the cheap way: torch and transformers are imported once)."""
    from xling.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


def run_xling(*args: object, env: dict | None = None, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """Run the real `xling` executable, for what only a process shows: exit status, signals, resource limits."""
    return subprocess.run([str(XLING), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, **kw)


def _describe(result: Result) -> str:
    """The output and any escaped exception of a CliRunner result, for assertion messages."""
    import traceback

    exc = ""
    if result.exc_info and not isinstance(result.exception, SystemExit):
        exc = "".join(traceback.format_exception(*result.exc_info))
    return f"exit {result.exit_code}\nstdout: {result.stdout[-2000:]!r}\nstderr: {result.stderr[-2000:]!r}\n{exc}"


def assert_ok(result: Result) -> None:
    """The command succeeded without an escaped exception or a traceback."""
    assert result.exit_code == 0 and (result.exception is None or isinstance(result.exception, SystemExit)), \
        _describe(result)
    assert "Traceback" not in result.output, _describe(result)


def assert_clean_error(result: Result | subprocess.CompletedProcess, code: int, *needles: str) -> str:
    """The command failed with exit `code` and exactly one `Error:` line (no traceback); return that line.

    `needles` must appear in the line (case-insensitive): the message has to name what went wrong.
    """
    if isinstance(result, Result):
        escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
        assert not escaped, _describe(result)
        rc, stdout, stderr, info = result.exit_code, result.stdout, result.stderr, _describe(result)
    else:
        rc, stdout, stderr = result.returncode, result.stdout, result.stderr
        info = f"exit {rc}\nstdout: {stdout[-2000:]!r}\nstderr: {stderr[-3000:]!r}"
    assert rc == code, info
    assert "Traceback" not in stdout + stderr, info
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, info
    line = errors[0]
    assert len(line) > len("Error: ") + 10, info
    for needle in needles:
        assert needle.lower() in line.lower(), f"{needle!r} not in {line!r}"
    return line


def leftover_temps(folder: Path) -> list[Path]:
    """Temporary files an output writer left behind anywhere under `folder`."""
    return [p for p in folder.rglob("*") if p.is_file() and (p.name.endswith(".tmp") or ".tmp." in p.name)]
