"""A batch job's finished work, one file per source, so a killed job resumes where it stopped.

Each source's results are written once, atomically, under OUT/.xling-batch/ as soon as they are complete. A file
holds the source's id, a fingerprint of its text and of the job's settings, its pairings and its results; a rerun
takes a source from it only when both fingerprints match, so changed input or settings are redone, never reused.
Files are JSON, not pickles: an output folder is not trusted to hold code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from align.pairing import Pairing
from translate.atomic import write_text_atomic
from translate.document import Document, Dropped, Sentence
from xling.pipeline.results import MatchRecord, SourceResult

STATE_DIR = ".xling-batch"
# Bump when the file layout or what a saved result holds changes; older files are then redone. 3: possible matches
# and each match's evidence (a format-2 file would resume without them).
FORMAT = 3


def fingerprint(*parts: object) -> str:
    """A short stable hash of JSON-serialisable parts (texts, settings)."""
    data = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:32]


class JobState:
    """The finished sources of one job's output folder."""

    def __init__(self, outdir: str | Path, settings: dict) -> None:
        self.folder = Path(outdir) / STATE_DIR
        self.settings_key = fingerprint(FORMAT, settings)

    def _path(self, source_id: str) -> Path:
        # Hashed names fit any file system whatever the id (slashes, 300 characters, another script).
        return self.folder / f"{hashlib.sha256(source_id.encode('utf-8')).hexdigest()[:24]}.json"

    def load(self, source_id: str, text: str) -> tuple[list[Pairing], list[SourceResult]] | None:
        """The saved pairings and results of a source, or None when absent, stale or unreadable."""
        path = self._path(source_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (data.get("id") != source_id or data.get("text") != fingerprint(text)
                or data.get("settings") != self.settings_key):
            return None
        try:
            return ([Pairing(**p) for p in data["pairings"]], [_result_from_dict(r) for r in data["results"]])
        except (KeyError, TypeError, ValueError):
            return None

    def save(self, source_id: str, text: str, pairings: list[Pairing], results: list[SourceResult]) -> None:
        """Record a finished source (atomically: a kill leaves the old state or the new one)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"id": source_id, "text": fingerprint(text), "settings": self.settings_key,
                "pairings": [p.to_dict() for p in pairings], "results": [_result_to_dict(r) for r in results]}
        write_text_atomic(self._path(source_id), json.dumps(data, ensure_ascii=False), follow_links=False)


def _result_to_dict(src: SourceResult) -> dict:
    doc = src.document
    return {
        "document": {"doc_id": doc.doc_id, "lang": doc.lang, "text": doc.text, "path": doc.path,
                     "sentences": [asdict(s) for s in doc.sentences], "dropped": [asdict(d) for d in doc.dropped]},
        "translations": src.translations, "translation_status": src.translation_status,
        "translation_note": src.translation_note, "matches": [m.to_dict() for m in src.matches],
        "possible": [m.to_dict() for m in src.possible], "matching": src.matching, "signature": src.signature,
        "nearest": src.nearest, "nearest_for_reference": src.nearest_for_reference,
    }


def _result_from_dict(data: dict) -> SourceResult:
    d = data["document"]
    doc = Document(d["doc_id"], d["lang"], d["text"], [Sentence(**s) for s in d["sentences"]],
                   [Dropped(**x) for x in d["dropped"]], d["path"])
    return SourceResult(doc, data["translations"], data["translation_status"], data["translation_note"],
                        matches=[MatchRecord(**m) for m in data["matches"]], matching=data["matching"],
                        possible=[MatchRecord(**m) for m in data["possible"]],
                        signature=data["signature"], nearest=[tuple(x) for x in data["nearest"]],
                        nearest_for_reference=[tuple(x) for x in data["nearest_for_reference"]])
