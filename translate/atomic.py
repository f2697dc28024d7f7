"""Atomic file output: write to a temporary file beside the target, then rename, so no output is ever half-written."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from translate.errors import InputError


def _read_umask() -> int:
    """The process umask (read once at import, while no other thread can create files in between)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates 0600 files; a finished output gets the mode a plain open() would have given it.
_NEW_FILE_MODE = 0o666 & ~_read_umask()


def _special_file(target: Path) -> bool:
    """Whether `target` exists and is not a regular file: a device (/dev/null, /dev/full), a FIFO or a socket."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _file_mode(target: Path) -> int:
    """The permissions an output gets: those of the file it replaces, else what open() would have given."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return _NEW_FILE_MODE


def _check_target(path: Path, target: Path) -> None:
    """InputError when the output cannot be a file: it is a folder, or a file stands where its folder should be."""
    if target.is_dir():
        raise InputError(f"the output {path} is a folder; give a file name.")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"cannot write {path}: {parent} is a file, not a folder.")
            break


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside `path`; on success rename it over `path`, on any error delete it.

    A symlink is followed, so the link stays and its target is replaced. A device or FIFO (`-o /dev/stdout`,
    /dev/null, a named pipe) is written in place: renaming over it would replace the device node itself.
    """
    binary = "b" in mode
    target = Path(os.path.realpath(path))
    if _special_file(target):
        with open(target, mode, encoding=None if binary else encoding) as fh:
            yield fh
        return
    _check_target(Path(path), target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        # Name the output the user asked for, not the temporary file nobody knows about.
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as fh:
            os.fchmod(fh.fileno(), _file_mode(target))
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write `text` to `path` atomically (UTF-8) and return the path."""
    with atomic_open(path, "w") as fh:
        fh.write(text)
    return Path(path)
