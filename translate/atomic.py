"""Atomic file output: write to a temporary file beside the target, then rename, so no output is ever half-written.

Three guarantees live here, for every command that writes files:
- `check_not_input`: no output is, or resolves to, one of the run's inputs (checked before anything is written);
- `atomic_open` / `write_text_atomic`: one file replaced whole, with a short temporary name (`.xl-XXXXXXXX.tmp`)
  that fits wherever the final name fits; inside an output folder xling owns (`follow_links=False`) a symlink
  found there is replaced, never written through;
- `write_file_set`: several files of one folder (compare's four outputs) replaced together or not at all, even
  across kill -9, by a staging folder and a commit journal that the next write rolls forward.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO

from translate.errors import InputError

# Temporary names are short and fixed in length, so they fit wherever the output's own name fits (a 250-byte
# file name plus a suffix would not). mkstemp adds 8 random characters: ".xl-k2x9q0ab.tmp".
TEMP_PREFIX, TEMP_SUFFIX = ".xl-", ".tmp"
TEMP_NAME = re.compile(r"\.xl-[a-z0-9_]{8}\.tmp")

# write_file_set's staging folder and commit journal inside the output folder (one writer at a time: flock).
_STAGE = ".xl-stage"
_JOURNAL = ".xl-commit"
_JOURNAL_TMP = ".xl-commit.tmp"

# Test hook, read only by write_file_set: the name of a step (see FILE_SET_STEPS) at which the writer prints
# "paused at STEP" on stderr and sleeps, so a test can kill the process exactly there.
PAUSE_ENV = "XLING_TEST_PAUSE_AT"
FILE_SET_STEPS = ("staging", "staged", "journal-temp", "journal", "renamed:K", "released")


def _read_umask() -> int:
    """The process umask (read once at import, while no other thread can create files in between)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates 0600 files; a finished output gets the mode a plain open() would have given it.
_NEW_FILE_MODE = 0o666 & ~_read_umask()


# ---------------------------------------------------------------------------------------------------------------
# Outputs that are inputs


def _identities(path: Path, follow_links: bool) -> set:
    """What `path` names: its resolved path, and its (device, inode) when it exists.

    With follow_links=False the last component is taken as it is (a link there is the link, not its target).
    """
    if follow_links:
        ids: set = {os.path.realpath(path)}
        probe = os.stat
    else:
        ids = {os.path.join(os.path.realpath(path.parent), path.name)}
        probe = os.lstat
    try:
        st = probe(path)
        ids.add((st.st_dev, st.st_ino))
    except (OSError, ValueError):
        pass  # not there yet (or a name the OS rejects): only the path can match
    return ids


def check_not_input(outputs: Iterable[str | Path], inputs: Iterable[str | Path], *, follow_links: bool = True) -> None:
    """InputError naming both paths when an output is, or resolves to, an input (same path, link, hard link, folder).

    Call it before writing (and before loading models). `follow_links=False` is for files xling owns inside an
    output folder, which are replaced rather than written through: only the name itself is compared there.
    Inputs are compared both as named and as resolved, so neither the data nor the user's link is replaced.
    """
    named = [Path(p) for p in inputs if str(p) != "-"]
    known = [(p, _identities(p, True) | _identities(p, False)) for p in named]
    for out in outputs:
        if str(out) == "-":
            continue
        mine = _identities(Path(out), follow_links)
        for inp, theirs in known:
            if mine & theirs:
                what = "folder" if os.path.isdir(inp) else "file"
                raise InputError(f"the output {out} is the input {inp} (the same {what}); write the output somewhere "
                                 f"that is not an input.")


# ---------------------------------------------------------------------------------------------------------------
# One file


