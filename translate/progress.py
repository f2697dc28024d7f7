"""Progress on stderr with one switch for the whole process, so `-q/--quiet` silences every bar whichever layer
draws it (preparation, embedding, translation, matching)."""

from __future__ import annotations

import sys
from typing import Any

_ENABLED = [True]


def progress_enabled() -> bool:
    """Whether progress may be shown at all (False after set_progress(False), as `-q` does)."""
    return _ENABLED[0]


def set_progress(enabled: bool) -> bool:
    """Switch progress on or off for the process; returns the previous setting, to restore it afterwards."""
    previous, _ENABLED[0] = _ENABLED[0], bool(enabled)
    return previous


def progress_bar(total: float | None, desc: str, unit: str = "it", enabled: bool = True, **options: Any):
    """A tqdm bar on stderr, drawing nothing when `enabled` is False or progress is switched off."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True,
                disable=not (enabled and progress_enabled()), **options)


def progress_note(message: str) -> None:
    """One line on stderr saying what a slow step without a count is doing (loading a model); nothing when off."""
    if progress_enabled():
        print(message, file=sys.stderr, flush=True)
