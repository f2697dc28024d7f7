"""Content fingerprints of model folders, the model part of every cache key and CTranslate2 conversion name.

A fingerprint hashes the content of every file in the folder that can change a translation: weights, tokenizer
files, configs. Names, sizes or the first megabyte are not enough: a model retrained or a tokenizer swapped in
place keeps them, and a stale fingerprint serves old translations from the cache and an old conversion to CT2.

Hashing a model of several hundred MB takes seconds, too long to repeat on every run, so each file's digest is
remembered against its (path, size, mtime, inode, ctime) in a small JSON memo in the xling cache folder and the
file is read again only when its stat changes. Any write to a file moves its ctime, which no user call can set
back (os.utime moves it too), so a rewrite of the same size with the old mtime restored is still seen. The one
blind spot is a second write within the file system's timestamp tick of the hash; digests of files changed
within RACY_WINDOW_NS of hashing are therefore not trusted until the file has been still for longer. A memo that
cannot be read or written costs re-hashing, never the run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path

from translate.paths import default_cache_dir

log = logging.getLogger(__name__)

MEMO_FILE = "file-hashes.json"
_MEMO_VERSION = 1
_MEMO_LIMIT = 4096  # entries kept in the memo file; the oldest hashes go first
# A file whose ctime is this close to the moment it was hashed may be written again within the same timestamp tick
# (coarse kernel clocks, 2 s on FAT), leaving its stat unchanged; its digest is only trusted once it is older.
RACY_WINDOW_NS = 2_000_000_000

# Files a model folder may hold that never reach a translation: documentation, other frameworks' weights and the
# leftovers of training. Everything else (configs, tokenizer files of any name, weights) is hashed.
_IGNORED_SUFFIXES = (".md", ".h5", ".msgpack", ".ot", ".onnx", ".tflite", ".png", ".jpg", ".jpeg", ".gif", ".svg")
_IGNORED_NAMES = {"LICENSE", "LICENSE.txt", "optimizer.pt", "scheduler.pt", "trainer_state.json",
                  "training_args.bin"}

_lock = threading.Lock()
_seen: dict[str, list] = {}  # this process's memo, which also spares re-hashing when the memo file is unusable


def output_files(folder: Path) -> list[Path]:
    """The files of a model folder that can change its translations, sorted by name."""
    names = sorted(entry.name for entry in os.scandir(folder) if entry.is_file())  # follows hub-cache symlinks
    has_safetensors = any(name.endswith(".safetensors") for name in names)
    keep = []
    for name in names:
        if name.startswith(".") or name in _IGNORED_NAMES or name.endswith(_IGNORED_SUFFIXES):
            continue
        if has_safetensors and name.startswith("pytorch_model") and ".bin" in name:
            continue  # transformers and the CT2 converter load the safetensors weights when both exist
        keep.append(folder / name)
    return keep


def model_fingerprint(folder: str | Path) -> str:
    """A short hash of the names and contents of every file in `folder` that can change a translation."""
    folder = Path(folder)
    memo = _load_memo()
    changed = False
    digest = hashlib.sha256()
    for path in output_files(folder):
        file_hash, fresh = _file_hash(path, memo)
        changed |= fresh
        digest.update(f"{path.name}\0{file_hash}\n".encode())
    if changed:
        _save_memo(memo)
    return digest.hexdigest()[:16]


def _stat_key(st: os.stat_result) -> list[int]:
    """What must stay equal for a remembered digest to still hold."""
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


def _file_hash(path: Path, memo: dict[str, list]) -> tuple[str, bool]:
    """The sha256 of one file, from the memo when its stat is unchanged; and whether it was hashed now."""
    real = os.path.realpath(path)
    st = os.stat(real)
    key = _stat_key(st)
    for source in (_seen, memo):
        entry = source.get(real)
        if entry and entry[:4] == key and st.st_ctime_ns < entry[4] - RACY_WINDOW_NS:
            if source is _seen:
                memo[real] = entry
            return entry[5], False
    hashed_at = time.time_ns()  # taken before reading: a write during the read moves ctime past it
    file_hash = _hash_file(real)
    entry = [*key, hashed_at, file_hash]
    with _lock:
        _seen[real] = entry
    memo[real] = entry
    return file_hash, True


def _hash_file(path: str) -> str:
    """The sha256 hex digest of a file's content."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _memo_path() -> Path:
    """Where the digests are remembered between runs."""
    return default_cache_dir() / MEMO_FILE


def _load_memo() -> dict[str, list]:
    """The remembered digests, or none when the memo is missing, unreadable or from another version."""
    try:
        data = json.loads(_memo_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _MEMO_VERSION or not isinstance(data.get("files"), dict):
        return {}
    return {path: entry for path, entry in data["files"].items() if _well_formed(entry)}


def _well_formed(entry: object) -> bool:
    """Whether a memo entry is [size, mtime_ns, inode, ctime_ns, hashed_at_ns, sha256] (an edited memo may not be)."""
    return (isinstance(entry, list) and len(entry) == 6 and all(type(v) is int for v in entry[:5])
            and isinstance(entry[5], str))


def _save_memo(memo: dict[str, list]) -> None:
    """Write the memo back (newest entries kept); a failure only means hashing again next run."""
    from translate.atomic import write_text_atomic
    from translate.errors import XlingError

    newest = sorted(memo.items(), key=lambda item: item[1][4], reverse=True)[:_MEMO_LIMIT]
    try:
        write_text_atomic(_memo_path(), json.dumps({"version": _MEMO_VERSION, "files": dict(newest)}))
    except (OSError, XlingError) as exc:
        log.debug("could not write the file-hash memo %s: %s", _memo_path(), exc)