def _special_file(target: Path) -> bool:
    """Whether `target` exists and is not a regular file: a device (/dev/null, /dev/full), a FIFO or a socket."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _file_mode(target: Path, follow_links: bool = True) -> int:
    """The permissions an output gets: those of the regular file it replaces, else what open() would have given."""
    try:
        st = os.stat(target) if follow_links else os.lstat(target)
    except FileNotFoundError:
        return _NEW_FILE_MODE
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else _NEW_FILE_MODE


def _check_target(path: Path, target: Path) -> None:
    """InputError when the output cannot be a file: it is a folder, or a file stands where its folder should be."""
    if stat.S_ISDIR(_lmode(target)):
        raise InputError(f"the output {path} is a folder; give a file name.")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"cannot write {path}: {parent} is a file, not a folder.")
            break


def _lmode(path: Path) -> int:
    """The file type bits of `path` itself (0 when nothing is there)."""
    try:
        return os.lstat(path).st_mode
    except OSError:
        return 0


def _named(exc: OSError, path: str | Path) -> OSError:
    """`exc` naming the output the user knows about, not the temporary file nobody does."""
    return OSError(exc.errno, exc.strerror, str(path))


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8", *,
                follow_links: bool = True) -> Iterator[IO]:
    """Open a temporary file beside `path`; on success rename it over `path`, on any error delete it.

    follow_links=True is for a path the user named (`-o FILE`): a symlink is followed, so the link stays and its
    target is replaced, and a device or FIFO (`-o /dev/stdout`, /dev/null, a named pipe) is written in place.
    follow_links=False is for a file xling owns inside an output folder: whatever stands at `path` (a symlink, a
    FIFO) is replaced by the new regular file and never written through.
    """
    binary = "b" in mode
    path = Path(path)
    if follow_links:
        target = Path(os.path.realpath(path))
        if _special_file(target):
            with open(target, mode, encoding=None if binary else encoding) as fh:
                yield fh
            return
    else:
        # The folder was named by the user and may be reached through links; only the last component is ours.
        target = Path(os.path.realpath(path.parent)) / path.name
    _check_target(path, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
    except OSError as exc:
        raise _named(exc, path) from None
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as fh:
            os.fchmod(fh.fileno(), _file_mode(target, follow_links))
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise _named(exc, path) from None  # e.g. a name the file system rejects (too long, bad bytes)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | Path, text: str, *, follow_links: bool = True) -> Path:
    """Write `text` to `path` atomically (UTF-8) and return the path."""
    with atomic_open(path, "w", follow_links=follow_links) as fh:
        fh.write(text)
    return Path(path)


def stale_temps(folder: Path, before: float, names: Iterable[str] = ()) -> list[Path]:
    """Temporary files a killed earlier run left in `folder`, last written before `before` (a run's start time).

    A newer one belongs to a run writing the same folder right now, and deleting it would make that run's rename
    fail. `names` also finds the longer temporary names of earlier xling versions (".NAME.XXXXXXXX.tmp").
    """
    legacy = {f".{n}" for n in names}
    stale = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    for entry in entries:
        name = entry.name
        # mkstemp's random part never holds a dot, so what precedes the last one is ".NAME" in the old naming.
        ours = TEMP_NAME.fullmatch(name) or (
            name.endswith(TEMP_SUFFIX) and name[: -len(TEMP_SUFFIX)].rsplit(".", 1)[0] in legacy)
        if not ours:
            continue
        with contextlib.suppress(FileNotFoundError):  # the other run renamed or removed it meanwhile
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < before:
                stale.append(Path(entry.path))
    return stale


# ---------------------------------------------------------------------------------------------------------------
# A set of files that changes together


_paused: set[str] = set()


def _pause(step: str) -> None:
    """Test hook: stop once at `step` when $XLING_TEST_PAUSE_AT names it, so a test can signal the process there."""
    if os.environ.get(PAUSE_ENV) == step and step not in _paused:
        _paused.add(step)
        sys.stderr.write(f"paused at {step}\n")
        sys.stderr.flush()
        time.sleep(3600)


def _plain_name(name: object) -> bool:
    """Whether `name` is a file name of its own (no folder part) that is not one of write_file_set's own."""
    return (isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\0" not in name
            and not name.startswith(TEMP_PREFIX))


def _fsync_folder(fd: int) -> None:
    """Make renames in a folder durable; a file system that cannot sync folders is left as it is."""
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[int]:
    """Hold an exclusive lock on `folder` (one set writer at a time); yield the folder's descriptor."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with contextlib.suppress(OSError):  # no flock on this file system: concurrent writers are not serialised
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd  # the lock goes with the descriptor, also when the process is killed
    finally:
        os.close(fd)


def _journal_names(journal: Path) -> list[str] | None:
    """The file names a commit journal lists, or None when it is not a journal write_file_set wrote."""
    if not stat.S_ISREG(_lmode(journal)):
        return None
    try:
        names = json.loads(journal.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return names if isinstance(names, list) and all(_plain_name(n) for n in names) else None


def _remove(path: Path) -> None:
    """Delete whatever stands at `path` (a file, a link, or a folder, which is not followed)."""
    mode = _lmode(path)
    if stat.S_ISDIR(mode):
        shutil.rmtree(path)
    elif mode:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _roll_forward(out: Path, fd: int, names: list[str]) -> None:
    """Move every staged file into place, then drop the journal and the staging folder (the commit's second half)."""
    stage = out / _STAGE
    for k, name in enumerate(names, 1):
        try:
            os.replace(stage / name, out / name)
        except FileNotFoundError:
            pass  # moved before an interruption: staged files only ever leave by this rename
        except OSError as exc:
            raise _named(exc, out / name) from None
        _pause(f"renamed:{k}")
    _fsync_folder(fd)
    with contextlib.suppress(FileNotFoundError):  # a second pass after an interruption finds it gone
        os.unlink(out / _JOURNAL)
    _fsync_folder(fd)
    _pause("released")
    _remove(stage)


def _recover(out: Path, fd: int) -> None:
    """Finish what a killed writer left in `out`: roll a committed set forward, delete an uncommitted one."""
    journal = out / _JOURNAL
    names = _journal_names(journal)
    if names is not None and stat.S_ISDIR(_lmode(out / _STAGE)):
        _roll_forward(out, fd, names)
        return
    # No commit happened (or what stands there is not ours): the old set is whole; drop the half-written one.
    for leftover in (journal, out / _JOURNAL_TMP, out / _STAGE):
        _remove(leftover)


def finish_file_set(outdir: str | Path) -> None:
    """Complete or discard a `write_file_set` that a killed process left unfinished in `outdir` (no-op otherwise)."""
    out = Path(outdir)
    if out.is_dir():
        with _locked(out) as fd:
            _recover(out, fd)


def _stage_file(path: Path, data: str | bytes, mode: int) -> None:
    """Write and sync one staged file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    binary = isinstance(data, bytes)
    with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh:
        os.fchmod(fh.fileno(), mode)
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_file_set(outdir: str | Path, files: Mapping[str, str | bytes]) -> dict[str, Path]:
    """Replace the files named in `files` (name -> text or bytes) inside `outdir` together; return their paths.

    After a failure or a kill at any point, `outdir` holds the whole previous set, or the whole new one once the
    next write (or `finish_file_set`) has run: files are staged in `outdir/.xl-stage`, synced, committed by
    writing the journal `outdir/.xl-commit`, then renamed into place. A link or FIFO standing at an output's name
    is replaced, never written through. The step pauses of $XLING_TEST_PAUSE_AT are a test hook.
    """
    out = Path(outdir)
    names = list(files)
    bad = [n for n in names if not _plain_name(n)]
    if bad:
        raise ValueError(f"write_file_set takes plain file names, not {bad[0]!r}")
    if out.exists() and not out.is_dir():
        raise InputError(f"the output folder {out} is a file; give a folder.")
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out) as fd:
        _recover(out, fd)
        for name in names:
            if stat.S_ISDIR(_lmode(out / name)):
                raise InputError(f"cannot write {out / name}: it is a folder; move it away or write elsewhere.")
        stage = out / _STAGE
        os.mkdir(stage)
        try:
            for k, name in enumerate(names):
                _stage_file(stage / name, files[name], _file_mode(out / name, follow_links=False))
                if k == 0:
                    _pause("staging")
            sfd = os.open(stage, os.O_RDONLY | os.O_DIRECTORY)
            try:
                _fsync_folder(sfd)
            finally:
                os.close(sfd)
            _pause("staged")
            jfd = os.open(out / _JOURNAL_TMP, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(jfd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps({"stage": _STAGE, "files": names}) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            _pause("journal-temp")
        except BaseException:
            _remove(stage)
            _remove(out / _JOURNAL_TMP)
            raise
        os.replace(out / _JOURNAL_TMP, out / _JOURNAL)  # the commit point
        _fsync_folder(fd)
        _pause("journal")
        try:
            _roll_forward(out, fd, names)
        except BaseException:
            # Ctrl-C or SIGTERM mid-commit arrives as an exception: the renames take a moment, so finish them and
            # leave the new set whole. A real failure fails again here and is left to the next write.
            with contextlib.suppress(Exception):
                _roll_forward(out, fd, names)
            raise
    return {name: out / name for name in names}
